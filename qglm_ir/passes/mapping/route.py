"""``route``: insert swaps so every two-qubit gate acts on a coupler (LightSABRE-style).

Requires: ``layout`` ran (the kernel carries ``initial_layout`` and has
``device.num_qubits`` wires, wire ``p`` = physical qubit ``p``); every gate
acts on at most two qubits; a device in the pass context.

Guarantees: every two-qubit gate (and two-qubit ``q.unitary``) of every
kernel, inside ``scf`` regions too, acts on a usable coupler of the device
(direction is ``fix-direction``'s job); inserted swaps are ``q.swap`` gates
(``to-basis`` lowers them); the kernel is equivalent to its input once the
layouts are applied, and ``final_layout`` is updated: program output wire
``k`` ends on physical qubit ``final_layout[k]``.

How: each block is turned into a DAG of its ops (qubit wires and SSA uses,
values captured by nested regions included) and handed to the SABRE core
(:mod:`.engine`) ``trials`` times with different seeds and swap-absorption
bonuses; the run with the lowest estimated cost (2q gates plus swaps, a swap
right after a gate on the same pair counting one gate, not three, since 2q
resynthesis merges them; weighted by coupler errors on calibrated devices) is
replayed into the IR, re-threading qubit operands through
the physical wires. An ``scf`` op runs as one node; its regions are routed
recursively starting from the layout at the op, and **each region restores
that layout before its terminator** (token swapping on the coupling graph),
so a loop body starts every iteration from the same layout and both branches
of an ``scf.if`` leave the qubits where the other branch would. When routing
inside a region needs a physical qubit the region does not carry, the qubit
is threaded through the ``scf`` op (a new operand, block argument, yield
operand and result). Finally one-qubit gates between a swap and the 2q gate on
the same pair next to it move across the swap (:mod:`.slide`), so 2q
resynthesis can merge the two even when those gates are symbolic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar, Literal

import numpy as np

from ...core.errors import PassError
from ...core.gcpause import gc_paused
from ...core.ir import Block, Operation, OpResult, Value
from ...core.module import Module
from ...core.types import qubit
from ..base import Pass, PassContext, PassResult
from .commute import OTHER, DagBuilder, wire_classes
from .effort import CALIBRATED_QISKIT_TRIALS
from .engine import ABSORB, build_succ, routed_2q_cost, sabre_route, sabre_route_py
from .graph import DeviceGraph, device_graph
from .slide import slide_swaps
from .threads import iter_trials, width
from .wires import SCF_OFFSETS, analyze, kernel_name, kernels_of, term_offset


@dataclass(frozen=True)
class RouteOptions:
    """Knobs of the SABRE search (see :mod:`.engine`)."""

    trials: int = 0
    lookahead: int = 20
    lookahead_weight: float = 0.5
    decay: float = 0.001
    decay_reset: int = 5
    seed: int = 0
    engine: str = "auto"
    commute: bool = True
    absorb: tuple[float, ...] = ABSORB


#: Qiskit seeds for kernels above :data:`.select.SCORE_MAX_2Q` routed 2q ops (``qiskit_seeds=0``):
#: half of them number the wires each way (see :meth:`Route._route_plain`), so 2 is one seed in
#: each numbering, the first of which is layout's shared Qiskit start. Why not 4 (two seeds per
#: numbering): Qiskit's SABRE runs were 41% of the CPU of a heavy-hex:7 corpus compile (11.5 of
#: 27.8 s), most of it the second seed's two runs on the large members. Measured on the corpus
#: (``benchmarks/corpus.py``, heavy-hex:7, seed 1, with 3 layout iterations, see
#: :data:`.layout.UNCALIBRATED_LAYOUT_ITERATIONS`; CPU of whole compiles, interleaved, minimum of
#: 2): CPU geomean 0.88-0.91 of 4 seeds (qft_100 0.65, qv_32 0.67, random_50_d10 0.65); 2q
#: geomean 0.886 -> 0.889 of Qiskit O3 (qft_30 1293 -> 1348, qv_16 861 -> 873, su2_full_20 790
#: -> 842, qft_50 2951 -> 2959; the rest unchanged), no family's largest member above Qiskit.
QISKIT_SEEDS_LARGE = 2
#: Large kernels: routings whose estimate is within this factor of the best one are near ties,
#: built and ranked by their 2q count after clean-up (:mod:`.select`). Measured on
#: su2_full_50 on ``heavy-hex:7``: Qiskit seeds 1 and 2 estimate 2663 and 2650 (0.5% apart)
#: but clean up to 2593 and 2640; between seeds that far apart the estimate ranked right
#: on the corpus's large members (QV-32 1.1%, QFT-100 1.2%).
NEAR_TIE = 0.01
#: Automatic seeds, two numberings: no further Qiskit run (the physical numbering after the
#: program one, the later seeds) is made once every run so far estimates above the ``limit``
#: (qglm's own routing plus :data:`NEAR_TIE`) by more than this factor. Measured on the corpus
#: (``heavy-hex:7``, seed 1): where a second-seed run won (qft_50, qv_16, su2_full_20) a
#: first-seed run was already within the limit; where the first seed lost by more (qaoa_100
#: +31%, su2/ra_circular_100 +26%) the second lost too (+31%, +34%), for about a second of
#: Qiskit's SABRE on qaoa_100. Seeds do differ (qft_50: 2771 against 2332), so the margin is
#: wide. The same held between the numberings: where the program-numbered run (the one shared
#: with layout's start) lost by more than 20% (su2_full_10 +53%, ra_full_12 +47%, qaoa_20/50,
#: ising_100, adder_cdkm/draper_8, mcx_10, su2_circular_100 +25-40%) the physical one lost too,
#: and where the physical one won, the program one was within 13% (qft_12).
SEED_GATE = 0.2


#: ``q.*`` ops that never need a coupler (see :func:`is_routed_2q`).
_NOT_ROUTED = frozenset(("q.barrier", "q.measure", "q.reset", "q.delay"))


def is_routed_2q(op: Operation) -> bool:
    """Whether ``op`` needs a coupler: a gate or ``q.unitary`` on exactly two qubits."""
    name = op.name
    operands = op.operands
    # fewer than two operands cannot be two qubits: most ops (1q gates) stop here
    if len(operands) < 2 or name in _NOT_ROUTED or not name.startswith("q."):
        return False
    n = 0
    for v in operands:
        if v.type.is_qubit:
            n += 1
    return n == 2


class _Scope:
    """Current SSA value of each physical qubit inside one block being rebuilt."""

    __slots__ = ("values", "extend")

    def __init__(self, values: dict[int, Value], extend=None):
        self.values = values
        self.extend = extend

    def get(self, p: int) -> Value:
        v = self.values.get(p)
        if v is None:
            if self.extend is None:
                raise PassError(f"internal error: physical qubit {p} has no value")
            v = self.extend(p)
            self.values[p] = v
        return v


class _Router:
    """Routes one kernel in place."""

    def __init__(self, kernel: Operation, graph: DeviceGraph, opts: RouteOptions,
                 coupler_cost: np.ndarray | None = None, forced: tuple | None = None,
                 dags: dict | None = None):
        self.kernel = kernel
        self.dags = dags  # top-level DAGs shared with routings of copies of this kernel (see route_kernel)
        self.forced = forced  # an engine result to replay for the top-level block (see qiskit_route)
        self.top_key: tuple[float, float] | None = None
        # unit costs count 2q gates (absorbed swaps as one) on uncalibrated devices
        self.coupler_cost = np.ones((graph.num_qubits, graph.num_qubits)) if coupler_cost is None else coupler_cost
        self.g = graph
        self.opts = opts
        self.kw = analyze(kernel)
        self.vid = self.kw.vid
        n = graph.num_qubits
        self.v2p = np.arange(n, dtype=np.int64)
        self.p2v = np.arange(n, dtype=np.int64)
        self.swaps = 0
        self.restore_swaps = 0
        self._swapper = None
        self._seed_counter = 0
        self._core = sabre_route_py if opts.engine == "python" else sabre_route

    # ------------------------------------------------------------------ DAG
    def _top_dag(self, nodes: list[Operation], commute: bool):
        """:meth:`_dag` of the top-level block's ``nodes``, shared through ``self.dags`` with
        routings of other copies of the same unrouted kernel: a copy has the same ops in the
        same order on the same wires, so the engine arrays are equal and the DAG's ops are
        found by position. (Why: ``route`` routes two or three copies of every kernel and
        builds Qiskit's candidate from a fourth; the DAG walk over Python ops was the largest
        Python cost of each.)"""
        if self.dags is None:
            return self._dag(nodes, commute)
        shape = (len(nodes), self.kw.num_wires, tuple(op.name for op in nodes))
        hit = self.dags.get(commute)
        if hit is not None and hit[0] == shape:
            return hit[1], [None if k < 0 else nodes[k] for k in hit[2]]
        arrays, ops = self._dag(nodes, commute)
        pos = {op: k for k, op in enumerate(nodes)}
        self.dags[commute] = (shape, arrays, [-1 if op is None else pos[op] for op in ops])
        return arrays, ops

    def _dag(self, nodes: list[Operation], commute: bool):
        """Flat commutation-aware DAG of ``nodes`` (see :mod:`.commute`): qubit order per wire
        only between gates that may not commute, SSA order for classical values (those used
        inside nested regions included). Returns the engine arrays and, per DAG node, its op
        (None for join nodes)."""
        index = {op: i for i, op in enumerate(nodes)}
        node_of = [0] * len(nodes)
        dag = DagBuilder(self.kw.num_wires)
        vid = self.vid
        for i, op in enumerate(nodes):
            ps: list[int] = []
            for v in op.operands:
                if isinstance(v, OpResult) and not v.type.is_qubit:
                    j = index.get(v.op)
                    if j is not None:
                        ps.append(node_of[j])
            if op.regions:
                for r in op.regions:
                    for b in r.blocks:
                        for inner in _walk(b):
                            for v in inner.operands:
                                if isinstance(v, OpResult) and not v.type.is_qubit:
                                    j = index.get(v.op)
                                    if j is not None:
                                        ps.append(node_of[j])
            wires = [vid[v] for v in op.operands if v.type.is_qubit]
            # Only two-qubit gates move past commuting gates: they are what routing reorders.
            # A 1q gate keeps its program position, since running it early (as the router runs
            # whatever is ready) could put it on the critical path of a gate chain it commuted with.
            classes = wire_classes(op) if commute and len(wires) == 2 else [OTHER] * len(wires)
            node_of[i] = dag.add(wires, classes, ps)
        n = len(dag.preds)
        ops: list[Operation | None] = [None] * n
        for i, op in enumerate(nodes):
            ops[node_of[i]] = op
        node_a = np.full(n, -1, dtype=np.int64)
        node_b = np.full(n, -1, dtype=np.int64)
        for k, op in enumerate(ops):
            if op is not None and is_routed_2q(op):
                qs = [v for v in op.operands if v.type.is_qubit]
                node_a[k] = vid[qs[0]]
                node_b[k] = vid[qs[1]]
        ptr, idx, npred = build_succ(n, dag.preds)
        return (node_a, node_b, ptr, idx, npred), ops

    def _trailing_annotations(self, nodes: list[Operation]) -> list[Operation]:
        """The one-qubit ``noise.*`` annotations after which their wire has no other op (a
        program's closing ``noise depolarizing(p) q``). Routing replays them last, where
        their wires end: run as soon as ready they would sit between a 2q gate and the swap
        after it on the same pair and keep 2q resynthesis from merging the two (measured:
        ``examples/prompt_encoder.qglm`` on ``heavy-hex:3``, 10 CX instead of 7)."""
        if not any(op.name.startswith("noise.") for op in nodes):
            return []  # nothing to hold back (the usual case; the scan below reads every operand)
        vid = self.vid
        closed: set[int] = set()
        out: list[Operation] = []
        for op in reversed(nodes):
            wires = [vid[v] for v in op.operands if v.type.is_qubit]
            if (op.name.startswith("noise.") and len(wires) == 1 and not op.regions
                    and wires[0] not in closed):
                out.append(op)
                continue
            if op.regions:
                closed.update(range(self.kw.num_wires))  # a region may touch any wire
            closed.update(wires)
        out.reverse()
        return out

    def _search(self, node_a, node_b, ptr, idx, npred) -> tuple[tuple[float, float], tuple]:
        """Run the seeded trials (cycling through :data:`.engine.ABSORB`); returns the best
        trial's ranking key (see :meth:`_key`) and engine result."""
        g = self.g
        o = self.opts
        best = None
        if not np.any(node_b >= 0):
            trials = 1
        elif o.trials > 0:
            trials = o.trials
        else:  # automatic: 16 trials for small blocks, fewer (>= 4) past ~6k ops
            trials = max(4, min(16, 100_000 // max(1, len(node_a))))

        def trial(t: int) -> tuple:
            seed = o.seed * 7919 + self._seed_counter * 104729 + t * 1_000_003 + 1
            return self._core(node_a, node_b, ptr, idx, npred, self.v2p, g.num_qubits, g.adj, g.nb_ptr,
                              g.nb_idx, g.dist, g.hops, o.lookahead, o.lookahead_weight, o.decay,
                              o.decay_reset, seed, max(10, 10 * g.num_qubits),
                              o.absorb[t % len(o.absorb)] if o.absorb else 0.0)

        # Trials run a few at a time on threads (see .threads) and are ranked in trial order,
        # so the result is the serial loop's; a batch's trials after a swap-free one are
        # computed but ignored, as the serial loop never ran them.
        for res in iter_trials(trial, trials, width(len(node_a) * trials, trials)):
            if res[6] != 0:
                bad = [i for i in range(len(node_a)) if node_b[i] >= 0
                       and g.hops[self.v2p[node_a[i]], self.v2p[node_b[i]]] >= 1e8]
                raise PassError(
                    f"kernel @{kernel_name(self.kernel)}: a two-qubit gate joins qubits in disconnected parts "
                    "of the device's usable coupling graph",
                    help=f"{len(bad)} gate(s) affected; use a layout that keeps interacting qubits connected",
                )
            key = self._key(res, node_a, node_b)
            if best is None or key < best[0]:
                best = (key, res)
            if res[5] == 0:
                # No swap means no gate ever waited in the front, and the trial parameters
                # (seed, absorb bonus) only act on swap choices: every other trial would
                # replay this exact routing and could not beat it (ties keep the first).
                break
        self._seed_counter += 1
        assert best is not None
        return best

    def _key(self, res, node_a, node_b) -> tuple[float, float]:
        """Ranking of a routing result: estimated 2q gate count with absorbed swaps (see
        :func:`.engine.routed_2q_cost`), on a calibrated device the estimated ``-log ESP`` of
        its 2q gates and swaps; then fewest swaps."""
        cost, _ = routed_2q_cost(self.v2p, res, node_a, node_b, self.coupler_cost)
        return (cost, float(res[5]))

    # --------------------------------------------------------------- rebuild
    def _swap(self, block: Block, anchor: Operation | None, scope: _Scope, a: int, b: int) -> None:
        op = Operation("q.swap", [scope.get(a), scope.get(b)], [qubit, qubit])
        block.insert_before(op, anchor)
        scope.values[a] = op.results[0]
        scope.values[b] = op.results[1]
        x, y = self.p2v[a], self.p2v[b]
        self.p2v[a], self.p2v[b] = y, x
        self.v2p[y], self.v2p[x] = a, b
        self.swaps += 1

    def route_block(self, block: Block, scope: _Scope, top: bool) -> None:
        term = block.terminator
        nodes = [op for op in block if op is not term and not (top and op.name in ("q.alloc", "q.dealloc"))]
        deallocs = [op for op in block if top and op.name == "q.dealloc"]
        tails = self._trailing_annotations(nodes) if top else []
        if tails:
            skip = set(tails)
            nodes = [op for op in nodes if op not in skip]
        # The commutation DAG usually needs fewer swaps, but the greedy search is not monotone
        # in its freedom: the plain DAG gets the same trials and the cheaper result wins.
        arrays, node_ops = self._top_dag(nodes, False) if top else self._dag(nodes, False)
        if top and self.forced is not None:
            res = self.forced
            key = self._key(res, arrays[0], arrays[1])
        else:
            key, res = self._search(*arrays)
        if self.opts.commute and not (top and self.forced is not None):
            c_arrays, c_ops = self._top_dag(nodes, True) if top else self._dag(nodes, True)
            if len(c_ops) != len(node_ops) or any(a is not b for a, b in zip(c_ops, node_ops)) or not all(
                    np.array_equal(x, y) for x, y in zip(c_arrays, arrays)):
                self._seed_counter -= 1  # same seeds for both DAGs
                c_key, c_res = self._search(*c_arrays)
                if c_key < key:
                    res, node_ops, key = c_res, c_ops, c_key
        if top:
            self.top_key = key
        kind, ea, eb, count, _v2p, _swaps, _status = res
        for op in nodes:
            op.detach()
        for op in deallocs:
            op.detach()
        vid = self.vid
        for k in range(int(count)):
            if kind[k] == 1:
                self._swap(block, term, scope, int(ea[k]), int(eb[k]))
                continue
            op = node_ops[int(ea[k])]
            if op is None:
                continue  # a join node of the commutation DAG
            phys = [int(self.v2p[vid[v]]) if v.type.is_qubit else None for v in op.operands]
            for i, p in enumerate(phys):
                if p is not None:
                    op.set_operand(i, scope.get(p))
            block.insert_before(op, term)
            if op.regions:
                self._route_scf(op, scope, phys[SCF_OFFSETS[op.name][0]:])
                continue
            for r in op.results:
                if r.type.is_qubit:
                    scope.values[int(self.v2p[vid[r]])] = r
        for op in tails:  # on the physical qubit where their wire ended
            for i, v in enumerate(op.operands):
                if v.type.is_qubit:
                    op.set_operand(i, scope.get(int(self.v2p[vid[v]])))
            op.detach()
            block.insert_before(op, term)
            for r in op.results:
                if r.type.is_qubit:
                    scope.values[int(self.v2p[vid[r]])] = r
        if top:
            n = self.g.num_qubits
            if self.kw.mode == "alloc":
                if len(deallocs) != n:
                    raise PassError(f"kernel @{kernel_name(self.kernel)} has {len(deallocs)} deallocs for {n} "
                                    "physical qubits; run 'layout' first")
                for p, d in enumerate(deallocs):
                    d.set_operand(0, scope.get(p))
                    block.insert_before(d, term)
            elif self.kw.mode == "args" and term is not None:
                for p in range(n):
                    term.set_operand(p, scope.get(p))

    def _route_scf(self, op: Operation, outer: _Scope, carried: list[int | None]) -> None:
        """Route the regions of ``op`` (already placed, qubit operands threaded);
        ``carried`` is the physical qubit of each carried position (None: classical)."""
        _op_off, arg_off, _ = SCF_OFFSETS[op.name]
        entry_v2p = self.v2p.copy()
        vid = self.vid
        carried = list(carried)
        blocks = [r.block for r in op.regions]
        # original vids of every region's carried yields, before routing mutates them
        yield_vids: list[list[int | None]] = []
        for ri, b in enumerate(blocks):
            t = b.terminator
            toff = term_offset(ri, op)
            yield_vids.append([vid[y] if y.type.is_qubit else None for y in t.operands[toff:]])

        scopes: list[_Scope] = []

        def extend(p: int) -> Value:
            outer_val = outer.get(p)
            op.set_operands([*op.operands, outer_val])
            res = OpResult(qubit, op, len(op.results))
            op.results.append(res)
            outer.values[p] = res
            carried.append(p)
            new_args = []
            for ri, b in enumerate(blocks):
                a = b.add_arg(qubit)
                new_args.append(a)
                t = b.terminator
                t.set_operands([*t.operands, a])
                if ri < len(scopes):
                    scopes[ri].values.setdefault(p, a)
            return new_args[current[0]]

        current = [0]
        for ri, b in enumerate(blocks):
            current[0] = ri
            values = {}
            for k, p in enumerate(carried):
                if p is not None:
                    values[p] = b.args[arg_off + k]
            sc = _Scope(values, extend)
            scopes.append(sc)
            self.route_block(b, sc, top=False)
            self._restore(b, sc, entry_v2p)
            t = b.terminator
            toff = term_offset(ri, op)
            for k, p in enumerate(carried):
                if p is None:
                    continue
                if k < len(yield_vids[ri]) and yield_vids[ri][k] is not None:
                    t.set_operand(toff + k, sc.get(int(self.v2p[yield_vids[ri][k]])))
                else:
                    t.set_operand(toff + k, sc.get(p))
        # results continue the carried physical qubits
        for k, p in enumerate(carried):
            if p is not None:
                outer.values[p] = op.results[k]

    def _restore(self, block: Block, scope: _Scope, target_v2p: np.ndarray) -> None:
        """Swap qubits back so the layout equals ``target_v2p`` before ``block``'s terminator."""
        moved = np.nonzero(self.v2p != target_v2p)[0]
        if moved.size == 0:
            return
        mapping = {int(self.v2p[v]): int(target_v2p[v]) for v in moved}
        if self._swapper is None:
            import rustworkx as rx
            from qiskit.transpiler.passes.routing.algorithms import ApproximateTokenSwapper

            gr = rx.PyGraph()
            gr.add_nodes_from(range(self.g.num_qubits))
            gr.add_edges_from_no_data(list(self.g.edges))
            self._swapper = ApproximateTokenSwapper(gr, seed=self.opts.seed)
        before = self.swaps
        for a, b in self._swapper.map(mapping, trials=4):
            self._swap(block, block.terminator, scope, int(a), int(b))
        self.restore_swaps += self.swaps - before
        if not np.array_equal(self.v2p, target_v2p):  # pragma: no cover - token swapper contract
            raise PassError(f"kernel @{kernel_name(self.kernel)}: could not restore the layout at a region exit")


def _walk(block: Block):
    for op in block:
        yield op
        for r in op.regions:
            for b in r.blocks:
                yield from _walk(b)


def route_kernel(kernel: Operation, graph: DeviceGraph, opts: RouteOptions,
                 coupler_cost: np.ndarray | None = None, forced: tuple | None = None,
                 dags: dict | None = None) -> dict[str, int]:
    """Route one laid-out kernel in place (see the module docstring); returns statistics.
    The seeded trials are ranked by :func:`.engine.routed_2q_cost`: estimated 2q gate count,
    or with ``coupler_cost`` (``[N, N]``, see :func:`.layout.coupler_costs`) estimated ESP.
    ``dags``: a dict the caller passes to every routing of copies of one unrouted, laid-out
    kernel (and to :func:`qiskit_candidates`), so the top-level DAGs are built once; only
    for copies made before any of them was routed or relabelled."""
    init = kernel.properties.get("initial_layout")
    if not isinstance(init, tuple):
        raise PassError(f"kernel @{kernel_name(kernel)} has no initial_layout", kernel.loc,
                        help="run 'layout' before 'route'")
    r = _Router(kernel, graph, opts, coupler_cost, forced, dags)
    if r.kw.num_wires != graph.num_qubits:
        raise PassError(
            f"kernel @{kernel_name(kernel)} has {r.kw.num_wires} wires but the device has {graph.num_qubits} qubits",
            kernel.loc, help="run 'layout' with this device before 'route'")
    body = kernel.regions[0].block
    scope = _Scope({p: v for p, v in enumerate(r.kw.inputs)})
    # The rebuild creates one object per swap and result (see core.gcpause); the pass
    # manager pauses the GC too, this covers direct calls.
    with gc_paused():
        r.route_block(body, scope, top=True)
    final = kernel.properties.get("final_layout", init)
    assert isinstance(final, tuple)
    kernel.set_property("final_layout", tuple(int(r.v2p[p]) for p in final))
    cost = r.top_key[0] if r.top_key is not None and not _has_regions(body) else float("inf")
    slid = slide_swaps(kernel) if r.swaps else 0  # swaps meet their neighbouring 2q gate (see .slide)
    return {"swaps": r.swaps, "restore_swaps": r.restore_swaps, "cost": cost, "slid": slid}


def _has_regions(block: Block) -> bool:
    return any(op.regions for op in block)


def qiskit_candidate(kernel: Operation, graph: DeviceGraph, opts: RouteOptions,
                     coupler_cost: np.ndarray | None = None,
                     seeds: Sequence[int] = (), program_order: bool = True,
                     dags: dict | None = None, consume: bool = False,
                     trials: int | None = None) -> tuple[Operation, dict] | None:
    """A routed copy of the laid-out, unrouted ``kernel`` placed and routed by Qiskit's SABRE
    (see :mod:`.qiskit_route`), or None when the kernel is not a plain circuit or Qiskit
    declines. The copy is detached; its layouts are relabelled to Qiskit's placement.
    ``seeds`` (default: ``opts.seed`` only): Qiskit runs once per seed and the routing with
    the lowest estimate (:func:`.engine.routed_2q_cost`, as :meth:`_Router._key`; ties: the
    earlier seed) is the one built into IR. ``program_order``: how Qiskit sees the wires
    numbered (see :func:`qiskit_candidates`). ``dags``: as for :func:`route_kernel`;
    ``consume``, ``trials``: as for :func:`qiskit_candidates`."""
    got = qiskit_candidates(kernel, graph, opts, coupler_cost, seeds,
                            orders=("program",) if program_order else ("physical",), dags=dags,
                            consume=consume, trials=trials)
    return got[0] if got else None


def swap_free(stats: dict) -> bool:
    """Whether a routing (``route_kernel``'s statistics) inserted no swap at all (``swaps``
    counts the restoring swaps of regions too)."""
    return stats["swaps"] == 0


#: Routed 2q ops of a kernel above which the calibrated route (:meth:`Route._route_calibrated`)
#: makes no error-weighted routing of its own: its qglm candidate routes with hop distances only.
#: Why: error-weighted detours pay off only on small kernels; on larger ones their extra swaps
#: cost more than the bad couplers they avoid, and that candidate (a SABRE search on two DAGs,
#: a post-layout VF2 search and an ESP) was built only to lose. Measured on the corpus
#: (``benchmarks/corpus.py``, fake_sherbrooke, seed 1), kernels that need swaps: the
#: error-weighted candidate won on 5 kernels of at most 132 routed 2q ops (random_5_d20,
#: qaoa_20, su2_full_10, adder_cdkm_8, ra_full_12) and on none of the 19 larger ones (its ESP
#: 0.46-0.87 of the winner's from 133 to 300 ops, at most 0.77 above 300), so with this bound
#: every output is unchanged. Routing it away entirely (every size) cost ra_full_12 294 -> 392
#: 2q gates (2q geomean 0.864 -> 0.872 of Qiskit O3, ESP 3.57 -> 3.50).
CALIBRATED_WEIGHTED_MAX_2Q = 200

#: Routed 2q ops below which the uncalibrated route compares one Qiskit numbering by its
#: estimate only (see :meth:`Route._route_plain`).
TINY_2Q = 100


def qiskit_candidates(kernel: Operation, graph: DeviceGraph, opts: RouteOptions,
                      coupler_cost: np.ndarray | None = None, seeds: Sequence[int] = (),
                      near: float = 0.0,
                      orders: Sequence[Literal["program", "physical"]] = ("program",),
                      dags: dict | None = None, consume: bool = False,
                      limit: float = math.inf, seed_gate: float = math.inf,
                      trials: int | None = None) -> list[tuple[Operation, dict]]:
    """Like :func:`qiskit_candidate`, but every run's routing whose estimate is within a
    factor ``1 + near`` of the best one is built (best first), so a caller can rank near ties
    by something better than the estimate (see :mod:`.select`). ``orders``: each seed runs
    once per numbering of the wires given to Qiskit, in program order and/or by physical wire
    (see :func:`.qiskit_starts.sabre_problem`): Qiskit's search depends on the numbering, and
    neither wins everywhere (measured on heavy-hex:7: program order su2_full_50 2593 against
    2704, QV-32 4926 against 4962; physical order QV-10 234 against 249, QFT-50 2950 against
    3025). ``consume``: the caller no longer needs ``kernel`` (a detached copy), so the last
    candidate is built in it instead of another copy; with no candidate it is left as it was.
    ``limit``: runs whose estimate exceeds it are not built (the caller has a routing that
    makes them lose whatever they would clean up to, see :meth:`Route._route_plain`).
    ``seed_gate``: no further run (the next numbering, the later seeds) is made once every run
    so far estimates above ``limit * (1 + seed_gate)`` (see :data:`SEED_GATE`). ``trials``: each Qiskit run's
    trials up to :data:`.effort.LARGE_2Q` (default :data:`.effort.QISKIT_TRIALS`, see
    :func:`.qiskit_route.joint_order`)."""
    from .layout import _relabel
    from .qiskit_route import joint_order, order_result, replay, sabre_input

    body = kernel.regions[0].block
    if _has_regions(body):
        return []
    probe = _Router(kernel, graph, opts, coupler_cost, dags=dags)  # read only: analysis and DAG arrays
    if probe.kw.num_wires != graph.num_qubits:
        return []
    block = probe.kernel.regions[0].block
    nodes = [op for op in block if op is not block.terminator and op.name not in ("q.alloc", "q.dealloc")]
    tails = set(probe._trailing_annotations(nodes))  # routed last, as route_block does
    nodes = [op for op in nodes if op not in tails]
    arrays, _ops = probe._top_dag(nodes, False)
    busy = {probe.vid[v] for op in nodes for v in op.operands if v.type.is_qubit}
    # Qiskit sees the wires numbered as the program numbers its qubits (see sabre_problem).
    init = kernel.properties.get("initial_layout")
    rank = {int(p): k for k, p in enumerate(init)} if isinstance(init, tuple) else None
    ranks = [None] if rank is None else [rank if o == "program" else None for o in orders]
    ran: list[tuple[float, int, tuple]] = []  # (estimate, run index, Qiskit's order)
    cost = probe.coupler_cost
    runs = [(seed, j) for seed in (seeds or (opts.seed,)) for j in range(len(ranks))]
    problems: dict[int, object] = {}  # per numbering: Qiskit's input, shared by the seeds
    for i, (seed, j) in enumerate(runs):
        if ran and all(f[0] > limit * (1.0 + seed_gate) for f in ran):
            break  # every run so far lost by more than the gate: the others are not made
        if j not in problems:
            problems[j] = sabre_input(arrays, graph, ranks[j])
        if problems[j] is None:
            continue
        got = joint_order(arrays, graph.num_qubits, graph, busy, seed, trials, problem=problems[j])
        if got is None:
            continue
        # the estimate needs only Qiskit's order (see order_result); the replay into the
        # router's output format is made below, only for the runs that may be built
        est = routed_2q_cost(np.asarray(got[0], dtype=np.int64), order_result(got[1]), arrays[0], arrays[1],
                             cost)[0]
        ran.append((est, i, got))
    ran.sort(key=lambda f: (f[0], f[1]))
    # The runs to build: the best one whose order replays and, after it, those
    # within ``near`` of it, none above ``limit``. A run whose order breaks a dependency is
    # skipped as if Qiskit had declined; in ascending order, the first run past either bound
    # ends the list.
    chosen: list[tuple[float, int, tuple]] = []
    best = None
    for est, i, got in ran:
        if best is not None and not (est <= best * (1.0 + near) and est <= limit):
            break
        replayed = replay(got, arrays, graph)
        if replayed is None:
            continue
        if best is None:
            best = est
            if est > limit:
                break
        chosen.append((est, i, replayed))
    out: list[tuple[Operation, dict]] = []
    shared = probe.dags.get(False) if probe.dags is not None else None
    for k, (_est, _i, (sigma, res)) in enumerate(chosen):
        # the last candidate may be built in ``kernel`` itself when the caller gives it up
        copy = kernel if consume and k == len(chosen) - 1 else kernel.clone()
        _relabel(copy, analyze(copy), sigma)
        stats = route_kernel(copy, graph, opts, coupler_cost, forced=res,
                             dags=None if shared is None else {False: relabelled_dag(shared, sigma)})
        out.append((copy, stats))
    return out


def relabelled_dag(entry: tuple, sigma: list[int]) -> tuple:
    """A shared top-level plain DAG (an entry of ``route_kernel``'s ``dags``) for a copy of its
    kernel whose wire ``w`` was moved to ``sigma[w]`` (:func:`.layout._relabel`).

    Why it is the same DAG with renamed wires: relabelling only reorders the allocs and
    deallocs (or the qubit arguments), which are not DAG nodes, so the nodes are the same ops in
    the same order; the DAG orders nodes per wire, the same chains under any renaming of the
    wires. Only the 2q nodes' wires change (``node_a``/``node_b``)."""
    shape, arrays, positions = entry
    node_a, node_b = arrays[0], arrays[1]
    perm = np.asarray(sigma, dtype=np.int64)
    node_a = np.where(node_a >= 0, perm[np.maximum(node_a, 0)], -1)
    node_b = np.where(node_b >= 0, perm[np.maximum(node_b, 0)], -1)
    return shape, (node_a, node_b, *arrays[2:]), positions


@dataclass(frozen=True)
class Route(Pass):
    """Insert swaps so every two-qubit gate sits on a usable coupler (SABRE with lookahead).

    Requires: ``layout`` ran with the same device; gates act on <= 2 qubits.
    Guarantees: every 2q gate acts on a usable coupler, inside ``scf`` regions
    too (each region restores the layout it started with); ``final_layout``
    records where every program wire ends; equivalent once layouts are applied.
    Options: ``trials`` seeded searches per block (lowest estimated cost wins; 0 = automatic:
    16, fewer for blocks past ~6k ops), ``lookahead``
    size and ``lookahead_weight`` of the extended set, ``decay`` and
    ``decay_reset``, ``error_weight`` for error-weighted distances on
    calibrated devices, ``seed`` (default: the compile seed), ``engine``
    (``auto`` = numba when available, ``python`` = reference implementation),
    ``post_layout`` (calibrated devices: afterwards move the routed circuit to the
    lowest-error isomorphic placement, like Qiskit's VF2PostLayout; coupler
    direction may change, so run ``fix-direction`` after ``route``), ``commute``
    (default on: gates that commute, like a QFT's controlled-phase ladder, may be
    routed in any order; see :mod:`.commute`), ``qiskit`` (default on: plain-circuit kernels
    also get Qiskit's joint SABRE placement and routing as a candidate, kept when it is
    cheaper by the same estimate or, calibrated, has the higher ESP; see :mod:`.qiskit_route`;
    not run when qglm's routing, the error-weighted one on a calibrated device, needs no swap),
    ``qiskit_seeds`` (uncalibrated devices: how many seeds Qiskit's candidate is run with;
    0 = automatic, see :meth:`_route_plain` and :data:`QISKIT_SEEDS_LARGE`. Measured on
    ``heavy-hex:7`` (``benchmarks/bench_corpus.py``, an earlier version): 4 seeds on the large kernels cut qft_50 3391 -> 2950,
    su2_full_50 3099 -> 2704, random_50_d10 2204 -> 2113 CX for ~1.5 s per extra seed; on the
    11 ``--quick`` circuits 4 seeds changed nothing, 8 seeds (ranked after clean-up) gave 2q
    geomean 0.934 -> 0.920 of Qiskit O3 for ~3x the compile time).
    """

    name: ClassVar[str] = "route"
    preserves: ClassVar[str] = "layout"

    trials: int = 0
    lookahead: int = 20
    lookahead_weight: float = 0.5
    decay: float = 0.001
    decay_reset: int = 5
    error_weight: float = 0.5
    seed: int | None = None
    engine: Literal["auto", "python"] = "auto"
    post_layout: bool = True
    commute: bool = True
    qiskit: bool = True
    qiskit_seeds: int = 0

    def __post_init__(self) -> None:
        if self.qiskit_seeds < 0:
            raise ValueError("qiskit-seeds must be >= 0 (0 = automatic)")
        if self.trials < 0:
            raise ValueError("trials must be >= 0 (0 = automatic)")
        if self.lookahead < 0 or self.decay_reset < 1:
            raise ValueError("lookahead must be >= 0 and decay-reset >= 1")
        if self.error_weight < 0:
            raise ValueError("error-weight must be >= 0")

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        device = ctx.device
        if device is None:
            raise PassError("'route' needs a device", help="pass --device (e.g. --device heavy-hex:3)")
        opts = RouteOptions(self.trials, self.lookahead, self.lookahead_weight, self.decay, self.decay_reset,
                            ctx.seed if self.seed is None else self.seed, self.engine, self.commute)
        swaps = restore = relabelled = 0
        changed = False
        chosen_probe = None  # the chosen routing's clean-up probe, when route ran one (see _route_plain)
        for kernel in kernels_of(module):
            if kernel.properties.get("initial_layout") is None and not any(
                    v.type.is_qubit for v in kernel.regions[0].block.args) and not any(
                    op.name == "q.alloc" for op in kernel.regions[0].block):
                continue  # a kernel without qubits needs no routing
            reserved = kernel.properties.get("reserved_qubits", ())
            reserved = tuple(reserved) if isinstance(reserved, tuple) else ()
            from .layout import record_layout

            if device.has_calibration and self.error_weight > 0:
                kernel, stats, moved = self._route_calibrated(kernel, device, reserved, opts)
            else:
                kernel, stats, moved, chosen_probe = self._route_plain(module, kernel, device, reserved, opts,
                                                                        ctx)
            relabelled += moved

            final = kernel.properties["final_layout"]
            assert isinstance(final, tuple)
            initial = kernel.properties.get("initial_layout")
            record_layout(ctx, kernel_name(kernel), list(initial) if moved and isinstance(initial, tuple) else None,
                          list(final))
            swaps += stats["swaps"]
            restore += stats["restore_swaps"]
            changed = changed or stats["swaps"] > 0
        if chosen_probe is not None and chosen_probe.exact and len(kernels_of(module)) == 1:
            # The module is now exactly what the probe copied (its only kernel is the chosen
            # routing): the pipeline's clean-up after route may take the probe's outcome.
            from ..memo import offer_replay

            offer_replay(module, chosen_probe.steps, chosen_probe.probe)
        return PassResult(changed or relabelled > 0,
                          {"swaps": swaps, "restore_swaps": restore, "relabelled": relabelled})

    def _route_plain(self, module: Module, kernel: Operation, device, reserved: tuple, opts: RouteOptions,
                     ctx: PassContext):
        """Route on an uncalibrated device: qglm's SABRE from the chosen layout and Qiskit's
        joint placement and routing compete, ranked by the router's estimate (ties keep
        qglm's). Qiskit runs with ``qiskit_seeds`` seeds (0 = automatic: one for kernels of
        at most :data:`.select.SCORE_MAX_2Q` routed 2q ops, :data:`QISKIT_SEEDS_LARGE` for
        larger ones, of which only those within :data:`NEAR_TIE` of the best estimate are
        built). With more than one seed, small kernels get every seed's candidate built and
        ranked by its 2q count after -O3's post-routing clean-up (see :mod:`.select`); large
        kernels rank that way only the candidates (qglm's included) whose estimates are near
        ties. With automatic seeds, Qiskit is not run when qglm's routing needs no swap, and
        its later runs not once its runs so far lose by :data:`SEED_GATE`. Returns (kernel,
        stats, relabelled, the chosen candidate's :class:`.select.Cleaned` or None when the
        candidates were not cleaned up)."""
        from .select import SCORE_MAX_2Q, clean_up, routed_2q_ops

        graph = device_graph(device, 0.0, reserved)
        pristine = kernel.clone() if self.qiskit else None
        dags: dict = {}  # the top-level DAGs of this kernel, shared with Qiskit's candidates
        stats = route_kernel(kernel, graph, opts, dags=dags)
        if self.qiskit_seeds == 0 and swap_free(stats):
            # Dominated by a lower bound: without swaps qglm's estimate is one unit per 2q
            # gate, the least any routing of these gates can have, so Qiskit's runs could at
            # best tie it (ties keep qglm's). Measured on the corpus (heavy-hex:7): every
            # swap-free kernel (su2/ra linear, heisenberg, ising, ...) kept qglm's routing.
            pristine = None
        cands: list[tuple[Operation, dict, bool]] = [(kernel, stats, False)]
        routed_2q = routed_2q_ops(kernel, cap=SCORE_MAX_2Q)  # only compared with SCORE_MAX_2Q and TINY_2Q
        size_small = routed_2q <= SCORE_MAX_2Q
        # Kernels this small route well from one numbering ranked by the estimate: a second
        # Qiskit run and clean-ups cost more than the rare gate they save (a batch of 5-20
        # qubit random circuits compiled 25-35% slower with them).
        tiny = routed_2q < TINY_2Q
        n_seeds = self.qiskit_seeds or (1 if size_small else QISKIT_SEEDS_LARGE)
        small = n_seeds > 1 and size_small
        seeds = range(opts.seed, opts.seed + n_seeds)
        if pristine is not None and small:  # each seed's routing is built and cleaned up
            for s in seeds:
                cand = qiskit_candidate(pristine, graph, replace(opts, seed=s), dags=dags)
                if cand is not None:
                    cands.append((cand[0], cand[1], True))
        elif pristine is not None:  # only the runs with (near) the best estimate are built
            # Automatic seeds: half of the runs number the wires each way (same Qiskit time).
            auto = self.qiskit_seeds == 0
            if auto and n_seeds > 1:
                seeds = range(opts.seed, opts.seed + n_seeds // 2)
            orders = ("program", "physical") if auto and not tiny else ("program",)
            # A run whose estimate is above qglm's routing's by more than NEAR_TIE is dominated:
            # the filter below drops it (its cost is that estimate, and the best cost is at most
            # qglm's), so it is not built at all (a copy, a relabelling and a replay each).
            for cand in qiskit_candidates(pristine, graph, opts, seeds=seeds, near=NEAR_TIE, orders=orders,
                                          dags=dags, consume=True, limit=stats["cost"] * (1.0 + NEAR_TIE),
                                          seed_gate=SEED_GATE if auto else math.inf):
                cands.append((cand[0], cand[1], True))
        if not small and len(cands) > 1:
            # Only candidates whose estimate is a near tie with the best one are cleaned up and
            # ranked by the result (one clean-up each, seconds on the largest kernels).
            top = min(c[1]["cost"] for c in cands)
            cands = [c for c in cands if c[1]["cost"] <= top * (1.0 + NEAR_TIE)]
        cleaned = None
        if len(cands) > 1 and not (tiny and n_seeds == 1):
            probes = [clean_up(module, c[0], ctx) for c in cands]
            scores = [c.score for c in probes]
            i = min(range(len(cands)), key=lambda j: (scores[j].two_q, scores[j].depth_2q, cands[j][1]["cost"]))
            cleaned = probes[i]
        else:
            i = min(range(len(cands)), key=lambda j: cands[j][1]["cost"])
        chosen, stats, moved = cands[i]
        if chosen is not kernel:
            kernel = self._replace(kernel, chosen)
        return kernel, stats, moved, cleaned

    def _route_calibrated(self, kernel: Operation, device, reserved: tuple, opts: RouteOptions):
        """Route with error-weighted distances and with plain hop distances; keep the
        result with the higher ESP. Error weighting steers swaps around bad couplers,
        but on dense circuits (QFT, QPE) the longer detours can cost more gates than
        the errors they avoid, so neither choice wins everywhere (measured with
        ``benchmarks/bench_mapping.py --esp``). Kernels of more than
        :data:`CALIBRATED_WEIGHTED_MAX_2Q` routed 2q ops get the hop-distance routing only
        (there the error-weighted one did not win). Returns (kernel, stats, relabelled)."""
        from .esp import esp
        from .layout import coupler_costs, post_layout
        from .select import routed_2q_ops

        pristine = kernel.clone()  # detached, unrouted copy for the second candidate
        third = None  # a copy for Qiskit's joint placement and routing, made from pristine
        costs = coupler_costs(device, device_graph(device, 0.0, reserved))
        candidates = []
        dags: dict = {}  # kernel, pristine and third are copies of one kernel: one DAG for all
        weighted = routed_2q_ops(kernel, cap=CALIBRATED_WEIGHTED_MAX_2Q) <= CALIBRATED_WEIGHTED_MAX_2Q
        # larger kernels: only the hop-distance routing (see CALIBRATED_WEIGHTED_MAX_2Q), and
        # pristine is left for Qiskit's candidate
        plan = ((self.error_weight, kernel), (0.0, pristine)) if weighted else ((0.0, kernel),)
        for weight, k in plan:
            if candidates and swap_free(candidates[0][3]):
                # Routing without swaps never consults distances (see _Router._search), so the
                # hop-distance copy would be this same kernel with the same ESP; ties keep the first.
                break
            if k is pristine and self.qiskit:
                third = pristine.clone()  # still unrouted, like pristine
            graph = device_graph(device, weight, reserved)
            stats = route_kernel(k, graph, opts, costs, dags=dags)
            # one wire analysis of the routed copy serves post_layout and, unless it relabelled, esp
            kw = analyze(k)
            moved = bool(self.post_layout and post_layout(k, device, graph, seed=opts.seed, kw=kw))
            candidates.append((esp(k, device, None if moved else kw) or 0.0, -stats["swaps"], k, stats, moved))
        if not weighted and self.qiskit:
            third = pristine
        if swap_free(candidates[0][3]):
            # Qiskit's candidate is not run: every kernel of the corpus whose first routing
            # needed no swap kept that routing on fake_sherbrooke (its placement is the layout's
            # lowest-error VF2 embedding, then post_layout's). Whether a routing needs a swap
            # does not depend on the distances it routes with (see _Router._search).
            third = None
        if third is not None:
            graph = device_graph(device, 0.0, reserved)
            # physical numbering: what the sherbrooke ESP figures were measured with
            cand = qiskit_candidate(third, graph, opts, costs, program_order=False, dags=dags, consume=True,
                                    trials=CALIBRATED_QISKIT_TRIALS)
            if cand is not None:
                k, stats = cand
                kw = analyze(k)
                moved = bool(self.post_layout and post_layout(k, device, graph, seed=opts.seed, kw=kw))
                candidates.append((esp(k, device, None if moved else kw) or 0.0, -stats["swaps"], k, stats, True))
        best = max(candidates, key=lambda c: (c[0], c[1]))
        chosen = best[2]
        if chosen is not kernel:  # swap the better routed copy into the module
            self._replace(kernel, chosen)
        return chosen, best[3], best[4]

    @staticmethod
    def _replace(kernel: Operation, chosen: Operation) -> Operation:
        """Put the detached routed copy ``chosen`` where ``kernel`` is; returns it."""
        block = kernel.parent
        assert block is not None
        block.insert_before(chosen, kernel)
        kernel.erase()
        return chosen
