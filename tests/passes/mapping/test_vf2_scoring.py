"""VF2 candidate scoring (layout / post_layout): batch costs pick exactly what the scan picks."""

from __future__ import annotations

import numpy as np

from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.passes.mapping.layout import Interactions, _relabelled, _VF2Scorer
from qglm_ir.targets import load_device


def _scorer(device, pairs: list[tuple[int, int]], n: int):
    graph = device_graph(device)
    active = sorted({v for e in pairs for v in e})
    index = {v: i for i, v in enumerate(active)}
    weights: dict[tuple[int, int], int] = {}
    for a, b in pairs:
        key = (min(index[a], index[b]), max(index[a], index[b]))
        weights[key] = weights.get(key, 0) + 1
    rng = np.random.default_rng(3)
    inter = Interactions(n, pairs, rng.integers(0, 4, n), rng.integers(0, 2, n))
    return _VF2Scorer(device, graph, inter, active, weights), graph, len(active)


def _scan(scorer: _VF2Scorer, rows: np.ndarray) -> int:
    """The reference: a sequential scan keeping strictly better rows (first on a tie)."""
    best, best_cost = -1, 0.0
    for k, row in enumerate(rows):
        c = scorer.cost(row)
        if best < 0 or c < best_cost:
            best, best_cost = k, c
    return best


def test_batch_costs_match_the_scan_including_ties() -> None:
    device = load_device("qiskit:fake_sherbrooke")
    pairs = [(0, 1), (1, 2), (2, 3), (1, 2), (3, 4)]
    scorer, graph, k = _scorer(device, pairs, 6)
    rng = np.random.default_rng(7)
    usable = np.array(sorted(graph.usable))
    rows = np.stack([rng.choice(usable, k, replace=False) for _ in range(300)])
    rows[[40, 90, 200]] = rows[150]  # exact ties after the first minimum candidate
    rows[10] = rows[150]
    assert np.allclose(scorer.costs(rows), [scorer.cost(r) for r in rows], rtol=1e-12)
    assert scorer.best(rows) == _scan(scorer, rows)
    order = np.argsort([scorer.cost(r) for r in rows], kind="stable")
    tied = np.concatenate([rows[order[:1]]] * 4 + [rows])  # the minimum repeated first
    assert scorer.best(tied) == _scan(scorer, tied) == 0


def test_relabelled_graphs_are_the_seeded_permutations() -> None:
    device = load_device("qiskit:fake_sherbrooke")
    graph = device_graph(device)
    N = graph.num_qubits
    few = [p.copy() for p, _ in _relabelled(graph, 5, 3)]  # cached, then extended below
    many = _relabelled(graph, 5, 6)
    rng = np.random.default_rng(5)
    expect = [np.arange(N)] + [rng.permutation(N) for _ in range(5)]
    assert all(np.array_equal(a, b) for a, b in zip(few, expect))
    assert all(np.array_equal(p, e) for (p, _), e in zip(many, expect))
    perm, cm = many[4]
    inv = np.empty(N, dtype=np.int64)
    inv[perm] = np.arange(N)
    got = {tuple(sorted((int(perm[a]), int(perm[b])))) for a, b in cm.edge_list()}
    assert got == set(graph.edges)


def test_post_layout_compares_its_own_candidate_count(monkeypatch) -> None:
    """route's post_layout searches POST_LAYOUT_CANDIDATES embeddings (rounds of 8), fewer than
    layout's VF2; the routed kernel stays equivalent and on couplers once re-placed."""
    from qglm_ir.passes.mapping import layout as layout_mod
    from qglm_ir.passes.mapping.check import coupling_violations, equivalent_up_to_layout

    from .conftest import kernel_of, map_module, random_module

    rounds: list[int] = []
    real = layout_mod._vf2_rows

    def spy(graph, seed, n_rounds, per_round, *a):
        rounds.append(n_rounds * per_round)
        return real(graph, seed, n_rounds, per_round, *a)

    device = load_device("qiskit:fake_sherbrooke")
    module = random_module(8, 30, 1, ("cx",))
    mapped, _ctx = map_module(module, device, seed=1, post_layout=False)
    monkeypatch.setattr(layout_mod, "_vf2_rows", spy)
    kernel = kernel_of(mapped)
    assert layout_mod.post_layout(kernel, device, device_graph(device, 0.5), seed=1)  # it re-placed
    assert rounds == [layout_mod.POST_LAYOUT_CANDIDATES] and layout_mod.POST_LAYOUT_CANDIDATES == 512
    assert coupling_violations(kernel, device) == []
    assert equivalent_up_to_layout(kernel_of(module), kernel)


def test_post_layout_bounds_vf2_calls_on_large_patterns(monkeypatch) -> None:
    """On patterns of more than VF2_BIG wires, post_layout's VF2 rounds stop after
    POST_LAYOUT_BIG_CALL_LIMIT calls (layout's own VF2 keeps VF2_BIG_CALL_LIMIT); the kernel
    stays on couplers whether or not it re-placed."""
    from qglm_ir.passes.base import PassContext
    from qglm_ir.passes.mapping import layout as layout_mod
    from qglm_ir.passes.mapping.check import coupling_violations
    from qglm_ir.passes.mapping.route import Route

    from .conftest import kernel_of, random_module

    limits: list[int] = []
    real = layout_mod._vf2_rows

    def spy(graph, seed, n_rounds, per_round, call_limit, *a):
        limits.append(call_limit)
        return real(graph, seed, n_rounds, per_round, call_limit, *a)

    device = load_device("qiskit:fake_sherbrooke")
    n = layout_mod.VF2_BIG + 4
    module = random_module(n, 2 * n, 2, ("cx",))
    ctx = PassContext(device=device, seed=1)
    layout_mod.Layout().run(module, ctx)
    Route(post_layout=False).run(module, ctx)
    monkeypatch.setattr(layout_mod, "_vf2_rows", spy)
    kernel = kernel_of(module)
    layout_mod.post_layout(kernel, device, device_graph(device, 0.5), seed=1)
    assert limits == [layout_mod.POST_LAYOUT_BIG_CALL_LIMIT], limits
    assert layout_mod.POST_LAYOUT_BIG_CALL_LIMIT < layout_mod.VF2_BIG_CALL_LIMIT
    assert coupling_violations(kernel, device) == []
