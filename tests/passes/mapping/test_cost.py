"""Ranking of routing results: swap absorption, estimated ESP, the absorb knob of the core."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit.quantum_info import Operator

import qglm_ir
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.builder import ModuleBuilder
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.mapping.check import coupling_violations, equivalent_up_to_layout
from qglm_ir.passes.mapping.engine import ABSORB, build_succ, routed_2q_cost, sabre_route_jit, sabre_route_py
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.passes.mapping.layout import LAYOUT_TRIALS, auto_effort, coupler_costs
from qglm_ir.targets import load_device
from qglm_ir.targets.device import GateCalibration, QubitCalibration

from .conftest import kernel_of, map_module, random_module
from .test_engine import _random_dag, _replay


def _res(entries: list[tuple[int, int, int]]):
    kind = np.array([e[0] for e in entries], dtype=np.int64)
    a = np.array([e[1] for e in entries], dtype=np.int64)
    b = np.array([e[2] for e in entries], dtype=np.int64)
    return kind, a, b, len(entries)


def test_swap_after_gate_on_same_pair_is_absorbed() -> None:
    node_a = np.array([0, 1], dtype=np.int64)
    node_b = np.array([1, 2], dtype=np.int64)
    v2p = [0, 1, 2]
    # gate (0,1), swap (0,1) merges with it: 1 + 1; then gate (1,2) on physical (0,2)? no:
    # after the swap v1 sits on 0, v2 on 2 -> a swap (1,2) that follows no gate costs 3
    res = _res([(0, 0, -1), (1, 0, 1), (1, 1, 2), (0, 1, -1)])
    ones = np.ones((3, 3))
    cost, final = routed_2q_cost(v2p, res, node_a, node_b, ones)
    assert cost == 1 + 1 + 3 + 1
    assert final.tolist() == [2, 0, 1]
    # a second swap on the same pair right after a swap is not absorbed (the block is used up)
    res2 = _res([(0, 0, -1), (1, 0, 1), (1, 0, 1)])
    assert routed_2q_cost(v2p, res2, node_a, node_b, ones)[0] == 1 + 1 + 3
    # weighted: each unit is the coupler's cost
    costs = np.zeros((3, 3))
    costs[0, 1] = costs[1, 0] = 0.5
    costs[1, 2] = costs[2, 1] = 2.0
    assert routed_2q_cost(v2p, res, node_a, node_b, costs)[0] == pytest.approx(0.5 + 0.5 + 6.0 + 0.5)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["grid:3x3", "heavy-hex:3"]), st.sampled_from(ABSORB[1:]))
def test_absorb_keeps_emission_valid(seed: int, spec: str, absorb: float) -> None:
    rng = np.random.default_rng(seed)
    g = device_graph(load_device(spec))
    dag = _random_dag(rng, 6, 80)
    v2p0 = rng.permutation(g.num_qubits)[:6].astype(np.int64)
    node_a, node_b, ptr, idx, npred, _ = dag
    res = sabre_route_py(node_a, node_b, ptr, idx, npred, v2p0, g.num_qubits, g.adj, g.nb_ptr, g.nb_idx,
                         g.dist, g.hops, 20, 0.5, 0.001, 5, seed, 10 * g.num_qubits, absorb)
    _replay(dag, v2p0, g, res)


def test_absorb_numba_matches_python() -> None:
    rng = np.random.default_rng(5)
    g = device_graph(load_device("heavy-hex:3"))
    node_a, node_b, ptr, idx, npred, _ = _random_dag(rng, 12, 300)
    v2p0 = rng.permutation(g.num_qubits)[:12].astype(np.int64)
    args = (node_a, node_b, ptr, idx, npred, v2p0, g.num_qubits, g.adj, g.nb_ptr, g.nb_idx, g.dist, g.hops,
            20, 0.5, 0.001, 5, 3, 10 * g.num_qubits, 1.0)
    a, b = sabre_route_py(*args), sabre_route_jit(*args)
    n = a[3]
    assert n == b[3] and a[5] == b[5]
    for x, y in zip(a[:3], b[:3]):
        assert np.array_equal(x[:n], y[:n])


def test_absorption_prefers_merging_swaps_on_a_star() -> None:
    """A star of CXs on a line needs the centre to travel; swapping right after each CX on the
    same pair (CX + SWAP = 2 CX) is what the absorb bonus steers towards."""
    n = 6
    node_a = np.zeros(n - 1, dtype=np.int64)
    node_b = np.arange(1, n, dtype=np.int64)
    preds = [[i - 1] if i else [] for i in range(n - 1)]
    ptr, idx, npred = build_succ(n - 1, preds)
    g = device_graph(load_device(f"line:{n}"))
    v2p0 = np.array([2, 0, 1, 3, 4, 5], dtype=np.int64)  # centre in the middle, leaves scattered
    costs = []
    for absorb in (0.0, 1.0):
        best = min(routed_2q_cost(v2p0, sabre_route_py(node_a, node_b, ptr, idx, npred, v2p0, n, g.adj, g.nb_ptr,
                                                       g.nb_idx, g.dist, g.hops, 20, 0.5, 0.001, 5, s, 60, absorb),
                                  node_a, node_b, np.ones((n, n)))[0] for s in range(1, 9))
        costs.append(best)
    assert costs[1] <= costs[0]


def test_auto_effort_same_trials_when_calibrated() -> None:
    """One trial cap on every device (calibrated devices had 64: layout.LAYOUT_TRIALS)."""
    assert auto_effort(100, 0, 0) == (LAYOUT_TRIALS, 4) == (32, 4)


def _all_pairs(n: int):
    """A kernel with a cx on every pair of its ``n`` qubits: no swap-free placement on a
    heavy-hex device."""
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", n)
    for a in range(n):
        for b in range(a + 1, n):
            kb.gate("cx", a, b)
    kb.finish()
    return mb.module


def test_calibrated_layout_search_runs_the_capped_trials(monkeypatch) -> None:
    """A kernel that needs swaps on fake_sherbrooke gets LAYOUT_TRIALS random starts."""
    from qglm_ir.passes.mapping import layout as layout_mod

    seen: list[int] = []
    real = layout_mod.sabre_layout

    def spy(device, graph, inter, trials, *a, **k):
        seen.append(trials)
        return real(device, graph, inter, trials, *a, **k)

    monkeypatch.setattr(layout_mod, "sabre_layout", spy)
    layout_mod.Layout().run(_all_pairs(6), PassContext(device=load_device("qiskit:fake_sherbrooke"), seed=1))
    assert seen == [LAYOUT_TRIALS]


def test_auto_effort_fewer_iterations_when_uncalibrated() -> None:
    """Uncalibrated devices: at most layout.UNCALIBRATED_LAYOUT_ITERATIONS (3) iterations per
    trial, the trial budget computed with them; calibrated ones keep 4; explicit values stay."""
    from qglm_ir.passes.mapping.layout import UNCALIBRATED_LAYOUT_ITERATIONS

    assert UNCALIBRATED_LAYOUT_ITERATIONS == 3
    assert auto_effort(100, 0, 0, calibrated=False) == (32, 3)
    assert auto_effort(100, 0, 0, calibrated=True) == (32, 4)
    assert auto_effort(1_790, 0, 0, calibrated=False) == (200_000 // (1_790 * 7), 3)
    assert auto_effort(10_000, 0, 0, calibrated=False)[1] == 1  # fewer already past 5k gates
    assert auto_effort(100, 5, 4, calibrated=False) == (5, 4)


def _layout_iterations(monkeypatch, module, device: str) -> tuple[list[int], object]:
    """Compile ``module`` to ``device`` at -O3, recording the iterations the layout pass
    gives each SABRE layout search."""
    from qglm_ir.passes.mapping import layout as layout_mod

    seen: list[int] = []
    real = layout_mod.sabre_layout

    def spy(device, graph, inter, trials, iters, *a, **k):
        seen.append(iters)
        return real(device, graph, inter, trials, iters, *a, **k)

    monkeypatch.setattr(layout_mod, "sabre_layout", spy)
    return seen, qglm_ir.compile(module, device=device, optimization_level=3, seed=1)


def test_uncalibrated_layout_search_runs_three_iterations(monkeypatch) -> None:
    """grid:3x3 (uncalibrated): the layout search gets 3 iterations per trial, and the compiled
    circuit keeps its meaning (Qiskit's Operator through the emitted layout, the source widened
    by the device's spare qubit)."""
    module = random_module(8, 60, 3, ("cx",))
    seen, out = _layout_iterations(monkeypatch, module, "grid:3x3")
    assert seen == [3]
    qc_in, qc_out = to_qiskit(module), to_qiskit(out)
    assert qc_out.layout is not None
    extra = qc_out.num_qubits - qc_in.num_qubits
    assert Operator.from_circuit(qc_out).equiv(Operator(np.eye(2**extra)).tensor(Operator(qc_in)))


def test_calibrated_layout_search_keeps_four_iterations(monkeypatch) -> None:
    seen, _ = _layout_iterations(monkeypatch, _all_pairs(6), "qiskit:fake_sherbrooke")
    assert seen == [4]


def _calibrated_line(n: int, bad: set[tuple[int, int]], bad_sx: set[int] = frozenset()):  # type: ignore[assignment]
    gates = {}
    for a in range(n - 1):
        e = 0.08 if (a, a + 1) in bad else 0.005
        gates[("cx", (a, a + 1))] = GateCalibration(e)
        gates[("cx", (a + 1, a))] = GateCalibration(e)
    for q in range(n):
        gates[("sx", (q,))] = GateCalibration(0.02 if q in bad_sx else 0.0002)
    return load_device(f"line:{n}").with_calibration([QubitCalibration(readout_error=0.01)] * n, gates)


def test_coupler_costs_charge_single_qubit_errors() -> None:
    dev = _calibrated_line(4, set(), {3})
    c = coupler_costs(dev, device_graph(dev))
    assert c[2, 3] == c[3, 2] > c[1, 2] > 0
    assert c[0, 2] == 0  # not a coupler


def test_calibrated_layout_avoids_bad_region_and_stays_equivalent() -> None:
    dev = _calibrated_line(7, {(3, 4), (4, 5), (5, 6)}, {4, 5, 6})
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 3, qubit_args=True)
    for _ in range(3):  # a triangle: needs swaps on a line
        kb.gate("h", 0)
        kb.gate("cx", 0, 1)
        kb.gate("cx", 1, 2)
        kb.gate("cx", 2, 0)
    kb.finish()
    out, _ = map_module(mb.module, dev)
    k = kernel_of(out)
    assert set(k.properties["initial_layout"]) <= {0, 1, 2, 3}
    assert set(k.properties["final_layout"]) <= {0, 1, 2, 3}
    assert coupling_violations(k, dev) == []
    assert equivalent_up_to_layout(kernel_of(mb.module), k)
