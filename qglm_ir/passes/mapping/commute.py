"""Commutation-aware dependency DAGs for routing and layout.

A plain circuit DAG orders every pair of consecutive gates on a wire. Routing
gains freedom when gates that commute are left unordered: in a QFT the
controlled-phase ladder ``cp(q0, q1), cp(q0, q2), ...`` is diagonal, so every
rung may run as soon as its own qubits meet, in any order.

**Wire classes.** A gate acts on each of its qubits in one of these classes:

* ``Z``: the gate commutes with Pauli Z on that qubit (it is block-diagonal in
  the qubit's computational basis): ``rz, p, z, s, t, ...``, both qubits of
  ``cz, cp, crz, rzz``, the control of every controlled gate;
* ``X``: it commutes with Pauli X on that qubit: ``x, rx, sx, sxdg``, both
  qubits of ``rxx``, the target of ``cx, crx``;
* ``Y``: likewise with Pauli Y: ``y, ry``, ``ryy``, the target of ``cy, cry``;
* ``OTHER``: anything else (``h, u, swap, measure, barrier, scf`` ops, ...).

Two gates whose shared qubits all carry the same non-``OTHER`` class commute:
on each shared qubit both lie in the commutative algebra ``span{I, P}`` of that
Pauli ``P`` (tensored with whatever acts on the unshared qubits), and operators
built from commuting factors commute.

**DAG.** :class:`DagBuilder` keeps, per wire, the current *group* of
consecutive same-class nodes and one node standing for everything before the
group. A node joining the group depends only on that node; a node that closes
the group depends on all of its members, through one extra *join* node when
the group has several (so a run of ``g`` gates followed by ``h`` costs
``g + h`` edges, not ``g * h``: the DAG stays linear in the circuit size).
Join nodes are classical no-ops for the router (``node_b = -1``); callers skip
them when replaying the routed order.
"""

from __future__ import annotations

import numpy as np

from ...core.ir import Operation

OTHER = 0
Z = 1
X = 2
Y = 3

_ALL_Z = frozenset({"id", "z", "s", "sdg", "t", "tdg", "rz", "p", "u1", "cz", "cp", "crz", "rzz"})
_ALL_X = frozenset({"x", "rx", "sx", "sxdg", "rxx"})
_ALL_Y = frozenset({"y", "ry", "ryy"})
#: controlled gates: control in Z, target in the given class
_CONTROLLED = {"cx": X, "crx": X, "cy": Y, "cry": Y, "ch": OTHER}


def wire_classes(op: Operation) -> list[int]:
    """The class of ``op`` on each of its qubit operands, in operand order (see the module docstring)."""
    nq = sum(1 for v in op.operands if v.type.is_qubit)
    name = op.name[2:] if op.name.startswith("q.") else ""
    if not name or op.regions:
        return [OTHER] * nq
    if name in _ALL_Z:
        return [Z] * nq
    if name in _ALL_X:
        return [X] * nq
    if name in _ALL_Y:
        return [Y] * nq
    tgt = _CONTROLLED.get(name)
    if tgt is not None and nq == 2:
        return [Z, tgt]
    return [OTHER] * nq


class DagBuilder:
    """Incremental commutation-aware DAG over ``num_wires`` wires (see the module docstring).

    Nodes are numbered in creation order; :meth:`add` creates a node for an op,
    :meth:`touch` records an op that is not a node (it still orders the nodes
    around it on its wire) and join nodes are created on demand. ``preds[n]``
    lists node ``n``'s predecessors and ``is_join[n]`` whether it is a join node.
    """

    __slots__ = ("prev", "group", "gcls", "preds", "is_join")

    def __init__(self, num_wires: int):
        self.prev = [-1] * num_wires
        self.group: list[list[int]] = [[] for _ in range(num_wires)]
        self.gcls = [OTHER] * num_wires
        self.preds: list[list[int]] = []
        self.is_join: list[bool] = []

    def _close(self, w: int) -> int:
        """Collapse wire ``w``'s open group into one node; returns it (or -1 if the wire is fresh)."""
        g = self.group[w]
        if not g:
            return self.prev[w]
        if len(g) == 1:
            p = g[0]
        else:
            p = len(self.preds)
            self.preds.append(list(g))
            self.is_join.append(True)
        self.prev[w] = p
        self.group[w] = []
        return p

    def _attach(self, w: int, cls: int, node: int, preds: list[int]) -> None:
        if cls != OTHER and cls == self.gcls[w]:
            if self.prev[w] >= 0:
                preds.append(self.prev[w])
            if node >= 0:
                self.group[w].append(node)
            return
        p = self._close(w)
        if p >= 0:
            preds.append(p)
        self.gcls[w] = cls
        if node < 0:  # a non-node op: it only fences the wire
            return
        if cls == OTHER:
            self.prev[w] = node
        else:
            self.group[w] = [node]

    def add(self, wires: list[int], classes: list[int], extra_preds: list[int] | None = None) -> int:
        """A node for an op on ``wires`` with the given classes, after ``extra_preds`` (e.g. SSA producers)."""
        node = len(self.preds)
        preds: list[int] = list(extra_preds) if extra_preds else []
        self.preds.append(preds)
        self.is_join.append(False)
        for w, c in zip(wires, classes):
            self._attach(w, c, node, preds)
        return node

    def touch(self, wire: int, cls: int) -> None:
        """An op on ``wire`` that is not a node: nodes after it that do not commute with it follow
        every node before it. (Ops of the group's class commute with the whole group.)"""
        if cls != OTHER and cls == self.gcls[wire]:
            return
        if cls == OTHER:
            self._close(wire)
            self.gcls[wire] = OTHER
            return
        self._close(wire)
        self.gcls[wire] = cls

    def join_mask(self) -> np.ndarray:
        return np.array(self.is_join, dtype=np.bool_)
