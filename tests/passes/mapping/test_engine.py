"""The SABRE core: valid emission order, progress, numba == Python bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qglm_ir.passes.mapping.engine import build_succ, sabre_route_jit, sabre_route_py
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.targets import load_device


def _random_dag(rng: np.random.Generator, nv: int, n_nodes: int):
    """Nodes on random virtual qubits (some 1q), predecessors = last node on each qubit."""
    node_a = np.zeros(n_nodes, dtype=np.int64)
    node_b = np.full(n_nodes, -1, dtype=np.int64)
    last = [-1] * nv
    preds = []
    for i in range(n_nodes):
        if rng.random() < 0.7 and nv >= 2:
            a, b = rng.choice(nv, 2, replace=False)
            node_a[i], node_b[i] = a, b
            qs = (a, b)
        else:
            a = int(rng.integers(nv))
            node_a[i] = a
            qs = (a,)
        preds.append([last[q] for q in qs if last[q] >= 0])
        for q in qs:
            last[q] = i
    ptr, idx, npred = build_succ(n_nodes, preds)
    return node_a, node_b, ptr, idx, npred, preds


def _run(core, dag, v2p, g, seed):
    node_a, node_b, ptr, idx, npred, _ = dag
    return core(node_a, node_b, ptr, idx, npred, v2p, g.num_qubits, g.adj, g.nb_ptr, g.nb_idx, g.dist, g.hops,
                20, 0.5, 0.001, 5, seed, 10 * g.num_qubits)


def _replay(dag, v2p0, g, res):
    """Check the emitted sequence: each node once, after its predecessors, 2q nodes adjacent."""
    node_a, node_b, _, _, _, preds = dag
    kind, ea, eb, count, v2p_final, swaps, status = res
    assert status == 0
    v2p = v2p0.copy()
    p2v = {int(p): v for v, p in enumerate(v2p)}
    done = set()
    n_swaps = 0
    for k in range(count):
        if kind[k] == 1:
            a, b = int(ea[k]), int(eb[k])
            assert g.adj[a, b]
            x, y = p2v.get(a), p2v.get(b)
            p2v[a], p2v[b] = y, x
            if x is not None:
                v2p[x] = b
            if y is not None:
                v2p[y] = a
            n_swaps += 1
            continue
        n = int(ea[k])
        assert n not in done and all(p in done for p in preds[n])
        if node_b[n] >= 0:
            assert g.adj[v2p[node_a[n]], v2p[node_b[n]]]
        done.add(n)
    assert len(done) == len(node_a)
    assert n_swaps == swaps
    assert np.array_equal(v2p, v2p_final)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["line:6", "grid:3x3", "heavy-hex:3"]), st.integers(2, 6),
       st.integers(1, 60))
def test_emission_is_valid(seed, spec, nv, n_nodes) -> None:
    rng = np.random.default_rng(seed)
    g = device_graph(load_device(spec))
    nv = min(nv, g.num_qubits)
    dag = _random_dag(rng, nv, n_nodes)
    v2p0 = rng.permutation(g.num_qubits)[:nv].astype(np.int64)
    _replay(dag, v2p0, g, _run(sabre_route_py, dag, v2p0, g, seed))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numba_matches_python(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = device_graph(load_device("heavy-hex:3"))
    dag = _random_dag(rng, 12, 400)
    v2p0 = rng.permutation(g.num_qubits)[:12].astype(np.int64)
    a = _run(sabre_route_py, dag, v2p0, g, seed + 1)
    b = _run(sabre_route_jit, dag, v2p0, g, seed + 1)
    assert a[3] == b[3] and a[5] == b[5] and a[6] == b[6] == 0
    n = a[3]
    for x, y in zip(a[:3], b[:3]):
        assert np.array_equal(x[:n], y[:n])
    assert np.array_equal(a[4], b[4])
    _replay(dag, v2p0, g, b)


def test_disconnected_qubits_reported() -> None:
    from qglm_ir.targets import Device

    g = device_graph(Device("two-islands", 4, ((0, 1), (1, 0), (2, 3), (3, 2))))
    dag = (np.array([0]), np.array([1]), *build_succ(1, [[]]), [[]])
    res = _run(sabre_route_py, dag, np.array([0, 2], dtype=np.int64), g, 1)
    assert res[6] == 1
