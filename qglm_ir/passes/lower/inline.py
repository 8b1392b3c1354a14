"""``inline``: replace kernel-to-kernel calls by the callee's body.

Backends emit one flat circuit per kernel, and the optimization and mapping
passes see only what is in the kernel they rewrite, so a ``func.call`` of a
``q.kernel`` inside another ``q.kernel`` is inlined here.

Requires: a verified module; no recursion among kernels (a cycle is a
:class:`PassError` naming it).
Guarantees: no ``q.kernel`` body contains a ``func.call`` of a ``q.kernel``;
the callee kernels themselves are kept (the host may still call them); each
inlined body sits exactly where the call was, so the wire order (allocs in
program order) is the one the call had in the semantics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...core.attributes import SymbolRef
from ...core.errors import PassError
from ...core.ir import Operation, Value
from ...core.module import Module, SymbolTable
from ..base import Pass, PassContext, PassResult


def _kernel_callee(op: Operation, table: SymbolTable) -> Operation | None:
    if op.name != "func.call":
        return None
    ref = op.properties.get("callee")
    if not isinstance(ref, SymbolRef):
        return None
    callee = table.lookup(ref.name)
    return callee if callee is not None and callee.name == "q.kernel" else None


def inline_call(call: Operation, callee: Operation) -> list[Operation]:
    """Inline one call; returns the ops inserted (to look for nested calls).

    Requires: ``call`` is in a block and its operands match ``callee``'s
    signature (the verifier checks this). Guarantees: the call is erased and
    its results are replaced by the values the callee returned.
    """
    body = callee.regions[0].block
    mapping: dict[Value, Value] = dict(zip(body.args, call.operands))
    block = call.parent
    assert block is not None
    inserted: list[Operation] = []
    for op in body:
        if op is body.last:  # func.return: forward its operands
            returned = [mapping.get(v, v) for v in op.operands]
            break
        new = op.clone(mapping)
        if new.loc is None:
            new.loc = call.loc
        block.insert_before(new, call)
        inserted.append(new)
    else:  # pragma: no cover - verified kernels always end with func.return
        raise PassError(f"kernel @{callee.properties.get('sym_name')} has no return", call.loc)
    for old, new_value in zip(call.results, returned):
        old.replace_all_uses_with(new_value)
    call.erase()
    return inserted


@dataclass(frozen=True)
class Inline(Pass):
    """Inline every call of a ``q.kernel`` made from inside a ``q.kernel``."""

    name: ClassVar[str] = "inline"
    max_depth: int = 64

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        table = SymbolTable(module)
        inlined = 0
        for kernel in [op for op in module.body if op.name == "q.kernel"]:
            # (call, chain of callee names that led to it) for recursion detection
            work = [(op, ()) for op in kernel.walk() if _kernel_callee(op, table) is not None]
            while work:
                call, chain = work.pop()
                callee = _kernel_callee(call, table)
                assert callee is not None
                name = str(callee.properties.get("sym_name"))
                if name in chain or name == kernel.properties.get("sym_name") or len(chain) >= self.max_depth:
                    cycle = " -> ".join((str(kernel.properties.get("sym_name")), *chain, name))
                    raise PassError(f"cannot inline recursive kernel calls: {cycle}", call.loc)
                for new in inline_call(call, callee):
                    for op in new.walk():
                        if _kernel_callee(op, table) is not None:
                            work.append((op, (*chain, name)))
                inlined += 1
        return PassResult(inlined > 0, {"inlined": inlined})
