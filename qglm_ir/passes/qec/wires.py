"""Wires of a kernel for the QEC passes: which wire each qubit value is, and spare wires.

The numbering is the kernel wire model of :mod:`qglm_ir.dialects.kernel_wires`
(input wires: qubit block arguments, then ``q.alloc`` results in pre-order). Wire ``w`` of a kernel is taken to be
physical qubit ``w``: exactly true after ``layout`` (the kernel then has one
wire per device qubit and carries ``initial_layout``), and the convention the
compile report's ESP uses for unmapped programs. Only mapped kernels in alloc
form have *spare* wires: physical qubits the kernel allocates but never
touches, which protections may borrow.
"""

from __future__ import annotations

from ...core.ir import Operation
from ...core.module import Module
from ...dialects import kernel_wires


def kernels_of(module: Module) -> list[Operation]:
    """Every ``q.kernel`` of the module, in order."""
    return [op for op in module.body if op.name == "q.kernel"]


def kernel_name(kernel: Operation) -> str:
    return str(kernel.properties.get("sym_name", "?"))


class KernelWires(kernel_wires.KernelWires):
    """Wire facts of one kernel (:mod:`qglm_ir.dialects.kernel_wires`), with what the QEC passes
    ask of them: which wires are spare."""

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
    kernel_wires.number_wires(kernel, into=kw, in_place_help="qec passes need scf regions that keep each wire in place")
    return kw


def final_measurements(kw: KernelWires) -> list[Operation]:
    """Top-level ``q.measure`` ops whose qubit is deallocated right after (readout ops)."""
    out = []
    for op in kw.body:
        if op.name == "q.measure":
            u = op.results[1].single_user
            if u is not None and u.name == "q.dealloc":
                out.append(op)
    return out
