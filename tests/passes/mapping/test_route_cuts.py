"""Work ``route`` no longer does (#15): Qiskit runs a lower bound or the first seed rules out,
and replays of Qiskit runs that are not built. Each test also checks that an input which
needs the work still gets it."""

from __future__ import annotations

import numpy as np

from qglm_ir import ModuleBuilder
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.mapping import qiskit_route
from qglm_ir.passes.mapping.engine import routed_2q_cost
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.passes.mapping.layout import Layout
from qglm_ir.passes.mapping.route import Route, RouteOptions, _Router, qiskit_candidates
from qglm_ir.targets import load_device

from .conftest import kernel_of, random_module


def _chain_module(n: int, layers: int):
    """cx on neighbouring qubits of a line: a placement along a device path needs no swap."""
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", n)
    for layer in range(layers):
        for a in range(layer % 2, n - 1, 2):
            kb.gate("cx", a, a + 1)
            kb.gate("h", a)
    kb.finish()
    return mb.module



def _qiskit_problems(monkeypatch) -> list[object]:
    """Record every Qiskit problem ``route`` builds (one per wire numbering it runs)."""
    built: list[object] = []
    real = qiskit_route.sabre_input

    def counting(*a, **k):
        built.append(a)
        return real(*a, **k)

    monkeypatch.setattr(qiskit_route, "sabre_input", counting)
    return built


def _route(module, device, seed: int = 0) -> dict:
    ctx = PassContext(device=device, seed=seed)
    Layout().run(module, ctx)
    return Route().run(module, ctx).stats


def test_swap_free_routing_runs_no_qiskit_uncalibrated(monkeypatch) -> None:
    """heavy-hex:3: qglm's routing of a line of cx needs no swap, which no routing can beat by
    the estimate, so Qiskit is not run; random gates need swaps and Qiskit runs."""
    device = load_device("heavy-hex:3")
    built = _qiskit_problems(monkeypatch)
    stats = _route(_chain_module(8, 12), device)
    assert stats["swaps"] == 0 and built == []
    stats = _route(random_module(10, 40, 1), device)
    assert stats["swaps"] > 0 and len(built) >= 1


def test_swap_free_routing_runs_no_qiskit_calibrated(monkeypatch) -> None:
    """fake_sherbrooke: the error-weighted routing of a line needs no swap, so neither the
    hop-distance copy nor Qiskit's candidate is routed; random gates get both."""
    device = load_device("qiskit:fake_sherbrooke")
    built = _qiskit_problems(monkeypatch)
    routed: list[object] = []
    real = qiskit_route.joint_order

    def counting(*a, **k):
        routed.append(a[4])
        return real(*a, **k)

    monkeypatch.setattr(qiskit_route, "joint_order", counting)
    stats = _route(_chain_module(8, 12), device)
    assert stats["swaps"] == 0 and built == [] and routed == []
    stats = _route(random_module(10, 40, 8), device)
    assert stats["swaps"] > 0 and len(built) == 1 and len(routed) == 1


def _laid_out_kernel(seed: int):
    module = random_module(12, 60, seed)
    device = load_device("heavy-hex:3")
    Layout(elide_swaps=False).run(module, PassContext(device=device, seed=seed))
    return kernel_of(module), device


def test_only_built_runs_are_replayed(monkeypatch) -> None:
    """Six Qiskit runs (three seeds, two numberings), ``near=0``: only the best run is replayed
    into the router's format and built (all six were replayed before); with a wide ``near``
    every run is replayed and built."""
    kernel, device = _laid_out_kernel(3)
    graph = device_graph(device)
    replays: list[int] = []
    real = qiskit_route._replay

    def counting(*a, **k):
        replays.append(1)
        return real(*a, **k)

    monkeypatch.setattr(qiskit_route, "_replay", counting)
    found = qiskit_candidates(kernel, graph, RouteOptions(seed=0), seeds=(0, 1, 2), near=0.0,
                              orders=("program", "physical"))
    assert len(found) == len(replays) == 1
    replays.clear()
    found = qiskit_candidates(kernel, graph, RouteOptions(seed=0), seeds=(0, 1, 2), near=10.0,
                              orders=("program", "physical"))
    assert len(found) == len(replays) == 6


def test_estimate_from_the_order_equals_the_replayed_estimate() -> None:
    """The estimate of a Qiskit run from its routed order alone equals the one of its full
    replay (every other node interleaved), for several seeds; the seeds' estimates differ."""
    kernel, device = _laid_out_kernel(5)
    graph = device_graph(device)
    probe = _Router(kernel, graph, RouteOptions(seed=0))
    block = kernel.regions[0].block
    nodes = [op for op in block if op is not block.terminator and op.name not in ("q.alloc", "q.dealloc")]
    arrays, _ops = probe._dag(nodes, False)
    ones = np.ones((graph.num_qubits, graph.num_qubits))
    estimates = []
    for seed in range(4):
        got = qiskit_route.joint_order(arrays, graph.num_qubits, graph, set(), seed)
        assert got is not None
        sigma = np.asarray(got[0], dtype=np.int64)
        full = qiskit_route.replay(got, arrays, graph)
        assert full is not None
        quick = routed_2q_cost(sigma, qiskit_route.order_result(got[1]), arrays[0], arrays[1], ones)[0]
        assert quick == routed_2q_cost(sigma, full[1], arrays[0], arrays[1], ones)[0]
        estimates.append(quick)
    assert len(set(estimates)) > 1


def test_later_seeds_not_run_when_the_first_loses_by_the_gate(monkeypatch) -> None:
    """``seed_gate``: with a ``limit`` every run of the first seed exceeds by more than the
    gate, the second seed is not run; with a limit they meet, it is."""
    kernel, device = _laid_out_kernel(3)
    graph = device_graph(device)
    seeds_run: list[int] = []
    real = qiskit_route.joint_order

    def counting(*a, **k):
        seeds_run.append(a[4])
        return real(*a, **k)

    monkeypatch.setattr(qiskit_route, "joint_order", counting)
    found = qiskit_candidates(kernel, graph, RouteOptions(seed=0), seeds=(0, 1), limit=1.0, seed_gate=0.2)
    assert found == [] and seeds_run == [0]
    seeds_run.clear()
    found = qiskit_candidates(kernel, graph, RouteOptions(seed=0), seeds=(0, 1), limit=1e9, seed_gate=0.2)
    assert found and seeds_run == [0, 1]


def test_physical_numbering_not_run_when_the_program_one_loses_by_the_gate(monkeypatch) -> None:
    """``seed_gate`` between numberings: when the program-numbered run (the one layout's start
    shares) exceeds the ``limit`` by more than the gate, the physical numbering is not run (nor
    a later seed); with a limit it meets, both numberings of both seeds are."""
    kernel, device = _laid_out_kernel(3)
    graph = device_graph(device)
    runs: list[tuple[int, bool]] = []  # (seed, program numbering)
    real = qiskit_route.joint_order

    def counting(*a, **k):
        runs.append((a[4], k["problem"].active == sorted(k["problem"].active, key=rank.get)))
        return real(*a, **k)

    init = kernel.properties["initial_layout"]
    rank = {int(p): i for i, p in enumerate(init)}
    monkeypatch.setattr(qiskit_route, "joint_order", counting)
    kw = dict(seeds=(0, 1), orders=("program", "physical"), seed_gate=0.2)
    found = qiskit_candidates(kernel, graph, RouteOptions(seed=0), limit=1.0, **kw)
    assert found == [] and runs == [(0, True)]
    runs.clear()
    found = qiskit_candidates(kernel, graph, RouteOptions(seed=0), limit=1e9, **kw)
    assert found and [r[0] for r in runs] == [0, 0, 1, 1]


def test_relabelled_shared_dag_equals_a_fresh_build() -> None:
    """The plain DAG of a relabelled copy derived from the unrelabelled one
    (:func:`relabelled_dag`) equals the DAG built from the copy itself, and routing the copy
    with it (as Qiskit's candidate is built) gives the same IR; a different permutation gives
    different wires."""
    from qglm_ir.passes.mapping.layout import _relabel
    from qglm_ir.passes.mapping.route import relabelled_dag, route_kernel
    from qglm_ir.passes.mapping.wires import analyze
    from qglm_ir.text import print_op

    kernel, device = _laid_out_kernel(7)
    graph = device_graph(device)
    dags: dict = {}
    probe = _Router(kernel, graph, RouteOptions(seed=0), dags=dags)
    block = kernel.regions[0].block
    nodes = [op for op in block if op is not block.terminator and op.name not in ("q.alloc", "q.dealloc")]
    arrays, _ops = probe._top_dag(nodes, False)
    got = qiskit_route.joint_route(arrays, graph.num_qubits, graph, set(range(12)), 3)
    assert got is not None
    sigma, res = got
    derived = relabelled_dag(dags[False], sigma)
    fresh, shared = kernel.clone(), kernel.clone()
    for copy in (fresh, shared):
        _relabel(copy, analyze(copy), sigma)
    fb = fresh.regions[0].block
    fresh_nodes = [op for op in fb if op is not fb.terminator and op.name not in ("q.alloc", "q.dealloc")]
    built, _ = _Router(fresh, graph, RouteOptions(seed=0))._dag(fresh_nodes, False)
    assert all(np.array_equal(x, y) for x, y in zip(derived[1], built))
    route_kernel(fresh, graph, RouteOptions(seed=0), forced=res)
    route_kernel(shared, graph, RouteOptions(seed=0), forced=res, dags={False: derived})
    assert print_op(fresh) == print_op(shared)
    other = relabelled_dag(dags[False], list(reversed(sigma)))
    assert not np.array_equal(other[1][0], derived[1][0])


class _NoWireMap(dict):
    """A wire map that fails when read: the scan for closing annotations must not need it."""

    def __getitem__(self, key):
        raise AssertionError("the wire map was read")


def _closing_noise_module(noise: bool):
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 3)
    kb.gate("cx", 0, 1)
    kb.gate("h", 2)
    kb.gate("cx", 1, 2)
    if noise:
        kb._apply("noise.depolarizing", [2], props={"p": 0.001})
    kb.finish()
    return mb.module


def test_closing_annotations_are_looked_for_only_with_noise() -> None:
    """Without a ``noise.*`` op nothing is held back and no operand is looked up; a closing
    ``noise.depolarizing`` is still found (and held back)."""
    dev = load_device("heavy-hex:3")
    graph = device_graph(dev, 0.0, ())
    for noise in (False, True):
        module = _closing_noise_module(noise)
        ctx = PassContext(device=dev, seed=0)
        Layout(engine="python").run(module, ctx)
        kernel = kernel_of(module)
        router = _Router(kernel, graph, RouteOptions())
        nodes = [op for op in kernel.regions[0].block if op.name not in ("q.alloc", "q.dealloc", "q.return")
                 and op is not kernel.regions[0].block.terminator]
        if noise:
            tails = router._trailing_annotations(nodes)
            assert [op.name for op in tails] == ["noise.depolarizing"]
        else:
            router.vid = _NoWireMap()
            assert router._trailing_annotations(nodes) == []


def test_routed_2q_count_stops_past_the_cap() -> None:
    """``route`` only compares the routed 2q count with SCORE_MAX_2Q and TINY_2Q: the count
    stops one past the cap (the walk is not read to the end), and below it is exact."""
    from qglm_ir.passes.mapping.route import TINY_2Q
    from qglm_ir.passes.mapping.select import SCORE_MAX_2Q, routed_2q_ops

    assert TINY_2Q <= SCORE_MAX_2Q
    kernel = kernel_of(random_module(6, 60, seed=4, two_qubit=("cx",)))
    assert routed_2q_ops(kernel) == 60
    assert routed_2q_ops(kernel, cap=100) == 60
    read: list[object] = []
    walk = kernel.walk

    class _Counting:
        """The kernel with a walk that records how far it was read."""

        def walk(self):
            for op in walk():
                read.append(op)
                yield op

    assert routed_2q_ops(_Counting(), cap=10) == 11  # type: ignore[arg-type]
    assert len(read) < len(list(walk())) / 2


def _routing_weights(monkeypatch) -> list[bool]:
    """Record, per qglm routing ``route`` makes (Qiskit's forced replays excluded), whether it
    routed with error-weighted distances."""
    from qglm_ir.passes.mapping import route as route_mod

    seen: list[bool] = []
    real = route_mod.route_kernel

    def recording(kernel, graph, opts, coupler_cost=None, forced=None, dags=None):
        if forced is None:
            seen.append(graph.dist is not graph.hops)
        return real(kernel, graph, opts, coupler_cost, forced=forced, dags=dags)

    monkeypatch.setattr(route_mod, "route_kernel", recording)
    return seen


def test_calibrated_large_kernel_skips_the_error_weighted_routing(monkeypatch) -> None:
    """fake_sherbrooke: a kernel of more than CALIBRATED_WEIGHTED_MAX_2Q routed 2q ops that
    needs swaps gets one qglm routing, with hop distances (and Qiskit's candidate); a small
    one gets the error-weighted and the hop-distance routings."""
    from qglm_ir.passes.mapping.route import CALIBRATED_WEIGHTED_MAX_2Q

    device = load_device("qiskit:fake_sherbrooke")
    seen = _routing_weights(monkeypatch)
    built = _qiskit_problems(monkeypatch)
    stats = _route(random_module(12, CALIBRATED_WEIGHTED_MAX_2Q + 40, 3), device)
    assert stats["swaps"] > 0 and seen == [False] and len(built) == 1
    seen.clear()
    built.clear()
    stats = _route(random_module(10, 40, 8), device)
    assert stats["swaps"] > 0 and seen == [True, False] and len(built) == 1


def test_calibrated_large_swap_free_kernel_runs_no_qiskit(monkeypatch) -> None:
    """fake_sherbrooke: a large kernel whose (hop-distance) routing needs no swap is routed once
    and Qiskit's candidate is not run, as for the small kernels."""
    from qglm_ir.passes.mapping.route import CALIBRATED_WEIGHTED_MAX_2Q

    device = load_device("qiskit:fake_sherbrooke")
    seen = _routing_weights(monkeypatch)
    built = _qiskit_problems(monkeypatch)
    module = _chain_module(8, 2 * CALIBRATED_WEIGHTED_MAX_2Q // 7 + 2)
    stats = _route(module, device)
    assert stats["swaps"] == 0 and seen == [False] and built == []
