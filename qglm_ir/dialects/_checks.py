"""Small helpers shared by the dialects' verify hooks."""

from __future__ import annotations

from collections.abc import Sequence

from ..core.errors import VerifyError
from ..core.ir import Block, Operation
from ..core.types import FloatType, IntegerType, TensorType, Type


def fail(message: str) -> None:
    raise VerifyError(message)


def num_operands(op: Operation, n: int) -> None:
    if len(op.operands) != n:
        fail(f"expects {n} operand{'s' if n != 1 else ''}, got {len(op.operands)}")


def num_results(op: Operation, n: int) -> None:
    if len(op.results) != n:
        fail(f"expects {n} result{'s' if n != 1 else ''}, got {len(op.results)}")


def operand_type(op: Operation, index: int, expected: Type, what: str = "operand") -> None:
    t = op.operands[index].type
    if t != expected:
        fail(f"{what} #{index} must be {expected}, got {t}")


def types_match(got: Sequence[Type], want: Sequence[Type], what: str) -> None:
    if len(got) != len(want):
        fail(f"{what}: expected {len(want)} values, got {len(got)}")
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            fail(f"{what}: value #{i} has type {g}, expected {w}")


def prop(op: Operation, key: str, kind: type | tuple[type, ...], what: str = "") -> object:
    if key not in op.properties:
        fail(f"missing property '{key}'{' (' + what + ')' if what else ''}")
    v = op.properties[key]
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        fail(f"property '{key}' must be {names}, got {v!r}")
    return v


def is_float_like(t: Type) -> bool:
    return isinstance(t, FloatType) or (
        isinstance(t, TensorType) and isinstance(t.element, FloatType)
    )


def is_int_like(t: Type) -> bool:
    return isinstance(t, IntegerType) or (
        isinstance(t, TensorType) and isinstance(t.element, IntegerType)
    )


def single_block(op: Operation, region_index: int) -> Block:
    r = op.regions[region_index]
    if len(r.blocks) != 1:
        fail(f"region #{region_index} must have exactly one block, got {len(r.blocks)}")
    return r.blocks[0]


def block_args(block: Block, types: Sequence[Type], what: str) -> None:
    types_match([a.type for a in block.args], types, what)


def terminator(block: Block, names: tuple[str, ...], what: str) -> Operation:
    t = block.last
    if t is None or t.name not in names:
        got = t.name if t is not None else "nothing"
        fail(f"{what} must end with {' or '.join(names)}, ends with {got}")
    assert t is not None
    return t
