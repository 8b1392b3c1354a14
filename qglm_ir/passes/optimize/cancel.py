"""``cancel``: remove pairs of mutually inverse gates, also across commuting gates."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from ...core.ir import Operation, Value
from ...core.module import Module
from ...dialects.gates import GATES, GateSpec
from ..base import Pass, PassContext, PassResult
from ..rewrite import PatternRewriter, RewritePattern
from .angles import AngleFolder, same_angle
from .commutation import always_diagonal, commutes, embed, is_diagonal, is_identity_up_to_phase, period
from .local import LocalState, run_local_patterns
from .peephole import DEFAULT_CAP, find_partner
from .wires import SPECS, Eraser, kernels, sweep_dead_classical


@dataclass(frozen=True)
class Cancel(Pass):
    """Remove gate pairs ``A ... B`` with ``B = A^-1`` and gates equal to the identity.

    Finds, for every gate ``A``, the first gate ``B`` on exactly ``A``'s wires
    such that every gate between them on those wires commutes with ``A`` (the
    commutation table is derived from the gate-table matrices), and removes
    both when ``B·A`` is the identity up to global phase: ``h·h``, ``cx·cx``,
    ``s·sdg``, ``rz(a)·rz(-a)`` (symbolically: ``B``'s angle is ``arith.neg``
    of ``A``'s), and any two constant gates whose product is the identity.
    Also removes single gates that are the identity up to phase (``id``,
    ``rz(0)``, ``rx(2pi)``, ``crz(4pi)``).

    Requires: a verified module. Guarantees: every kernel's tensor network is
    unchanged up to global phase (``preserves = "unitary"``); no gate is added,
    so neither the gate count nor the 2q count grows; nothing is looked at across
    a non-gate op (measurement, reset, barrier, delay, region op) on the same
    wire, so feed-forward and region boundaries are respected; each block of
    every ``scf`` region is treated as its own segment. Angles are folded per
    :mod:`qglm_ir.passes.optimize.angles` (frozen parameters fold, trainable
    ones stay symbolic). ``lookahead`` caps how many commuting gates a search
    passes on each wire, which keeps the pass linear in the gate count.
    """

    name: ClassVar[str] = "cancel"
    skip_when_clean: ClassVar[bool] = True
    lookahead: int = DEFAULT_CAP

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        folder = AngleFolder(module)
        eraser = Eraser()
        pairs = singles = 0
        for kernel in kernels(module):
            res, _ = run_local_patterns(kernel, folder, eraser, cancel_patterns, cap=self.lookahead)
            singles += res.by_pattern.get(DropIdentity.name, 0)
            pairs += res.by_pattern.get(CancelInverses.name, 0)
            if res.rewrites:
                sweep_dead_classical(kernel, eraser)
        eraser.flush()
        return PassResult(pairs + singles > 0, {"pairs_cancelled": pairs, "identities_removed": singles})


def _angles(op: Operation, spec: GateSpec, folder: AngleFolder) -> list[float | Value]:
    out: list[float | Value] = []
    for v in op.operands[: spec.num_params]:
        c = folder.const(v)
        out.append(v if c is None else c)
    return out


def is_identity_gate(op: Operation, spec: GateSpec, folder: AngleFolder) -> bool:
    """Whether gate ``op`` is the identity up to global phase (its angles must fold)."""
    if spec.num_params == 0:
        return spec.name == "id"
    vals = folder.consts(op.operands[: spec.num_params])
    if vals is None:
        return False
    if spec.num_params == 1:
        t = period(spec.name)
        if t is not None:
            r = vals[0] % t
            return min(r, t - r) < 1e-12
    entry = _ENTRY00.get(spec.name)
    if entry is not None and abs(abs(entry(*vals)) - 1.0) > _ID_ATOL:
        # the first test of is_identity_up_to_phase, on the one entry it reads, without
        # building the matrix (every ``u`` of a QV circuit is asked once per cancel run)
        return False
    return is_identity_up_to_phase(spec.matrix(*vals))


#: ``is_identity_up_to_phase``'s default tolerance (its test on ``|m[0,0]|``).
_ID_ATOL = 1e-9

#: Entry ``[0, 0]`` of a multi-angle gate's matrix, computed as the gate table computes it
#: (same float), for the gates without a period. A test checks each against ``spec.matrix``.
_ENTRY00: dict[str, Callable[..., float]] = {"u": lambda theta, phi, lam: math.cos(theta / 2)}


def is_inverse(
    a: Operation, sa: GateSpec, b: Operation, sb: GateSpec, pattern: tuple[int, ...], folder: AngleFolder,
    aa: list[float | Value] | None = None,
) -> bool:
    """Whether ``b`` (qubit ``j`` on ``a``'s qubit ``pattern[j]``) is ``a``'s inverse up to phase.

    ``aa``: ``a``'s angles when the caller has them already (one partner search
    asks about many ``b``).
    """
    if aa is None:
        aa = _angles(a, sa, folder)
    bb = _angles(b, sb, folder)
    if len(sa.inverse) == 1:
        term = sa.inverse[0]
        if term.gate == sb.name and (pattern == term.qubits or (sb.symmetric and sa.symmetric)):
            i = 0
            for idx, sign in term.params:  # same_angle of each pair; two floats inline (the hot case)
                x, y = aa[idx], bb[i]
                if x.__class__ is float and y.__class__ is float:
                    if abs(y - sign * x) > 1e-12:
                        break
                elif not same_angle(x, y, sign):
                    break
                i += 1
            else:
                return True
    if _never_inverse(sa.name, sb.name):
        return False
    if any(isinstance(x, Value) for x in aa) or any(isinstance(x, Value) for x in bb):
        return False
    return _numeric_inverse(sa.name, tuple(aa), sb.name, tuple(bb), pattern)  # type: ignore[arg-type]


@lru_cache(maxsize=1024)
def _never_inverse(a: str, b: str) -> bool:
    """Whether no angles make gates ``a`` and ``b`` inverse up to phase, in any placement,
    for the one structural reason checked here: one is diagonal for every angle value and
    the other is a fixed (parameter-free) non-diagonal gate. (Permuting qubits keeps a
    matrix diagonal or not, and the inverse of a diagonal unitary is diagonal.) Saves the
    numeric check on every ``rz`` next to an ``sx``, ``x`` or ``h``."""
    return (always_diagonal(a) and _fixed_non_diagonal(b)) or (always_diagonal(b) and _fixed_non_diagonal(a))


@lru_cache(maxsize=256)
def never_inverse_of(a: str) -> frozenset[str]:
    """The gate-table names ``b`` for which :func:`is_inverse` is False for every pair of
    gates ``a``, ``b``, whatever their angles and placement: :func:`_never_inverse` holds
    and ``a``'s inverse is not written as a ``b`` (the one test that comes first), or both
    are fixed one-qubit gates whose product is not the identity up to phase. The partner
    search of :class:`CancelInverses` skips ``is_inverse`` for those (a ``rz`` next to an
    ``sx``, an ``sx`` next to a ``rz``: most candidates of a circuit in a ``{rz, sx, cx}``
    basis)."""
    sa = GATES[a]
    direct = sa.inverse[0].gate if len(sa.inverse) == 1 else None
    out = set()
    for b, sb in GATES.items():
        if b == direct:
            continue
        if _never_inverse(a, b):
            out.add(b)
        elif sa.num_qubits == sb.num_qubits == 1 and sa.num_params == sb.num_params == 0:
            if not is_identity_up_to_phase(sb.matrix() @ sa.matrix()):  # _numeric_inverse's test
                out.add(b)
    return frozenset(out)


def _fixed_non_diagonal(name: str) -> bool:
    spec = GATES[name]
    return spec.num_params == 0 and not is_diagonal(spec.matrix())


@lru_cache(maxsize=1 << 16)
def _numeric_inverse(
    a: str, aa: tuple[float, ...], b: str, bb: tuple[float, ...], pattern: tuple[int, ...]
) -> bool:
    """Cached: circuits repeat the same few (gate, angle) pairs over and over."""
    sa = GATES[a]
    mb = GATES[b].matrix(*bb)
    if pattern != tuple(range(sa.num_qubits)):  # the identity placement needs no embedding
        mb = embed(mb, pattern, sa.num_qubits)
    return is_identity_up_to_phase(mb @ sa.matrix(*aa))


class DropIdentity(RewritePattern):
    """Remove a gate that is the identity up to phase (:func:`is_identity_gate`)."""

    name: ClassVar[str] = "drop-identity"

    def __init__(self, state: LocalState, roots: frozenset[str] | None = None) -> None:
        self.folder = state.folder
        # only gates that can be the identity: a fixed gate other than ``id`` never is
        # (:func:`is_identity_gate`), so the driver does not offer it (every ``cx``, ``sx``)
        self.roots = _MAYBE_IDENTITY if roots is None else roots & _MAYBE_IDENTITY

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> bool:
        sa = SPECS[op.name]
        if not is_identity_gate(op, sa, self.folder):
            return False
        rewriter.bypass_op(op, sa.num_params)
        return True


class CancelInverses(RewritePattern):
    """Remove a gate ``A`` and the first gate ``B`` after it on exactly its wires, past gates
    that commute with ``A`` (:func:`.peephole.find_partner`), when ``B`` is ``A``'s inverse
    up to phase (:func:`is_inverse`)."""

    name: ClassVar[str] = "cancel-inverses"

    def __init__(self, state: LocalState) -> None:
        self.state = state
        self.roots = _GATE_NAMES

    def match_and_rewrite(self, a: Operation, rewriter: PatternRewriter) -> bool:
        st = self.state
        if not st.alone.may_have_partner(a):
            # no gate after ``a`` is on exactly its wires: no search finds one, whatever
            # it matches (merge-rotations, tried next, reads that off failed_walk)
            st.failed_walk = (a, [], False)
            return False
        sa = SPECS[a.name]
        never = never_inverse_of(sa.name)
        if sa.num_qubits == 1 and st.cap > 0:
            # The walk's first step, when it is its last: the next gate on the wire is a 1q
            # gate that can never cancel ``a`` and does not commute with it (``rz`` then
            # ``sx``, ``sx`` then ``rz``: a third of all searches of a basis circuit).
            # :func:`.peephole.find_partner` would offer it, be refused and stop there.
            uses = a.results[0].uses
            if uses:
                g = uses[0]
                sg = SPECS.get(g.name)
                if sg is not None and sg.num_qubits == 1 and sg.name in never and \
                        not commutes(sa.name, sg.name, _ONE):
                    st.failed_walk = (a, [(g, sg, _ONE)], False)
                    return False
        st.failed_walk = None
        folder = st.folder
        aa: list[float | Value] | None = None  # a's angles, folded on the first real question
        offered: list[tuple[Operation, GateSpec, tuple[int, ...]]] = []
        accepted = False

        def match(b: Operation, sb: GateSpec, pat: tuple[int, ...]) -> bool:
            nonlocal accepted, aa
            offered.append((b, sb, pat))
            if sb.name in never:  # what is_inverse would say, known from the names
                return False
            if aa is None:
                aa = _angles(a, sa, folder)
            if is_inverse(a, sa, b, sb, pat, folder, aa):
                accepted = True
                return True
            return False

        hit = find_partner(a, sa, match, st.cap, st.ids)
        if hit is None:
            st.failed_walk = (a, offered, accepted)
            return False
        b, sb, _ = hit
        # A first: its producers, the gates before the pair, are requeued first.
        rewriter.bypass_op(a, sa.num_params)
        rewriter.bypass_op(b, sb.num_params)
        return True


_GATE_NAMES: frozenset[str] = frozenset(SPECS)
_ONE: tuple[int, ...] = (0,)  # a 1q gate's placement relative to a 1q gate on its wire
#: IR names of the gates :func:`is_identity_gate` can say yes to: ``id`` and the parametric ones.
_MAYBE_IDENTITY: frozenset[str] = frozenset(n for n, s in SPECS.items() if s.num_params or s.name == "id")


def cancel_patterns(state: LocalState) -> list[RewritePattern]:
    """``cancel``'s patterns, in the order they are tried on a gate."""
    return [DropIdentity(state), CancelInverses(state)]
