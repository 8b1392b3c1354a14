"""``merge-rotations``: merge same-axis rotations, symbolically when angles are symbolic."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from ...core.ir import Operation, Value
from ...core.module import Module
from ...core.types import qubit
from ...dialects.gates import GATES, GateSpec
from ...dialects.q import gate_params
from ..base import Pass, PassContext, PassResult
from ..rewrite import PatternRewriter, RewritePattern
from .angles import Angle, AngleEmitter, AngleFolder
from .cancel import DropIdentity
from .commutation import is_identity_up_to_phase, period
from .local import LocalState, run_local_patterns
from .peephole import DEFAULT_CAP, REWALK, find_partner, replay_partner
from .wires import SPECS, Eraser, kernels, sweep_dead_classical

_PROBE = 0.8731


def _proportional(a: np.ndarray, b: np.ndarray) -> bool:
    return is_identity_up_to_phase(b.conj().T @ a)


@lru_cache(maxsize=1)
def rotation_families() -> dict[str, tuple[int, float | None]]:
    """Gate name -> (family id, fixed angle or None for the parametric members).

    Derived from the gate table: one-angle gates ``r1``, ``r2`` share a family
    when ``r1(t)`` is proportional to ``r2(t)`` (``rz`` and ``p``); a fixed gate
    ``g`` joins the family of ``r`` with angle ``t`` when ``g`` is proportional
    to ``r(t)`` for ``t`` a multiple of pi/4 (``s = rz(pi/2)``, ``cz = cp(pi)``,
    ``sx = rx(pi/2)``). Within a family ``f(a)·f(b) = f(a+b)`` up to phase.
    """
    fam: dict[str, tuple[int, float | None]] = {}
    reps: list[str] = []
    for name, spec in GATES.items():
        if spec.num_params != 1:
            continue
        for i, rep in enumerate(reps):
            if GATES[rep].num_qubits == spec.num_qubits and _proportional(
                spec.matrix(_PROBE), GATES[rep].matrix(_PROBE)
            ):
                fam[name] = (i, None)
                break
        else:
            fam[name] = (len(reps), None)
            reps.append(name)
    for name, spec in GATES.items():
        if spec.num_params != 0 or name == "id":
            continue
        for i, rep in enumerate(reps):
            if GATES[rep].num_qubits != spec.num_qubits:
                continue
            for k in range(-3, 5):
                t = k * math.pi / 4
                if k != 0 and _proportional(spec.matrix(), GATES[rep].matrix(t)):
                    fam[name] = (i, t)
                    break
            if name in fam:
                break
    return fam


@dataclass(frozen=True)
class MergeRotations(Pass):
    """Merge rotations about one axis on the same qubits: ``rz(a)·rz(b) -> rz(a+b)``.

    Families are derived from the gate table (see :func:`rotation_families`):
    ``{rz, p, z, s, sdg, t, tdg}``, ``{rx, x, sx, sxdg}``, ``{ry, y}``,
    ``{cp, cz}``, ``{rzz}``, ``{crz}``, ... Two members merge when they act on
    the same qubits (in either order for symmetric gates) and every gate between
    them on those wires commutes with the first (so controlled-phase chains and
    ``rz`` on a CNOT control merge through). The merged angle is folded when
    both angles are constants (frozen parameters included, per
    :mod:`qglm_ir.passes.optimize.angles`), otherwise built with ``arith.add``
    right before the merged gate, so trainable parameters stay symbolic.
    A merged or single rotation whose constant angle is a multiple of its
    period (identity up to phase) is removed.

    The merged gate keeps the later gate's name when it is parametric, else the
    earlier one's, else the family's gate in ``ctx.basis`` (or ``rz``/``rx``/...).

    Requires: a verified module. Guarantees: tensor networks unchanged up to
    global phase; gate and 2q counts never grow; no gate moves across a non-gate
    op or region boundary; linear time (search capped by ``lookahead``).
    """

    name: ClassVar[str] = "merge-rotations"
    skip_when_clean: ClassVar[bool] = True
    lookahead: int = DEFAULT_CAP

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        folder = AngleFolder(module)
        eraser = Eraser()
        basis = tuple(ctx.basis or getattr(ctx.device, "basis_gates", None) or ())
        roots = family_roots()
        merged = dropped = 0
        for kernel in kernels(module):
            res, pats = run_local_patterns(kernel, folder, eraser, lambda st: merge_patterns(st, roots), basis,
                                           self.lookahead, select=lambda g: g.name in roots)
            m = pats[1]
            assert isinstance(m, MergeRotationsPattern)
            merged += m.merged
            dropped += res.by_pattern.get(DropIdentity.name, 0) + m.dropped
            if res.rewrites:
                sweep_dead_classical(kernel, eraser)
        eraser.flush()
        return PassResult(merged + dropped > 0, {"merged": merged, "identities_removed": dropped})


def _angle(op: Operation, spec: GateSpec, fixed: float | None, folder: AngleFolder) -> Angle:
    if fixed is not None:
        return fixed
    v = gate_params(op)[0]
    c = folder.const(v)
    return v if c is None else c


def _out_name(a: str, b: str, fam_id: int, basis: tuple[str, ...]) -> str:
    fam = rotation_families()
    if fam[b][1] is None:
        return b
    if fam[a][1] is None:
        return a
    members = [n for n, (f, t) in fam.items() if f == fam_id and t is None]
    for n in members:
        if n in basis:
            return n
    return members[0]


@lru_cache(maxsize=1)
def family_roots() -> frozenset[str]:
    """IR names of the gates in some rotation family (what :class:`MergeRotationsPattern` roots at)."""
    return frozenset(GATES[n].ir_name for n in rotation_families())


class MergeRotationsPattern(RewritePattern):
    """Merge a rotation ``A`` into the first same-family rotation ``B`` after it on the same
    qubits (past gates commuting with ``A``): ``A`` goes, ``B`` becomes the sum (or goes
    too when the sum is the identity). Counts ``merged`` and ``dropped`` (identity sums)."""

    name: ClassVar[str] = "merge-rotations"

    def __init__(self, state: LocalState) -> None:
        self.state = state
        self.roots = family_roots()
        self.fam = rotation_families()
        self.merged = 0
        self.dropped = 0

    def match_and_rewrite(self, a: Operation, rewriter: PatternRewriter) -> bool:
        st = self.state
        walk, st.failed_walk = st.failed_walk, None
        if walk is not None and walk[0] is a:
            pass  # CancelInverses asked the filter about ``a`` just now (its answer is in ``walk``)
        elif not st.alone.may_have_partner(a):
            return False
        fam = self.fam
        sa = SPECS[a.name]
        fa = fam[sa.name]
        fid = fa[0]

        def match(b: Operation, sb: GateSpec, pat: tuple[int, ...]) -> bool:
            fb = fam.get(sb.name)
            if fb is None or fb[0] != fid:
                return False
            return pat == _IDENTITY[len(pat)] or (sa.symmetric and sb.symmetric)

        if walk is not None and walk[0] is a:
            hit = replay_partner(sa, match, walk[1], walk[2])
            if hit is REWALK:
                hit = find_partner(a, sa, match, st.cap, st.ids)
        else:
            hit = find_partner(a, sa, match, st.cap, st.ids)
        if hit is None:
            return False
        b, sb, _ = hit
        fb = fam[sb.name]
        folder = st.folder
        em = AngleEmitter(b, st.pool)
        total = em.add(_angle(a, sa, fa[1], folder), _angle(b, sb, fb[1], folder))
        name = _out_name(sa.name, sb.name, fa[0], st.basis)
        rewriter.bypass_op(a, sa.num_params)
        self.merged += 1
        if not isinstance(total, Value):
            t = period(name)
            if t is not None:
                r = total % t
                if min(r, t - r) < 1e-12:
                    rewriter.bypass_op(b, sb.num_params)
                    self.dropped += 1
                    return True
        spec = GATES[name]
        new = Operation.plain(
            spec.ir_name,
            [em.value(total), *b.operands[sb.num_params :]],
            [qubit] * spec.num_qubits,
            b.loc,
        )
        rewriter.replace_op(b, new)
        return True


#: ``_IDENTITY[n]``: the placement ``(0, 1, ..., n-1)`` (a partner on ``A``'s qubits in order).
_IDENTITY = [tuple(range(n)) for n in range(8)]


def merge_patterns(state: LocalState, roots: frozenset[str] | None = None) -> list[RewritePattern]:
    """``merge-rotations``'s patterns: identity rotations dropped, then merging. ``roots``
    restricts the identity check (the pass alone looks at rotations only)."""
    return [DropIdentity(state, roots), MergeRotationsPattern(state)]
