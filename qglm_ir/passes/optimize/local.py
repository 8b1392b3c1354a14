"""Per-kernel state shared by the local gate patterns (``cancel``, ``merge-rotations``), and
running them under the worklist driver of :mod:`qglm_ir.passes.rewrite`.

The patterns themselves live with their passes (:mod:`.cancel`, :mod:`.merge_rotations`);
this module holds what they share for one kernel: the angle folder, the chain numbering
(:class:`.wires.WireIds`), the partner pre-filter (:class:`.peephole.PartnerFilter`), the
constant pool and the target basis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ...core.eraser import Eraser
from ...core.ir import Operation
from ..rewrite import DriverResult, PatternRewriter, RewriteDriver, RewritePattern
from .angles import AngleFolder, ConstPool
from .peephole import DEFAULT_CAP, PartnerFilter, reach_back
from .wires import WireIds, gates_in_order


class LocalState:
    """What the local patterns of one kernel share.

    ``gates``: the gates the partner filter counts at the start (a partner of a gate is one
    of them or a gate created later, which :meth:`created` counts). Requires: rewrites
    keep every qubit value on its wire (see :class:`.wires.WireIds`).
    """

    __slots__ = ("kernel", "folder", "ids", "alone", "cap", "basis", "_pool", "failed_walk")

    def __init__(self, kernel: Operation, folder: AngleFolder, gates: Sequence[Operation],
                 basis: tuple[str, ...] = (), cap: int = DEFAULT_CAP) -> None:
        self.kernel = kernel
        self.folder = folder
        self.ids = WireIds()
        self.alone = PartnerFilter(list(gates), self.ids)
        self.cap = cap
        self.basis = basis
        self._pool: ConstPool | None = None
        #: the partner search :class:`.cancel.CancelInverses` just made from a gate and lost:
        #: ``(gate, candidates offered to its match in walk order, whether one matched)``, or
        #: ``None``. :class:`.merge_rotations.MergeRotationsPattern`, tried next on the same
        #: gate with nothing changed in between, reads its own answer off it instead of
        #: walking the same wires again (see :func:`.peephole.replay_partner`), nor asking the
        #: partner filter again (no candidates: the filter said no gate can be a partner).
        self.failed_walk: tuple[Operation, list, bool] | None = None

    @property
    def pool(self) -> ConstPool:
        """The kernel's constant pool (made on first use: most runs add no constant)."""
        if self._pool is None:
            self._pool = ConstPool(self.kernel)
        return self._pool

    def rewriter(self, eraser: Eraser) -> PatternRewriter:
        """The rewriter for this kernel's patterns: counts created gates (:meth:`created`) and
        requeues, with each touched gate, the 1q gates whose partner search can reach it
        (:func:`.peephole.reach_back`), as a whole-pass rerun would look at them again."""
        return PatternRewriter(eraser, self.created, reach_back)

    def created(self, op: Operation) -> None:
        """Record a gate made by a rewrite (keeps the partner filter a necessary condition)."""
        self.alone.add(op)


PatternFactory = Callable[[LocalState], Iterable[RewritePattern]]


def run_local_patterns(
    kernel: Operation, folder: AngleFolder, eraser: Eraser, make: PatternFactory,
    basis: tuple[str, ...] = (), cap: int = DEFAULT_CAP,
    select: Callable[[Operation], bool] | None = None,
) -> tuple[DriverResult, list[RewritePattern]]:
    """Run the patterns ``make(state)`` on every gate of ``kernel`` (those ``select`` keeps),
    in program order, under one worklist; returns the driver's result and the patterns (for
    their counts)."""
    gates = gates_in_order(kernel)
    if select is not None:
        gates = [g for g in gates if select(g)]
    state = LocalState(kernel, folder, gates, basis, cap)
    patterns = list(make(state))
    driver = RewriteDriver(patterns, state.rewriter(eraser))
    return driver.run(gates), patterns
