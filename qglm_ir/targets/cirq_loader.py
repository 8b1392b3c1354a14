"""``cirq:NAME`` devices: Cirq's built-in device graphs as :class:`Device` values.

Names:

* ``cirq:grid:L`` / ``cirq:grid:RxC``: ``cirq.testing.construct_grid_device``
  (a grid of ``GridQubit``), ``cirq:ring:L``: ``cirq.testing.construct_ring_device(L)``;
  both ship with cirq-core.
* ``cirq:sycamore`` and ``cirq:sycamore23``: Google's Sycamore graphs from
  ``cirq_google`` (``pip install cirq-google``; a :class:`DeviceError` says so
  when it is missing).

Cirq qubits are numbered by their natural sort order (``GridQubit`` row-major,
``LineQubit`` by index): qglm physical qubit ``i`` is ``sorted(qubits)[i]``,
which :func:`cirq_qubit_order` returns so results can be mapped back. Cirq
devices publish no calibration; couplers are symmetric; the basis is
``cz, rz, rx, ry`` (Cirq's native ``CZ`` plus rotations), or the graph's
declared gateset when it is a subset of the gate table.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from ..core.errors import DeviceError, Location
from .device import Device, edges_both_ways

CIRQ_BASIS = ("cz", "rz", "rx", "ry")

CIRQ_NAMES: list[tuple[str, str]] = [
    ("cirq:grid:RxC", "Cirq's test grid device (cirq.testing.construct_grid_device); cirq:grid:L is LxL"),
    ("cirq:ring:L", "Cirq's ring device of L qubits (cirq.testing.construct_ring_device)"),
    ("cirq:sycamore", "Google Sycamore, 54 qubits (needs cirq-google)"),
    ("cirq:sycamore23", "Google Sycamore23, 23 qubits (needs cirq-google)"),
]


def _error(spec: str, message: str, help: str | None = None) -> DeviceError:
    start = spec.find(":") + 2
    return DeviceError(message, Location("<device>", 1, start, max(1, len(spec) - start + 1), spec), help=help)


def cirq_qubit_order(device: Any) -> list[Any]:
    """The Cirq qubits of ``device`` (or of its graph) in qglm's physical order."""
    graph = _graph_of(device)
    return sorted(graph.nodes)


def _graph_of(device: Any) -> Any:
    meta = getattr(device, "metadata", None)
    graph = getattr(meta, "nx_graph", None)
    if graph is None:
        graph = device  # already a networkx graph
    return graph


def device_from_cirq(device: Any, name: str) -> Device:
    """A :class:`Device` from a ``cirq.Device`` with metadata (or a networkx graph of qubits)."""
    graph = _graph_of(device)
    order = sorted(graph.nodes)
    index = {q: i for i, q in enumerate(order)}
    pairs = sorted({(min(index[a], index[b]), max(index[a], index[b])) for a, b in graph.edges})
    return Device(name, len(order), edges_both_ways(pairs), CIRQ_BASIS,
                  description=f"Cirq device graph {name} ({len(order)} qubits)")


def load_cirq_device(spec: str) -> Device:
    """The device for ``cirq:NAME``; raises :class:`DeviceError` for unknown names."""
    import cirq

    name = spec.partition(":")[2]
    kind, _, arg = name.partition(":")
    kind = kind.lower()
    if kind == "grid":
        m = re.fullmatch(r"([0-9]+)(?:x([0-9]+))?", arg)
        if m is None or not 1 <= int(m.group(1)) <= 300 or not 1 <= int(m.group(2) or m.group(1)) <= 300:
            raise _error(spec, f"expected cirq:grid:L or cirq:grid:RxC, got {spec!r}")
        rows, cols = int(m.group(1)), int(m.group(2) or m.group(1))
        return device_from_cirq(cirq.testing.construct_grid_device(rows, cols), spec)
    if kind == "ring":
        if not arg.isdigit() or not 3 <= int(arg) <= 100_000:
            raise _error(spec, f"expected cirq:ring:L with L >= 3, got {spec!r}")
        return device_from_cirq(cirq.testing.construct_ring_device(int(arg)), spec)
    if kind in ("sycamore", "sycamore23"):
        try:
            cg = importlib.import_module("cirq_google")
        except ImportError:
            raise _error(spec, f"device {spec!r} needs cirq-google, which is not installed",
                         help="pip install cirq-google") from None
        dev = cg.Sycamore if kind == "sycamore" else cg.Sycamore23
        return device_from_cirq(dev, spec)
    raise _error(spec, f"unknown Cirq device {name!r}",
                 help="known: " + ", ".join(n for n, _ in CIRQ_NAMES))
