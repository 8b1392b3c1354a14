"""``layout``: choose physical qubits for a kernel's wires (noise-aware) and apply them.

Requires: a device in the pass context; kernels in the shapes of
:mod:`.wires` (all qubits allocated, or all passed as arguments).

Guarantees: every kernel with qubits gets exactly ``device.num_qubits`` wires,
wire ``p`` = physical qubit ``p`` (allocs in physical order, or qubit block
arguments / returned qubits in physical order; unused physical qubits are idle
ancillas in |0>); properties ``initial_layout`` (physical qubit of program
input wire ``v``) and ``final_layout`` (physical qubit of program output wire
``k``; equal to the initial one until ``route`` inserts swaps). Gates on three
qubits are decomposed first (:mod:`.decompose`). No program qubit is placed
on an unusable qubit (error 1.0, ``usable=False``, or listed in ``reserve``)
and interacting qubits are placed in one usable connected component. A
kernel that already carries ``initial_layout`` is left alone.

Search, in order (``strategy=auto``):

1. **VF2**: if the interaction graph (program qubits joined by 2q gates) is a
   subgraph of the usable coupling graph, no swap is needed. On a calibrated
   device up to ``vf2_candidates`` embeddings (``rustworkx.vf2_mapping`` on
   ``vf2_candidates // 8`` seeded relabelings of the coupling graph, 8 from
   each, so candidates cover the whole chip; each search bounded by
   ``vf2_call_limit``) are scored by calibrated error, ``sum -log(1 - e)``
   over gates (each 2q gate also charging :data:`ONE_Q_PER_2Q` 1q gates per
   qubit) and measurements with their counts, and the best is kept;
   uncalibrated devices take the first embedding.
2. **SABRE** (bidirectional): ``trials`` seeded starts (half a compact region
   grown from a random qubit, or on a calibrated device from the qubits whose
   regions have the lowest error, best first; half a random spread over the
   largest usable component); each does ``iterations`` forward+backward
   routing passes of the 2q-gate DAG with the SABRE core, feeding the final
   layout of one pass to the next; trials cycle through the swap-absorption
   bonuses of :data:`.engine.ABSORB` and, on a calibrated device, alternate
   error-weighted and hop distances in groups of four. The start whose final
   forward pass has the lowest estimated cost wins: 2q gates plus swaps (an
   absorbed swap counts one gate, see :func:`.engine.routed_2q_cost`), on a
   calibrated device the estimated ``-log ESP`` (:func:`routed_cost`).

Wires without two-qubit gates go to the free usable qubits with the lowest
readout + 1q error.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np

from ...core.errors import PassError
from ...core.ir import BlockArgument, Operation
from ...core.module import Module
from ...core.types import qubit
from ...dialects.q import DeallocOp, MeasureOp
from ...targets.device import Device
from ..base import Pass, PassContext, PassResult
from ..memo import memoized
from .commute import OTHER, DagBuilder, wire_classes
from .decompose import decompose_wide_gates
from .effort import auto_iterations
from .elide import elide_swaps
from .embed import LINE_MIN, chain_starts, is_path_graph
from .engine import ABSORB, build_succ, routed_2q_cost, sabre_route, sabre_route_py
from .graph import DeviceGraph, device_graph
from .qiskit_starts import qiskit_sabre_start
from .route import is_routed_2q
from .threads import map_trials, width
from .wires import (
    KernelWires,
    analyze,
    kernel_body,
    kernel_name,
    kernels_of,
    set_function_results,
    walk_gates,
)


@dataclass
class Interactions:
    """What the layout search needs to know about a kernel's wires."""

    n: int
    pairs: list[tuple[int, int]]  # 2q gates in program order (regions inlined once)
    one_q: np.ndarray  # 1q gate count per wire
    measures: np.ndarray  # measurement count per wire
    # commutation-aware DAG of the 2q gates (see .commute): per node its predecessors and its
    # index in ``pairs`` (-1 for join nodes)
    dag_preds: list[list[int]] = field(default_factory=list)
    dag_pair: list[int] = field(default_factory=list)


def interactions(kernel: Operation, kw: KernelWires, commute: bool = True, dag: bool = True) -> Interactions:
    """Count a kernel's gates per wire and build the DAG of its two-qubit gates, in which gates
    that commute (``commute=True``) are unordered and other ops only fence their wires.
    ``dag=False`` leaves ``dag_preds``/``dag_pair`` empty (for callers that only score
    placements, like :func:`post_layout`: the DAG is most of the cost)."""
    n = kw.num_wires
    pairs: list[tuple[int, int]] = []
    one_q = np.zeros(n, dtype=np.int64)
    meas = np.zeros(n, dtype=np.int64)
    vid = kw.vid
    builder = DagBuilder(n) if dag else None
    dag_pair: list[int] = []
    for op in walk_gates(kernel_body(kernel)):
        if is_routed_2q(op):
            a, b = (vid[v] for v in op.operands if v.type.is_qubit)
            if builder is not None:
                node = builder.add([a, b], wire_classes(op) if commute else [OTHER, OTHER])
                dag_pair.extend([-1] * (node + 1 - len(dag_pair)))
                dag_pair[node] = len(pairs)
            pairs.append((a, b))
            continue
        qs = [v for v in op.operands if v.type.is_qubit]
        if not qs:
            continue
        if builder is not None:
            classes = wire_classes(op) if commute else [OTHER] * len(qs)
            for v, c in zip(qs, classes):
                builder.touch(vid[v], c)
        if op.name == "q.measure":
            meas[vid[MeasureOp(op).qubit]] += 1
        elif op.name.startswith("q.") and op.name not in ("q.barrier", "q.alloc", "q.dealloc", "q.delay"):
            if len(qs) == 1:
                one_q[vid[qs[0]]] += 1
    if builder is None:
        return Interactions(n, pairs, one_q, meas)
    dag_pair.extend([-1] * (len(builder.preds) - len(dag_pair)))
    return Interactions(n, pairs, one_q, meas, builder.preds, dag_pair)


#: Plain-circuit kernels with at least this many 2q gates on an uncalibrated device skip the
#: random SABRE layout starts when Qiskit's start exists (``random_starts=False`` of
#: :func:`sabre_layout`). Measured on the corpus (``benchmarks/bench_corpus.py``, heavy-hex:7,
#: seed 1): on the three kernels this large (qft_100 1790, qv_32 1479, su2_full_50 1225 2q
#: gates) the winning start was Qiskit's (refined by the iterations: trials 13, 16, 19),
#: so their layouts are unchanged; the random starts were most of the layout's time there.
#: Below it they do win (qft_50, 790: random start 5; its routing, Qiskit's on the physical
#: numbering of that layout, beat the program numbering by 14%).
STRUCTURED_ONLY_2Q = 1000

#: Whether the SABRE layout search on a calibrated device also starts from Qiskit's
#: ``SabreLayout`` placement (:func:`.qiskit_starts.qiskit_sabre_start`). Off: there the run
#: serves nobody else (route's Qiskit candidate numbers the wires physically, a different
#: circuit), it cost 5-15% of a mid-size compile (qft_100 0.76 s, qv_32 0.48 s, su2_full_50
#: 0.45 s CPU), and its placement won the calibrated search on 2 of the 30 corpus kernels that
#: ran it (qft_12, su2_full_20). Measured on the corpus (``benchmarks/corpus.py``,
#: fake_sherbrooke, seed 1, ``benchmarks/bench_corpus.py``'s 2q and ESP figures): 4 of 39
#: outputs change (su2_full_20 851 -> 891 2q, adder_cdkm_4 94 -> 106, random_10_d20 385 -> 386
#: with higher ESP, qft_12 the same 197 2q), 2q geomean
#: 0.860 -> 0.864 of Qiskit O3, ESP geomean 3.580 -> 3.570, no error-1.0 part used, the same
#: family members above Qiskit's 2q count.
CALIBRATED_QISKIT_START = False

#: 1q gates charged per qubit of every 2q gate when scoring placements: lowering and 2q
#: resynthesis leave single-qubit gates next to each 2q gate (measured: 2.3 ``sx`` per 2q gate
#: on QFT-20 after -O3), so a qubit with a bad ``sx`` costs more the busier it is.
ONE_Q_PER_2Q = 1.0


def coupler_costs(device: Device, graph: DeviceGraph) -> np.ndarray:
    """Symmetric ``[N, N]`` matrix: for each usable coupler the estimated ``-log(1 - error)`` of
    one 2q gate on it, including the :data:`ONE_Q_PER_2Q` single-qubit gates on each end it
    brings along (0 for non-couplers)."""
    cost = np.zeros((graph.num_qubits, graph.num_qubits))
    for a, b in graph.edges:
        cost[a, b] = cost[b, a] = _cost(device.coupler_error(a, b)) + ONE_Q_PER_2Q * (
            _cost(device.single_qubit_error(a)) + _cost(device.single_qubit_error(b)))
    return cost


#: Interaction graphs with more interacting wires than this get at most :data:`VF2_BIG_ROUNDS`
#: relabelled VF2 rounds of at most :data:`VF2_BIG_CALL_LIMIT` calls each.
VF2_BIG = 40
VF2_BIG_ROUNDS = 8
VF2_BIG_CALL_LIMIT = 100_000
#: VF2 call limit for long path-shaped interaction graphs once :func:`.embed.long_paths` failed.
VF2_LINE_CALL_LIMIT = 200_000


def _long_ring_like(pairs: list[tuple[int, int]]) -> bool:
    """Whether the interaction graph has at least :data:`.embed.LINE_MIN` wires, none with more
    than two partners (lines and rings)."""
    partners: dict[int, set[int]] = {}
    for a, b in pairs:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    return len(partners) >= LINE_MIN and all(len(s) <= 2 for s in partners.values())


def _cost(e: float | None) -> float:
    if e is None:
        return 0.0
    if e >= 1.0:
        return math.inf
    return -math.log1p(-e)


def layout_cost(device: Device, inter: Interactions, layout: list[int]) -> float:
    """``sum -log(1 - error)`` of the program's gates and measurements under ``layout`` (0 if uncalibrated)."""
    if not device.has_calibration:
        return 0.0
    total = 0.0
    counts: dict[tuple[int, int], int] = {}
    for a, b in inter.pairs:
        key = (a, b) if a < b else (b, a)
        counts[key] = counts.get(key, 0) + 1
    for (a, b), c in counts.items():
        pa, pb = layout[a], layout[b]
        total += c * (_cost(device.coupler_error(pa, pb)) + ONE_Q_PER_2Q * (
            _cost(device.single_qubit_error(pa)) + _cost(device.single_qubit_error(pb))))
    for v in range(inter.n):
        p = layout[v]
        if inter.one_q[v]:
            total += inter.one_q[v] * _cost(device.single_qubit_error(p))
        if inter.measures[v]:
            total += inter.measures[v] * _cost(device.measure_error(p))
    return total


def _qubit_cost(device: Device, p: int) -> float:
    return _cost(device.measure_error(p)) + _cost(device.single_qubit_error(p))


#: graph -> (device, its usable qubits best first); layouts of one compile ask hundreds of times
_BEST_FIRST: weakref.WeakKeyDictionary[DeviceGraph, tuple[Device, tuple[int, ...]]] = weakref.WeakKeyDictionary()


def _usable_best_first(device: Device, graph: DeviceGraph) -> tuple[int, ...]:
    """The graph's usable qubits by readout + 1q error, then index (cached per graph and device)."""
    hit = _BEST_FIRST.get(graph)
    if hit is None or hit[0] is not device:
        hit = (device, tuple(sorted(graph.usable, key=lambda p: (_qubit_cost(device, p), p))))
        _BEST_FIRST[graph] = hit
    return hit[1]


def _place_rest(device: Device, graph: DeviceGraph, layout: dict[int, int], n: int) -> list[int]:
    """Complete a partial layout: wires without a place get the best free usable qubits."""
    used = set(layout.values())
    free = [p for p in _usable_best_first(device, graph) if p not in used]
    out = []
    it = iter(free)
    for v in range(n):
        if v in layout:
            out.append(layout[v])
        else:
            try:
                out.append(next(it))
            except StopIteration:
                raise PassError(f"the program needs {n} qubits but the device has only {len(graph.usable)} usable "
                                "qubits") from None
    return out


def vf2_layout(device: Device, graph: DeviceGraph, inter: Interactions, call_limit: int,
               candidates: int, seed: int = 0) -> list[int] | None:
    """A swap-free layout by subgraph matching, the lowest-error one among ``candidates``; or None."""
    if not inter.pairs:
        return _place_rest(device, graph, {}, inter.n)
    placed = vf2_search(device, graph, inter, call_limit, candidates, seed)
    return None if placed is None else _place_rest(device, graph, placed, inter.n)


def vf2_search(device: Device, graph: DeviceGraph, inter: Interactions, call_limit: int,
               candidates: int, seed: int = 0, big_call_limit: int = VF2_BIG_CALL_LIMIT) -> dict[int, int] | None:
    """Placement of the wires that have 2q gates (wire -> physical qubit), or None.

    VF2 enumerates embeddings in a structured order, so consecutive ones differ only in
    their last nodes. To spread the candidates over the whole device, the search runs on
    several seeded relabelings of the coupling graph and takes a slice of each.
    On a calibrated device the lowest-cost candidate wins, the first one on a tie (in
    enumeration order); candidates are scored all at once as array gathers
    (:class:`_VF2Scorer`), and the relabelled coupling graphs are cached per device graph
    and seed (:func:`_relabelled`), so repeated searches only pay for VF2 itself; equal
    patterns within one compile share one search (:func:`_vf2_rows`). Patterns of more than
    :data:`VF2_BIG` wires get at most :data:`VF2_BIG_ROUNDS` rounds of at most
    ``big_call_limit`` calls each.
    """
    active = sorted({v for e in inter.pairs for v in e})
    if not active:
        return {}
    if not graph.components or len(active) > len(graph.components[0]):
        return None
    index = {v: i for i, v in enumerate(active)}
    weights: dict[tuple[int, int], int] = {}  # pattern edges in first-seen order, with counts
    for a, b in inter.pairs:
        key = (min(index[a], index[b]), max(index[a], index[b]))
        weights[key] = weights.get(key, 0) + 1
    calibrated = device.has_calibration
    # Few candidates per relabeling: consecutive VF2 embeddings are near-duplicates, so many
    # short rounds cover more of the device (measured on fake_sherbrooke: 256 rounds of 8 beat
    # 16 of 128 on every swap-free circuit of the benchmark, at the same cost).
    rounds = max(1, candidates // 8) if calibrated else 1
    per_round = max(1, candidates // rounds) if calibrated else 1
    if len(active) > VF2_BIG:
        # Large patterns on a relabelled graph can exhaust the call limit in every round
        # (measured: a routed 100-qubit ring on fake_sherbrooke, 256 rounds, over 600 s), so
        # their search is bounded to a few rounds with a smaller limit each.
        rounds = min(rounds, VF2_BIG_ROUNDS)
        call_limit = min(call_limit, big_call_limit)
    rows = _vf2_rows(graph, seed, rounds, per_round, call_limit, len(active), tuple(weights))
    if rows is None:
        return None
    best = 0
    if calibrated and len(rows) > 1:
        best = _VF2Scorer(device, graph, inter, active, weights).best(rows)
    return {active[i]: int(p) for i, p in enumerate(rows[best])}


def _vf2_rows(graph: DeviceGraph, seed: int, rounds: int, per_round: int, call_limit: int, k_act: int,
              edges: tuple[tuple[int, int], ...]) -> np.ndarray | None:
    """The VF2 candidates of :func:`vf2_search`: ``[K, k_act]`` (row ``r``, column ``i``: the
    physical qubit of pattern node ``i``), up to ``per_round`` embeddings from each of
    ``rounds`` relabelings, in enumeration order; None when rustworkx raises or the first
    round finds none. The pattern is the graph on ``range(k_act)`` with ``edges`` added in
    that order (the order steers VF2's enumeration).

    The answer depends only on these arguments, so it is memoized per compile
    (:mod:`..memo`): ``route`` re-places two or three routings of each kernel and equal
    physical interaction graphs then share one search. The returned array is read-only."""
    key = ("vf2_rows", graph.num_qubits, graph.edges, seed, rounds, per_round, call_limit, k_act, edges)
    return memoized(key, lambda: _vf2_rows_search(graph, seed, rounds, per_round, call_limit, k_act, edges))


def _vf2_rows_search(graph: DeviceGraph, seed: int, rounds: int, per_round: int, call_limit: int, k_act: int,
                     edges: tuple[tuple[int, int], ...]) -> np.ndarray | None:
    import rustworkx as rx

    im = rx.PyGraph()
    im.add_nodes_from(range(k_act))
    for a, b in edges:
        im.add_edge(a, b, None)
    # Each embedding's pairs are gathered into flat lists and turned into rows with one
    # array operation at the end (a numpy row per embedding cost more than VF2 itself).
    keys: list[int] = []  # coupling-graph labels of the relabelled graph, k_act per embedding
    vals: list[int] = []  # the pattern node each one is matched to
    perms: list[np.ndarray] = []
    found_per_round: list[int] = []
    for perm, cm in _relabelled(graph, seed, rounds):
        found = 0
        try:
            for m in rx.vf2_mapping(cm, im, subgraph=True, induced=False, id_order=False,
                                    call_limit=call_limit):
                keys.extend(m.keys())
                vals.extend(m.values())
                found += 1
                if found >= per_round:
                    break
        except Exception:  # noqa: BLE001  (rustworkx raises on degenerate inputs; fall back to SABRE)
            return None
        if not keys:
            return None  # no embedding at all (or the call limit hit first)
        perms.append(perm)
        found_per_round.append(found)
    count = len(keys) // k_act
    labels = np.array(keys, dtype=np.int64).reshape(count, k_act)
    nodes = np.array(vals, dtype=np.int64).reshape(count, k_act)
    phys = np.take_along_axis(np.repeat(np.stack(perms), found_per_round, axis=0), labels, axis=1)
    rows = np.empty((count, k_act), dtype=np.int64)
    np.put_along_axis(rows, nodes, phys, axis=1)
    rows.setflags(write=False)
    return rows


#: Relabelled coupling graphs of :func:`vf2_search`, per (device graph, seed): each entry is
#: the permutation (label -> physical qubit) and the ``rustworkx.PyGraph`` on those labels.
_RELABEL_CACHE: dict[tuple, list[tuple[np.ndarray, object]]] = {}


def _relabelled(graph: DeviceGraph, seed: int, rounds: int) -> list[tuple[np.ndarray, object]]:
    """The first ``rounds`` relabelings of ``graph``'s coupling graph: round 0 the identity,
    round ``r`` the ``r``-th ``default_rng(seed).permutation``. Cached (the same device is
    searched by ``layout`` and three times by ``route``'s ``post_layout``); the graphs are
    only read by ``rustworkx.vf2_mapping``."""
    import rustworkx as rx

    key = (graph.num_qubits, graph.edges, seed)
    cached = _RELABEL_CACHE.get(key, [])
    if len(cached) < rounds:
        # Extend a private copy and publish it whole: compiles running in threads (a dask
        # worker) never see a half-built list, and equal keys always build equal lists.
        cached = list(cached)
        N = graph.num_qubits
        rng = np.random.default_rng(seed)
        for _ in range(1, len(cached)):  # replay the generator up to the cached rounds
            rng.permutation(N)
        ea = np.array([a for a, _ in graph.edges], dtype=np.int64)
        eb = np.array([b for _, b in graph.edges], dtype=np.int64)
        for r in range(len(cached), rounds):
            perm = np.arange(N) if r == 0 else rng.permutation(N)
            inv = np.empty(N, dtype=np.int64)
            inv[perm] = np.arange(N)
            cm = rx.PyGraph()
            cm.add_nodes_from(range(N))
            cm.add_edges_from_no_data(list(zip(inv[ea].tolist(), inv[eb].tolist())))
            cached.append((perm, cm))
        if len(_RELABEL_CACHE) >= 16:
            _RELABEL_CACHE.clear()
        _RELABEL_CACHE[key] = cached
    return cached[:rounds]


#: VF2 candidates :func:`post_layout` compares (``candidates // 8`` relabelled rounds of 8, see
#: :func:`vf2_search`); layout's own VF2 keeps ``Layout.vf2_candidates``. Why fewer: ``route``
#: re-places two or three routed copies of every kernel, and a routed interaction graph with
#: swaps (long rings) is slow to embed in every round (su2_full_20 on fake_sherbrooke: 0.5 s for
#: one of its copies at 2048). Measured on the corpus (``benchmarks/corpus.py``,
#: fake_sherbrooke, seed 1): 512 instead of 2048 gave ESP geomean 3.58 of Qiskit O3 against
#: 3.61, 2q geomean 0.860 against 0.868, no error-1.0 part used, the same family members above
#: Qiskit's 2q count; CPU (15 members, interleaved, min of 2) 0.86x.
POST_LAYOUT_CANDIDATES = 512

#: VF2 call limit per round of :func:`post_layout` on patterns of more than :data:`VF2_BIG`
#: interacting wires (:data:`VF2_BIG_CALL_LIMIT` elsewhere). Why: a routed ring-like circuit is
#: an embedding of itself (its identity placement), yet VF2 from a relabelled graph often finds
#: none and then spends the whole limit on the first round (su2_circular_100 on
#: fake_sherbrooke: 0.4 s for each of two routed copies, nothing found). Measured on the corpus
#: (``benchmarks/corpus.py``, fake_sherbrooke, seed 1): 20,000 instead of 100,000 gave the same
#: 2q count and ESP on all 39 circuits.
POST_LAYOUT_BIG_CALL_LIMIT = 20_000


def post_layout(kernel: Operation, device: Device, graph: DeviceGraph, call_limit: int = 1_000_000,
                candidates: int = POST_LAYOUT_CANDIDATES, seed: int = 0, kw: KernelWires | None = None) -> bool:
    """Noise-aware re-placement of a routed kernel (like Qiskit's ``VF2PostLayout``).

    Requires: a mapped and routed kernel (wire ``p`` = physical ``p``). Finds, among
    embeddings of the kernel's physical interaction graph (its 2q gates and swaps, a
    swap weighing 3) into the usable coupling graph, the one with the lowest calibrated
    error, and relabels every physical qubit accordingly when that beats the current
    placement. Guarantees: couplers stay couplers (usable ones), the layouts are
    relabelled consistently, so equivalence up to layout is preserved; coupler
    *direction* may change (run ``fix-direction`` after). Returns whether it relabelled.
    ``kw``: :func:`.wires.analyze` of ``kernel`` as it is, when the caller has it (it stays
    valid for the caller when this returns False).
    """
    if not device.has_calibration:
        return False
    if kw is None:
        kw = analyze(kernel)
    n = kw.num_wires
    if n != device.num_qubits:
        return False
    inter = interactions(kernel, kw, dag=False)
    for op in walk_gates(kernel_body(kernel)):
        if op.name == "q.swap":
            a, b = (kw.vid[v] for v in op.operands)
            inter.pairs.extend([(a, b), (a, b)])  # a swap is three 2q gates
    placed = vf2_search(device, graph, inter, call_limit, candidates, seed, POST_LAYOUT_BIG_CALL_LIMIT)
    if placed is None:
        return False
    busy = [v for v in range(n) if v not in placed and (inter.one_q[v] or inter.measures[v])]
    used = set(placed.values())
    free = [p for p in _usable_best_first(device, graph) if p not in used]
    if len(free) < len(busy):
        return False
    for v, p in zip(busy, free):
        placed[v] = p
    used = set(placed.values())
    rest = iter(p for p in range(n) if p not in used)
    sigma = [placed[v] if v in placed else next(rest) for v in range(n)]
    if layout_cost(device, inter, sigma) >= layout_cost(device, inter, list(range(n))) - 1e-12:
        return False
    _relabel(kernel, kw, sigma)
    return True


def _relabel(kernel: Operation, kw: KernelWires, sigma: list[int]) -> None:
    """Move physical wire ``p`` of a mapped kernel to ``sigma[p]`` (a permutation)."""
    body = kernel_body(kernel)
    n = len(sigma)
    inv = [0] * n
    for p, q in enumerate(sigma):
        inv[q] = p
    if kw.mode == "alloc":
        anchor = kw.allocs[n - 1].next  # allocs: wire -> op (alloc mode: wires 0..n-1, in order)
        for a in kw.allocs.values():
            a.detach()
        for q in range(n):
            body.insert_before(kw.allocs[inv[q]], anchor)
        term = body.terminator
        deallocs = sorted(kw.deallocs.values(), key=lambda d: sigma[kw.vid[DeallocOp(d).qubit]])
        for d in deallocs:
            d.detach()
            body.insert_before(d, term)
    else:
        qargs = [a for a in body.args if a.type.is_qubit]
        cargs = [a for a in body.args if not a.type.is_qubit]
        body.args[:] = [*(qargs[inv[q]] for q in range(n)), *cargs]
        for i, a in enumerate(body.args):
            a.index = i
        term = body.terminator
        assert term is not None
        qs = [v for v in term.operands if v.type.is_qubit]
        classical = [v for v in term.operands if not v.type.is_qubit]
        term.set_operands([*(qs[inv[q]] for q in range(n)), *classical])
    for key in ("initial_layout", "final_layout"):
        lay = kernel.properties.get(key)
        if isinstance(lay, tuple):
            kernel.set_property(key, tuple(sigma[p] for p in lay))


class _VF2Scorer:
    """``sum -log(1 - e)`` of embeddings of the active (interacting) wires, as array gathers."""

    def __init__(self, device: Device, graph: DeviceGraph, inter: Interactions, active: list[int],
                 weights: dict[tuple[int, int], int]):
        N = graph.num_qubits
        self.edge_cost = np.zeros((N, N))
        for a, b in graph.edges:
            self.edge_cost[a, b] = self.edge_cost[b, a] = _cost(device.coupler_error(a, b))
        self.node_cost_1q = np.array([_cost(device.single_qubit_error(p)) for p in range(N)])
        self.node_cost_m = np.array([_cost(device.measure_error(p)) for p in range(N)])
        self.ia = np.array([a for a, _ in weights], dtype=np.int64)  # indices into ``active``
        self.ib = np.array([b for _, b in weights], dtype=np.int64)
        self.ew = np.array(list(weights.values()), dtype=np.float64)
        self.n1 = inter.one_q[active].astype(np.float64)
        for (a, b), w in weights.items():  # the 1q gates each 2q gate brings along
            self.n1[a] += ONE_Q_PER_2Q * w
            self.n1[b] += ONE_Q_PER_2Q * w
        self.nm = inter.measures[active].astype(np.float64)

    def cost(self, row: np.ndarray) -> float:
        """The cost of one placement (``row[i]`` = physical qubit of active wire ``i``)."""
        return float(np.dot(self.ew, self.edge_cost[row[self.ia], row[self.ib]])
                     + np.dot(self.n1, self.node_cost_1q[row]) + np.dot(self.nm, self.node_cost_m[row]))

    def costs(self, rows: np.ndarray) -> np.ndarray:
        """:meth:`cost` of every row of ``rows`` ``[K, len(active)]`` at once (equal up to the
        rounding of a different summation order)."""
        return (self.edge_cost[rows[:, self.ia], rows[:, self.ib]] @ self.ew
                + self.node_cost_1q[rows] @ self.n1 + self.node_cost_m[rows] @ self.nm)

    def best(self, rows: np.ndarray) -> int:
        """Index of the first row of least :meth:`cost`, i.e. what a sequential scan keeping
        strictly better rows returns. The batch costs only pick the rows within rounding of the
        minimum; those are re-scored one by one, so ties break exactly as in that scan."""
        approx = self.costs(rows)
        if np.isfinite(approx).all():
            low = float(approx.min())
            near = np.flatnonzero(approx <= low + 1e-9 * max(1.0, abs(low))).tolist()
        else:  # an error-1.0 part (inf, or nan from 0 * inf): the plain scan decides
            near = range(len(rows))
        best, best_cost = -1, math.inf
        for k in near:
            c = self.cost(rows[k])
            if best < 0 or c < best_cost:
                best, best_cost = k, c
        return best


def _flat_dag(inter: Interactions):
    """Engine arrays of the 2q-gate DAG, forward and reversed (for the backward passes)."""
    m = len(inter.dag_preds)
    node_a = np.full(m, -1, dtype=np.int64)
    node_b = np.full(m, -1, dtype=np.int64)
    for k, i in enumerate(inter.dag_pair):
        if i >= 0:
            node_a[k], node_b[k] = inter.pairs[i]
    rpreds: list[list[int]] = [[] for _ in range(m)]
    for i, ps in enumerate(inter.dag_preds):
        for p in ps:
            rpreds[m - 1 - p].append(m - 1 - i)
    fwd = build_succ(m, inter.dag_preds)
    bwd = build_succ(m, rpreds)
    return node_a, node_b, fwd, node_a[::-1].copy(), node_b[::-1].copy(), bwd


def _ranked_starts(device: Device, graph: DeviceGraph, comp: list[int], size: int,
                   coupler_cost: np.ndarray) -> list[int]:
    """Qubits of ``comp`` ordered by the quality of the compact region grown from them: the
    mean cost of the couplers inside the breadth-first ball of ``size`` qubits plus the mean
    1q and readout cost of its qubits. O(|comp| * size * degree)."""
    qcost = [_qubit_cost(device, p) for p in range(graph.num_qubits)]  # members are scored many times
    scored = []
    for start in comp:
        order = [start]
        seen = {start}
        head = 0
        while len(order) < size and head < len(order):
            for q in graph.neighbors(order[head]):
                q = int(q)
                if q not in seen and len(order) < size:
                    seen.add(q)
                    order.append(q)
            head += 1
        inner = sorted((a, int(b)) for a in order for b in graph.neighbors(a) if a < b and int(b) in seen)
        edges = [coupler_cost[a, b] for a, b in inner]
        score = (sum(edges) / len(edges) if edges else 0.0) + sum(qcost[p] for p in order) / len(order)
        scored.append((score, start))
    scored.sort()
    return [p for _, p in scored]


def sabre_layout(device: Device, graph: DeviceGraph, inter: Interactions, trials: int, iterations: int,
                 seed: int, engine: str = "auto", alt: DeviceGraph | None = None,
                 starts: list[dict[int, int]] | None = None, random_starts: bool = True) -> tuple[list[int], int]:
    """Bidirectional SABRE layout search; returns ``(layout, swaps of its forward routing)``.
    With ``alt`` (same usable qubits and couplers, other distances) every other group of
    four trials routes with ``alt``'s distances; all trials compete on the same estimate.
    ``starts`` (placements of all interacting wires, e.g. :func:`.embed.line_layouts`) are
    extra candidates, each routed forward as given and also after the bidirectional
    iterations, on the same estimate. ``random_starts=False`` (needs ``starts``) skips the
    ``trials`` random starts; the given ones keep the seeds they get after them, so the
    answer is the one the full search gives whenever a given start wins it."""
    core = sabre_route_py if engine == "python" else sabre_route
    if not graph.components:
        raise PassError("the device has no usable qubits")
    comp = sorted(graph.components[0])
    n = inter.n
    active = sorted({v for e in inter.pairs for v in e})
    if len(active) > len(comp):
        raise PassError(
            f"the program's {len(active)} interacting qubits do not fit in the device's largest usable connected "
            f"component ({len(comp)} qubits)")
    fa, fb, fwd, ra, rb, bwd = _flat_dag(inter)
    N = graph.num_qubits
    comp_arr = np.array(comp, dtype=np.int64)
    calibrated = device.has_calibration
    coupler_cost = coupler_costs(device, graph) if calibrated else np.ones((N, N))
    ranked = _ranked_starts(device, graph, comp, len(active), coupler_cost) if calibrated else []
    extra = list(starts or ())
    n_random = max(1, trials)

    def trial(t: int) -> tuple[tuple[float, float], int, list[int]]:
        """Trial ``t``: its ranking key, swap count and layout (reads only shared inputs)."""
        rng = np.random.default_rng(seed * 1_000_003 + t)
        structured = t >= n_random
        if structured:
            given = extra[(t - n_random) // 2]
            region = np.array([given[v] for v in active], dtype=np.int64)
        elif t % 2 == 0:
            # calibrated: the compact starts go through the best regions in order
            start = int(ranked[(t // 2) % len(ranked)]) if ranked else int(rng.choice(comp_arr))
            order = [start]
            seen = {start}
            head = 0
            while len(order) < len(active) and head < len(order):
                nbrs = list(graph.neighbors(order[head]))
                rng.shuffle(nbrs)
                for q in nbrs:
                    if q not in seen:
                        seen.add(q)
                        order.append(int(q))
                head += 1
            region = np.array(order[: len(active)], dtype=np.int64)
            rng.shuffle(region)
        else:
            region = rng.choice(comp_arr, size=len(active), replace=False)
        v2p = np.full(n, -1, dtype=np.int64)
        for v, p in zip(active, region):
            v2p[v] = p
        # wires without 2q gates sit anywhere free for the search (they never move)
        taken = set(region.tolist())
        free = iter(p for p in range(N) if p not in taken)
        for v in range(n):
            if v2p[v] < 0:
                v2p[v] = next(free)
        g = graph if alt is None or (t // 4) % 2 == 0 else alt
        # a structured start is tried as given (t even) and after the usual iterations
        for it in range(0 if structured and (t - n_random) % 2 == 0 else max(1, iterations)):
            s = seed * 7919 + t * 131 + it * 17 + 1
            res = core(fa, fb, *fwd, v2p, N, g.adj, g.nb_ptr, g.nb_idx, g.dist, g.hops,
                       20, 0.5, 0.001, 5, s, max(10, 10 * N))
            res = core(ra, rb, *bwd, res[4], N, g.adj, g.nb_ptr, g.nb_idx, g.dist, g.hops,
                       20, 0.5, 0.001, 5, s + 7, max(10, 10 * N))
            v2p = res[4]
        res = core(fa, fb, *fwd, v2p, N, g.adj, g.nb_ptr, g.nb_idx, g.dist, g.hops,
                   20, 0.5, 0.001, 5, seed + t, max(10, 10 * N), ABSORB[t % len(ABSORB)])
        swaps = int(res[5])
        partial = {v: int(v2p[v]) for v in active}
        lay = _place_rest(device, graph, partial, n)
        # Ranked by estimated 2q cost (absorbed swaps are cheap), on a calibrated device by
        # estimated -log ESP: a few more swaps on good couplers beat fewer on bad ones
        # (measured on fake_sherbrooke QFT/QPE).
        if calibrated:
            key = (routed_cost(device, inter, lay, res, fa, fb, coupler_cost), float(swaps))
        else:
            key = (routed_2q_cost(v2p, res, fa, fb, coupler_cost)[0], float(swaps))
        return key, swaps, lay

    ts = range(0 if random_starts or not extra else n_random, n_random + 2 * len(extra))
    # Trials are independent (own seed, own arrays) and come back in trial order, so the
    # first best is the one a serial loop keeps, whatever the thread count (see .threads).
    results = map_trials(trial, ts, width(len(fa) * (2 * max(1, iterations) + 1) * len(ts), len(ts)))
    best = min(results, key=lambda r: r[0])  # min keeps the first of equal keys
    return best[2], best[1]


def routed_cost(device: Device, inter: Interactions, layout: list[int], res, node_a: np.ndarray,
                node_b: np.ndarray, coupler_cost: np.ndarray) -> float:
    """Estimated ``-log ESP`` of the engine result ``res`` (routing of the 2q-gate DAG
    ``node_a/node_b`` from ``layout``): :func:`.engine.routed_2q_cost` plus 1q gates and
    measurements on the qubits their wires end on."""
    total, v2p = routed_2q_cost(layout, res, node_a, node_b, coupler_cost)
    for v in range(inter.n):
        p = int(v2p[v])
        if inter.one_q[v]:
            total += inter.one_q[v] * _cost(device.single_qubit_error(p))
        if inter.measures[v]:
            total += inter.measures[v] * _cost(device.measure_error(p))
    return total


def record_layout(ctx: PassContext, kernel: str, initial: list[int] | None, final: list[int],
                  method: str | None = None) -> None:
    """Keep ``ctx.report["layout"]`` current: ``initial``/``final`` of the first mapped kernel
    (what ``--report`` shows) and ``kernels[name]`` with ``method``, ``initial``, ``final``."""
    if not isinstance(ctx.report, dict):
        return
    rep = ctx.report.setdefault("layout", {})
    entry = rep.setdefault("kernels", {}).setdefault(kernel, {})
    if method is not None:
        entry["method"] = method
    if initial is not None:
        entry["initial"] = list(initial)
    entry["final"] = list(final)
    first = next(iter(rep["kernels"]))
    rep["initial"] = rep["kernels"][first].get("initial")
    rep["final"] = rep["kernels"][first]["final"]


#: Most random starts of the automatic SABRE layout search, on every device. Calibrated devices
#: had 64 (their trials also explore placements of different quality); measured on the corpus
#: (``benchmarks/corpus.py``, fake_sherbrooke, seed 1): 32 gave 2q geomean 0.868 of Qiskit O3
#: against 0.885 and ESP geomean 3.61 against 3.66, no error-1.0 part used, no family's largest
#: member newly above Qiskit's 2q count (mcx_10 no longer: 709 -> 561); 16 lost ESP (3.09).
#: On heavy-hex:7, 16 instead of 32 lost 2q (geomean 0.879 -> 0.892).
LAYOUT_TRIALS = 32


#: Most forward-backward iterations of each automatic SABRE layout trial on an uncalibrated
#: device (calibrated devices keep :func:`.effort.auto_iterations`'s 4 on small kernels). Each
#: trial routes ``2 * iterations + 1`` times, so 3 instead of 4 makes the search about 2/9
#: cheaper. Measured on the corpus (``benchmarks/corpus.py``, heavy-hex:7, seed 1, CPU of
#: whole compiles, interleaved with the old rule, minimum of 2): CPU geomean 0.953 (the old
#: rule against itself 0.991); 2q geomean 0.879 -> 0.886 of Qiskit O3, no family's largest
#: member above Qiskit's 2q count (heisenberg_100 1041 -> 1122 against 1176; qft_100 ties at
#: 7,785 as before); 2 iterations gave 0.895. On fake_sherbrooke 3 iterations gave 2q 0.864 ->
#: 0.887 and ESP 3.57 -> 4.36 with no measurable CPU gain, so calibrated devices keep 4.
UNCALIBRATED_LAYOUT_ITERATIONS = 3


def auto_effort(num_2q: int, trials: int, iterations: int, calibrated: bool = True) -> tuple[int, int]:
    """Layout search effort: the given values, or (0 = automatic) up to :data:`LAYOUT_TRIALS`
    trials of 4 forward-backward iterations for small programs (at most
    :data:`UNCALIBRATED_LAYOUT_ITERATIONS` when not ``calibrated``), fewer iterations past 2k
    and 5k two-qubit gates and trials scaled so a search routes about 200k gates (at least 4)."""
    if iterations <= 0:
        iterations = auto_iterations(num_2q)
        if not calibrated:
            iterations = min(iterations, UNCALIBRATED_LAYOUT_ITERATIONS)
    if trials <= 0:
        budget = 200_000 // max(1, num_2q * (2 * iterations + 1))
        trials = max(4, min(LAYOUT_TRIALS, budget))
    return trials, iterations


def apply_layout(kernel: Operation, kw: KernelWires, layout: list[int], num_qubits: int) -> None:
    """Rewrite ``kernel`` onto ``num_qubits`` physical wires with program wire ``v`` on ``layout[v]``."""
    body = kernel_body(kernel)
    if kw.mode == "alloc":
        anchor = kw.allocs[0]
        new_allocs = []
        for _p in range(num_qubits):
            a = Operation("q.alloc", [], [qubit], loc=anchor.loc)
            body.insert_before(a, anchor)
            new_allocs.append(a)
        for v, old in kw.allocs.items():  # alloc mode: wire v = the v-th alloc
            old.results[0].replace_all_uses_with(new_allocs[layout[v]].results[0])
            old.erase()
        used = set(layout)
        term = body.terminator
        for p in range(num_qubits):
            if p not in used:
                body.insert_before(Operation("q.dealloc", [new_allocs[p].results[0]], []), term)
    elif kw.mode == "args":
        qargs = [a for a in body.args if a.type.is_qubit]
        cargs = [a for a in body.args if not a.type.is_qubit]
        phys: list[BlockArgument | None] = [None] * num_qubits
        for v, a in enumerate(qargs):
            phys[layout[v]] = a
        new_args: list[BlockArgument] = []
        for a in phys:
            new_args.append(a if a is not None else BlockArgument(qubit, body, 0))
        body.args[:] = [*new_args, *cargs]
        for i, a in enumerate(body.args):
            a.index = i
        term = body.terminator
        assert term is not None
        returned = [v for v in term.operands if v.type.is_qubit]
        classical = [v for v in term.operands if not v.type.is_qubit]
        ends: list = list(new_args)
        for v in returned:
            ends[layout[kw.vid[v]]] = v
        term.set_operands([*ends, *classical])
    set_function_results(kernel)


@dataclass(frozen=True)
class Layout(Pass):
    """Place program qubits on physical qubits (VF2 exact match, else bidirectional SABRE).

    Requires: a device; kernels whose qubits are all allocated or all arguments.
    Guarantees: kernels get ``device.num_qubits`` wires (wire p = physical p),
    ``initial_layout``/``final_layout`` properties, no program qubit on an
    unusable or reserved qubit; 3-qubit gates decomposed; equivalent once the
    layouts are applied. Options: ``strategy`` (auto|vf2|sabre|trivial),
    ``trials``/``iterations`` of the SABRE search (0 = automatic, see :func:`auto_effort`), ``vf2_call_limit`` and
    ``vf2_candidates``, ``error_weight`` for error-weighted distances,
    ``reserve`` physical qubits to keep free (``reserve=3|7``), ``seed``, ``qiskit_start``
    (also route from Qiskit's ``SabreLayout`` placement, see :mod:`.qiskit_starts`),
    ``elide_swaps`` (the program's own swaps become layout bookkeeping, see :mod:`.elide`).
    """

    name: ClassVar[str] = "layout"
    preserves: ClassVar[str] = "layout"

    strategy: Literal["auto", "vf2", "sabre", "trivial"] = "auto"
    trials: int = 0
    iterations: int = 0
    vf2_call_limit: int = 5_000_000
    vf2_candidates: int = 2048
    error_weight: float = 0.5
    reserve: tuple[int, ...] = ()
    seed: int | None = None
    engine: Literal["auto", "python"] = "auto"
    qiskit_start: bool = True
    elide_swaps: bool = True

    def __post_init__(self) -> None:
        if self.trials < 0 or self.iterations < 0:
            raise ValueError("trials and iterations must be >= 0 (0 = automatic)")
        if self.vf2_candidates < 1 or self.vf2_call_limit < 1:
            raise ValueError("vf2-candidates and vf2-call-limit must be at least 1")

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        device = ctx.device
        if device is None:
            raise PassError("'layout' needs a device", help="pass --device (e.g. --device heavy-hex:3)")
        bad = [p for p in self.reserve if not 0 <= p < device.num_qubits]
        if bad:
            raise PassError(f"reserved qubit {bad[0]} is not on device {device.name} ({device.num_qubits} qubits)")
        seed = ctx.seed if self.seed is None else self.seed
        graph = device_graph(device, self.error_weight if device.has_calibration else 0.0, tuple(sorted(self.reserve)))
        changed = False
        methods: dict[str, str] = {}
        for kernel in kernels_of(module):
            if kernel.properties.get("initial_layout") is not None:
                continue
            decomposed = decompose_wide_gates(kernel)
            kw = analyze(kernel)
            if kw.mode == "none":
                changed = changed or decomposed > 0
                continue
            perm = elide_swaps(kernel, kw) if self.elide_swaps else None
            if perm is not None:
                kw = analyze(kernel)
            inter = interactions(kernel, kw)
            if inter.n > len(graph.usable):
                raise PassError(
                    f"kernel @{kernel_name(kernel)} needs {inter.n} qubits but device {device.name} has "
                    f"{len(graph.usable)} usable", kernel.loc)
            plain = not any(op.regions for op in kernel_body(kernel))
            lay, method = self._choose(device, graph, inter, seed, plain)
            if any(p not in graph.usable for p in lay):  # pragma: no cover - guarded by construction
                raise PassError(f"internal error: layout {lay} uses an unusable qubit")
            final = [lay[v] for v in kw.out_vids] if perm is None else [lay[perm[v]] for v in kw.out_vids]
            apply_layout(kernel, kw, lay, device.num_qubits)
            kernel.set_property("initial_layout", tuple(lay))
            kernel.set_property("final_layout", tuple(final))
            if self.reserve:
                kernel.set_property("reserved_qubits", tuple(sorted(self.reserve)))
            methods[kernel_name(kernel)] = method
            record_layout(ctx, kernel_name(kernel), list(lay), final, method)
            changed = True
        stats: dict[str, int | float | str] = {"kernels": len(methods)}
        if methods:
            stats["method"] = ",".join(sorted(set(methods.values())))
        return PassResult(changed, stats)

    def _choose(self, device: Device, graph: DeviceGraph, inter: Interactions, seed: int,
                plain: bool = False) -> tuple[list[int], str]:
        if self.strategy == "trivial":
            lay = list(range(inter.n))
            if any(p not in graph.usable for p in lay):
                raise PassError("trivial layout would use an unusable or reserved qubit",
                                help="use strategy=auto")
            return lay, "trivial"
        chain_layouts: list[dict[int, int]] | None = None
        call_limit = self.vf2_call_limit
        if self.strategy in ("auto", "vf2") and inter.pairs and is_path_graph(inter.pairs):
            active = {v for e in inter.pairs for v in e}
            if len(active) >= LINE_MIN:
                _chain, chain_layouts = chain_starts(graph, inter.pairs, seed, limit=256)
                if chain_layouts:
                    return self._best_line(device, graph, inter, chain_layouts), "line"
                # the pruned path search found no line; VF2 rarely does better on long lines
                # and can spend seconds failing (measured: 5M calls, 7-16 s on fake_sherbrooke)
                call_limit = min(call_limit, VF2_LINE_CALL_LIMIT)
        elif self.strategy == "auto" and _long_ring_like(inter.pairs):
            call_limit = min(call_limit, VF2_LINE_CALL_LIMIT)  # rings: same reason
        if self.strategy in ("auto", "vf2"):
            lay = vf2_layout(device, graph, inter, call_limit, self.vf2_candidates, seed)
            if lay is not None:
                return lay, "vf2"
            if self.strategy == "vf2":
                raise PassError("no swap-free (VF2) layout exists for this kernel on this device",
                                help="use strategy=auto or strategy=sabre")
        trials, iterations = auto_effort(len(inter.pairs), self.trials, self.iterations, device.has_calibration)
        # On a calibrated device half the trials use hop distances: error-weighted detours pay
        # off on sparse circuits but not always on dense ones (measured on fake_sherbrooke).
        alt = device_graph(device, 0.0, tuple(sorted(self.reserve))) if graph.dist is not graph.hops else None
        if chain_layouts is None:
            _chain, chain_layouts = chain_starts(graph, inter.pairs, seed)
        starts = self._ranked_lines(device, graph, inter, chain_layouts)[:8]
        # Calibrated devices: no Qiskit start (see CALIBRATED_QISKIT_START).
        use_qk = self.qiskit_start and (CALIBRATED_QISKIT_START or not device.has_calibration)
        qk = qiskit_sabre_start(graph, inter.pairs, seed) if use_qk else None
        if qk is not None:
            starts.append(qk)
        # Large plain circuits on uncalibrated devices: only the structured starts (see
        # STRUCTURED_ONLY_2Q; route's Qiskit candidates decide those kernels anyway).
        random_starts = not (qk is not None and plain and self.trials == 0 and not device.has_calibration
                             and len(inter.pairs) >= STRUCTURED_ONLY_2Q)
        lay, _swaps = sabre_layout(device, graph, inter, trials, iterations, seed, self.engine, alt, starts,
                                   random_starts)
        return lay, "sabre"

    @staticmethod
    def _ranked_lines(device: Device, graph: DeviceGraph, inter: Interactions,
                      placements: list[dict[int, int]]) -> list[dict[int, int]]:
        """``placements`` best first by calibrated error (as given when uncalibrated)."""
        if not device.has_calibration or len(placements) < 2:
            return list(placements)
        scored = [(layout_cost(device, inter, _place_rest(device, graph, p, inter.n)), k)
                  for k, p in enumerate(placements)]
        return [placements[k] for _c, k in sorted(scored)]

    def _best_line(self, device: Device, graph: DeviceGraph, inter: Interactions,
                   placements: list[dict[int, int]]) -> list[int]:
        """The lowest-error swap-free line placement, completed with :func:`_place_rest`."""
        return _place_rest(device, graph, self._ranked_lines(device, graph, inter, placements)[0], inter.n)
