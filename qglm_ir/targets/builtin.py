"""Built-in coupling graphs: ``line:N``, ``ring:N``, ``grid:RxC``, ``heavy-hex:D``, ``all-to-all:N``.

Qubits are numbered exactly like the matching ``qiskit.transpiler.CouplingMap``
constructors (``from_line``, ``from_ring``, ``from_grid``, ``from_heavy_hex``,
``from_full``), because both are built with the same rustworkx generators; so
layouts and results compare one to one with Qiskit. Every coupler is
bidirectional and the basis is ``cx, rz, sx, x`` (also for heavy-hex: IBM's
native ``ecr`` is available from ``qiskit:`` devices; keeping ``cx`` here makes
the comparison with ``qiskit.transpile(basis_gates=[cx, rz, sx, x])`` exact).
Built-in graphs carry no calibration.
"""

from __future__ import annotations

import re

import rustworkx as rx

from .. import limits
from ..core.errors import DeviceError, Location
from .device import Device

DEFAULT_BASIS = ("cx", "rz", "sx", "x")

#: Upper bound on qubits of a built-in graph; beyond it a typo is likelier than a real need.
MAX_QUBITS = 100_000

BUILTIN_SPECS: list[tuple[str, str]] = [
    ("line:N", "N qubits on a path 0-1-...-(N-1)"),
    ("ring:N", "N qubits on a cycle"),
    ("grid:RxC", "R x C square lattice, qubit r*C+c (like CouplingMap.from_grid)"),
    ("heavy-hex:D", "IBM heavy-hex lattice of odd distance D (like CouplingMap.from_heavy_hex(D))"),
    ("all-to-all:N", "N fully connected qubits"),
]

_KINDS = ("line", "ring", "grid", "heavy-hex", "all-to-all")


def _edges(graph: rx.PyDiGraph) -> tuple[tuple[int, int], ...]:
    return tuple((int(a), int(b)) for a, b in graph.edge_list())


def _spec_error(spec: str, message: str, start: int, help: str | None = None) -> DeviceError:
    length = max(1, len(spec) - start)
    return DeviceError(message, Location("<device>", 1, start + 1, length, spec), help=help)


def _positive(spec: str, text: str, start: int, what: str) -> int:
    if not re.fullmatch(r"[0-9]+", text):
        raise _spec_error(spec, f"{what} must be a positive integer, got {text!r}", start)
    if len(text) > limits.current().max_int_digits:
        msg, help_ = limits.exceeded(f"{what} in digits", len(text), "max_int_digits")
        raise _spec_error(spec, msg, start, help=help_)
    n = int(text)
    if n < 1 or n > MAX_QUBITS:
        raise _spec_error(spec, f"{what} must be between 1 and {MAX_QUBITS}, got {n}", start)
    return n


def _bounded(spec: str, qubits: int, start: int) -> None:
    """Refuse a built-in graph with more qubits than ``limits.max_qubits`` (before building it)."""
    if qubits > limits.current().max_qubits:
        msg, help_ = limits.exceeded("qubits of the device", qubits, "max_qubits")
        raise _spec_error(spec, msg, start, help=help_)


def is_builtin_spec(spec: str) -> bool:
    return spec.split(":", 1)[0] in _KINDS and ":" in spec


def builtin_device(spec: str) -> Device:
    """The device for a built-in spec string; raises :class:`DeviceError` located in ``spec``."""
    kind, _, arg = spec.partition(":")
    start = len(kind) + 1
    if kind == "line":
        n = _positive(spec, arg, start, "the number of qubits")
        _bounded(spec, n, start)
        g = rx.generators.directed_path_graph(n, bidirectional=True)
        return Device(spec, n, _edges(g), DEFAULT_BASIS, description=f"line of {n} qubits")
    if kind == "ring":
        n = _positive(spec, arg, start, "the number of qubits")
        if n < 3:
            raise _spec_error(spec, f"a ring needs at least 3 qubits, got {n}", start, help="use line:N")
        _bounded(spec, n, start)
        g = rx.generators.directed_cycle_graph(n, bidirectional=True)
        return Device(spec, n, _edges(g), DEFAULT_BASIS, description=f"ring of {n} qubits")
    if kind == "grid":
        m = re.fullmatch(r"([0-9]+)x([0-9]+)", arg)
        if m is None:
            raise _spec_error(spec, f"expected grid:RxC (e.g. grid:5x5), got {spec!r}", start)
        r = _positive(spec, m.group(1), start, "the number of rows")
        c = _positive(spec, m.group(2), start + len(m.group(1)) + 1, "the number of columns")
        if r * c > MAX_QUBITS:
            raise _spec_error(spec, f"grid of {r * c} qubits is too large", start)
        _bounded(spec, r * c, start)
        g = rx.generators.directed_grid_graph(r, c, bidirectional=True)
        return Device(spec, r * c, _edges(g), DEFAULT_BASIS, description=f"{r}x{c} grid")
    if kind == "heavy-hex":
        d = _positive(spec, arg, start, "the distance")
        if d % 2 == 0:
            raise _spec_error(spec, f"heavy-hex distance must be odd, got {d}", start,
                              help=f"try heavy-hex:{d - 1} or heavy-hex:{d + 1}")
        if (5 * d * d - 2 * d - 1) // 2 > MAX_QUBITS:
            raise _spec_error(spec, f"heavy-hex distance {d} is too large", start)
        _bounded(spec, (5 * d * d - 2 * d - 1) // 2, start)
        g = rx.generators.directed_heavy_hex_graph(d, bidirectional=True, multigraph=False)
        return Device(spec, g.num_nodes(), _edges(g), DEFAULT_BASIS,
                      description=f"heavy-hex lattice of distance {d}")
    if kind == "all-to-all":
        n = _positive(spec, arg, start, "the number of qubits")
        if n > 2000:
            raise _spec_error(spec, f"all-to-all with {n} qubits has too many couplers", start)
        _bounded(spec, n, start)
        edges = tuple((a, b) for a in range(n) for b in range(n) if a != b)
        return Device(spec, n, edges, DEFAULT_BASIS, description=f"{n} fully connected qubits")
    raise _spec_error(spec, f"unknown built-in device kind {kind!r}", 0,
                      help=f"built-in kinds: {', '.join(_KINDS)}")
