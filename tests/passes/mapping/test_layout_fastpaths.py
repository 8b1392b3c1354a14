"""Compile-time fast paths of layout and route that must not change results: the compile-scoped
memo (qglm_ir.passes.memo) of VF2 candidates, interactions without the DAG, the 0-swap stop."""

from __future__ import annotations

import numpy as np
import rustworkx as rx

from qglm_ir.passes import memo
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.passes.mapping.layout import _relabelled, _vf2_rows
from qglm_ir.targets import load_device


def test_memo_is_content_keyed_and_scoped() -> None:
    calls: list[int] = []

    def compute(x: int):
        calls.append(x)
        return [x]

    assert memo.memoized(("t", 1), lambda: compute(1)) == [1]  # no scope: always computed
    memo.memoized(("t", 1), lambda: compute(1))
    assert calls == [1, 1]
    with memo.compile_scope():
        assert memo.active()
        a = memo.memoized(("t", 1), lambda: compute(1))
        b = memo.memoized(("t", 1), lambda: compute(1))
        c = memo.memoized(("t", 2), lambda: compute(2))
        assert a is b and c == [2]
        with memo.compile_scope():  # nested scopes share the outer memo
            assert memo.memoized(("t", 1), lambda: compute(1)) is a
    assert calls == [1, 1, 1, 2]
    assert not memo.active()
    with memo.compile_scope():  # a new compile starts empty
        memo.memoized(("t", 1), lambda: compute(1))
    assert calls == [1, 1, 1, 2, 1]


def _reference_rows(graph, seed, rounds, per_round, k, edges):
    """The candidates built one embedding at a time straight from rustworkx (the pre-memo code)."""
    im = rx.PyGraph()
    im.add_nodes_from(range(k))
    for a, b in edges:
        im.add_edge(a, b, None)
    rows = []
    for perm, cm in _relabelled(graph, seed, rounds):
        found = 0
        for m in rx.vf2_mapping(cm, im, subgraph=True, induced=False, id_order=False, call_limit=1_000_000):
            row = np.empty(k, dtype=np.int64)
            row[list(m.values())] = perm[list(m.keys())]
            rows.append(row)
            found += 1
            if found >= per_round:
                break
    return np.stack(rows)


def test_vf2_rows_match_rustworkx_and_the_memo_follows_the_pattern() -> None:
    graph = device_graph(load_device("qiskit:fake_sherbrooke"))
    path = ((0, 1), (1, 2), (2, 3))
    star = ((0, 1), (0, 2), (0, 3))
    with memo.compile_scope():
        a = _vf2_rows(graph, 1, 6, 8, 1_000_000, 4, path)
        assert a is not None
        np.testing.assert_array_equal(a, _reference_rows(graph, 1, 6, 8, 4, path))
        assert _vf2_rows(graph, 1, 6, 8, 1_000_000, 4, path) is a  # equal pattern: one search
        b = _vf2_rows(graph, 1, 6, 8, 1_000_000, 4, star)  # another pattern: another answer
        assert b is not None and not np.array_equal(a, b)
        np.testing.assert_array_equal(b, _reference_rows(graph, 1, 6, 8, 4, star))
        c = _vf2_rows(graph, 2, 6, 8, 1_000_000, 4, path)  # another seed: other relabelings
        assert not np.array_equal(a, c)
        # edge order steers VF2's enumeration, so it is part of the key
        d = _vf2_rows(graph, 1, 6, 8, 1_000_000, 4, ((2, 3), (1, 2), (0, 1)))
        np.testing.assert_array_equal(d, _reference_rows(graph, 1, 6, 8, 4, ((2, 3), (1, 2), (0, 1))))
        assert not a.flags.writeable
    # a pattern that does not embed (a triangle on heavy-hex): None, also when memoized
    tri = ((0, 1), (1, 2), (0, 2))
    with memo.compile_scope():
        assert _vf2_rows(graph, 1, 4, 8, 1_000_000, 3, tri) is None
        assert _vf2_rows(graph, 1, 4, 8, 1_000_000, 3, tri) is None


def test_interactions_without_dag_counts_the_same() -> None:
    """post_layout asks for interactions without the commutation DAG: same pairs and counts."""
    from qiskit import QuantumCircuit

    from qglm_ir.frontends.interop import from_qiskit
    from qglm_ir.passes.mapping.layout import interactions
    from qglm_ir.passes.mapping.wires import analyze, kernels_of

    qc = QuantumCircuit(4, 4)
    qc.h(0)
    qc.cx(0, 1)
    qc.cz(1, 2)
    qc.rz(0.3, 2)
    qc.cx(2, 3)
    qc.swap(0, 3)
    qc.cx(0, 1)
    qc.measure(range(4), range(4))
    k = kernels_of(from_qiskit(qc))[0]
    kw = analyze(k)
    full = interactions(k, kw)
    light = interactions(k, kw, dag=False)
    assert full.dag_preds and full.dag_pair and not light.dag_preds and not light.dag_pair
    assert light.pairs == full.pairs and light.n == full.n == 4
    np.testing.assert_array_equal(light.one_q, full.one_q)
    np.testing.assert_array_equal(light.measures, full.measures)
    assert light.measures.tolist() == [1, 1, 1, 1] and light.one_q[0] >= 1


def _circuit_module(n: int, pairs: list[tuple[int, int]]):
    from qiskit import QuantumCircuit

    from qglm_ir.frontends.interop import from_qiskit

    qc = QuantumCircuit(n, n, name="c")
    for a, b in pairs:
        qc.h(a)
        qc.cx(a, b)
    qc.measure(range(n), range(n))
    return from_qiskit(qc)


def test_route_stops_its_trials_at_a_swap_free_routing(monkeypatch) -> None:
    """A routing without swaps is what every trial would produce (trial seeds only steer swap
    choices), so route runs one trial; a block that needs swaps still gets all of them, and
    the result is the one the full search gives (same output as trials=1 for a swap-free one)."""
    from qglm_ir.passes.base import PassContext
    from qglm_ir.passes.mapping import route as route_mod
    from qglm_ir.passes.mapping.layout import Layout
    from qglm_ir.passes.mapping.route import Route
    from qglm_ir.text import print_module

    calls: list[int] = []
    real = route_mod.sabre_route

    def counting(*args):
        res = real(*args)
        calls.append(int(res[5]))
        return res

    monkeypatch.setattr(route_mod, "sabre_route", counting)
    device = load_device("line:5")

    def mapped(pairs, trials=0):
        m = _circuit_module(4, pairs)
        ctx = PassContext(device=device, seed=3)
        Layout().run(m, ctx)
        Route(qiskit=False, trials=trials).run(m, ctx)
        return print_module(m)

    chain = mapped([(0, 1), (1, 2), (2, 3), (0, 1)])
    assert calls == [0]  # swap-free on a line: one trial
    calls.clear()
    assert mapped([(0, 1), (1, 2), (2, 3), (0, 1)], trials=1) == chain
    calls.clear()
    mapped([(0, 1), (1, 2), (2, 0), (0, 3), (3, 1)])  # a triangle cannot sit on a line
    assert len(calls) == 16 and all(s > 0 for s in calls)


def test_calibrated_route_skips_the_hop_copy_of_a_swap_free_routing(monkeypatch) -> None:
    """On a calibrated device route tries error-weighted and hop distances; when the first
    routing has no swap the second would be the same kernel, so it is not built, and the
    compiled result is the same as routing both (checked against trials that do need swaps)."""
    from qglm_ir.passes.base import PassContext
    from qglm_ir.passes.mapping import route as route_mod
    from qglm_ir.passes.mapping.layout import Layout
    from qglm_ir.passes.mapping.route import Route

    weights: list[float] = []
    real = route_mod.route_kernel

    def counting(kernel, graph, opts, coupler_cost=None, forced=None, **kw):
        if forced is None:
            weights.append(float(graph.dist is not graph.hops))
        return real(kernel, graph, opts, coupler_cost, forced, **kw)

    monkeypatch.setattr(route_mod, "route_kernel", counting)
    device = load_device("qiskit:fake_sherbrooke")

    def compile_(pairs):
        m = _circuit_module(5, pairs)
        ctx = PassContext(device=device, seed=1)
        Layout().run(m, ctx)
        Route().run(m, ctx)
        return m

    compile_([(0, 1), (1, 2), (2, 3), (3, 4)])  # a chain: VF2 places it, no swap
    assert weights == [1.0]  # only the error-weighted routing; its hop copy is skipped
    weights.clear()
    compile_([(0, 1), (1, 2), (2, 0), (0, 3), (3, 4), (4, 1)])  # triangles: swaps on heavy-hex
    assert weights == [1.0, 0.0]
