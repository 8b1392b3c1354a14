"""The ``nn`` dialect: verifier rules and numpy evaluators."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qglm_ir.core.errors import SemanticsError, VerifyError
from qglm_ir.core.evaluators import evaluate_op
from qglm_ir.core.ir import Block, Operation
from qglm_ir.core.opdef import get_opdef
from qglm_ir.core.types import Type, f64, i1, i64, tensor
from qglm_ir.dialects import nn  # noqa: F401  (registers the ops)


def _op(name: str, operand_types: list[Type], result_types: list[Type], props=None) -> Operation:
    block = Block(operand_types)
    return Operation(name, block.args, result_types, props)


def _verify(op: Operation) -> None:
    opdef = get_opdef(op.name)
    assert opdef is not None and opdef.verify is not None
    opdef.verify(op)


def test_dense_verifies_and_evaluates() -> None:
    op = _op("nn.dense", [tensor(3), tensor(2, 3), tensor(2)], [tensor(2)], {"activation": "relu"})
    _verify(op)
    x = np.array([1.0, -2.0, 0.5])
    w = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]])
    b = np.array([0.5, 0.5])
    (y,) = evaluate_op(op, [x, w, b])
    np.testing.assert_allclose(y, np.maximum(w @ x + b, 0))


def test_dense_batched_without_bias() -> None:
    op = _op("nn.dense", [tensor(4, 3), tensor(2, 3)], [tensor(4, 2)], {"activation": "tanh"})
    _verify(op)
    x = np.arange(12.0).reshape(4, 3) / 10
    w = np.ones((2, 3))
    (y,) = evaluate_op(op, [x, w])
    np.testing.assert_allclose(y, np.tanh(x @ w.T))


@pytest.mark.parametrize(
    "operands,results,props,message",
    [
        ([tensor(3), tensor(2, 4)], [tensor(2)], {}, "input has 3 features but the weights expect 4"),
        ([tensor(3), tensor(2, 3), tensor(3)], [tensor(2)], {}, "bias must be tensor<2xf64>"),
        ([tensor(3), tensor(2, 3)], [tensor(3)], {}, "result must be tensor<2xf64>"),
        ([tensor(3), tensor(2, 3)], [tensor(2)], {"activation": "gelu"}, "activation must be one of"),
        ([tensor(3, element=i64), tensor(2, 3)], [tensor(2)], {}, "input must be a tensor of f64"),
    ],
)
def test_dense_rejects(operands, results, props, message) -> None:
    with pytest.raises(VerifyError, match=message):
        _verify(_op("nn.dense", operands, results, props))


def test_activations_and_angle() -> None:
    x = np.array([-50.0, -1.0, 0.0, 1.0, 50.0])
    for name, ref in [
        ("nn.relu", np.maximum(x, 0)),
        ("nn.tanh", np.tanh(x)),
        ("nn.sigmoid", 1 / (1 + np.exp(-x))),
        ("nn.angle", math.pi / (1 + np.exp(-x))),
    ]:
        op = _op(name, [tensor(5)], [tensor(5)])
        _verify(op)
        (y,) = evaluate_op(op, [x])
        np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-300)
    scalar = _op("nn.angle", [f64], [f64])
    _verify(scalar)
    assert evaluate_op(scalar, [0.0]) == [pytest.approx(math.pi / 2)]
    with pytest.raises(VerifyError, match="operand must be f64"):
        _verify(_op("nn.relu", [i64], [i64]))


def test_softmax_and_normalize() -> None:
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]])
    op = _op("nn.softmax", [tensor(2, 3)], [tensor(2, 3)])
    _verify(op)
    (y,) = evaluate_op(op, [x])
    np.testing.assert_allclose(y.sum(axis=-1), [1.0, 1.0])
    np.testing.assert_allclose(y[1], [1 / 3] * 3)
    op = _op("nn.normalize", [tensor(2, 3)], [tensor(2, 3)])
    (y,) = evaluate_op(op, [x])
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), [1.0, 1.0])
    (z,) = evaluate_op(op, [np.zeros((2, 3))])
    assert np.all(z == 0)
    with pytest.raises(VerifyError, match="rank >= 1"):
        _verify(_op("nn.softmax", [f64], [f64]))


def test_embed() -> None:
    table = np.arange(12.0).reshape(4, 3)
    op = _op("nn.embed", [tensor(2, element=i64), tensor(4, 3)], [tensor(2, 3)])
    _verify(op)
    (y,) = evaluate_op(op, [np.array([3, 1]), table])
    np.testing.assert_array_equal(y, table[[3, 1]])
    scalar = _op("nn.embed", [i64, tensor(4, 3)], [tensor(3)])
    _verify(scalar)
    with pytest.raises(SemanticsError, match="token id out of range"):
        evaluate_op(scalar, [7, table])
    with pytest.raises(VerifyError, match="ids must be i64"):
        _verify(_op("nn.embed", [f64, tensor(4, 3)], [tensor(3)]))


def test_index_slice_broadcast_reduce() -> None:
    x = np.arange(6.0).reshape(3, 2)
    op = _op("nn.index", [tensor(3, 2), i64], [tensor(2)])
    _verify(op)
    np.testing.assert_array_equal(evaluate_op(op, [x, 2])[0], [4.0, 5.0])
    with pytest.raises(SemanticsError, match="out of range"):
        evaluate_op(op, [x, 3])
    sl = _op("nn.slice", [tensor(3, 2)], [tensor(2, 2)], {"start": 1, "stop": 3})
    _verify(sl)
    np.testing.assert_array_equal(evaluate_op(sl, [x])[0], x[1:3])
    with pytest.raises(VerifyError, match="out of range"):
        _verify(_op("nn.slice", [tensor(3)], [tensor(2)], {"start": 2, "stop": 4}))
    bc = _op("nn.broadcast", [f64], [tensor(2, 2)])
    _verify(bc)
    np.testing.assert_array_equal(evaluate_op(bc, [1.5])[0], np.full((2, 2), 1.5))
    with pytest.raises(VerifyError, match="tensor of f64"):
        _verify(_op("nn.broadcast", [f64], [tensor(2, element=i1)]))
    for kind, ref in [("sum", 15.0), ("mean", 2.5), ("max", 5.0), ("min", 0.0)]:
        r = _op("nn.reduce", [tensor(3, 2)], [f64], {"kind": kind})
        _verify(r)
        assert evaluate_op(r, [x]) == [ref]
    with pytest.raises(VerifyError, match="kind must be one of"):
        _verify(_op("nn.reduce", [tensor(3)], [f64], {"kind": "prod"}))
