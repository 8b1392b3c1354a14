"""``fuse-1q``: contract maximal runs of single-qubit gates and resynthesize them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from ...core.eraser import Eraser
from ...core.ir import Operation, OpResult
from ...core.module import Module
from ...dialects.q import gate_qubits
from ..base import Pass, PassContext, PassResult
from .angles import AngleFolder, ConstPool
from .synthesis import const_matrix as _matrix
from .synthesis import euler_basis, synth_1q
from .wires import SPECS, gates_in_order, kernels, replace_gates, spec_of, sweep_dead_classical


def target_basis(ctx: PassContext) -> tuple[str, ...] | None:
    """``ctx.basis``, else the device's native gates, else ``None``."""
    if ctx.basis:
        return tuple(ctx.basis)
    b = getattr(ctx.device, "basis_gates", None)
    return tuple(b) if b else None


def gate_matrix(op: Operation, folder: AngleFolder) -> np.ndarray | None:
    """The matrix of gate ``op`` when all its angles fold to constants, else ``None``."""
    spec = spec_of(op)
    if spec is None:
        return None
    if spec.num_params == 0:
        return spec.matrix()
    vals = folder.consts(op.operands[: spec.num_params])
    return None if vals is None else spec.matrix(*vals)


@dataclass(frozen=True)
class Fuse1Q(Pass):
    """Contract every maximal run of constant single-qubit gates and resynthesize it.

    A run is a maximal chain of one-qubit gate-table gates on one wire, with no
    other op between them on that wire, whose angles all fold to constants
    (frozen parameters fold, per :mod:`qglm_ir.passes.optimize.angles`). Runs
    with a symbolic angle are split at it: symbolic gates stay as they are.
    Each run's 2x2 product is resynthesized with Qiskit's Euler decomposer in
    the target's basis (``ctx.basis`` or the device's native gates: ``rz·sx·rz·sx·rz``
    (+``x``), ``p·sx``, ``u``, ``rz·ry``, ``rz·rx``, ``rx·ry``; ``u`` without a
    target). A run equal to the identity up to phase is dropped.

    The new sequence replaces the run when it is shorter, or when the run uses
    a gate outside the target basis; otherwise the run is left untouched.

    Requires: a verified module; a basis with a universal 1q set (else
    :class:`PassError`). Guarantees: tensor networks unchanged up to global phase;
    2q gates untouched; with a target basis every fused run is in it; nothing
    crosses a non-gate op or region boundary; linear time.
    """

    name: ClassVar[str] = "fuse-1q"
    skip_when_clean: ClassVar[bool] = True

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        basis = target_basis(ctx)
        euler = euler_basis(basis)
        allowed = frozenset(basis) if basis else None
        folder = AngleFolder(module)
        eraser = Eraser()
        runs = before = after = 0
        for kernel in kernels(module):
            r, b, a = fuse_kernel(kernel, folder, eraser, euler, allowed)
            runs += r
            before += b
            after += a
            if r:
                sweep_dead_classical(kernel, eraser)
        eraser.flush()
        return PassResult(runs > 0, {"runs_fused": runs, "gates_before": before, "gates_after": after})


GateKey = tuple[str, tuple[float, ...]]
"""A constant gate by content: its gate-table name and folded angles."""


class _Keys:
    """Memoized content key ``(name, angles)`` of constant single-qubit gates (``None`` for
    anything else): each gate is asked about up to three times per run (as a run head, as
    the predecessor of the next gate, as a run member)."""

    __slots__ = ("folder", "memo")

    def __init__(self, folder: AngleFolder):
        self.folder = folder
        self.memo: dict[Operation, GateKey | None] = {}

    def __call__(self, op: Operation | None) -> GateKey | None:
        if op is None:
            return None
        memo = self.memo
        if op in memo:
            return memo[op]
        spec = SPECS.get(op.name)
        key: GateKey | None = None
        if spec is not None and spec.num_qubits == 1:
            if spec.num_params == 0:
                key = (spec.name, ())
            else:
                vals = self.folder.consts(op.operands[: spec.num_params])
                key = None if vals is None else (spec.name, tuple(vals))
        memo[op] = key
        return key


@lru_cache(maxsize=1 << 15)
def _run_synthesis(run: tuple[GateKey, ...], euler: str) -> tuple[tuple[str, tuple[float, ...], tuple[int, ...]], ...]:
    """The Euler-basis sequence of a run of constant 1q gates, by content.

    A pure function of the gates and angles, so it is cached: ``-O3`` meets the same
    unchanged runs in every round of its fixed point (and routed circuits repeat the same
    few runs, ``sx`` alone, ``rz`` alone...), and pays a lookup instead of matrix products
    and a decomposition. The product is taken in run order, as without the cache.
    """
    total = None
    for name, angles in run:
        m = _matrix(name, angles)
        total = m if total is None else m @ total
    return tuple(synth_1q(total, euler))


def run_heads(ops: list[Operation], fusable: _Keys) -> list[Operation]:
    """The heads of the runs that contain, start right after or end right before one of
    ``ops`` (live ones): the runs a change at those ops can have changed."""
    heads: dict[Operation, None] = {}
    for op in ops:
        if op.parent is None:
            continue
        if fusable(op) is not None:
            cands: list[Operation] = [op]
        else:  # a 2q (or symbolic) gate: the runs on each side of it
            cands = [r.uses[0] for r in op.results if r.uses]
            cands += [v.op for v in op.operands if isinstance(v, OpResult)]
        for c in cands:
            if c.parent is None or fusable(c) is None:
                continue
            inp = gate_qubits(c)[0]
            while isinstance(inp, OpResult) and fusable(inp.op) is not None:
                c = inp.op
                inp = gate_qubits(c)[0]
            heads.setdefault(c)
    return list(heads)


def fuse_kernel(
    kernel: Operation, folder: AngleFolder, eraser: Eraser, euler: str, allowed: frozenset[str] | None,
    pool: ConstPool | None = None, created: list[Operation] | None = None,
    only_near: list[Operation] | None = None,
) -> tuple[int, int, int]:
    """Fuse the runs of ``kernel``; returns (runs replaced, gates before, gates after). New
    gates are appended to ``created`` when given. ``only_near``: look only at the runs
    :func:`run_heads` finds for these ops (the caller knows nothing else changed since the
    last fusion: a run's outcome depends on its gates alone)."""
    runs = before = after = 0
    if pool is None:
        pool = ConstPool(kernel)
    fusable = _Keys(folder)
    heads = gates_in_order(kernel) if only_near is None else run_heads(only_near, fusable)
    for head in heads:
        if head.parent is None:
            continue
        k = fusable(head)
        if k is None:
            continue
        inp = gate_qubits(head)[0]
        if isinstance(inp, OpResult) and fusable(inp.op) is not None:
            continue  # not the head of its run
        run = [head]
        keys = [k]
        cur = head.results[0]
        while cur.uses:
            nxt = cur.uses[0]
            kn = fusable(nxt)
            if kn is None:
                break
            run.append(nxt)
            keys.append(kn)
            cur = nxt.results[0]
        seq = _run_synthesis(tuple(keys), euler)
        # (the basis check only when the run does not get shorter anyway)
        if len(seq) < len(run) or (allowed is not None and any(op.name[2:] not in allowed for op in run)):
            replace_gates(run[0], run, [inp], seq, [cur], eraser, pool, created)
            runs += 1
            before += len(run)
            after += len(seq)
    return runs, before, after
