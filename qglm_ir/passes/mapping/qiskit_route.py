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
wires that have any are given to Qiskit as labelled ``cx`` gates on the largest usable
component of the device (relabelled densely), in program order. Qiskit's routed order is
replayed against qglm's dependency DAG; a candidate that breaks a dependency Qiskit could not
see (through a classical value) is dropped.
"""

from __future__ import annotations

import numpy as np

from .graph import DeviceGraph
from .qiskit_starts import component_coupling, sabre_problem


def joint_route(arrays: tuple, num_wires: int, graph: DeviceGraph, busy: set[int], seed: int,
                trials: int = 20, rank: dict[int, int] | None = None) -> tuple[list[int], tuple] | None:
    """Qiskit's placement and routing of the DAG ``arrays`` (``node_a, node_b, succ_ptr,
    succ_idx, npred`` as built by the router; wires are the kernel's current physical wires).

    Returns ``(sigma, result)``: ``sigma[w]`` is the physical qubit wire ``w`` moves to (a
    permutation of the device's qubits that keeps ``busy`` wires, those with 1q gates or
    measurements, on usable qubits) and ``result`` the routing in the engine's output format
    (see :mod:`.engine`) relative to that placement; or None when Qiskit is unavailable,
    declines, or its order breaks a dependency.
    """
    node_a, node_b, ptr, idx, npred0 = arrays
    two = np.nonzero(node_b >= 0)[0]
    try:
        problem = sabre_problem(graph, [(int(node_a[k]), int(node_b[k])) for k in two], [int(k) for k in two],
                                rank)
        if problem is None:
            return None
        active, comp, qc = problem
        from qiskit.converters import circuit_to_dag
        from qiskit.transpiler.passes import SabreLayout

        sabre = SabreLayout(component_coupling(graph, comp), seed=seed, max_iterations=4, swap_trials=trials,
                            layout_trials=trials)
        routed = sabre.run(circuit_to_dag(qc))
        layout = sabre.property_set["layout"]
        placed = {v: comp[layout[qc.qubits[i]]] for i, v in enumerate(active)}
        seq: list[tuple[int, int, int]] = []
        for node in routed.topological_op_nodes():
            qs = [comp[routed.find_bit(q).index] for q in node.qargs]
            if node.op.name == "swap":
                seq.append((1, qs[0], qs[1]))
            else:
                seq.append((0, int(node.op.label), -1))
    except Exception:  # noqa: BLE001  (a candidate only: qglm's own routing still runs)
        return None
    sigma = _complete(placed, num_wires, graph, busy)
    if sigma is None:
        return None
    res = _replay(seq, arrays, sigma, graph)
    return None if res is None else (sigma, res)


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
