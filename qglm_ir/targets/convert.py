"""Turn whatever a user holds into a :class:`Device`: ``as_device(obj)``.

Accepted (the ``device=`` of :func:`qglm_ir.compile` and the arguments of
:func:`qglm_ir.transpile`):

* ``None`` (no device), a :class:`Device`, a spec string (``heavy-hex:3``,
  ``qiskit:fake_sherbrooke``, a JSON path: :func:`~qglm_ir.targets.load_device`);
* a Qiskit ``BackendV2`` (anything with a ``target`` attribute that is a
  ``Target``), converted with its readout calibration
  (:func:`~qglm_ir.targets.qiskit_loader.device_from_backend`);
* a Qiskit ``Target`` (:func:`~qglm_ir.targets.qiskit_loader.device_from_target`);
* a Qiskit ``CouplingMap`` or a list of ``[a, b]`` couplers, with ``basis_gates``
  (:func:`device_from_coupling_map`);
* a ``cirq.Device`` whose ``metadata`` carries a qubit graph
  (:func:`~qglm_ir.targets.cirq_loader.device_from_cirq`).

Anything else raises :class:`DeviceError` naming the type. Conversions of the
same Qiskit object are cached by identity (a fake backend's ``Target`` has
thousands of entries; :func:`qglm_ir.transpile` over a list converts once).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from ..core.errors import DeviceError
from ..dialects.gates import GATES
from .device import Device

#: Qiskit basis names that are another spelling of a gate-table gate.
QISKIT_ALIASES = {"u3": "u", "u1": "p", "cnot": "cx", "i": "id", "cphase": "cp"}

#: Names ``basis_gates`` may carry that are not gates (kept out of the gate set silently).
NON_GATES = frozenset({"measure", "reset", "delay", "barrier", "if_else", "for_loop", "while_loop",
                       "switch_case", "box", "break_loop", "continue_loop", "store"})

_cache: weakref.WeakKeyDictionary[Any, Device] = weakref.WeakKeyDictionary()


def _cls_module(obj: Any) -> str:
    return type(obj).__module__ or ""


def is_qiskit_target(obj: Any) -> bool:
    """True for a ``qiskit.transpiler.Target``."""
    if not _cls_module(obj).startswith("qiskit"):
        return False
    from qiskit.transpiler import Target

    return isinstance(obj, Target)


def is_qiskit_backend(obj: Any) -> bool:
    """True for a Qiskit ``BackendV2`` (an object whose ``target`` is a ``Target``)."""
    if is_qiskit_target(obj) or not hasattr(type(obj), "target"):
        return False
    try:
        return is_qiskit_target(obj.target)
    except Exception:  # noqa: BLE001  (a property that raises is "not a backend")
        return False


def is_cirq_device(obj: Any) -> bool:
    """True for a ``cirq.Device``."""
    if not _cls_module(obj).startswith("cirq"):
        return False
    import cirq

    return isinstance(obj, cirq.Device)


def normalize_basis(basis_gates: Iterable[str], what: str = "basis_gates") -> tuple[str, ...]:
    """Gate-table names of a Qiskit ``basis_gates`` list, in order, without duplicates.

    Aliases (``u3``, ``u1``, ``cnot``) are mapped; ``measure``/``reset``/``delay``
    and control-flow names are dropped. Raises :class:`DeviceError` for names
    that are neither (a gate qglm cannot target) or when no gate is left.
    """
    out: list[str] = []
    unknown: list[str] = []
    for raw in basis_gates:
        name = QISKIT_ALIASES.get(str(raw).lower(), str(raw).lower())
        if name in NON_GATES:
            continue
        if name not in GATES:
            unknown.append(str(raw))
        elif name not in out:
            out.append(name)
    if unknown:
        raise DeviceError(f"{what}: unknown gate(s) {', '.join(map(repr, unknown))}",
                          help="qglm targets the gates " + " ".join(GATES))
    if not out:
        raise DeviceError(f"{what} names no gate", help="give e.g. ['cx', 'rz', 'sx', 'x']")
    return tuple(out)


def _edges_of(coupling_map: Any) -> list[tuple[int, int]]:
    get_edges = getattr(coupling_map, "get_edges", None)
    pairs = get_edges() if callable(get_edges) else coupling_map
    try:
        return [(int(a), int(b)) for a, b in pairs]
    except (TypeError, ValueError):
        raise DeviceError(f"coupling_map: expected a CouplingMap or a list of [a, b] pairs, got {coupling_map!r}",
                          help="e.g. CouplingMap.from_line(5) or [[0, 1], [1, 2]]") from None


def device_from_coupling_map(coupling_map: Any, basis_gates: Sequence[str] | None = None,
                             name: str = "coupling-map") -> Device:
    """A :class:`Device` with the (directed) couplers of ``coupling_map``.

    Like ``qiskit.transpile(coupling_map=...)`` without ``basis_gates``, no
    translation is requested then: the basis is the whole gate table, so only
    layout, routing and direction fixing change the circuit.
    """
    edges = _edges_of(coupling_map)
    size = getattr(coupling_map, "size", None)
    n = int(size()) if callable(size) else (1 + max((max(e) for e in edges), default=0))
    basis = normalize_basis(basis_gates) if basis_gates is not None else tuple(GATES)
    return Device(name, n, tuple(edges), basis, description=f"coupling map of {n} qubits")


def _cached(obj: Any, make: Any) -> Device:
    try:
        dev = _cache.get(obj)
    except TypeError:  # unhashable or not weak-referenceable: convert every time
        return make()
    if dev is None:
        dev = make()
        try:
            _cache[obj] = dev
        except TypeError:
            pass
    return dev


def as_device(obj: Any) -> Any:
    """The :class:`Device` for ``obj`` (see the module docstring); ``None`` stays ``None``.

    A :class:`Device` (or any object already shaped like one, with ``edges``
    and ``num_qubits``) is returned unchanged.
    """
    if obj is None or isinstance(obj, Device):
        return obj
    if isinstance(obj, str):
        from . import load_device

        return load_device(obj)
    if is_qiskit_target(obj):
        from .qiskit_loader import device_from_target

        return _cached(obj, lambda: device_from_target(obj))
    if is_qiskit_backend(obj):
        from .qiskit_loader import device_from_backend

        name = getattr(obj, "name", None) or "backend"
        return _cached(obj, lambda: device_from_backend(obj, name=f"qiskit:{name}"))
    if type(obj).__name__ == "CouplingMap" and _cls_module(obj).startswith("qiskit"):
        return device_from_coupling_map(obj)
    if is_cirq_device(obj):
        from .cirq_loader import device_from_cirq

        if getattr(getattr(obj, "metadata", None), "nx_graph", None) is None:
            raise DeviceError(f"the Cirq device {type(obj).__name__} publishes no qubit graph (metadata.nx_graph)",
                              help="give a device with metadata, e.g. cirq.testing.construct_grid_device(3, 3)")
        return _cached(obj, lambda: device_from_cirq(obj, f"cirq:{type(obj).__name__}"))
    if hasattr(obj, "edges") and hasattr(obj, "num_qubits"):
        return obj  # a device model of the caller's own, shaped like Device
    raise DeviceError(f"cannot use a {type(obj).__module__}.{type(obj).__name__} as a device",
                      help="give a spec string (`qglmc devices`), a qglm Device, a Qiskit BackendV2 or Target, "
                           "a CouplingMap or a cirq.Device")


__all__ = ["as_device", "device_from_coupling_map", "is_cirq_device", "is_qiskit_backend", "is_qiskit_target",
           "normalize_basis"]
