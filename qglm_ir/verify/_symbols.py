"""Symbol checks: unique names per module and resolvable, well-typed references.

A module's symbol table is built once when the walk enters the module
(O(top-level ops)); each reference then resolves in O(1).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from ..core.attributes import SymbolRef
from ..core.ir import Operation
from ..core.module import MODULE_OP
from ..core.opdef import FUNCTION_LIKE, has_trait
from ..core.types import FunctionType, Type
from ._describe import op_ref, symbol_name

Fail = Callable[[Operation, str, str | None], None]


class Symbols:
    """Name -> op for the ops directly inside one module (first definition wins)."""

    __slots__ = ("table",)

    def __init__(self, module: Operation):
        self.table: dict[str, Operation] = {}
        for region in module.regions:
            for block in region.blocks:
                for op in block:
                    name = symbol_name(op)
                    if name is not None and name not in self.table:
                        self.table[name] = op

    def suggest(self, name: str) -> str | None:
        """A ``help:`` line naming close matches or the defined symbols."""
        close = difflib.get_close_matches(name, list(self.table), n=3)
        if close:
            return "did you mean " + " or ".join("@" + c for c in close) + "?"
        if not self.table:
            return "the module defines no symbols"
        names = sorted(self.table)
        more = f" (and {len(names) - 8} more)" if len(names) > 8 else ""
        return "defined symbols: " + ", ".join("@" + n for n in names[:8]) + more


def module_of(op: Operation) -> Operation | None:
    """The nearest enclosing ``builtin.module`` of ``op`` (excluding ``op`` itself)."""
    cur = op.parent_op
    while cur is not None and cur.name != MODULE_OP:
        cur = cur.parent_op
    return cur


def check_definition(op: Operation, table: Symbols, fail: Fail) -> None:
    """``op`` sits directly in a module: its ``sym_name`` must be the first of that name."""
    name = symbol_name(op)
    if name is None:
        return
    first = table.table.get(name)
    if first is not None and first is not op:
        fail(op, f"symbol @{name} is already defined by {op_ref(first)}",
             "every symbol in a module needs a unique name")


def check_reference(op: Operation, key: str, ref: SymbolRef, table: Symbols, fail: Fail) -> None:
    """Property ``key`` of ``op`` references ``ref``: it must resolve, with matching types
    for ``func.call`` (callee signature) and ``param.get`` (declared type)."""
    target = table.table.get(ref.name)
    what = "callee" if key == "callee" else f"property '{key}'"
    if target is None:
        fail(op, f"{what} {ref} does not name a symbol of the module", table.suggest(ref.name))
        return
    if op.name == "func.call" and key == "callee":
        _check_call(op, ref, target, fail)
    elif op.name == "param.get" and key == "name":
        _check_param_get(op, ref, target, fail)


def _check_call(op: Operation, ref: SymbolRef, target: Operation, fail: Fail) -> None:
    if not has_trait(target, FUNCTION_LIKE):
        fail(op, f"callee {ref} is a {target.name}, not a function or kernel",
             "func.call calls a func.func or a q.kernel")
        return
    ftype = target.properties.get("function_type")
    if not isinstance(ftype, FunctionType):
        return  # the callee's own verifier reports its missing signature
    _match(op, ref, "argument", [v.type for v in op.operands], ftype.inputs, ftype, fail)
    _match(op, ref, "result", [r.type for r in op.results], ftype.results, ftype, fail)


def _match(op: Operation, ref: SymbolRef, what: str, got: list[Type],
           want: tuple[Type, ...], ftype: FunctionType, fail: Fail) -> None:
    help = f"callee {ref} has signature {ftype}"
    if len(got) != len(want):
        plural = "s" if len(want) != 1 else ""
        fail(op, f"{ref} takes {len(want)} {what}{plural}, but the call has {len(got)}", help)
        return
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            fail(op, f"{what} #{i} of the call to {ref} has type {g}, but {ref} expects {w}", help)


def _check_param_get(op: Operation, ref: SymbolRef, target: Operation, fail: Fail) -> None:
    if target.name != "param.decl":
        fail(op, f"{ref} is a {target.name}, not a param.decl", None)
        return
    declared = target.properties.get("type")
    if not isinstance(declared, Type) or len(op.results) != 1:
        return  # reported by the param.decl / param.get hooks
    got = op.results[0].type
    if got != declared:
        fail(op, f"parameter {ref} is declared {declared}, but param.get returns {got}",
             f"declare the result as {declared}")
