"""Commutation-aware partner search shared by ``cancel`` and ``merge-rotations``.

Given a gate ``A``, :func:`find_partner` walks forward along each of ``A``'s
wires past gates that commute with ``A`` (per :mod:`.commutation`) and returns
the first gate ``B`` acting on exactly ``A``'s wires that the caller's
``match`` accepts. Everything strictly between ``A`` and ``B`` on ``A``'s wires
then commutes with ``A``, so ``A`` may be moved next to ``B`` and combined.

The walk stops at any non-gate op (measure, reset, barrier, delay, region op,
yield, dealloc), so nothing is ever combined across a measurement, a region
boundary or an ``scf`` op on the same wire. Each wire walk is capped at
``cap`` gates, which keeps the whole pass linear in the gate count.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from ...core.ir import Operation, OpResult, Value
from ...dialects.gates import GATES, GateSpec
from .commutation import commutes
from .wires import SPECS, WireIds

Match = Callable[[Operation, GateSpec, tuple[int, ...]], bool]
"""``match(B, spec_B, pattern)``: whether ``B`` (whose qubit ``j`` is ``A``'s qubit
``pattern[j]``) can be combined with ``A``."""

DEFAULT_CAP = 32


def _step(g: Operation, gs: GateSpec, cur: Value, m: int, na: int, pos: dict[int, int],
          ids: WireIds) -> tuple[tuple[int, ...], int]:
    """``g``'s qubit pattern relative to ``A`` and the position of ``cur`` (on A's wire ``m``) in it.

    The pattern gives, for each qubit of ``g``, the ``A``-wire it lies on
    (``pos`` maps chain id -> A's qubit index) or -1. ``cur``'s own entry is
    ``m`` without a lookup; a single-qubit ``A`` has no other wire to find.
    """
    ops = g.operands
    gp = gs.num_params
    nq = gs.num_qubits
    if nq == 1:
        return (m,), 0
    if nq == 2:
        q0 = ops[gp]
        if q0 is cur:
            return (m, -1 if na == 1 else pos.get(ids.of(ops[gp + 1]), -1)), 0
        return (-1 if na == 1 else pos.get(ids.of(q0), -1), m), 1
    k = -1
    pat = []
    for i in range(nq):
        v = ops[gp + i]
        if v is cur:
            k = i
            pat.append(m)
        else:
            pat.append(-1 if na == 1 else pos.get(ids.of(v), -1))
    return tuple(pat), k


class PartnerFilter:
    """A necessary condition for :func:`find_partner`, checked in O(1) per gate.

    A partner acts on exactly ``A``'s wires, i.e. on the same set of gate
    chains (:class:`WireIds`). Counting the gates of each chain set once per
    pass run lets a pass skip the search for a gate that is alone on its
    wires (every ``cp`` of a QFT, most 2q gates of a routed circuit). Counts
    are never decremented, so they stay upper bounds while the pass removes
    gates; gates the pass adds must act on the wires of a gate they replace
    (``merge-rotations``), whose set was counted already.

    A partner also lies *after* its gate, so the last counted gate of a chain set has none
    while no gate was added on that set since (:meth:`add`): gates of one chain set share a
    wire, so program order (the order of ``gates``) is their order on it. That skips the
    search from the second ``cx`` of every translated ``cp`` of a QFT, which otherwise walks
    the whole lookahead along its control wire.
    """

    __slots__ = ("ids", "counts", "keys", "last", "added")

    def __init__(self, gates: list[Operation], ids: WireIds):
        self.ids = ids
        counts: dict[tuple[int, ...], int] = {}
        keys: dict[Operation, tuple[int, ...]] = {}
        last: dict[tuple[int, ...], Operation] = {}
        of = ids.of
        numbered = ids.ids
        get = numbered.get
        specs = SPECS
        for g in gates:  # :meth:`key`, inlined for the one- and two-qubit cases
            s = specs[g.name]
            ops = g.operands
            nq = s.num_qubits
            # Each gate's results are numbered as its qubits are (result k continues qubit
            # k), so the next gate on a wire finds its qubit's id at the first lookup
            # (gates in program order) instead of :meth:`WireIds.of` stepping back.
            res = g.results
            if nq == 1:
                x = get(ops[s.num_params])
                if x is None:
                    x = of(ops[s.num_params])
                numbered[res[0]] = x
                k = (x,)
            elif nq == 2:
                x = get(ops[s.num_params])
                if x is None:
                    x = of(ops[s.num_params])
                y = get(ops[s.num_params + 1])
                if y is None:
                    y = of(ops[s.num_params + 1])
                numbered[res[0]] = x
                numbered[res[1]] = y
                k = (x, y) if x < y else (y, x)
            else:
                k = self.key(g)
            keys[g] = k
            counts[k] = counts.get(k, 0) + 1
            last[k] = g  # ``gates`` is in program order: the last one written wins
        self.counts = counts
        self.keys = keys
        #: chain set -> its last gate among ``gates``
        self.last = last
        #: chain sets a gate was added on after construction
        self.added: set[tuple[int, ...]] = set()

    def key(self, g: Operation) -> tuple[int, ...]:
        """The sorted chain ids of gate ``g``'s qubits."""
        s = SPECS[g.name]
        of = self.ids.of
        ops = g.operands
        np_ = s.num_params
        nq = s.num_qubits
        if nq == 1:
            return (of(ops[np_]),)
        if nq == 2:
            x, y = of(ops[np_]), of(ops[np_ + 1])
            return (x, y) if x < y else (y, x)
        return tuple(sorted(of(ops[i]) for i in range(np_, np_ + nq)))

    def add(self, g: Operation) -> None:
        """Count a gate created after construction (a rewrite's output), so the filter stays
        a necessary condition for gates on wires no counted gate was on."""
        k = self.keys[g] = self.key(g)
        self.counts[k] = self.counts.get(k, 0) + 1
        self.added.add(k)

    def may_have_partner(self, g: Operation) -> bool:
        """False only when no other gate after ``g`` acts on exactly ``g``'s wires."""
        k = self.keys.get(g)
        if k is None:
            k = self.key(g)
        elif self.last.get(k) is g and k not in self.added:
            return False
        return self.counts.get(k, 0) > 1


def find_partner(
    a: Operation, spec_a: GateSpec, match: Match, cap: int = DEFAULT_CAP, ids: WireIds | None = None
) -> tuple[Operation, GateSpec, tuple[int, ...]] | None:
    """The first gate after ``a`` that ``match`` accepts and ``a`` can be moved next to.

    Guarantees on a non-``None`` result ``(B, spec_B, pattern)``: ``B`` acts on
    exactly ``a``'s wires (``pattern`` is a permutation), every gate between
    ``a`` and ``B`` on those wires commutes with ``a`` for all angle values, and
    no non-gate op lies between them on those wires. ``ids`` is the caller's
    :class:`WireIds` for the kernel (shared across calls so each wire is
    numbered once); patterns are exact: a gate met after ``a`` on one of its
    wires lies after ``a`` on every wire it shares with ``a`` (the circuit is
    acyclic), so its wire ids say which of ``a``'s wires it touches.
    """
    if spec_a.num_qubits == 1:
        return _find_partner_1q(a, spec_a, match, cap)
    if ids is None:
        ids = WireIds()
    na = spec_a.num_qubits
    np_a = spec_a.num_params
    a_ops = a.operands
    # Chain id -> A's qubit index, built when the walk first meets a multi-qubit gate (most
    # walks of a 2q ``A`` end at a 1q gate before: their chain ids are never looked up).
    pos: dict[int, int] | None = None
    full = frozenset(range(na))
    name_a = spec_a.name
    specs = SPECS
    cur: Value = a.results[0]
    found: tuple[Operation, GateSpec, tuple[int, ...]] | None = None
    of = ids.of
    for _ in range(cap):
        uses = cur.uses
        if not uses:
            return None
        g = uses[0]
        gs = specs.get(g.name)
        if gs is None:
            return None
        nq = gs.num_qubits
        if nq == 1:  # _step's cases, inlined: this loop is the pass's hot path
            pat, k = _ONE, 0
        else:
            if pos is None:
                pos = {of(a_ops[np_a + j]): j for j in range(na)}
            if nq == 2:
                ops = g.operands
                q0 = ops[gs.num_params]
                if q0 is cur:
                    pat, k = (0, pos.get(of(ops[gs.num_params + 1]), -1)), 0
                else:
                    pat, k = (pos.get(of(q0), -1), 0), 1
            else:
                pat, k = _step(g, gs, cur, 0, na, pos, ids)
        if nq == na and frozenset(pat) == full and match(g, gs, pat):
            found = (g, gs, pat)
            break
        if not commutes(name_a, gs.name, pat):
            return None
        cur = g.results[k]
    if found is None:
        return None
    assert pos is not None  # (B acts on all of A's wires, na > 1: the walk met it)
    b = found[0]
    # Every other wire of A must reach B through commuting gates only.
    for m in range(1, na):
        cur = a.results[m]
        for _ in range(cap + 1):
            uses = cur.uses
            g = uses[0] if uses else None
            if g is b:
                break
            gs = specs.get(g.name) if g is not None else None
            if gs is None:
                return None
            assert g is not None
            pat, k = _step(g, gs, cur, m, na, pos, ids)
            if not commutes(name_a, gs.name, pat):
                return None
            cur = g.results[k]
        else:
            return None
    return found


_ONE: tuple[int, ...] = (0,)

#: :func:`replay_partner`'s answer when only a real search can tell.
REWALK: object = object()


def replay_partner(
    spec_a: GateSpec, match: Match, offered: list[tuple[Operation, GateSpec, tuple[int, ...]]],
    accepted: bool,
) -> tuple[Operation, GateSpec, tuple[int, ...]] | object | None:
    """What :func:`find_partner` from gate ``A`` would return with ``match``, told from an
    earlier search from ``A`` with another match that returned ``None`` (the IR unchanged
    since, same ``cap`` and wire ids): ``offered`` are the candidates that search's match was
    called with, in order, ``accepted`` whether it took one (then the search failed on
    ``A``'s other wires).

    Both searches walk the same gates and stop at the same gate (the walk depends on ``A``
    only), except that each stops at its own first accepted candidate. So when the earlier
    match took nothing, the new search's answer is the first offered candidate ``match``
    takes, and ``None`` when it takes none. A single-qubit ``A`` has no other wires to
    check, so that candidate is the answer; for a wider ``A`` (or when the earlier match
    took a candidate) a candidate the new match takes needs the real search: returns
    :data:`REWALK`.
    """
    if accepted:
        return REWALK
    for b, sb, pat in offered:
        if match(b, sb, pat):
            return (b, sb, pat) if spec_a.num_qubits == 1 else REWALK
    return None


def _find_partner_1q(
    a: Operation, spec_a: GateSpec, match: Match, cap: int
) -> tuple[Operation, GateSpec, tuple[int, ...]] | None:
    """:func:`find_partner` for a single-qubit ``a`` (most calls): one wire to walk, and
    a gate on it is a candidate exactly when it is single-qubit (pattern ``(0,)``); a wider
    gate's pattern is ``a``'s wire at its position and ``-1`` elsewhere."""
    name_a = spec_a.name
    specs = SPECS
    cur: Value = a.results[0]
    for _ in range(cap):
        uses = cur.uses
        if not uses:
            return None
        g = uses[0]
        gs = specs.get(g.name)
        if gs is None:
            return None
        nq = gs.num_qubits
        if nq == 1:
            if match(g, gs, _ONE):
                return g, gs, _ONE
            if not commutes(name_a, gs.name, _ONE):
                return None
            cur = g.results[0]
            continue
        ops = g.operands
        gp = gs.num_params
        k = 0
        while ops[gp + k] is not cur:
            k += 1
        pat = _AT[nq][k]
        if not commutes(name_a, gs.name, pat):
            return None
        cur = g.results[k]
    return None


#: ``_AT[n][k]``: the pattern of an ``n``-qubit gate met on its qubit ``k`` (0 there, -1 elsewhere),
#: for every gate width of the gate table.
_AT = [[tuple(0 if i == k else -1 for i in range(n)) for k in range(n)]
       for n in range(max(spec.num_qubits for spec in GATES.values()) + 1)]


#: Bit of each single-qubit gate-table name: :func:`reach_back` keeps sets of those names as
#: ints (an ``&`` per gate passed instead of a frozenset intersection).
_BIT_1Q: dict[str, int] = {n: 1 << i for i, n in enumerate(n for n, spec in GATES.items() if spec.num_qubits == 1)}
_ALL_1Q: int = sum(_BIT_1Q.values())


@lru_cache(maxsize=4096)
def _passable_by(name: str, pattern: tuple[int, ...]) -> int:
    """The single-qubit gate names (as :data:`_BIT_1Q` bits) that commute with gate ``name``
    placed by ``pattern`` (one entry 0: the 1q gate's wire; -1 elsewhere)."""
    return sum(bit for n, bit in _BIT_1Q.items() if commutes(n, name, pattern))


#: How far :func:`reach_back` walks: a gate further back rarely gains a partner from a change
#: (measured: the same -O3 outputs as 32 on the corpus without a device, a quarter of the walk).
REACH_BACK_CAP = 8


def reach_back(op: Operation, cap: int = REACH_BACK_CAP) -> list[Operation]:
    """Single-qubit gates before ``op`` whose :func:`find_partner` walk could reach ``op``'s
    position: on each of ``op``'s wires, walking back, each 1q gate ``A`` that commutes with
    every gate between it and ``op`` (earliest first; at most ``cap`` gates back per wire).

    A rewrite at ``op`` (a gate made, or the gates after ``op`` changed) can give such an
    ``A`` a partner it did not have, so a worklist driver looks at them again, as a whole
    pass would in its next round. Multi-qubit gates further back than the direct producer
    are not returned (their partner must sit on exactly their wires: rare enough). The walk
    keeps the set of 1q gate names that commute with everything passed so far, and stops
    when it is empty.
    """
    out: list[Operation] = []
    steps = _BACK_STEPS
    for v in op.operands:
        if v.__class__ is not OpResult:
            continue
        passing = _ALL_1Q
        found: list[Operation] = []
        cur: Value = v
        for _ in range(cap):
            if cur.__class__ is not OpResult:
                break
            g = cur.op  # type: ignore[attr-defined]
            step = steps.get(g.name)
            if step is None:
                spec = SPECS.get(g.name)
                if spec is None:
                    break
                step = steps[g.name] = _back_step(spec)
            bit, num_params, by_index = step
            if passing & bit:  # (bit is 0 for a multi-qubit gate)
                found.append(g)
            idx = cur.index  # type: ignore[attr-defined]
            passing &= by_index[idx]
            if not passing:
                break
            cur = g.operands[num_params + idx]
        out.extend(reversed(found))
    return out


def _back_step(spec: GateSpec) -> tuple[int, int, tuple[int, ...]]:
    """What :func:`reach_back` needs of a gate met walking back: its :data:`_BIT_1Q` bit (0
    for a multi-qubit gate), its angle count, and for each of its qubits ``k`` the 1q gate
    names that commute with it when met on qubit ``k`` (:func:`_passable_by`)."""
    n = spec.num_qubits
    return _BIT_1Q.get(spec.name, 0) if n == 1 else 0, spec.num_params, tuple(
        _passable_by(spec.name, p) for p in _AT[n])


#: :func:`_back_step` of each gate met so far, by IR op name (filled on first meeting, not at
#: import: each entry costs a few commutation checks).
_BACK_STEPS: dict[str, tuple[int, int, tuple[int, ...]]] = {}
