"""Qiskit's joint SABRE candidate: its input is built once per wire numbering and shared by the
seeds, and its routed gates are identified without labels (#15)."""

from __future__ import annotations

import numpy as np

from qglm_ir import ModuleBuilder
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.mapping import qiskit_route
from qglm_ir.passes.mapping.effort import QISKIT_TRIALS
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.passes.mapping.layout import Layout
from qglm_ir.passes.mapping.route import RouteOptions, _Router, qiskit_candidates
from qglm_ir.targets import load_device

from .conftest import kernel_of, random_module


def _random_circuit(n: int, gates: int, seed: int):
    """A laid-out kernel of random cx/cz gates and 1q gates on ``heavy-hex:3``."""
    rng = np.random.default_rng(seed)
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", n)
    for _ in range(gates):
        a, b = (int(x) for x in rng.choice(n, 2, replace=False))
        kb.gate(str(rng.choice(["cx", "cz"])), a, b)
        kb.gate("h", int(rng.integers(n)))
    kb.finish()
    device = load_device("heavy-hex:3")
    Layout(elide_swaps=False).run(mb.module, PassContext(device=device, seed=seed))
    return kernel_of(mb.module), device


def test_problem_built_once_per_numbering(monkeypatch) -> None:
    """Three seeds times two numberings: two Qiskit problems, not six; each numbering and
    seed still gets its own run (six joint routings)."""
    kernel, device = _random_circuit(12, 60, 3)
    built: list[object] = []
    runs: list[int] = []
    real_problem, real_route = qiskit_route.sabre_problem, qiskit_route.joint_order

    def counting_problem(*a, **k):
        built.append(a[2] if len(a) > 2 else k.get("rank"))
        return real_problem(*a, **k)

    def counting_route(*a, **k):
        runs.append(a[4])
        return real_route(*a, **k)

    monkeypatch.setattr(qiskit_route, "sabre_problem", counting_problem)
    monkeypatch.setattr(qiskit_route, "joint_order", counting_route)
    found = qiskit_candidates(kernel, device_graph(device), RouteOptions(seed=0), seeds=(0, 1, 2),
                              near=10.0, orders=("program", "physical"))
    assert found
    assert len(built) == 2 and built[0] is not None and built[1] is None
    assert sorted(runs) == [0, 0, 1, 1, 2, 2]


def _labelled_reference(arrays, graph, seed: int):
    """The routed order as Qiskit labels it: every cx carries its DAG node index as a label
    (how the candidate used to be read back)."""
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import CXGate
    from qiskit.converters import circuit_to_dag
    from qiskit.transpiler.passes import SabreLayout

    node_a, node_b = arrays[0], arrays[1]
    two = np.nonzero(node_b >= 0)[0].tolist()
    pairs = [(int(node_a[k]), int(node_b[k])) for k in two]
    active = sorted({v for e in pairs for v in e})
    comp = sorted(graph.components[0])
    v_index = {v: i for i, v in enumerate(active)}
    qc = QuantumCircuit(len(active))
    for k, (a, b) in zip(two, pairs):
        qc.append(CXGate(label=str(k)), [v_index[a], v_index[b]])
    sabre = SabreLayout(qiskit_route.component_coupling(graph, comp), seed=seed, max_iterations=4,
                        swap_trials=QISKIT_TRIALS, layout_trials=QISKIT_TRIALS)
    routed = sabre.run(circuit_to_dag(qc))
    out = []
    for node in routed.topological_op_nodes():
        qs = [comp[routed.find_bit(q).index] for q in node.qargs]
        out.append((1, qs[0], qs[1]) if node.op.name == "swap" else (0, int(node.op.label), -1))
    return out


def test_unlabelled_gates_are_identified_as_labels_would(monkeypatch) -> None:
    """The sequence replayed from Qiskit's unlabelled routing equals the one its labels give,
    and a different circuit gives a different sequence."""
    seqs = []
    for seed in (5, 6):
        kernel, device = _random_circuit(14, 80, seed)
        graph = device_graph(device)
        probe = _Router(kernel, graph, RouteOptions(seed=0))
        nodes = [op for op in kernel.regions[0].block
                 if op is not kernel.regions[0].block.terminator and op.name not in ("q.alloc", "q.dealloc")]
        arrays, _ops = probe._dag(nodes, False)
        seen: list[list] = []
        real_replay = qiskit_route._replay

        def spy(seq, *a, seen=seen, real_replay=real_replay):
            seen.append(list(seq))
            return real_replay(seq, *a)

        monkeypatch.setattr(qiskit_route, "_replay", spy)
        got = qiskit_route.joint_route(arrays, graph.num_qubits, graph, set(), 4)
        monkeypatch.setattr(qiskit_route, "_replay", real_replay)
        assert got is not None and len(seen) == 1
        assert seen[0] == _labelled_reference(arrays, graph, 4)
        assert sum(1 for s in seen[0] if s[0] == 1) > 0  # the case needs swaps
        seqs.append(seen[0])
    assert seqs[0] != seqs[1]


def test_route_builds_each_top_level_dag_once(monkeypatch) -> None:
    """``route`` on a calibrated device routes two copies of the kernel (error-weighted and
    hop distances) and builds Qiskit's candidate from a third: the plain and the
    commutation DAG of the unrouted kernel are built once each, and the relabelled Qiskit
    copy takes the plain one with its wires renamed (six builds before they were shared,
    three before the relabelled copy reused it)."""
    from qglm_ir.passes.mapping.route import Route

    device = load_device("qiskit:fake_sherbrooke")
    built: list[bool] = []
    real = _Router._dag

    def counting(self, nodes, commute):
        built.append(commute)
        return real(self, nodes, commute)

    fresh = random_module(10, 40, 8)
    ctx = PassContext(device=device, seed=0)
    Layout(elide_swaps=False).run(fresh, ctx)
    monkeypatch.setattr(_Router, "_dag", counting)
    Route().run(fresh, ctx)
    assert sorted(built) == [False, True]



def test_shared_dags_are_not_reused_for_another_kernel() -> None:
    """A DAG cache filled by one kernel does not answer for a different one: routing the
    second with the first's cache gives the same result as routing it alone."""
    from qglm_ir.passes.mapping.route import route_kernel
    from qglm_ir.text import print_module

    device = load_device("heavy-hex:3")
    graph = device_graph(device)
    first, second = random_module(10, 40, 1), random_module(10, 40, 2)
    alone = random_module(10, 40, 2)
    for m in (first, second, alone):
        Layout(elide_swaps=False).run(m, PassContext(device=device, seed=0))
    dags: dict = {}
    route_kernel(kernel_of(first), graph, RouteOptions(seed=0), dags=dags)
    filled = dict(dags)
    route_kernel(kernel_of(second), graph, RouteOptions(seed=0), dags=dags)
    route_kernel(kernel_of(alone), graph, RouteOptions(seed=0))
    assert print_module(second) == print_module(alone)
    assert all(dags[k][0] != filled[k][0] for k in filled)  # rebuilt for the second kernel


def test_consumed_kernel_holds_the_last_candidate() -> None:
    """``consume=True``: the last candidate is built in the given (detached) copy instead of a
    new one, and it is the same routing as without ``consume`` (where the copy is untouched)."""
    from qglm_ir.text import print_op

    kernel, device = _random_circuit(12, 60, 3)
    graph = device_graph(device)
    keep, give = kernel.clone(), kernel.clone()
    before = print_op(keep)
    kept = qiskit_candidates(keep, graph, RouteOptions(seed=0), seeds=(0, 1), near=10.0)
    given = qiskit_candidates(give, graph, RouteOptions(seed=0), seeds=(0, 1), near=10.0, consume=True)
    assert len(kept) == len(given) == 2
    assert print_op(keep) == before and all(c is not keep for c, _ in kept)
    assert given[-1][0] is give and given[0][0] is not give
    assert [print_op(c) for c, _ in kept] == [print_op(c) for c, _ in given]


def test_calibrated_candidates_are_analyzed_once_for_post_layout_and_esp(monkeypatch) -> None:
    """Each routed copy on a calibrated device is analyzed once for post_layout and ESP; ESP
    analyzes again only a copy post_layout relabelled (before: twice per copy, six in all)."""
    from qglm_ir.passes.mapping import esp as esp_mod
    from qglm_ir.passes.mapping import layout as layout_mod
    from qglm_ir.passes.mapping.route import Route
    from qglm_ir.passes.mapping.wires import analyze

    device = load_device("qiskit:fake_sherbrooke")
    module = random_module(10, 40, 8)
    ctx = PassContext(device=device, seed=0)
    Layout(elide_swaps=False).run(module, ctx)
    inner: list[int] = []
    moved: list[bool] = []
    real_post = layout_mod.post_layout

    def counting(kernel):
        inner.append(1)
        return analyze(kernel)

    def post(*a, **k):
        moved.append(real_post(*a, **k))
        return moved[-1]

    monkeypatch.setattr(layout_mod, "analyze", counting)
    monkeypatch.setattr(esp_mod, "analyze", counting)
    monkeypatch.setattr(layout_mod, "post_layout", post)
    Route().run(module, ctx)
    assert len(moved) == 3
    assert len(inner) == sum(moved)


def _route_counting_builds(monkeypatch, seed: int, unlimited: bool = False):
    """Route a random kernel on heavy-hex:3; returns (module text, Qiskit candidates built)."""
    from qglm_ir.passes.mapping import route as route_mod
    from qglm_ir.text import print_module

    device = load_device("heavy-hex:3")
    module = random_module(10, 40, seed)
    ctx = PassContext(device=device, seed=0)
    Layout().run(module, ctx)
    built: list[int] = []
    real_route, real_cands = route_mod.route_kernel, route_mod.qiskit_candidates

    def counting(kernel, graph, opts, coupler_cost=None, forced=None, **kw):
        if forced is not None:
            built.append(1)
        return real_route(kernel, graph, opts, coupler_cost, forced, **kw)

    def no_limit(*a, **k):
        k["limit"] = float("inf")
        return real_cands(*a, **k)

    monkeypatch.setattr(route_mod, "route_kernel", counting)
    if unlimited:
        monkeypatch.setattr(route_mod, "qiskit_candidates", no_limit)
    route_mod.Route().run(module, ctx)
    monkeypatch.setattr(route_mod, "route_kernel", real_route)
    monkeypatch.setattr(route_mod, "qiskit_candidates", real_cands)
    return print_module(module), len(built)


def test_dominated_qiskit_candidate_is_not_built(monkeypatch) -> None:
    """Seed 0: qglm's routing estimates 124, Qiskit's best run 133 (over the 1% near-tie
    margin), so Qiskit's routing is not built, and the result is the one building it gives.
    Seed 8: Qiskit's run (120) beats qglm's (142) and is built and kept."""
    text, built = _route_counting_builds(monkeypatch, 0)
    text_all, built_all = _route_counting_builds(monkeypatch, 0, unlimited=True)
    assert built == 0 and built_all == 1 and text == text_all
    text, built = _route_counting_builds(monkeypatch, 8)
    text_all, built_all = _route_counting_builds(monkeypatch, 8, unlimited=True)
    assert built == built_all == 1 and text == text_all


def test_built_candidate_cost_is_its_estimate() -> None:
    """What the limit compares (the run's estimate) is the cost the built candidate reports:
    a limit at a candidate's cost keeps it, just below drops it."""
    kernel, device = _random_circuit(12, 60, 3)
    graph = device_graph(device)
    every = qiskit_candidates(kernel, graph, RouteOptions(seed=0), seeds=(0, 1, 2), near=10.0)
    costs = sorted(c[1]["cost"] for c in every)
    assert len(costs) >= 2 and costs[0] < costs[-1]
    kept = qiskit_candidates(kernel, graph, RouteOptions(seed=0), seeds=(0, 1, 2), near=10.0, limit=costs[0])
    assert [c[1]["cost"] for c in kept] == [c for c in costs if c <= costs[0]]
    assert qiskit_candidates(kernel, graph, RouteOptions(seed=0), seeds=(0, 1, 2), near=10.0,
                             limit=costs[0] - 0.5) == []
