"""The numpy evaluators of qglm_ir.dialects.classical_eval, op by op."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qglm_ir.core.attributes import DenseArray, SymbolRef
from qglm_ir.core.errors import SemanticsError
from qglm_ir.core.evaluators import evaluate_op
from qglm_ir.core.ir import Operation, Value
from qglm_ir.core.module import Module
from qglm_ir.core.types import f64, i1, i64, tensor
from qglm_ir.dialects import classical_eval  # noqa: F401  (registers the evaluators)


def run(name, args, arg_types, result_type, **props):
    op = Operation(name, [Value(t) for t in arg_types], [result_type], props)
    return evaluate_op(op, list(args))[0]


def test_constants():
    assert run("arith.constant", [], [], f64, value=1.5) == 1.5
    assert run("arith.constant", [], [], i1, value=True) is True
    arr = run("arith.constant", [], [], tensor(2), value=DenseArray(np.array([1.0, 2.0])))
    np.testing.assert_array_equal(arr, [1.0, 2.0])
    assert run("arith.pi", [], [], f64) == math.pi


@pytest.mark.parametrize(
    "name,a,b,want",
    [("arith.add", 2.5, 1.0, 3.5), ("arith.sub", 2.5, 1.0, 1.5), ("arith.mul", 2.5, 2.0, 5.0), ("arith.div", 1.0, 4.0, 0.25)],
)
def test_float_binary(name, a, b, want):
    assert run(name, [a, b], [f64, f64], f64) == pytest.approx(want)


def test_integer_semantics():
    assert run("arith.div", [-7, 2], [i64, i64], i64) == -3  # truncation, like C and MLIR divsi
    assert run("arith.add", [2**63 - 1, 1], [i64, i64], i64) == -(2**63)  # wraps
    np.testing.assert_array_equal(
        run("arith.div", [np.array([-7, 7]), np.array([2, 2])], [tensor(2, element=i64)] * 2, tensor(2, element=i64)),
        [-3, 3],
    )
    with pytest.raises(SemanticsError, match="division by zero"):
        run("arith.div", [1, 0], [i64, i64], i64)


def test_unary_cmp_cast_select_logic():
    assert run("arith.neg", [2.0], [f64], f64) == -2.0
    assert run("arith.sin", [0.5], [f64], f64) == pytest.approx(math.sin(0.5))
    np.testing.assert_allclose(run("arith.cos", [np.array([0.0, math.pi])], [tensor(2)], tensor(2)), [1, -1])
    assert run("arith.cmp", [1.0, 2.0], [f64, f64], i1, predicate="lt") is True
    assert run("arith.cmp", [3, 3], [i64, i64], i1, predicate="ne") is False
    assert run("arith.cast", [-2.7], [f64], i64) == -2
    assert run("arith.cast", [True], [i1], f64) == 1.0
    assert run("arith.cast", [5], [i64], i1) is True
    assert run("arith.select", [False, 1.0, 2.0], [i1, f64, f64], f64) == 2.0
    assert run("arith.xor", [True, True], [i1, i1], i1) is False
    assert run("arith.and", [True, False], [i1, i1], i1) is False
    assert run("arith.or", [True, False], [i1, i1], i1) is True
    assert run("arith.not", [False], [i1], i1) is True


def test_tensor_ops():
    m = np.arange(6.0).reshape(2, 3)
    assert run("tensor.extract", [m, 1, 2], [tensor(2, 3), i64, i64], f64) == 5.0
    with pytest.raises(SemanticsError, match="index 3 out of range for dimension 1"):
        run("tensor.extract", [m, 0, 3], [tensor(2, 3), i64, i64], f64)
    got = run("tensor.from_elements", [1.0, 2.0, 3.0, 4.0], [f64] * 4, tensor(2, 2))
    np.testing.assert_array_equal(got, [[1, 2], [3, 4]])
    got = run("tensor.concat", [m, m], [tensor(2, 3)] * 2, tensor(2, 6), axis=1)
    assert got.shape == (2, 6)
    got = run("tensor.reshape", [m], [tensor(2, 3)], tensor(3, 2))
    assert got.shape == (3, 2)


def test_param_get_reads_init_from_module():
    module = Module("m")
    module.append(Operation("param.decl", properties={"sym_name": "w", "type": f64, "trainable": True, "init": 0.5}))
    module.append(Operation("param.decl", properties={"sym_name": "v", "type": f64, "trainable": True}))
    from qglm_ir.core.ir import Block, Region

    blk = Block()
    holder = Operation("func.func", properties={"sym_name": "f"}, regions=[Region([blk])])
    module.append(holder)
    get = blk.append(Operation("param.get", [], [f64], {"name": SymbolRef("w")}))
    assert evaluate_op(get, []) == [0.5]
    get_v = blk.append(Operation("param.get", [], [f64], {"name": SymbolRef("v")}))
    with pytest.raises(SemanticsError, match="@v has no value"):
        evaluate_op(get_v, [])
    get_x = blk.append(Operation("param.get", [], [f64], {"name": SymbolRef("x")}))
    with pytest.raises(SemanticsError, match="not declared"):
        evaluate_op(get_x, [])
