"""Structured embeddings: long simple paths of the usable coupling graph, and line layouts.

VF2 (``rustworkx.vf2_mapping``) finds small or tree-like embeddings at once but gives up on a
100-qubit line in a 127-qubit heavy-hex with broken couplers: the search tree is huge and
almost all of it is dead ends (measured: no answer within 5M calls, 7 s). A long simple path
is much easier to find by local search, so this module does that directly:

* :func:`long_paths` finds simple paths of ``length`` qubits in the usable graph by a
  depth-first search pruned with a reachability bound, started from dead ends first (measured
  on ``qiskit:fake_sherbrooke``: a 100-qubit line in ~1.5k steps from the dead end a broken
  coupler leaves, while random local search with Posa rotations stalled near 65 qubits);
* :func:`program_chain` orders a program's interacting wires along a path of its interaction
  graph (the program order when consecutive wires interact, as in linear or circular
  entanglement), with :func:`chain_coverage` saying how many of its 2q gates the chain holds;
* :func:`line_layouts` slides the chain over the found paths (both directions), which the
  layout search scores by calibrated error (swap-free when the interaction graph is a path)
  or uses as SABRE starts (rings, lines with a few extra couplings).

Everything is deterministic for a given seed.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .graph import DeviceGraph


def _adjacency(graph: DeviceGraph, nodes: frozenset[int]) -> dict[int, list[int]]:
    return {p: sorted(int(q) for q in graph.neighbors(p) if int(q) in nodes) for p in sorted(nodes)}


@lru_cache(maxsize=64)
def long_paths(graph: DeviceGraph, length: int, seed: int = 0, want: int = 4,
               call_budget: int = 6_000) -> tuple[tuple[int, ...], ...]:
    """Up to ``want`` distinct simple paths (qubit tuples) of exactly ``length`` qubits in the
    largest usable component of ``graph``; ``()`` when the search found none within about
    ``call_budget`` search steps in total (~0.1 ms each on a 127-qubit device). Cached per
    graph, length and seed.

    How: depth-first search from each start qubit in turn, dead ends of the usable graph first
    (a broken coupler leaves dead ends, and a long path must start in them or be cut short by
    them), neighbours in Warnsdorff order (fewest free neighbours first, seeded tie-breaks),
    pruned when the path plus a bound on what it can still reach falls short: the free
    qubits reachable from the end, of which at most one with a single free neighbour.

    Requires: ``length >= 1``. Guarantees: consecutive qubits of every path are usable
    couplers, no qubit repeats, results are deterministic for ``seed``.
    """
    if not graph.components or length > len(graph.components[0]):
        return ()
    comp = graph.components[0]
    adj = _adjacency(graph, comp)
    rng = np.random.default_rng(seed)
    order = sorted(comp, key=lambda p: (len(adj[p]), p))
    found: list[tuple[int, ...]] = []
    seen: set[tuple[int, ...]] = set()
    used = 0
    # measured on fake_sherbrooke: a start either finds a 100-qubit line or exhausts its
    # pruned search within ~2.5k steps
    per_start = max(500, min(2_500, call_budget))
    for start in order:
        if used >= call_budget or len(found) >= want:
            break
        path, calls = _dfs_path(adj, start, length, rng, min(per_start, call_budget - used))
        used += calls
        if path is not None:
            key = tuple(path) if path[0] < path[-1] else tuple(reversed(path))
            if key not in seen:
                seen.add(key)
                found.append(key)
    return tuple(found)


def _reach_bound(adj: dict[int, list[int]], pos: dict[int, int], end: int) -> int:
    """An upper bound on how many more qubits a path ending at ``end`` can take. The path
    enters one component of the free qubits through a free neighbour ``e`` of ``end`` and
    can end in at most one dead end of it, so per entry: the component's size less all but
    one of its qubits other than ``e`` with at most one free neighbour; the best entry wins."""
    best = 0
    done: set[int] = set()
    for e0 in adj[end]:
        if e0 in pos or e0 in done:
            continue
        comp = [e0]
        done.add(e0)
        dead_of: dict[int, bool] = {}
        head = 0
        while head < len(comp):
            x = comp[head]
            head += 1
            free_deg = 0
            for y in adj[x]:
                if y in pos:
                    continue
                free_deg += 1
                if y not in done:
                    done.add(y)
                    comp.append(y)
            dead_of[x] = free_deg <= 1
        dead = sum(dead_of.values())
        for e in adj[end]:
            if e in dead_of:
                best = max(best, len(comp) - max(0, dead - dead_of[e] - 1))
    return best


def _dfs_path(adj: dict[int, list[int]], start: int, length: int, rng: np.random.Generator,
              budget: int) -> tuple[list[int] | None, int]:
    """A simple path of ``length`` qubits from ``start`` by pruned depth-first search, or None
    when the search space is exhausted or ``budget`` steps ran out; and the steps used."""
    path = [start]
    pos = {start: 0}
    calls = 0

    def children(end: int) -> list[int]:
        free = [q for q in adj[end] if q not in pos]
        keys = [(sum(1 for r in adj[q] if r not in pos), float(rng.random())) for q in free]
        return [q for _, q in sorted(zip(keys, free), reverse=True)]  # popped from the end

    # explicit stack of untried children per depth (no recursion limit on deep paths)
    stack: list[list[int]] = [children(start)]
    while stack:
        if len(path) >= length:
            return list(path), calls
        if calls >= budget:
            return None, calls
        kids = stack[-1]
        if not kids:
            stack.pop()
            del pos[path.pop()]
            continue
        q = kids.pop()
        calls += 1
        pos[q] = len(path)
        path.append(q)
        if len(path) < length and len(path) + _reach_bound(adj, pos, q) < length:
            del pos[path.pop()]
            continue
        stack.append(children(q))
    return None, calls


def program_chain(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    """A path through the interaction graph of ``pairs`` (wires ``0..n-1``) covering as many
    interacting wires as a greedy walk can: consecutive chain wires share at least one 2q gate.
    The program order is tried first (linear/circular entanglement list wires in order), then
    a walk from each degree-<=1 wire that always steps to its heaviest unvisited partner."""
    weight: dict[tuple[int, int], int] = {}
    nbrs: dict[int, set[int]] = {}
    for a, b in pairs:
        if a == b:
            continue
        key = (a, b) if a < b else (b, a)
        weight[key] = weight.get(key, 0) + 1
        nbrs.setdefault(a, set()).add(b)
        nbrs.setdefault(b, set()).add(a)
    active = sorted(nbrs)
    if not active:
        return []
    natural = [active[0]]
    for v in active[1:]:
        if v in nbrs[natural[-1]]:
            natural.append(v)
        else:
            break
    best = natural
    starts = [v for v in active if len(nbrs[v]) <= 1] or active[:1]
    for s in starts[:4]:
        chain = [s]
        seen = {s}
        while True:
            cand = [u for u in nbrs[chain[-1]] if u not in seen]
            if not cand:
                break
            u = max(cand, key=lambda u: (weight[(min(u, chain[-1]), max(u, chain[-1]))], -len(nbrs[u]), -u))
            chain.append(u)
            seen.add(u)
        if len(chain) > len(best):
            best = chain
    return best


def chain_coverage(chain: list[int], pairs: list[tuple[int, int]]) -> float:
    """Fraction of the 2q gates in ``pairs`` that act on consecutive wires of ``chain``."""
    if not pairs:
        return 0.0
    links = {(min(a, b), max(a, b)) for a, b in zip(chain, chain[1:])}
    inside = sum(1 for a, b in pairs if (min(a, b), max(a, b)) in links)
    return inside / len(pairs)


def line_layouts(chain: list[int], paths: tuple[tuple[int, ...], ...], limit: int = 64) -> list[dict[int, int]]:
    """Placements (wire -> qubit) putting ``chain`` along consecutive qubits of ``paths``: every
    window of ``len(chain)`` qubits of every path, in both directions, spread evenly when there
    are more than ``limit``."""
    k = len(chain)
    out: list[dict[int, int]] = []
    for path in paths:
        for off in range(len(path) - k + 1):
            window = path[off: off + k]
            out.append(dict(zip(chain, window)))
            out.append(dict(zip(chain, reversed(window))))
    if len(out) > limit:
        idx = np.linspace(0, len(out) - 1, limit).round().astype(int)
        out = [out[i] for i in sorted(set(idx.tolist()))]
    return out


def is_path_graph(pairs: list[tuple[int, int]]) -> bool:
    """Whether the interaction graph of ``pairs`` (its interacting wires) is one simple path."""
    nbrs: dict[int, set[int]] = {}
    for a, b in pairs:
        if a != b:
            nbrs.setdefault(a, set()).add(b)
            nbrs.setdefault(b, set()).add(a)
    if not nbrs or any(len(s) > 2 for s in nbrs.values()):
        return False
    edges = sum(len(s) for s in nbrs.values()) // 2
    if edges != len(nbrs) - 1:
        return False  # a cycle somewhere (with max degree 2, a forest has fewer edges)
    start = next(iter(nbrs))
    seen = {start}
    stack = [start]
    while stack:
        for u in nbrs[stack.pop()]:
            if u not in seen:
                seen.add(u)
                stack.append(u)
    return len(seen) == len(nbrs)


#: Interaction graphs at least this large try :func:`long_paths` before VF2 when they are a path
#: (VF2 answers small ones at once but can spend seconds failing on long lines).
LINE_MIN = 24
#: SABRE gets line starts when the program chain holds at least this share of the 2q gates
#: (a ring: all but one coupling per layer) and all interacting wires.
CHAIN_COVERAGE = 0.5


def chain_starts(graph: DeviceGraph, pairs: list[tuple[int, int]], seed: int,
                 limit: int = 16) -> tuple[list[int], list[dict[int, int]]]:
    """The program chain and placements of it along device lines, when the chain holds every
    interacting wire and at least :data:`CHAIN_COVERAGE` of the 2q gates; else ``([], [])``."""
    active = {v for e in pairs for v in e}
    if len(active) < 3:
        return [], []
    chain = program_chain(max(active) + 1, pairs)
    if len(chain) != len(active) or chain_coverage(chain, pairs) < CHAIN_COVERAGE:
        return chain, []
    paths = long_paths(graph, len(chain), seed)
    return chain, line_layouts(chain, paths, limit)
