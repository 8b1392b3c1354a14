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

from ...core.ir import Operation, Value
from ...dialects.gates import GateSpec
from .commutation import commutes
from .wires import qubit_index, spec_of

Match = Callable[[Operation, GateSpec, tuple[int, ...]], bool]
"""``match(B, spec_B, pattern)``: whether ``B`` (whose qubit ``j`` is ``A``'s qubit
``pattern[j]``) can be combined with ``A``."""

DEFAULT_CAP = 32


class _Wires:
    """Lazily identifies which of ``A``'s wires a qubit value lies on."""

    __slots__ = ("where", "frontier", "done", "steps", "cap")

    def __init__(self, a: Operation, cap: int):
        self.where: dict[Value, int] = {r: m for m, r in enumerate(a.results)}
        self.frontier = list(a.results)
        self.done = [False] * len(a.results)
        self.steps = [0] * len(a.results)
        self.cap = cap

    def _extend(self, m: int) -> None:
        v = self.frontier[m]
        u = v.uses[0] if v.uses else None
        s = spec_of(u) if u is not None else None
        if s is None:
            self.done[m] = True
            return
        if self.steps[m] >= self.cap:
            self.done[m] = True
            return
        assert u is not None
        r = u.results[qubit_index(u, v, s.num_params)]
        self.where[r] = m
        self.frontier[m] = r
        self.steps[m] += 1

    def wire_of(self, v: Value, skip: int) -> int:
        """The ``A``-wire of ``v``, or -1 if it is not within ``cap`` gates of ``A`` on any.

        Wire ``skip`` is the caller's own (its values are known). -1 may be
        wrong for a value further than ``cap`` gates along another wire ``m``;
        that is harmless because :func:`find_partner` only accepts a partner
        after walking every wire ``m`` to it in at most ``cap`` gates, and a
        gate that touches wire 0 before the partner also lies before it on
        ``m`` (else the circuit would have a cycle), so that walk meets it and
        checks it with its true pattern.
        """
        where = self.where
        while v not in where:
            progressed = False
            for m in range(len(self.done)):
                if m != skip and not self.done[m]:
                    self._extend(m)
                    progressed = True
            if not progressed:
                return -1
        return where[v]


def _pattern(g: Operation, gs: GateSpec, cur: Value, m: int, wires: _Wires) -> tuple[int, ...]:
    np_ = gs.num_params
    return tuple(
        m if v is cur else wires.wire_of(v, m) for v in g.operands[np_ : np_ + gs.num_qubits]
    )


def find_partner(
    a: Operation, spec_a: GateSpec, match: Match, cap: int = DEFAULT_CAP
) -> tuple[Operation, GateSpec, tuple[int, ...]] | None:
    """The first gate after ``a`` that ``match`` accepts and ``a`` can be moved next to.

    Guarantees on a non-``None`` result ``(B, spec_B, pattern)``: ``B`` acts on
    exactly ``a``'s wires (``pattern`` is a permutation), every gate between
    ``a`` and ``B`` on those wires commutes with ``a`` for all angle values, and
    no non-gate op lies between them on those wires.
    """
    na = spec_a.num_qubits
    wires = _Wires(a, cap)
    full = frozenset(range(na))
    cur: Value = a.results[0]
    found: tuple[Operation, GateSpec, tuple[int, ...]] | None = None
    for _ in range(cap):
        g = cur.uses[0] if cur.uses else None
        gs = spec_of(g) if g is not None else None
        if gs is None:
            return None
        assert g is not None
        pat = _pattern(g, gs, cur, 0, wires)
        if gs.num_qubits == na and frozenset(pat) == full and match(g, gs, pat):
            found = (g, gs, pat)
            break
        if not commutes(spec_a.name, gs.name, pat):
            return None
        cur = g.results[qubit_index(g, cur, gs.num_params)]
        wires.where[cur] = 0
    if found is None:
        return None
    b = found[0]
    # Every other wire of A must reach B through commuting gates only.
    for m in range(1, na):
        cur = a.results[m]
        for _ in range(cap + 1):
            g = cur.uses[0] if cur.uses else None
            if g is b:
                break
            gs = spec_of(g) if g is not None else None
            if gs is None:
                return None
            assert g is not None
            pat = _pattern(g, gs, cur, m, wires)
            if not commutes(spec_a.name, gs.name, pat):
                return None
            cur = g.results[qubit_index(g, cur, gs.num_params)]
        else:
            return None
    return found
