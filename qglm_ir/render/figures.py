"""Charts of a compile: the device map with the chosen layout, and the per-pass chart.

``device_map_svg``: physical qubits placed by a deterministic graph layout
(Kamada-Kawai on the coupling graph), each coloured by its calibrated error
(readout error, else the mean error of its 1q gates; grey when the device has
no calibration), couplers coloured by their 2q error; the qubits the layout
chose are outlined and labelled ``virtual -> physical``.

``pass_chart_svg``: one bar per pass for its time and a line for the number of
gates after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._mpl import figure_bytes, pyplot


def _positions(n: int, edges: Sequence[tuple[int, int]]) -> dict[int, tuple[float, float]]:
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((a, b) for a, b in edges if a != b)
    pos: dict[int, tuple[float, float]] = {}
    # Lay out each connected piece on its own, side by side (Kamada-Kawai is deterministic).
    x0 = 0.0
    for comp in sorted(nx.connected_components(g), key=lambda c: min(c)):
        sub = g.subgraph(comp)
        p = nx.kamada_kawai_layout(sub) if len(comp) > 1 else {next(iter(comp)): (0.0, 0.0)}
        xs = [float(v[0]) for v in p.values()]
        width = (max(xs) - min(xs)) if xs else 0.0
        for q, (x, y) in p.items():
            pos[int(q)] = (float(x) - min(xs) + x0, float(y))
        x0 += width + 0.6
    return pos


def qubit_error(device: Any, q: int) -> float | None:
    """The error used to colour qubit ``q``: readout error, else mean 1q gate error."""
    m = device.measure_error(q) if hasattr(device, "measure_error") else None
    if m is not None:
        return float(m)
    e = device.single_qubit_error(q) if hasattr(device, "single_qubit_error") else None
    return None if e is None else float(e)


def device_map_svg(device: Any, initial_layout: Sequence[int] | None = None, title: str = "") -> str:
    """The device map described in the module docstring, as SVG text."""
    return device_map(device, initial_layout, title, "svg").decode("utf-8")


def device_map(device: Any, initial_layout: Sequence[int] | None = None, title: str = "",
               fmt: str = "svg") -> bytes:
    """The device map as ``fmt`` (``svg`` or ``png``) bytes."""
    plt = pyplot()
    from matplotlib import cm, colors

    n = int(device.num_qubits)
    undirected = sorted({(min(a, b), max(a, b)) for a, b in device.edges})
    pos = _positions(n, undirected)
    errs = [qubit_error(device, q) for q in range(n)]
    known = [e for e in errs if e is not None]
    norm = colors.LogNorm(vmin=max(min(known), 1e-5), vmax=max(max(known), 2e-5)) if known else None
    cmap = cm.get_cmap("viridis_r") if hasattr(cm, "get_cmap") else plt.get_cmap("viridis_r")
    size = max(5.0, min(14.0, 0.9 * n ** 0.5 + 3))
    fig, ax = plt.subplots(figsize=(size, size * 0.75))
    for a, b in undirected:
        ce = device.coupler_error(a, b) if hasattr(device, "coupler_error") else None
        col = cmap(norm(ce)) if (norm is not None and ce is not None) else "#bbbbbb"
        ax.plot([pos[a][0], pos[b][0]], [pos[a][1], pos[b][1]], color=col, lw=2, zorder=1)
    chosen = {int(p): v for v, p in enumerate(initial_layout or ())}
    for q in range(n):
        e = errs[q]
        face = cmap(norm(e)) if (norm is not None and e is not None) else "#dddddd"
        edge, lw = ("#d62728", 3.0) if q in chosen else ("#555555", 0.8)
        ax.scatter([pos[q][0]], [pos[q][1]], s=260 if n <= 40 else 140, c=[face], edgecolors=edge,
                   linewidths=lw, zorder=2)
        label = f"{chosen[q]}→{q}" if q in chosen else str(q)
        ax.annotate(label, pos[q], ha="center", va="center", fontsize=6 if n > 40 else 8, zorder=3,
                    color="black")
    if norm is not None:
        sm = cm.ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(sm, ax=ax, shrink=0.7, label="calibrated error (readout / gate)")
    ax.set_title(title or f"{getattr(device, 'name', 'device')}: layout outlined in red (virtual→physical)")
    ax.set_axis_off()
    return figure_bytes(fig, fmt)


def pass_chart_svg(records: Sequence[dict[str, Any]], gates_after: Sequence[int | None]) -> str:
    """Per-pass time (bars, ms) and gate count after each pass (line), as SVG text."""
    plt = pyplot()
    names = [r["name"] for r in records]
    ms = [1e3 * float(r.get("seconds", 0.0)) for r in records]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(names) + 2), 3.6))
    xs = list(range(len(names)))
    ax.bar(xs, ms, color="#4c78a8", label="time (ms)")
    ax.set_ylabel("time per pass (ms)")
    ax.set_xticks(xs)
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
    pts = [(x, g) for x, g in zip(xs, gates_after) if g is not None]
    if pts:
        ax2 = ax.twinx()
        ax2.plot([p[0] for p in pts], [p[1] for p in pts], color="#e45756", marker="o", label="gates after pass")
        ax2.set_ylabel("gates after the pass")
        ax2.set_ylim(bottom=0)
    ax.set_title("passes: time (bars) and gate count (line)")
    return figure_bytes(fig, "svg").decode("utf-8")


__all__ = ["device_map_svg", "pass_chart_svg", "qubit_error"]
