"""The wire model of a ``q.kernel``: which wire every qubit value of it is.

The project's wire convention, in one place: a kernel's wires are its qubit
block arguments in order, then its ``q.alloc`` results in pre-order walk
order (allocations inside regions included). Qubit result ``k`` of an op
continues the wire of its ``k``-th qubit operand (gates, measure, reset...);
an ``scf`` op's results, and its regions' block arguments, continue the wires
of its carried operands, as :mod:`qglm_ir.dialects.scf` declares them.

After ``layout`` a kernel has one wire per device qubit, so wire ``w`` is
physical qubit ``w``; before it, wire ``w`` is program qubit ``w``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.errors import PassError
from ..core.ir import Block, Operation, Value
from .scf import REGION_OPS, carried, terminator_values


@dataclass
class KernelWires:
    """The wire of every qubit value of ``kernel`` (nested regions included), where each wire
    is allocated (``allocs``) and deallocated (``deallocs``), and how many wires are arguments."""

    kernel: Operation
    wire_of: dict[Value, int] = field(default_factory=dict)
    allocs: dict[int, Operation] = field(default_factory=dict)
    deallocs: dict[int, Operation] = field(default_factory=dict)
    num_wires: int = 0
    num_args: int = 0

    @property
    def body(self) -> Block:
        return self.kernel.regions[0].block


def number_wires(kernel: Operation, into: KernelWires | None = None, in_place_help: str | None = None) -> KernelWires:
    """Number the wires of ``kernel`` (see the module docstring), filling ``into`` if given.

    With ``in_place_help``, an ``scf`` region that yields a carried qubit from another
    wire (a permutation of qubits across the region) raises :class:`PassError` with
    that help text; without it such a region is numbered as carried, unchecked.
    """
    kw = into if into is not None else KernelWires(kernel)
    for a in kw.body.args:
        if a.type.is_qubit:
            kw.wire_of[a] = kw.num_wires
            kw.num_wires += 1
    kw.num_args = kw.num_wires
    _walk(kw.body, kw, in_place_help)
    return kw


def _walk(block: Block, kw: KernelWires, in_place_help: str | None) -> None:
    wire_of = kw.wire_of
    for op in block:
        name = op.name
        if name == "q.alloc":
            w = kw.num_wires
            kw.num_wires += 1
            wire_of[op.results[0]] = w
            kw.allocs[w] = op
            continue
        if name == "q.dealloc":
            kw.deallocs[wire_of[op.operands[0]]] = op
            continue
        view = REGION_OPS.get(name)
        if view is not None:
            wires = [wire_of.get(v) for v in carried(op)]
            for k, r in enumerate(op.results):
                if r.type.is_qubit:
                    wire_of[r] = wires[k]  # type: ignore[assignment]
            for region in op.regions:
                for b in region.blocks:
                    for k, a in enumerate(b.args[view.ARG_OFFSET:]):
                        if a.type.is_qubit:
                            wire_of[a] = wires[k]  # type: ignore[assignment]
                    _walk(b, kw, in_place_help)
                    term = b.last
                    if in_place_help is None or term is None:
                        continue
                    for k, v in enumerate(terminator_values(term)):
                        if v.type.is_qubit and wire_of.get(v) != wires[k]:
                            raise PassError(
                                f"{name} region yields qubit of wire {wire_of.get(v)} where wire {wires[k]} is carried",
                                term.loc, help=in_place_help)
            continue
        qin = [v for v in op.operands if v.type.is_qubit]
        if not qin:
            continue
        for v, r in zip(qin, (r for r in op.results if r.type.is_qubit)):
            w = wire_of.get(v)
            if w is not None:
                wire_of[r] = w
