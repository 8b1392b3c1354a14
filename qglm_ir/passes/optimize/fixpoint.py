"""``optimize-fixpoint``: -O3's optimization group run to its fixed point in one pass.

Replaces repeating whole passes (``cancel``, ``merge-rotations``, ``fuse-2q``, ``fuse-1q``,
``remove-dead`` again and again until a round changes nothing): the local patterns
(identities, inverse pairs, rotation merging, each across commuting gates) run once under
the worklist driver of :mod:`qglm_ir.passes.rewrite` on every gate; then block and run
resynthesis (``fuse-2q``, ``fuse-1q``) and dead-gate removal; and when those changed
something, the driver runs again on the gates they created and their neighbours only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...core.eraser import Eraser
from ...core.ir import Operation, OpResult
from ...core.module import Module
from ..base import Pass, PassContext, PassResult
from ..rewrite import RewriteDriver
from .angles import AngleFolder
from .cancel import Cancel, CancelInverses, DropIdentity
from .fuse_1q import Fuse1Q, target_basis
from .fuse_1q import fuse_kernel as fuse_1q_kernel
from .fuse_2q import Fuse2Q
from .fuse_2q import fuse_kernel as fuse_2q_kernel
from .local import LocalState
from .merge_rotations import MergeRotations, MergeRotationsPattern
from .peephole import DEFAULT_CAP, reach_back
from .remove_dead import RemoveDead, release_meanings, remove_dead_kernel
from .synthesis import euler_basis, two_qubit_target
from .wires import SPECS, gates_in_order, kernels, sweep_dead_classical


def local_patterns(state: LocalState) -> list:
    """Every local pattern, in the order tried on a gate (as the passes ran: ``cancel``'s,
    then ``merge-rotations``')."""
    return [DropIdentity(state), CancelInverses(state), MergeRotationsPattern(state)]


def reseed(created: list[Operation]) -> list[Operation]:
    """The worklist after a resynthesis: each live new gate, preceded by the gates feeding
    it and the 1q gates whose partner search reaches it (:func:`.peephole.reach_back`), in
    the order the gates were made (program order within each replaced piece)."""
    seen: dict[Operation, None] = {}
    specs = SPECS
    for op in created:
        if op.parent is None:
            continue
        for v in op.operands:
            if isinstance(v, OpResult) and v.op.name in specs and v.op.parent is not None:
                seen.setdefault(v.op)
        for g in reach_back(op):
            seen.setdefault(g)
        seen.setdefault(op)
    return list(seen)


@dataclass(frozen=True)
class OptimizeFixpoint(Pass):
    """Cancellation, rotation merging, 2q/1q resynthesis and dead-gate removal to a fixed point.

    Per kernel: the patterns of ``cancel`` and ``merge-rotations`` under one worklist
    (:func:`local_patterns`) on every gate in program order; then rounds of ``fuse-2q``
    (``snap`` as :class:`.fuse_2q.Fuse2Q`), ``fuse-1q`` and ``remove-dead``; after a round
    that changed something, the driver again on the gates created and their producers, and
    another round; at most ``max_rounds`` rounds (a stat says when that cap was hit).

    Requires: what its member passes require (a verified module; a target with a KAK-able
    2q gate and a universal 1q set). Guarantees: each step keeps its pass's guarantee, so
    the outputs are what ``remove-dead`` keeps (``preserves = "observable"``; with ``snap``
    an approximation, see :class:`.fuse_2q.Fuse2Q`); gate and 2q counts never grow.
    """

    name: ClassVar[str] = "optimize-fixpoint"
    skip_when_clean: ClassVar[bool] = True
    #: A second run right after a first changes nothing: a preset group of this pass alone
    #: is not repeated (see :func:`..presets.build_preset`).
    reaches_fixed_point: ClassVar[bool] = True
    snap: bool = False
    max_rounds: int = 4
    lookahead: int = DEFAULT_CAP

    @property
    def preserves(self) -> str:  # type: ignore[override]
        return "approximation" if self.snap else "observable"

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        basis = target_basis(ctx)
        euler = euler_basis(basis)
        target = two_qubit_target(basis)
        allowed = frozenset(basis) if basis else None
        folder = AngleFolder(module)
        eraser = Eraser()
        stats = {"rewrites": 0, "visited": 0, "rounds": 0, "blocks_resynthesized": 0, "two_qubit_saved": 0,
                 "runs_fused": 0, "dead_removed": 0, "round_cap_hit": 0, "rewrite_cap_hit": 0}
        for kernel in kernels(module):
            self._kernel(kernel, folder, eraser, basis, euler, target, allowed, stats)
        eraser.flush()
        changed = any(stats[k] for k in ("rewrites", "blocks_resynthesized", "runs_fused", "dead_removed"))
        clean: tuple[Pass, ...] = ()
        if not (stats["round_cap_hit"] or stats["rewrite_cap_hit"]):
            # The last round's resynthesis and dead-gate removal found nothing after a driver
            # run that emptied its worklist: the member passes have nothing left to do.
            clean = (Cancel(self.lookahead), MergeRotations(self.lookahead), Fuse2Q(self.snap), Fuse1Q(),
                     RemoveDead())
        return PassResult(changed, stats, clean)

    def _kernel(self, kernel: Operation, folder: AngleFolder, eraser: Eraser, basis, euler: str, target: str,
                allowed, stats: dict[str, int]) -> None:
        gates = gates_in_order(kernel)
        state = LocalState(kernel, folder, gates, tuple(basis or ()), self.lookahead)
        driver = RewriteDriver(local_patterns(state), state.rewriter(eraser))
        limit = 4 * len(gates) + 1024  # each rewrite removes a gate; generous for the later rounds
        res = driver.run(gates, limit)
        stats["rewrites"] += res.rewrites
        stats["visited"] += res.visited
        stats["rewrite_cap_hit"] += not res.converged
        dirty = res.rewrites > 0
        releases = release_meanings(kernel)  # once: no rewrite here changes a wire's release
        # What changed since the last fuse-1q (None: everything, its first run); its runs
        # are judged by their gates alone, so only runs near a change can fuse differently.
        near: list[Operation] | None = None
        journal: list[Operation] = []
        driver.rewriter.journal = journal
        for _ in range(self.max_rounds):
            stats["rounds"] += 1
            created: list[Operation] = []
            b, s = fuse_2q_kernel(kernel, folder, eraser, target, euler, basis is not None, not self.snap,
                                  state.pool, created)
            if near is not None:
                # (the journal's non-gates, constants that fed an erased gate, have no run:
                # fuse-1q would look at the run of their first user, changed or not)
                near = near + [op for op in journal if op.name in SPECS] + created
            created_1q: list[Operation] = []
            r, _, _ = fuse_1q_kernel(kernel, folder, eraser, euler, allowed, state.pool, created_1q, near)
            created += created_1q
            exposed: list[Operation] = []
            g, m = remove_dead_kernel(kernel, eraser, releases, exposed)
            g += m
            stats["blocks_resynthesized"] += b
            stats["two_qubit_saved"] += s
            stats["runs_fused"] += r
            stats["dead_removed"] += g
            if not (b or r or g):
                break
            dirty = True
            journal.clear()
            # a dead-gate removal shortens only runs ending at the ops it exposed (runs end
            # where the removed gates' inputs come from; nothing follows a removed gate
            # but sinks, so no two runs join)
            near = created_1q + exposed
            for op in created:
                if op.parent is not None:  # fuse-1q may have replaced what fuse-2q made
                    state.created(op)
            res = driver.run(reseed(created), limit)
            stats["rewrites"] += res.rewrites
            stats["visited"] += res.visited
            stats["rewrite_cap_hit"] += not res.converged
        else:
            stats["round_cap_hit"] += 1
        driver.rewriter.journal = None
        if dirty:
            sweep_dead_classical(kernel, eraser)
