"""``remove-dead``: drop gates (and unread measurements) that no output can observe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...core.eraser import Eraser
from ...core.ir import Operation, OpResult
from ...core.module import Module
from ...dialects.stats import reads_output_wires
from ..base import Pass, PassContext, PassResult
from .wires import gates_in_order, kernels, remove_gate, spec_of, sweep_dead_classical


@dataclass(frozen=True)
class RemoveDead(Pass):
    """Remove gates whose effect no output of the kernel can observe.

    A gate is dead when, on *every* one of its wires, the next op is

    * ``q.reset`` — the reset discards the wire's state (a gate whose wires
      are all reset next only changes what is thrown away);
    * ``q.dealloc`` — the wire is released without being read again (when the
      kernel returns no bits, its caller reads every output wire in
      Z, so a dealloc then counts as a final Z measurement: only diagonal gates
      before it are dead);
    * ``q.measure``, if the gate is diagonal — a diagonal gate right before a
      Z measurement of all its qubits only multiplies each outcome branch by a
      phase (true mid-circuit too, since the post-measurement state is a basis
      state on those qubits).

    A ``q.measure`` whose bit is never used and whose qubit is released right
    after is dead too. Removal repeats backwards (a gate exposed by a removal is
    examined again), so a whole tail of gates before a release goes.

    This pass changes the kernel's unitary and its deallocated wires on
    purpose: it preserves only the *observable* outputs, i.e. the joint
    distribution of the returned classical values together with the state of
    the returned qubits (``preserves = "observable"``); its translation
    validation must compare those (measurement distributions and returned
    values), not the full unitary.

    Requires: a verified module. Guarantees: returned qubits and every value a
    kernel returns keep their joint distribution; only ops are removed (gate
    and 2q counts never grow); ops inside ``scf`` regions are handled the same
    way, with region boundaries (``scf.yield``) counting as observable; linear time.
    """

    name: ClassVar[str] = "remove-dead"
    preserves: ClassVar[str] = "observable"

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        eraser = Eraser()
        gates = measures = 0
        for kernel in kernels(module):
            g, m = _remove_kernel(kernel, eraser)
            gates += g
            measures += m
            if g or m:
                sweep_dead_classical(kernel, eraser)
        eraser.flush()
        return PassResult(gates + measures > 0, {"gates_removed": gates, "measurements_removed": measures})


def _sink(v, diagonal: bool, wires_read: bool) -> bool:
    """Whether the next op on qubit value ``v`` hides any gate (``diagonal`` gates) before it.

    ``wires_read``: the kernel returns no bits (:func:`reads_output_wires`), so its caller (a
    ``stats`` op, see :mod:`qglm_ir.dialects.stats`) reads every output wire in
    Z; a ``q.dealloc`` then acts as a final Z measurement, not a discard.
    """
    u = v.uses[0] if v.uses else None
    if u is None:
        return False
    n = u.name
    if n == "q.dealloc":
        return diagonal or not wires_read
    return n == "q.reset" or (diagonal and n == "q.measure")


def _dead_measure(op: Operation) -> bool:
    bit, q = op.results
    return not bit.uses and bool(q.uses) and q.uses[0].name == "q.dealloc"


def _remove_kernel(kernel: Operation, eraser: Eraser) -> tuple[int, int]:
    gates = measures = 0
    wires_read = reads_output_wires(kernel)
    # Seed with every op sitting right before a sink; follow predecessors as they get exposed.
    work: list[Operation] = [op for op in kernel.walk() if op.name == "q.measure" and _dead_measure(op)]
    work += gates_in_order(kernel)  # popped last-first: tails collapse in one sweep
    while work:
        op = work.pop()
        if op.parent is None:
            continue
        if op.name == "q.measure":
            if not _dead_measure(op):
                continue
            src = op.operands[0]
            op.results[1].replace_all_uses_with(src)
            eraser.erase(op)
            measures += 1
            if isinstance(src, OpResult):
                work.append(src.op)
            continue
        spec = spec_of(op)
        if spec is None:
            continue
        if not all(_sink(r, spec.diagonal, wires_read) for r in op.results):
            continue
        ins = op.operands[spec.num_params :]
        remove_gate(op, spec, eraser)
        gates += 1
        for v in ins:
            if isinstance(v, OpResult):
                work.append(v.op)
    return gates, measures
