"""Structured layouts (long lines), swap elision and Qiskit's joint SABRE candidate (#16)."""

from __future__ import annotations

import math

from qglm_ir import ModuleBuilder
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.mapping.check import coupling_violations, equivalent_up_to_layout
from qglm_ir.passes.mapping.embed import is_path_graph, long_paths, program_chain
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.passes.mapping.layout import Layout
from qglm_ir.passes.mapping.route import Route
from qglm_ir.targets import load_device

from .conftest import kernel_of, map_module


def _swaps(module) -> int:
    return sum(1 for op in kernel_of(module).regions[0].block if op.name == "q.swap")


def test_long_path_on_sherbrooke_avoids_broken_couplers() -> None:
    """A 100-qubit line exists on fake_sherbrooke's usable graph (nine error-1.0 couplers
    removed); VF2 gives up on it, the pruned path search finds it."""
    device = load_device("qiskit:fake_sherbrooke")
    graph = device_graph(device)
    paths = long_paths(graph, 100, seed=0)
    assert paths
    broken = {(min(a, b), max(a, b)) for a, b in device.undirected_edges} - set(graph.edges)
    assert broken  # the device really has unusable couplers
    for path in paths:
        assert len(path) == 100 and len(set(path)) == 100
        for a, b in zip(path, path[1:]):
            assert graph.adj[a, b] and (min(a, b), max(a, b)) not in broken


def test_line_program_is_laid_out_swap_free_on_sherbrooke() -> None:
    """A 100-qubit CX chain (linear entanglement) gets a line layout and needs no swap."""
    n = 100
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", n)
    for i in range(n - 1):
        kb.gate("cx", i, i + 1)
    kb.finish()
    device = load_device("qiskit:fake_sherbrooke")
    ctx = PassContext(device=device, seed=0)
    out = mb.module.clone()
    Layout().run(out, ctx)
    assert ctx.report["layout"]["kernels"]["k"]["method"] == "line"
    Route().run(out, ctx)
    assert _swaps(out) == 0
    assert coupling_violations(kernel_of(out), device) == []


def test_program_chain_and_path_shape() -> None:
    ring = [(i, (i + 1) % 6) for i in range(6)]
    assert program_chain(6, ring) == [0, 1, 2, 3, 4, 5]
    assert not is_path_graph(ring)
    assert is_path_graph(ring[:-1])
    assert not is_path_graph([(0, 1), (0, 2), (0, 3)])


def _qft_with_swaps(n: int):
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", n)
    for i in range(n):
        kb.gate("h", i)
        for j in range(i + 1, n):
            kb.gate("cp", j, i, params=[math.pi / 2 ** (j - i)])
    for i in range(n // 2):
        kb.gate("swap", i, n - 1 - i)
    kb.finish()
    return mb.module


def test_program_swaps_are_elided_into_the_layout() -> None:
    """The QFT's closing swaps cost nothing: they cross the wires, the layout records it."""
    module = _qft_with_swaps(5)
    device = load_device("line:5")
    elided, _ = map_module(module, device, 0, qiskit=False)
    ctx = PassContext(device=device, seed=0)
    kept = module.clone()
    Layout(elide_swaps=False).run(kept, ctx)
    Route(qiskit=False).run(kept, ctx)
    assert equivalent_up_to_layout(kernel_of(module), kernel_of(elided))
    assert equivalent_up_to_layout(kernel_of(module), kernel_of(kept))
    assert _swaps(elided) < _swaps(kept)


def test_qiskit_candidate_keeps_meaning_and_couplers() -> None:
    """With Qiskit's joint SABRE candidate the routed kernel stays equivalent up to its
    (relabelled) layouts and every 2q gate sits on a coupler."""
    module = _qft_with_swaps(6)
    for spec in ("heavy-hex:3", "grid:2x3"):
        device = load_device(spec)
        out, ctx = map_module(module, device, 1)
        assert equivalent_up_to_layout(kernel_of(module), kernel_of(out))
        assert coupling_violations(kernel_of(out), device) == []


def test_qiskit_candidate_itself_is_equivalent() -> None:
    """The candidate on its own (not only when chosen): relabelled layouts, replayed swaps."""
    from qglm_ir.passes.mapping.route import RouteOptions, qiskit_candidate

    module = _qft_with_swaps(6)
    device = load_device("heavy-hex:3")
    ctx = PassContext(device=device, seed=0)
    laid = module.clone()
    Layout(elide_swaps=False).run(laid, ctx)
    found = qiskit_candidate(kernel_of(laid), device_graph(device), RouteOptions(seed=0))
    assert found is not None
    routed, stats = found
    assert stats["swaps"] > 0 and math.isfinite(stats["cost"])
    assert equivalent_up_to_layout(kernel_of(module), routed)
    assert coupling_violations(routed, device) == []
