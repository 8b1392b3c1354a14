"""The ``tensor`` dialect: building and taking apart classical tensors.

Ops (all pure):
  tensor.extract        (tensor<..xE>, i64 x rank) -> E
  tensor.from_elements  (E x N) -> tensor<...xE> with N elements (row-major)
  tensor.concat         (tensor x K) -> tensor   along the ``axis`` property (default 0)
  tensor.reshape        (tensor) -> tensor       same number of elements
"""

from __future__ import annotations

from ..core.ir import Operation
from ..core.opdef import PURE, OpDef, OpView, register
from ..core.types import TensorType, i64
from . import _checks as c


class ExtractOp(OpView):
    """``tensor.extract``: the tensor, then one i64 index per dimension."""

    OP = "tensor.extract"
    OPERANDS = ("tensor", "*indices")


class ReshapeOp(OpView):
    """``tensor.reshape``: the tensor reshaped (the result type has the new shape)."""

    OP = "tensor.reshape"
    OPERANDS = ("source",)


def _verify_extract(op: Operation) -> None:
    c.num_results(op, 1)
    if not op.operands or not isinstance(op.operands[0].type, TensorType):
        c.fail("first operand must be a tensor")
    t = op.operands[0].type
    assert isinstance(t, TensorType)
    c.num_operands(op, 1 + len(t.shape))
    for i in range(1, len(op.operands)):
        c.operand_type(op, i, i64, "index")
    if op.results[0].type != t.element:
        c.fail(f"result must be {t.element}, got {op.results[0].type}")


def _verify_from_elements(op: Operation) -> None:
    c.num_results(op, 1)
    t = op.results[0].type
    if not isinstance(t, TensorType):
        c.fail("result must be a tensor")
    assert isinstance(t, TensorType)
    if len(op.operands) != t.size:
        c.fail(f"{t} needs {t.size} elements, got {len(op.operands)}")
    for i, v in enumerate(op.operands):
        if v.type != t.element:
            c.fail(f"element #{i} has type {v.type}, expected {t.element}")


def _verify_concat(op: Operation) -> None:
    c.num_results(op, 1)
    if not op.operands:
        c.fail("needs at least one operand")
    axis = op.properties.get("axis", 0)
    out = op.results[0].type
    ts = [v.type for v in op.operands]
    if not all(isinstance(t, TensorType) for t in ts + [out]):
        c.fail("operands and result must be tensors")
    rank = len(ts[0].shape)  # type: ignore[union-attr]
    if not isinstance(axis, int) or not 0 <= axis < rank:
        c.fail(f"axis {axis!r} out of range for rank {rank}")
    total = 0
    for t in ts:
        assert isinstance(t, TensorType)
        if len(t.shape) != rank or t.element != ts[0].element:  # type: ignore[union-attr]
            c.fail("operands must have one rank and element type")
        if t.shape[:axis] + t.shape[axis + 1 :] != ts[0].shape[:axis] + ts[0].shape[axis + 1 :]:  # type: ignore[union-attr]
            c.fail("operands differ outside the concatenation axis")
        total += t.shape[axis]
    want = list(ts[0].shape)  # type: ignore[union-attr]
    want[axis] = total
    if out != TensorType(tuple(want), ts[0].element):  # type: ignore[union-attr]
        c.fail(f"result must be {TensorType(tuple(want), ts[0].element)}, got {out}")  # type: ignore[union-attr]


def _verify_reshape(op: Operation) -> None:
    c.num_operands(op, 1)
    c.num_results(op, 1)
    a, r = op.operands[0].type, op.results[0].type
    if not isinstance(a, TensorType) or not isinstance(r, TensorType):
        c.fail("operand and result must be tensors")
    assert isinstance(a, TensorType) and isinstance(r, TensorType)
    if a.size != r.size or a.element != r.element:
        c.fail(f"cannot reshape {a} to {r}")


_P = frozenset({PURE})
register(OpDef("tensor.extract", "read one element", _P, _verify_extract))
register(OpDef("tensor.from_elements", "build a tensor from scalars", _P, _verify_from_elements))
register(OpDef("tensor.concat", "concatenate tensors along an axis", _P, _verify_concat))
register(OpDef("tensor.reshape", "change the shape, keep the elements", _P, _verify_reshape))
