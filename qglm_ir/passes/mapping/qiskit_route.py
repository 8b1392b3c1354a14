"""A joint layout-and-routing candidate from Qiskit's ``SabreLayout`` for ``route``.

Measured on the corpus (``benchmarks/bench_corpus.py``, ``heavy-hex:7``): Qiskit's SABRE,
which picks the layout *for* its own router, needs far fewer swaps on QFT-like circuits than
qglm's engine from qglm's layout (QFT-20: 169 swaps against 229), while neither router does
better from the other's layout (Qiskit from qglm's layout: 863 CX after -O3 against qglm's
777). So the candidate is the pair: Qiskit's placement and Qiskit's swaps, replayed onto a
copy of the kernel. ``route`` keeps whichever routing its cost estimate (or, on a calibrated
device, ESP) prefers, so this can only help by that measure, and the result stays a qglm IR
with its own layout bookkeeping (the copy is relabelled like post-layout relabels).

Scope: kernels whose top-level block has no regions (plain circuits); the 2q gates of the
wires that have any are given to Qiskit as ``cx`` gates on the largest usable component of
the device (relabelled densely), in program order. Qiskit's routed order is replayed against
qglm's dependency DAG; a candidate that breaks a dependency Qiskit could not see (through a
classical value) is dropped. The circuit, its DAG and the coupling map are built once per
kernel and wire numbering (:func:`sabre_input`) and shared by every seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .effort import QISKIT_TRIALS, qiskit_effort
from .graph import DeviceGraph
from .qiskit_starts import component_coupling, sabre_problem, sabre_run


@dataclass(frozen=True)
class SabreInput:
    """What every Qiskit run on one DAG and one wire numbering shares (see :func:`sabre_input`):
    built once per kernel and numbering, then run with any number of seeds."""

    active: list[int]  # circuit qubit i is wire active[i]
    comp: list[int]  # Qiskit's physical qubit j is comp[j]
    dag: object  # the DAGCircuit of the cx gates (SabreLayout.run leaves it unchanged)
    coupling: object  # CouplingMap of comp, relabelled densely
    nodes: list[int]  # cx gate k of the circuit is DAG node nodes[k]
    queues: list[list[int]]  # per circuit qubit, its gates k in circuit order
    gates: tuple[tuple[int, int], ...]  # the circuit's cx gates as circuit qubit pairs


def sabre_input(arrays: tuple, graph: DeviceGraph, rank: dict[int, int] | None = None) -> SabreInput | None:
    """The Qiskit problem for the 2q nodes of the DAG ``arrays`` (see :func:`joint_route`),
    the wires numbered by ``rank`` (see :func:`.qiskit_starts.sabre_problem`); None when there
    is nothing to place, the wires do not fit, or Qiskit declines."""
    node_a, node_b = arrays[0], arrays[1]
    two = np.nonzero(node_b >= 0)[0].tolist()
    pairs = list(zip(node_a[two].tolist(), node_b[two].tolist()))
    try:
        problem = sabre_problem(graph, pairs, rank)
        if problem is None:
            return None
        active, comp, qc, gates = problem
        from qiskit.converters import circuit_to_dag

        dag = circuit_to_dag(qc)
        coupling = component_coupling(graph, comp)
    except Exception:  # noqa: BLE001  (a candidate only: qglm's own routing still runs)
        return None
    v_index = {v: i for i, v in enumerate(active)}
    queues: list[list[int]] = [[] for _ in active]
    for k, (a, b) in enumerate(pairs):
        queues[v_index[a]].append(k)
        queues[v_index[b]].append(k)
    for q in queues:
        q.reverse()  # popped from the end
    return SabreInput(active, comp, dag, coupling, two, queues, gates)


def joint_route(arrays: tuple, num_wires: int, graph: DeviceGraph, busy: set[int], seed: int,
                trials: int | None = None, rank: dict[int, int] | None = None,
                problem: SabreInput | None = None) -> tuple[list[int], tuple] | None:
    """Qiskit's placement and routing of the DAG ``arrays`` (``node_a, node_b, succ_ptr,
    succ_idx, npred`` as built by the router; wires are the kernel's current physical wires).

    ``problem``: :func:`sabre_input` of ``arrays`` and ``rank`` when the caller runs several
    seeds on it (built here otherwise).

    Returns ``(sigma, result)``: ``sigma[w]`` is the physical qubit wire ``w`` moves to (a
    permutation of the device's qubits that keeps ``busy`` wires, those with 1q gates or
    measurements, on usable qubits) and ``result`` the routing in the engine's output format
    (see :mod:`.engine`) relative to that placement; or None when Qiskit is unavailable,
    declines, or its order breaks a dependency. It is :func:`joint_order` then :func:`replay`.
    """
    got = joint_order(arrays, num_wires, graph, busy, seed, trials, rank, problem)
    return None if got is None else replay(got, arrays, graph)


def replay(order: tuple[list[int], list[tuple[int, int, int]]], arrays: tuple,
           graph: DeviceGraph) -> tuple[list[int], tuple] | None:
    """``(sigma, result)`` of :func:`joint_route` from :func:`joint_order`'s ``(sigma, seq)``
    (every other node of ``arrays`` run as soon as it is ready); None when Qiskit's order
    breaks a dependency of the DAG."""
    sigma, seq = order
    res = _replay(seq, arrays, sigma, graph)
    return None if res is None else (sigma, res)


def order_result(seq: list[tuple[int, int, int]]) -> tuple:
    """Qiskit's routed order ``seq`` (2q nodes and swaps only) in the engine's output format,
    enough for :func:`.engine.routed_2q_cost`: the estimate counts only 2q nodes and swaps, in
    order, so it equals the estimate of the full replay (which adds the other nodes between
    them) without building it."""
    arr = np.array(seq, dtype=np.int64).reshape(len(seq), 3)
    return (np.ascontiguousarray(arr[:, 0]), np.ascontiguousarray(arr[:, 1]), np.ascontiguousarray(arr[:, 2]),
            len(seq))


def joint_order(arrays: tuple, num_wires: int, graph: DeviceGraph, busy: set[int], seed: int,
                trials: int | None = None, rank: dict[int, int] | None = None,
                problem: SabreInput | None = None) -> tuple[list[int], list[tuple[int, int, int]]] | None:
    """Qiskit's placement and routed order of the DAG ``arrays`` (see :func:`joint_route`),
    not yet replayed: ``(sigma, seq)``, ``seq`` listing the 2q nodes ``(0, node, -1)`` and the
    swaps ``(1, p, q)`` (physical qubits) in Qiskit's order; None when Qiskit is unavailable,
    declines, or its routed gates do not follow each wire's gate order. ``trials`` (layout and
    swap trials, with 4 iterations): default :data:`.effort.QISKIT_TRIALS`; less of both on
    large kernels (:func:`.effort.qiskit_effort`). The run is :func:`.qiskit_starts.sabre_run`:
    layout's Qiskit start may have made it already."""
    if problem is None:
        problem = sabre_input(arrays, graph, rank)
        if problem is None:
            return None
    trials, iterations = qiskit_effort(len(problem.nodes), QISKIT_TRIALS if trials is None else trials)
    comp = problem.comp
    try:
        phys, routed = sabre_run(problem.gates, comp, problem.dag, problem.coupling, seed, trials, iterations)
        placed = {v: comp[phys[i]] for i, v in enumerate(problem.active)}
        # Which circuit gate each routed cx is: routing keeps every wire's gate order, so
        # following the swaps in topological order, a cx on physical (p, q) is the next
        # gate of the circuit qubit now on p, which must also be the next one of q's.
        p2i = {p: i for i, p in enumerate(phys)}
        index = {q: j for j, q in enumerate(routed.qubits)}
        queues = [list(q) for q in problem.queues]
        nodes = problem.nodes
        seq: list[tuple[int, int, int]] = []
        for node in routed.topological_op_nodes():
            p, q = (index[b] for b in node.qargs)
            if node.op.name == "swap":
                i, j = p2i.get(p), p2i.get(q)
                for phys, circ in ((p, j), (q, i)):
                    if circ is None:
                        p2i.pop(phys, None)
                    else:
                        p2i[phys] = circ
                seq.append((1, comp[p], comp[q]))
                continue
            qa, qb = queues[p2i[p]], queues[p2i[q]]
            if not qa or not qb or qa[-1] != qb[-1]:
                return None  # not a dependency-respecting replay of the circuit
            k = qa.pop()
            qb.pop()
            seq.append((0, nodes[k], -1))
    except Exception:  # noqa: BLE001  (a candidate only: qglm's own routing still runs)
        return None
    sigma = _complete(placed, num_wires, graph, busy)
    return None if sigma is None else (sigma, seq)


def _complete(placed: dict[int, int], n: int, graph: DeviceGraph, busy: set[int]) -> list[int] | None:
    """A full permutation extending ``placed``: busy wires stay where they are when that qubit
    is free, else take the free usable qubit with the lowest index; the rest fill in."""
    used = set(placed.values())
    sigma = dict(placed)
    free_usable = [p for p in sorted(graph.usable) if p not in used]
    for w in sorted(busy):
        if w in sigma:
            continue
        if w in graph.usable and w not in used:
            p = w
            free_usable.remove(w)
        elif free_usable:
            p = free_usable.pop(0)
        else:
            return None
        sigma[w] = p
        used.add(p)
    rest = iter(p for p in range(n) if p not in used)
    return [sigma[w] if w in sigma else next(rest) for w in range(n)]


def _replay(seq: list[tuple[int, int, int]], arrays: tuple, sigma: list[int], graph: DeviceGraph):
    """Engine-format result of running the DAG in Qiskit's order from placement ``sigma``,
    with every other node as soon as it is ready; None when the order breaks the DAG."""
    node_a, node_b, ptr, idx, npred0 = arrays
    npred = npred0.copy()
    n_nodes = node_a.shape[0]
    v2p = np.array(sigma, dtype=np.int64)
    p2v = np.empty_like(v2p)
    p2v[v2p] = np.arange(v2p.shape[0])
    kind: list[int] = []
    ea: list[int] = []
    eb: list[int] = []
    ready_other = [k for k in range(n_nodes - 1, -1, -1) if npred[k] == 0 and node_b[k] < 0]
    ready_two = {k for k in range(n_nodes) if npred[k] == 0 and node_b[k] >= 0}
    swaps = 0

    def run(k: int) -> None:
        kind.append(0)
        ea.append(k)
        eb.append(-1)
        for j in range(ptr[k], ptr[k + 1]):
            s = int(idx[j])
            npred[s] -= 1
            if npred[s] == 0:
                if node_b[s] < 0:
                    ready_other.append(s)
                else:
                    ready_two.add(s)

    def flush() -> None:
        while ready_other:
            run(ready_other.pop())

    for k_or_swap, a, b in seq:
        flush()
        if k_or_swap == 1:
            x, y = p2v[a], p2v[b]
            p2v[a], p2v[b] = y, x
            v2p[x], v2p[y] = b, a
            kind.append(1)
            ea.append(a)
            eb.append(b)
            swaps += 1
            continue
        k = a
        if k not in ready_two or not graph.adj[v2p[node_a[k]], v2p[node_b[k]]]:
            return None
        ready_two.discard(k)
        run(k)
    flush()
    if len(kind) - swaps != n_nodes:
        return None
    return (np.array(kind, dtype=np.int64), np.array(ea, dtype=np.int64), np.array(eb, dtype=np.int64),
            len(kind), v2p, swaps, 0)
