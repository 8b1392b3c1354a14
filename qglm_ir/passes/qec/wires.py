"""Wires of a kernel for the QEC passes: which wire each qubit value is, and spare wires.

Follows the project's wire convention (input wires: qubit block arguments,
then ``q.alloc`` results in pre-order). Wire ``w`` of a kernel is taken to be
physical qubit ``w``: exactly true after ``layout`` (the kernel then has one
wire per device qubit and carries ``initial_layout``), and the convention the
compile report's ESP uses for unmapped programs. Only mapped kernels in alloc
form have *spare* wires: physical qubits the kernel allocates but never
touches, which protections may borrow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...core.errors import PassError
from ...core.ir import Block, Operation, Value
from ...core.module import Module
from ...dialects.scf import REGION_OPS, carried, terminator_values


def kernels_of(module: Module) -> list[Operation]:
    """Every ``q.kernel`` of the module, in order."""
    return [op for op in module.body if op.name == "q.kernel"]


def kernel_name(kernel: Operation) -> str:
    return str(kernel.properties.get("sym_name", "?"))


@dataclass
class KernelWires:
    """Wire facts of one kernel (see the module docstring)."""

    kernel: Operation
    wire_of: dict[Value, int] = field(default_factory=dict)
    allocs: dict[int, Operation] = field(default_factory=dict)
    deallocs: dict[int, Operation] = field(default_factory=dict)
    num_wires: int = 0
    num_args: int = 0

    @property
    def body(self) -> Block:
        return self.kernel.regions[0].block

    @property
    def mapped(self) -> bool:
        """Whether ``layout`` placed this kernel (wire = physical qubit by construction)."""
        return "initial_layout" in self.kernel.properties

    def spare_wires(self) -> set[int]:
        """Top-level allocated wires whose only use is their dealloc (idle ancillas).

        Only a mapped kernel has spares; an unmapped program's extra wires
        would be placed anywhere by a later ``layout``.
        """
        if not self.mapped:
            return set()
        out = set()
        for w, a in self.allocs.items():
            u = a.results[0].single_user
            if u is not None and u.name == "q.dealloc" and a.parent is self.body:
                out.add(w)
        return out


def analyze(kernel: Operation) -> KernelWires:
    """Assign a wire to every qubit value of ``kernel`` (nested regions included).

    Raises :class:`PassError` for an ``scf`` terminator that permutes qubits.
    """
    kw = KernelWires(kernel)
    body = kernel.regions[0].block
    for a in body.args:
        if a.type.is_qubit:
            kw.wire_of[a] = kw.num_wires
            kw.num_wires += 1
    kw.num_args = kw.num_wires
    _walk(body, kw)
    return kw


def _walk(block: Block, kw: KernelWires) -> None:
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
        if view is not None:  # scf op: carried operands, region block arguments and yields keep their wire
            wires = [wire_of.get(v) for v in carried(op)]
            for k, r in enumerate(op.results):
                if r.type.is_qubit:
                    wire_of[r] = wires[k]  # type: ignore[assignment]
            for region in op.regions:
                for b in region.blocks:
                    for k, a in enumerate(b.args[view.ARG_OFFSET:]):
                        if a.type.is_qubit:
                            wire_of[a] = wires[k]  # type: ignore[assignment]
                    _walk(b, kw)
                    term = b.last
                    if term is None:
                        continue
                    for k, v in enumerate(terminator_values(term)):
                        if v.type.is_qubit and wire_of.get(v) != wires[k]:
                            raise PassError(
                                f"{name} region yields qubit of wire {wire_of.get(v)} where wire {wires[k]} is carried",
                                term.loc, help="qec passes need scf regions that keep each wire in place")
            continue
        qin = [v for v in op.operands if v.type.is_qubit]
        qout = [r for r in op.results if r.type.is_qubit]
        for v, r in zip(qin, qout):
            wire_of[r] = wire_of[v]


def op_wires(op: Operation, kw: KernelWires) -> tuple[int, ...]:
    """Wires of the qubit operands of ``op`` (in operand order)."""
    return tuple(kw.wire_of[v] for v in op.operands if v.type.is_qubit)


def final_measurements(kw: KernelWires) -> list[Operation]:
    """Top-level ``q.measure`` ops whose qubit is deallocated right after (readout ops)."""
    out = []
    for op in kw.body:
        if op.name == "q.measure":
            u = op.results[1].single_user
            if u is not None and u.name == "q.dealloc":
                out.append(op)
    return out
