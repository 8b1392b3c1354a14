"""Reverse-mode rules of the classical host ops against central finite differences of their evaluators."""

from __future__ import annotations

import numpy as np
import pytest

from qglm_ir import dialects  # noqa: F401  (registers the evaluators)
from qglm_ir.core.attributes import DenseArray
from qglm_ir.core.errors import Location
from qglm_ir.core.evaluators import get_evaluator
from qglm_ir.core.ir import Operation, Value
from qglm_ir.core.types import TensorType, f64, i1, i64
from qglm_ir.training.errors import TrainingError
from qglm_ir.training.vjp import get_vjp, pullback


def T(*shape: int) -> TensorType:
    return TensorType(tuple(shape), f64)


rng = np.random.default_rng(3)


def r(*shape: int) -> np.ndarray | float:
    return rng.normal(size=shape) if shape else float(rng.normal())


# (op, operand types, result types, properties, operand values)
CASES = [
    ("nn.dense", [T(5), T(3, 5), T(3)], [T(3)], {"activation": "tanh"}, [r(5), r(3, 5), r(3)]),
    ("nn.dense", [T(5), T(3, 5), T(3)], [T(3)], {"activation": "sigmoid"}, [r(5), r(3, 5), r(3)]),
    ("nn.dense", [T(5), T(3, 5), T(3)], [T(3)], {"activation": "relu"}, [r(5), r(3, 5), r(3)]),
    ("nn.dense", [T(4, 5), T(3, 5)], [T(4, 3)], {"activation": "none"}, [r(4, 5), r(3, 5)]),
    ("nn.relu", [T(6)], [T(6)], {}, [r(6)]),
    ("nn.tanh", [T(6)], [T(6)], {}, [r(6)]),
    ("nn.sigmoid", [f64], [f64], {}, [r()]),
    ("nn.angle", [T(2, 3)], [T(2, 3)], {}, [r(2, 3)]),
    ("nn.softmax", [T(2, 4)], [T(2, 4)], {}, [r(2, 4)]),
    ("nn.normalize", [T(4)], [T(4)], {}, [r(4)]),
    ("nn.embed", [TensorType((3,), i64), T(5, 2)], [T(3, 2)], {}, [np.array([1, 4, 1]), r(5, 2)]),
    ("nn.index", [T(4, 2), i64], [T(2)], {}, [r(4, 2), 2]),
    ("nn.slice", [T(5, 2)], [T(2, 2)], {"start": 1, "stop": 3}, [r(5, 2)]),
    ("nn.broadcast", [f64], [T(2, 3)], {}, [r()]),
    ("nn.reduce", [T(5)], [f64], {"kind": "sum"}, [r(5)]),
    ("nn.reduce", [T(5)], [f64], {"kind": "mean"}, [r(5)]),
    ("nn.reduce", [T(5)], [f64], {"kind": "max"}, [r(5)]),
    ("nn.reduce", [T(5)], [f64], {"kind": "min"}, [r(5)]),
    ("arith.add", [T(3), T(3)], [T(3)], {}, [r(3), r(3)]),
    ("arith.sub", [f64, f64], [f64], {}, [r(), r()]),
    ("arith.mul", [T(3), T(3)], [T(3)], {}, [r(3), r(3)]),
    ("arith.div", [f64, f64], [f64], {}, [r(), 1.5]),
    ("arith.neg", [T(2)], [T(2)], {}, [r(2)]),
    ("arith.sin", [f64], [f64], {}, [r()]),
    ("arith.cos", [T(3)], [T(3)], {}, [r(3)]),
    ("arith.select", [i1, f64, f64], [f64], {}, [True, r(), r()]),
    ("arith.select", [i1, f64, f64], [f64], {}, [False, r(), r()]),
    ("tensor.extract", [T(3, 2), i64, i64], [f64], {}, [r(3, 2), 2, 1]),
    ("tensor.from_elements", [f64, f64, f64, f64], [T(2, 2)], {}, [r(), r(), r(), r()]),
    ("tensor.concat", [T(2, 3), T(1, 3)], [T(3, 3)], {"axis": 0}, [r(2, 3), r(1, 3)]),
    ("tensor.concat", [T(2, 1), T(2, 2)], [T(2, 3)], {"axis": 1}, [r(2, 1), r(2, 2)]),
    ("tensor.reshape", [T(2, 3)], [T(3, 2)], {}, [r(2, 3)]),
]


def _op(name, in_types, out_types, props) -> Operation:
    return Operation(name, [Value(t) for t in in_types], list(out_types), dict(props), None, (),
                     Location("model.qglm", 3, 7))


def _is_float(t) -> bool:
    return (t.element if isinstance(t, TensorType) else t) == f64


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_matches_central_differences(case):
    name, in_types, out_types, props, values = case
    op = _op(name, in_types, out_types, props)
    ev = get_evaluator(name)
    outs = ev(op, values)
    cts = [r(*np.shape(o)) for o in outs]

    def objective(vals):
        return sum(float(np.sum(np.asarray(c) * np.asarray(o))) for c, o in zip(cts, ev(op, vals)))

    grads = pullback(op, values, outs, cts)
    assert len(grads) == len(values)
    h = 1e-6
    for k, (t, v) in enumerate(zip(in_types, values)):
        if not _is_float(t):
            assert grads[k] is None
            continue
        base = np.asarray(v, dtype=np.float64)
        fd = np.zeros(base.shape)
        for idx in np.ndindex(base.shape):
            vals = []
            for s in (1.0, -1.0):
                x = base.copy()
                x[idx] += s * h
                vals.append(objective([*values[:k], x if base.shape else float(x), *values[k + 1:]]))
            fd[idx] = (vals[0] - vals[1]) / (2 * h)
        got = np.zeros(base.shape) if grads[k] is None else np.asarray(grads[k])
        assert got.shape == base.shape, (name, k)
        np.testing.assert_allclose(got, fd, atol=1e-6, rtol=1e-6, err_msg=f"{name} operand {k}")


def test_every_differentiable_host_op_has_a_rule():
    for name in ("nn.dense", "nn.relu", "nn.tanh", "nn.sigmoid", "nn.angle", "nn.softmax", "nn.normalize",
                 "nn.embed", "nn.index", "nn.slice", "nn.broadcast", "nn.reduce", "arith.add", "arith.sub",
                 "arith.mul", "arith.div", "arith.neg", "arith.sin", "arith.cos", "arith.select", "arith.cast",
                 "tensor.extract", "tensor.from_elements", "tensor.concat", "tensor.reshape"):
        assert get_vjp(name) is not None, name


def test_op_without_rule_is_a_located_error_only_when_a_gradient_reaches_it():
    op = _op("embed.amplitude_angles", [T(4)], [T(3)], {"num_qubits": 2})
    assert pullback(op, [r(4)], [r(3)], [None]) == [None]  # nothing flows: fine
    with pytest.raises(TrainingError) as err:
        pullback(op, [r(4)], [r(3)], [r(3)])
    assert err.value.loc == Location("model.qglm", 3, 7)
    assert "embed.amplitude_angles" in err.value.message


def test_constant_has_no_gradient():
    op = _op("arith.constant", [], [T(2)], {"value": DenseArray(np.ones(2))})
    assert pullback(op, [], [np.ones(2)], [np.ones(2)]) == []
