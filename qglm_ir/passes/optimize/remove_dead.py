"""``remove-dead``: drop gates (and unread measurements) that no output can observe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...core.eraser import Eraser
from ...core.errors import PassError
from ...core.ir import Operation, OpResult
from ...core.module import Module
from ...dialects.q import DeallocOp, MeasureOp, ResetOp
from ...dialects.readout import readout_of, reads_every_wire
from ..base import Pass, PassContext, PassResult
from ..mapping.wires import analyze
from .wires import kernels, remove_gate, spec_of, sweep_dead_classical


@dataclass(frozen=True)
class RemoveDead(Pass):
    """Remove gates whose effect no output of the kernel can observe.

    A gate is dead when, on *every* one of its wires, the next op is

    * ``q.reset`` — the reset discards the wire's state (a gate whose wires
      are all reset next only changes what is thrown away);
    * ``q.dealloc`` — the wire is released; what that means is the kernel's
      readout contract (:mod:`qglm_ir.dialects.readout`): under ``"state"``
      the final state of every program qubit is observed, so **nothing** is
      dead before the release of a program qubit (a trailing ``rz``/``t`` on a
      measurement-free circuit stays); under ``"z"`` the release of a listed
      qubit is a final Z measurement (only diagonal gates before it are dead);
      under ``"bits"``, and for device ancillas and unlisted qubits, the
      release discards the wire (every gate before it is dead);
    * ``q.measure``, if the gate is diagonal — a diagonal gate right before a
      Z measurement of all its qubits only multiplies each outcome branch by a
      phase (true mid-circuit too, since the post-measurement state is a basis
      state on those qubits).

    A ``q.measure`` whose bit is never used and whose qubit is released right
    after is dead too. Removal repeats backwards (a gate exposed by a removal is
    examined again), so a whole tail of gates before a release goes.

    This pass changes what the contract says nobody observes, on purpose: it
    preserves the *observable* outputs (``preserves = "observable"``): the
    joint distribution of the returned values, the state of the returned
    qubits, and the contract's readout of released program qubits; its
    translation validation compares exactly those.

    Requires: a verified module. Guarantees: returned qubits and every value a
    kernel returns keep their joint distribution; only ops are removed (gate
    and 2q counts never grow); ops inside ``scf`` regions are handled the same
    way, with region boundaries (``scf.yield``) counting as observable; linear time.
    """

    name: ClassVar[str] = "remove-dead"
    skip_when_clean: ClassVar[bool] = True
    preserves: ClassVar[str] = "observable"

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        eraser = Eraser()
        gates = measures = 0
        for kernel in kernels(module):
            g, m = remove_dead_kernel(kernel, eraser)
            gates += g
            measures += m
            if g or m:
                sweep_dead_classical(kernel, eraser)
        eraser.flush()
        return PassResult(gates + measures > 0, {"gates_removed": gates, "measurements_removed": measures})


def _sink(v, diagonal: bool, releases: dict[Operation, str]) -> bool:
    """Whether the next op on qubit value ``v`` hides any gate (``diagonal`` gates) before it.

    ``releases`` says what each ``q.dealloc`` of the kernel means under its readout
    contract: ``"discard"``, ``"z"`` (a final Z read) or ``"state"`` (observed).
    """
    u = v.uses[0] if v.uses else None
    if u is None:
        return False
    n = u.name
    if n == "q.dealloc":
        meaning = releases.get(u, "state")
        return meaning == "discard" or (diagonal and meaning == "z")
    return n == "q.reset" or (diagonal and n == "q.measure")


def release_meanings(kernel: Operation) -> dict[Operation, str]:
    """What each top-level ``q.dealloc`` of ``kernel`` means under its readout contract.

    A dealloc missing from the result is treated as observed (``"state"``), the
    safe default when the wires cannot be followed.
    """
    deallocs = [op for op in kernel.regions[0].block if op.name == "q.dealloc"]
    if reads_every_wire(kernel):
        # Every wire is read: what numbering the wires would say of each release (its wire
        # is one of 0..n-1, all read; or the wires cannot be followed: all observed).
        return {d: "state" for d in deallocs}
    readout = readout_of(kernel)
    if readout.kind == "bits":
        return {d: "discard" for d in deallocs}
    try:
        kw = analyze(kernel)
    except PassError:
        return {}  # wires we cannot follow: keep every release observed
    read = set(readout.wires)
    meaning = "z" if readout.kind == "z" else "state"
    return {d: (meaning if kw.vid[DeallocOp(d).qubit] in read else "discard") for d in deallocs}


def _dead_measure(op: Operation, releases: dict[Operation, str]) -> bool:
    """An unread measurement right before a release that discards or Z-reads the wire."""
    bit, q = op.results
    if bit.uses or not q.uses or q.uses[0].name != "q.dealloc":
        return False
    return releases.get(q.uses[0], "state") in ("discard", "z")


#: Ops after which a gate may be invisible (see :func:`_sink`); each takes one qubit operand.
_SINKS: dict[str, type[DeallocOp | ResetOp | MeasureOp]] = {"q.dealloc": DeallocOp, "q.reset": ResetOp, "q.measure": MeasureOp}


def remove_dead_kernel(kernel: Operation, eraser: Eraser,
                       releases: dict[Operation, str] | None = None,
                       exposed: list[Operation] | None = None) -> tuple[int, int]:
    """Remove the dead gates and measurements of ``kernel`` (see :class:`RemoveDead`); returns
    (gates removed, measurements removed). Unused classical ops are left to the caller.
    ``releases``: :func:`release_meanings` of the kernel when the caller has it (gate
    rewrites do not change it: they keep every wire and its release). ``exposed``: when
    given, the producer of every qubit input of each removed op is appended to it (live or
    removed later): a removal changes the IR only at the wire ends right after those ops."""
    gates = measures = 0
    releases = release_meanings(kernel) if releases is None else releases
    # Seed with every op sitting right before a sink; follow predecessors as they get exposed.
    # A gate is removable only when each of its results feeds a sink (dealloc, reset,
    # measure) directly, so the gates feeding sinks are the only seeds needed; what the
    # removals expose is pushed as it happens. The removed set is the closure either way.
    work: list[Operation] = []
    seeds: list[Operation] = []
    for op in kernel.walk():
        name = op.name
        if name == "q.measure" and _dead_measure(op, releases):
            work.append(op)
        if name in _SINKS:
            v = _SINKS[name](op).qubit
            if isinstance(v, OpResult) and spec_of(v.op) is not None:
                seeds.append(v.op)
    work += seeds  # popped last-first: tails collapse in one sweep
    while work:
        op = work.pop()
        if op.parent is None:
            continue
        if op.name == "q.measure":
            if not _dead_measure(op, releases):
                continue
            src = MeasureOp(op).qubit
            op.results[1].replace_all_uses_with(src)
            eraser.erase(op)
            measures += 1
            if isinstance(src, OpResult):
                work.append(src.op)
                if exposed is not None:
                    exposed.append(src.op)
            continue
        spec = spec_of(op)
        if spec is None:
            continue
        if not all(_sink(r, spec.diagonal, releases) for r in op.results):
            continue
        ins = op.operands[spec.num_params :]
        remove_gate(op, spec, eraser)
        gates += 1
        for v in ins:
            if isinstance(v, OpResult):
                work.append(v.op)
                if exposed is not None:
                    exposed.append(v.op)
    return gates, measures
