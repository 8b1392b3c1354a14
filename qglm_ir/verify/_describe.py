"""How the verifier names values and operations in its messages.

Only used on error paths, so these helpers may walk up the parent chain
(O(nesting depth)) but never scan a block.
"""

from __future__ import annotations

from ..core.ir import BlockArgument, Operation, OpResult, Region, Value
from ..core.opdef import ISOLATED, has_trait


def value_name(v: Value) -> str:
    """``%name`` when the value has a name hint (set by the parser), else its position."""
    if v.name_hint:
        return "%" + v.name_hint
    if isinstance(v, OpResult):
        return f"result #{v.index} of {v.op.name}"
    if isinstance(v, BlockArgument):
        return f"block argument #{v.index}"
    return "<unknown value>"


def op_ref(op: Operation) -> str:
    """``q.h at 4:5`` when the op has a location, else just its name."""
    loc = op.loc
    return f"{op.name} at {loc.line}:{loc.col}" if loc is not None else op.name


def symbol_name(op: Operation) -> str | None:
    name = op.properties.get("sym_name")
    return name if isinstance(name, str) else None


def enclosing_symbol(op: Operation) -> Operation | None:
    """The nearest ancestor-or-self op that defines a symbol (kernel, function...)."""
    cur: Operation | None = op
    while cur is not None:
        if symbol_name(cur) is not None and cur.name != "builtin.module":
            return cur
        cur = cur.parent_op
    return None


def op_title(op: Operation | None) -> str:
    """``q.kernel @bell`` / ``scf.for`` / ``the enclosing scope`` for a scope-defining op."""
    if op is None:
        return "the enclosing scope"
    name = symbol_name(op)
    return f"{op.name} @{name}" if name else op.name


def isolating_ancestor(op: Operation | None) -> Operation | None:
    """The nearest ancestor-or-self of ``op`` with the ISOLATED trait (``None`` if none)."""
    while op is not None:
        if has_trait(op, ISOLATED):
            return op
        op = op.parent_op
    return None


def successor(user: Operation, v: Value) -> Value | None:
    """The qubit value ``user`` returns for its qubit operand ``v`` (gates, measure, scf ops).

    Qubit operands map positionally onto qubit results; ``None`` when the op
    does not return the qubit (dealloc, return) or the counts differ.
    """
    q_in = [x for x in user.operands if x.type.is_qubit]
    q_out = [r for r in user.results if r.type.is_qubit]
    if len(q_in) != len(q_out):
        return None
    for x, r in zip(q_in, q_out):
        if x is v:
            return r
    return None


def region_index(op: Operation, region: Region | None) -> int:
    """Position of ``region`` among ``op``'s regions (-1 if it is not one of them)."""
    for i, r in enumerate(op.regions):
        if r is region:
            return i
    return -1
