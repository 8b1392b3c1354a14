"""Large plain circuits on uncalibrated devices skip the random SABRE layout starts (#15):
route's Qiskit candidates decide those kernels and the structured start won every corpus
kernel that large (see ``layout.STRUCTURED_ONLY_2Q``)."""

from __future__ import annotations

from qglm_ir.passes.base import PassContext
from qglm_ir.passes.mapping import layout as layout_mod
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.passes.mapping.layout import Layout, interactions, sabre_layout
from qglm_ir.passes.mapping.wires import analyze
from qglm_ir.targets import load_device

from .conftest import kernel_of, random_module


def _random_module(n: int, gates: int, seed: int):
    return random_module(n, gates, seed, two_qubit=("cx",))


def _flags(monkeypatch, module, device, **opts) -> list[bool]:
    """The ``random_starts`` each ``sabre_layout`` call of the layout pass got."""
    seen: list[bool] = []
    real = layout_mod.sabre_layout

    def spy(*a, **k):
        seen.append(a[9] if len(a) > 9 else k.get("random_starts", True))
        return real(*a, **k)

    monkeypatch.setattr(layout_mod, "sabre_layout", spy)
    Layout(**opts).run(module, PassContext(device=device, seed=1))
    return seen


def test_large_plain_kernel_skips_random_starts(monkeypatch) -> None:
    monkeypatch.setattr(layout_mod, "STRUCTURED_ONLY_2Q", 60)
    device = load_device("heavy-hex:3")
    assert _flags(monkeypatch, _random_module(12, 60, 0), device) == [False]
    # below the threshold, with explicit trials, or on a calibrated device: all starts
    assert _flags(monkeypatch, _random_module(12, 59, 0), device) == [True]
    assert _flags(monkeypatch, _random_module(12, 60, 0), device, trials=4) == [True]
    assert _flags(monkeypatch, _random_module(12, 60, 0), load_device("qiskit:fake_sherbrooke")) == [True]


def test_structured_only_search_routes_only_the_given_starts(monkeypatch) -> None:
    """Without random starts the engine runs only for the given start (as given, and after
    the iterations), and the winner is the full search's answer when a given start wins;
    another start gives another layout."""
    engine = "auto"
    device = load_device("heavy-hex:3")
    graph = device_graph(device)
    module = _random_module(10, 50, 3)
    kernel = kernel_of(module)
    inter = interactions(kernel, analyze(kernel))
    calls: list[int] = []
    real = layout_mod.sabre_route

    def counting(*a):
        calls.append(1)
        return real(*a)

    monkeypatch.setattr(layout_mod, "sabre_route", counting)
    full, _ = sabre_layout(device, graph, inter, 8, 2, 1, engine)
    n_full = len(calls)
    # the full search's winner given back as a start beats every random start once refined
    # (43 swaps against 45 here), so skipping the random starts gives the same layout
    active = sorted({v for e in inter.pairs for v in e})
    start = {v: full[v] for v in active}
    calls.clear()
    given, given_swaps = sabre_layout(device, graph, inter, 8, 2, 1, engine, starts=[start], random_starts=False)
    assert len(calls) == 1 + (2 * 2 + 1)  # as given: one forward run; refined: 2 x (fwd + bwd) + fwd
    assert n_full == 8 * (2 * 2 + 1)
    with_random, with_random_swaps = sabre_layout(device, graph, inter, 8, 2, 1, engine, starts=[start])
    assert given == with_random and given_swaps == with_random_swaps
    other = {v: int(p) for v, p in zip(active, reversed(sorted(start.values())))}
    changed, _ = sabre_layout(device, graph, inter, 8, 2, 1, engine, starts=[other], random_starts=False)
    assert changed != given
