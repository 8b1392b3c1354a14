"""The ``nn`` dialect: classical neural-network layers of hybrid models.

Every op is pure and acts on ``f64`` scalars or ``tensor<...xf64>`` unless
stated; the numpy evaluator of each op (registered below) is its semantics.

Ops:
  nn.dense      (x: tensor<[B x] I x f64>, w: tensor<O x I x f64>[, b: tensor<O x f64>])
                -> tensor<[B x] O x f64>;  y = act(x @ w^T + b)
                ``activation`` property: "none" (default), "relu", "tanh", "sigmoid"
  nn.relu / nn.tanh / nn.sigmoid   (T) -> T, elementwise
  nn.angle      (T) -> T, elementwise pi * sigmoid(x): the angular embedding into (0, pi)
  nn.softmax    (tensor) -> tensor, softmax over the last axis
  nn.normalize  (tensor) -> tensor, x / max(||x||_2, eps) over the last axis
                (``eps`` property, default 1e-12)
  nn.embed      (ids: i64 or tensor<L x i64>, table: tensor<V x D x f64>)
                -> tensor<D x f64> or tensor<L x D x f64>;  rows of ``table`` picked by id
  nn.index      (x: tensor<N x R... x E>, i: i64) -> tensor<R... x E> (E if rank 1);
                the sub-tensor at position ``i`` of the leading axis (dynamic index)
  nn.slice      (x: tensor<N x R... x E>) -> tensor<M x R... x E>;  x[start:stop] on the
                leading axis, ``start``/``stop`` int properties, 0 <= start <= stop <= N
  nn.broadcast  (s: E) -> tensor<... x E>;  a tensor filled with the scalar ``s``
  nn.reduce     (tensor<... x f64>) -> f64;  ``kind`` property: "sum", "mean", "max", "min"
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.errors import SemanticsError
from ..core.evaluators import evaluator
from ..core.ir import Operation
from ..core.opdef import PURE, OpDef, register
from ..core.types import FloatType, IntegerType, TensorType, Type, f64, i64
from . import _checks as c

ACTIVATIONS = ("none", "relu", "tanh", "sigmoid")
ELEMENTWISE = ("nn.relu", "nn.tanh", "nn.sigmoid", "nn.angle")
REDUCTIONS = ("sum", "mean", "max", "min")


def _float_tensor(t: Type, what: str) -> TensorType:
    if not isinstance(t, TensorType) or not isinstance(t.element, FloatType):
        c.fail(f"{what} must be a tensor of f64, got {t}")
    assert isinstance(t, TensorType)
    return t


def _verify_dense(op: Operation) -> None:
    if len(op.operands) not in (2, 3):
        c.fail(f"expects 2 or 3 operands (x, w[, b]), got {len(op.operands)}")
    c.num_results(op, 1)
    x = _float_tensor(op.operands[0].type, "input")
    w = _float_tensor(op.operands[1].type, "weights")
    if len(w.shape) != 2:
        c.fail(f"weights must be a matrix tensor<OxIxf64>, got {w}")
    if len(x.shape) not in (1, 2):
        c.fail(f"input must be tensor<Ixf64> or tensor<BxIxf64>, got {x}")
    out, inp = w.shape
    if x.shape[-1] != inp:
        c.fail(f"input has {x.shape[-1]} features but the weights expect {inp}")
    if len(op.operands) == 3:
        b = _float_tensor(op.operands[2].type, "bias")
        if b.shape != (out,):
            c.fail(f"bias must be tensor<{out}xf64>, got {b}")
    act = op.properties.get("activation", "none")
    if act not in ACTIVATIONS:
        c.fail(f"activation must be one of {', '.join(ACTIVATIONS)}, got {act!r}")
    want = TensorType(x.shape[:-1] + (out,), f64)
    if op.results[0].type != want:
        c.fail(f"result must be {want}, got {op.results[0].type}")


def _verify_same_float(op: Operation) -> None:
    c.num_operands(op, 1)
    c.num_results(op, 1)
    t = op.operands[0].type
    if not c.is_float_like(t):
        c.fail(f"operand must be f64 or a tensor of f64, got {t}")
    if op.results[0].type != t:
        c.fail(f"result type {op.results[0].type} must equal operand type {t}")


def _verify_last_axis(op: Operation) -> None:
    _verify_same_float(op)
    if not isinstance(op.operands[0].type, TensorType) or not op.operands[0].type.shape:
        c.fail("operand must be a tensor of rank >= 1")
    eps = op.properties.get("eps", 1e-12)
    if not isinstance(eps, float) or eps < 0:
        c.fail(f"eps must be a non-negative float, got {eps!r}")


def _verify_embed(op: Operation) -> None:
    c.num_operands(op, 2)
    c.num_results(op, 1)
    ids, table = op.operands[0].type, op.operands[1].type
    t = _float_tensor(table, "table")
    if len(t.shape) != 2:
        c.fail(f"table must be tensor<VxDxf64>, got {table}")
    if ids == i64:
        want = TensorType((t.shape[1],), f64)
    elif isinstance(ids, TensorType) and ids.element == i64 and len(ids.shape) == 1:
        want = TensorType((ids.shape[0], t.shape[1]), f64)
    else:
        c.fail(f"ids must be i64 or tensor<Lxi64>, got {ids}")
    if op.results[0].type != want:
        c.fail(f"result must be {want}, got {op.results[0].type}")


def _drop_leading(t: TensorType) -> Type:
    return t.element if len(t.shape) == 1 else TensorType(t.shape[1:], t.element)


def _verify_index(op: Operation) -> None:
    c.num_operands(op, 2)
    c.num_results(op, 1)
    t = op.operands[0].type
    if not isinstance(t, TensorType) or not t.shape:
        c.fail(f"operand must be a tensor of rank >= 1, got {t}")
    assert isinstance(t, TensorType)
    c.operand_type(op, 1, i64, "index")
    want = _drop_leading(t)
    if op.results[0].type != want:
        c.fail(f"result must be {want}, got {op.results[0].type}")


def _verify_slice(op: Operation) -> None:
    c.num_operands(op, 1)
    c.num_results(op, 1)
    t = op.operands[0].type
    if not isinstance(t, TensorType) or not t.shape:
        c.fail(f"operand must be a tensor of rank >= 1, got {t}")
    assert isinstance(t, TensorType)
    start = c.prop(op, "start", int)
    stop = c.prop(op, "stop", int)
    assert isinstance(start, int) and isinstance(stop, int)
    if not 0 <= start <= stop <= t.shape[0]:
        c.fail(f"slice {start}:{stop} out of range for leading dimension {t.shape[0]}")
    want = TensorType((stop - start,) + t.shape[1:], t.element)
    if op.results[0].type != want:
        c.fail(f"result must be {want}, got {op.results[0].type}")


def _verify_broadcast(op: Operation) -> None:
    c.num_operands(op, 1)
    c.num_results(op, 1)
    s, r = op.operands[0].type, op.results[0].type
    if not isinstance(s, (FloatType, IntegerType)):
        c.fail(f"operand must be a scalar, got {s}")
    if not isinstance(r, TensorType) or r.element != s:
        c.fail(f"result must be a tensor of {s}, got {r}")


def _verify_reduce(op: Operation) -> None:
    c.num_operands(op, 1)
    c.num_results(op, 1)
    t = _float_tensor(op.operands[0].type, "operand")
    kind = c.prop(op, "kind", str)
    if kind not in REDUCTIONS:
        c.fail(f"kind must be one of {', '.join(REDUCTIONS)}, got {kind!r}")
    if t.size == 0 and kind in ("max", "min"):
        c.fail(f"{kind} of an empty tensor")
    if op.results[0].type != f64:
        c.fail("result must be f64")


_P = frozenset({PURE})
register(OpDef("nn.dense", "fully connected layer act(x @ w^T + b)", _P, _verify_dense))
for _n, _s in (
    ("nn.relu", "elementwise max(x, 0)"),
    ("nn.tanh", "elementwise tanh"),
    ("nn.sigmoid", "elementwise logistic sigmoid"),
    ("nn.angle", "elementwise pi * sigmoid(x): angular embedding"),
):
    register(OpDef(_n, _s, _P, _verify_same_float))
register(OpDef("nn.softmax", "softmax over the last axis", _P, _verify_last_axis))
register(OpDef("nn.normalize", "L2-normalize over the last axis", _P, _verify_last_axis))
register(OpDef("nn.embed", "look up embedding rows by token id", _P, _verify_embed))
register(OpDef("nn.index", "sub-tensor at a dynamic leading index", _P, _verify_index))
register(OpDef("nn.slice", "static slice of the leading axis", _P, _verify_slice))
register(OpDef("nn.broadcast", "tensor filled with a scalar", _P, _verify_broadcast))
register(OpDef("nn.reduce", "reduce a tensor to a scalar", _P, _verify_reduce))


# ------------------------------------------------------------------ evaluators
def _sigmoid(x: Any) -> Any:
    # Split by sign so exp never overflows for large |x|.
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _activate(kind: str, y: Any) -> Any:
    if kind == "relu":
        return np.maximum(y, 0.0)
    if kind == "tanh":
        return np.tanh(y)
    if kind == "sigmoid":
        return _sigmoid(y)
    return y


def _shape_like(op: Operation, value: Any) -> Any:
    """Scalars stay Python floats so an f64 result is a scalar, tensors stay arrays."""
    if isinstance(op.results[0].type, TensorType):
        return np.asarray(value, dtype=np.float64)
    return float(value)


@evaluator("nn.dense")
def _eval_dense(op: Operation, args: list[Any]) -> list[Any]:
    x = np.asarray(args[0], dtype=np.float64)
    w = np.asarray(args[1], dtype=np.float64)
    y = x @ w.T
    if len(args) == 3:
        y = y + np.asarray(args[2], dtype=np.float64)
    return [_activate(str(op.properties.get("activation", "none")), y)]


@evaluator(*ELEMENTWISE)
def _eval_elementwise(op: Operation, args: list[Any]) -> list[Any]:
    x = np.asarray(args[0], dtype=np.float64)
    if op.name == "nn.angle":
        y = math.pi * _sigmoid(x)
    else:
        y = _activate(op.name[3:], x)
    return [_shape_like(op, y)]


@evaluator("nn.softmax")
def _eval_softmax(op: Operation, args: list[Any]) -> list[Any]:
    x = np.asarray(args[0], dtype=np.float64)
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return [e / np.sum(e, axis=-1, keepdims=True)]


@evaluator("nn.normalize")
def _eval_normalize(op: Operation, args: list[Any]) -> list[Any]:
    x = np.asarray(args[0], dtype=np.float64)
    eps = float(op.properties.get("eps", 1e-12))  # type: ignore[arg-type]
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return [x / np.maximum(n, eps)]


@evaluator("nn.embed")
def _eval_embed(op: Operation, args: list[Any]) -> list[Any]:
    ids = np.asarray(args[0], dtype=np.int64)
    table = np.asarray(args[1], dtype=np.float64)
    if ids.size and (ids.min() < 0 or ids.max() >= table.shape[0]):
        raise SemanticsError(f"nn.embed: token id out of range for a vocabulary of {table.shape[0]}", op.loc)
    return [table[ids]]


@evaluator("nn.index")
def _eval_index(op: Operation, args: list[Any]) -> list[Any]:
    x = np.asarray(args[0])
    i = int(args[1])
    if not 0 <= i < x.shape[0]:
        raise SemanticsError(f"nn.index: index {i} out of range for dimension {x.shape[0]}", op.loc)
    out = x[i]
    return [out if isinstance(op.results[0].type, TensorType) else out.item()]


@evaluator("nn.slice")
def _eval_slice(op: Operation, args: list[Any]) -> list[Any]:
    x = np.asarray(args[0])
    return [x[int(op.properties["start"]) : int(op.properties["stop"])]]  # type: ignore[arg-type]


@evaluator("nn.broadcast")
def _eval_broadcast(op: Operation, args: list[Any]) -> list[Any]:
    t = op.results[0].type
    assert isinstance(t, TensorType)
    dtype = np.float64 if isinstance(t.element, FloatType) else (np.bool_ if t.element.width == 1 else np.int64)  # type: ignore[union-attr]
    return [np.full(t.shape, args[0], dtype=dtype)]


@evaluator("nn.reduce")
def _eval_reduce(op: Operation, args: list[Any]) -> list[Any]:
    x = np.asarray(args[0], dtype=np.float64)
    fn = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}[str(op.properties["kind"])]
    return [float(fn(x))]
