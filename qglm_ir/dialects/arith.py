"""The ``arith`` dialect: scalar (and elementwise tensor) arithmetic on angles and indices.

Ops (all pure):
  arith.constant  () -> T        ``value`` property: float (f64), int (i64), bool (i1),
                                 or a DenseArray for a tensor result
  arith.pi        () -> f64      the constant pi, kept symbolic for printing
  arith.add/sub/mul/div (T, T) -> T   T is f64, i64 or a tensor of them (elementwise)
  arith.neg/sin/cos     (T) -> T      sin/cos need a float-like T
  arith.cmp       (S, S) -> i1   ``predicate`` in eq ne lt le gt ge; S scalar
  arith.cast      (S) -> S'      between i1, i64 and f64
  arith.select    (i1, T, T) -> T
  arith.and/or/xor (i1, i1) -> i1, arith.not (i1) -> i1
"""

from __future__ import annotations

from ..core.attributes import DenseArray
from ..core.ir import Operation, Value
from ..core.opdef import CONSTANT_LIKE, PURE, OpDef, OpView, register
from ..core.types import FloatType, IntegerType, TensorType, f64, i1, is_scalar
from . import _checks as c

BINARY = ("arith.add", "arith.sub", "arith.mul", "arith.div")
UNARY = ("arith.neg", "arith.sin", "arith.cos")
LOGIC = ("arith.and", "arith.or", "arith.xor")
PREDICATES = ("eq", "ne", "lt", "le", "gt", "ge")


class BinaryOp(OpView):
    """``arith.add/sub/mul/div``, ``arith.and/or/xor`` and ``arith.cmp``: two operands."""

    OP = "arith.<binary>"
    OPERANDS = ("lhs", "rhs")


class UnaryOp(OpView):
    """``arith.neg/sin/cos``, ``arith.not`` and ``arith.cast``: one operand (a cast's result
    type is its target type)."""

    OP = "arith.<unary>"
    OPERANDS = ("input",)



def constant_int(v: Value) -> int | None:
    """The integer ``v`` holds when an ``arith.constant`` of an int (not a bool) defines it, else None."""
    op = getattr(v, "op", None)
    if op is None or op.name != "arith.constant":
        return None
    value = op.properties.get("value")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _verify_constant(op: Operation) -> None:
    res = op.results
    if not op.operands and len(res) == 1 and res[0].type is f64 and \
            op.properties.get("value").__class__ is float:
        return  # an angle (most constants of a circuit): what the checks below accept
    c.num_operands(op, 0)
    c.num_results(op, 1)
    t = op.results[0].type
    v = c.prop(op, "value", (bool, int, float, DenseArray))
    if isinstance(t, TensorType):
        if not isinstance(v, DenseArray) or v.shape != t.shape:
            c.fail(f"a {t} constant needs a dense array of shape {t.shape}")
        assert isinstance(v, DenseArray)
        want = "f64" if isinstance(t.element, FloatType) else ("i1" if t.element == i1 else "i64")
        if v.dtype_name != want:
            c.fail(f"dense array of {v.dtype_name} does not match {t}")
    elif t == i1:
        if not isinstance(v, bool):
            c.fail(f"an i1 constant needs a bool value, got {v!r}")
    elif isinstance(t, IntegerType):
        if isinstance(v, bool) or not isinstance(v, int):
            c.fail(f"an {t} constant needs an integer value, got {v!r}")
    elif isinstance(t, FloatType):
        if not isinstance(v, float):
            c.fail(f"an f64 constant needs a float value, got {v!r}")
    else:
        c.fail(f"constants of type {t} are not supported")


def _verify_pi(op: Operation) -> None:
    c.num_operands(op, 0)
    c.num_results(op, 1)
    if op.results[0].type != f64:
        c.fail("arith.pi returns f64")


def _numeric(t) -> bool:
    return c.is_float_like(t) or (c.is_int_like(t) and t != i1)


def _verify_binary(op: Operation) -> None:
    c.num_operands(op, 2)
    c.num_results(op, 1)
    a, b = op.operands
    if a.type != b.type:
        c.fail(f"operand types differ: {a.type} vs {b.type}")
    if not _numeric(a.type):
        c.fail(f"operands must be f64, i64 or tensors of them, got {a.type}")
    if op.results[0].type != a.type:
        c.fail(f"result type {op.results[0].type} must equal operand type {a.type}")


def _verify_unary(op: Operation) -> None:
    c.num_operands(op, 1)
    c.num_results(op, 1)
    t = op.operands[0].type
    ok = c.is_float_like(t) if op.name != "arith.neg" else _numeric(t)
    if not ok:
        c.fail(f"operand type {t} is not supported")
    if op.results[0].type != t:
        c.fail(f"result type {op.results[0].type} must equal operand type {t}")


def _verify_cmp(op: Operation) -> None:
    c.num_operands(op, 2)
    c.num_results(op, 1)
    pred = c.prop(op, "predicate", str)
    if pred not in PREDICATES:
        c.fail(f"predicate must be one of {', '.join(PREDICATES)}, got {pred!r}")
    a, b = op.operands
    if a.type != b.type or not is_scalar(a.type):
        c.fail(f"operands must be scalars of one type, got {a.type} and {b.type}")
    if op.results[0].type != i1:
        c.fail("result must be i1")


def _verify_cast(op: Operation) -> None:
    c.num_operands(op, 1)
    c.num_results(op, 1)
    if not is_scalar(op.operands[0].type) or not is_scalar(op.results[0].type):
        c.fail("arith.cast converts between scalar types")


def _verify_select(op: Operation) -> None:
    c.num_operands(op, 3)
    c.num_results(op, 1)
    c.operand_type(op, 0, i1, "condition")
    if op.operands[1].type != op.operands[2].type or op.results[0].type != op.operands[1].type:
        c.fail("both choices and the result must have one type")


def _verify_logic(op: Operation) -> None:
    c.num_results(op, 1)
    n = 1 if op.name == "arith.not" else 2
    c.num_operands(op, n)
    for i in range(n):
        c.operand_type(op, i, i1)
    if op.results[0].type != i1:
        c.fail("result must be i1")


_P = frozenset({PURE})
register(OpDef("arith.constant", "a constant", frozenset({PURE, CONSTANT_LIKE}), _verify_constant))
register(OpDef("arith.pi", "the constant pi", frozenset({PURE, CONSTANT_LIKE}), _verify_pi))
for _n in BINARY:
    register(OpDef(_n, f"elementwise {_n[6:]}", _P, _verify_binary))
for _n in UNARY:
    register(OpDef(_n, f"elementwise {_n[6:]}", _P, _verify_unary))
for _n in LOGIC + ("arith.not",):
    register(OpDef(_n, f"boolean {_n[6:]}", _P, _verify_logic))
register(OpDef("arith.cmp", "compare two scalars", _P, _verify_cmp))
register(OpDef("arith.cast", "convert between i1, i64 and f64", _P, _verify_cast))
register(OpDef("arith.select", "choose one of two values", _P, _verify_select))
