"""``redundant-readout``: fan a finally-measured qubit out to spare neighbours and vote.

Requires: a device in the context; kernels mapped by ``layout`` (alloc form,
one wire per physical qubit) so that idle physical neighbours exist as spare
wires. Unmapped kernels are left alone (noted in the stats).

Guarantees: for each protected final measurement ``%m, %q' = q.measure %q``
(``%q'`` only deallocated), ``copies`` spare neighbours ``s`` coupled to the
qubit get ``cx %q, %s`` before it and are measured with it; every former use
of ``%m`` reads the ``i1`` majority of the measured bits, computed with
``arith`` ops in the kernel. Without noise all bits agree, so the kernel's
returned values are unchanged (checked by :func:`.check.logically_equivalent`).

:func:`predict_readout_error` is the calibration model of the logical readout
error; the ``qec`` policy uses it to decide where the fan-out pays off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from ...core.builder import Builder
from ...core.ir import Operation
from ...core.module import Module
from ...core.types import i1, qubit
from ...dialects.q import MeasureOp
from ...targets.noise_model import NoiseModel
from ..base import Pass, PassContext, PassResult
from .common import majority, model_from_ctx, replace_uses_except
from .predict import repetition_error
from .wires import KernelWires, analyze, final_measurements, kernels_of


def predict_readout_error(model: NoiseModel, q: int, spares: Sequence[int] = ()) -> float:
    """Predicted logical readout error of physical qubit ``q`` fanned out to ``spares``
    (:func:`.predict.repetition_error` with the fan-out and no idle); with no
    spares, the plain readout error. Averaged over the two input states."""
    return repetition_error(model, [q, *spares], [(0, i + 1) for i in range(len(spares))])


def choose_readout_spares(model: NoiseModel, q: int, free: set[int], copies: int) -> list[int]:
    """The ``copies`` free coupled neighbours of ``q`` with the lowest predicted error
    (empty if fewer are available)."""
    dev = model.device
    usable = set(dev.usable_edges)
    cands = [s for s in dev.neighbors[q] if s in free and (min(q, s), max(q, s)) in usable]
    cands.sort(key=lambda s: (predict_readout_error(model, s) + model.gate_error("cx", (q, s)), s))
    return cands[:copies] if len(cands) >= copies else []


def protect_measurement(kw: KernelWires, measure: Operation, spares: Sequence[int]) -> None:
    """Rewrite final measurement ``measure`` with fan-out to ``spares`` (see module docstring).

    Requires each spare wire to be an untouched top-level alloc of ``kw`` placed
    before ``measure`` (allocs are never moved: their order defines the wires).
    """
    block = measure.parent
    assert block is not None
    data = MeasureOp(measure).qubit
    copies = []
    for s in spares:
        alloc = kw.allocs[s]
        dealloc = alloc.results[0].single_user
        assert dealloc is not None and dealloc.name == "q.dealloc"
        dealloc.detach()
        dealloc.drop_all_references()
        cx = Builder.before_op(measure).create("q.cx", [data, alloc.results[0]], [qubit, qubit])
        cx.loc = measure.loc
        measure.set_operand(0, cx.results[0])
        data = cx.results[0]
        copies.append(cx.results[1])
    bits = [measure.results[0]]
    at = measure
    for sv in copies:
        m = Operation("q.measure", [sv], [i1, qubit], loc=measure.loc)
        block.insert_after(m, at)
        d = Operation("q.dealloc", [m.results[1]], [], loc=measure.loc)
        block.insert_after(d, m)
        bits.append(m.results[0])
        at = d
    anchor = at.next
    assert anchor is not None  # a kernel body ends with its return
    vote = majority(anchor, bits)
    voters: set[Operation] = set()
    op = at.next
    while op is not None and op is not anchor:
        voters.add(op)
        op = op.next
    replace_uses_except(measure.results[0], vote, voters)


@dataclass(frozen=True)
class RedundantReadout(Pass):
    """Redundant readout: fan final measurements out to spare neighbours and majority-vote.

    Options: ``qubits`` (physical qubits to protect; empty = every finally
    measured qubit with enough spare neighbours), ``copies`` (spares per
    qubit: 2 or 4, giving 3 or 5 votes).
    """

    name: ClassVar[str] = "redundant-readout"
    preserves: ClassVar[str] = "logical"
    qubits: tuple[int, ...] = ()
    copies: int = 2

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        model = model_from_ctx(ctx, self.name)
        protected = skipped = 0
        for kernel in kernels_of(module):
            protected_k, skipped_k = apply_redundant_readout(kernel, model, self.qubits, self.copies)
            protected += protected_k
            skipped += skipped_k
        return PassResult(protected > 0, {"protected": protected, "skipped": skipped})


def apply_redundant_readout(kernel: Operation, model: NoiseModel, qubits: Sequence[int] = (),
                            copies: int = 2, spares_for: dict[int, list[int]] | None = None) -> tuple[int, int]:
    """Protect the final measurements of ``kernel``; returns ``(protected, skipped)``.

    ``spares_for`` fixes the spares per qubit (as the policy chose them);
    otherwise they are chosen with :func:`choose_readout_spares`.
    """
    kw = analyze(kernel)
    free = kw.spare_wires()
    pos = {op: i for i, op in enumerate(kw.body)}  # allocs must precede the measurement they serve
    protected = skipped = 0
    for m in final_measurements(kw):
        q = kw.wire_of[MeasureOp(m).qubit]
        if qubits and q not in qubits:
            continue
        if spares_for is not None:
            if q not in spares_for:
                continue
            spares = [s for s in spares_for[q] if s in free]
            if len(spares) != len(spares_for[q]):
                skipped += 1
                continue
        else:
            spares = choose_readout_spares(model, q, free, copies)
        if not spares or not all(pos.get(kw.allocs[s], len(pos)) < pos[m] for s in spares):
            skipped += 1
            continue
        free -= set(spares)
        protect_measurement(kw, m, spares)
        protected += 1
    return protected, skipped
