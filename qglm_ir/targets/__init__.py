"""Device models: coupling graph, native gates and calibration, and their loaders.

``load_device(spec)`` understands every ``--device`` spelling:

* built-in graphs ``line:N``, ``ring:N``, ``grid:RxC``, ``heavy-hex:D``,
  ``all-to-all:N`` (numbered like Qiskit's ``CouplingMap`` constructors);
* ``qiskit:NAME``: a fake backend of qiskit-ibm-runtime (extra ``qglm[ibm]``),
  with its calibration, e.g. ``qiskit:fake_sherbrooke``;
* ``cirq:NAME``: Cirq's device graphs (``cirq:grid:4``, ``cirq:sycamore``);
* a path to a device JSON file (``docs/device-schema.md``).
"""

from __future__ import annotations

import os

from ..core.errors import DeviceError, Location
from .builtin import BUILTIN_SPECS, builtin_device, is_builtin_spec
from .device import Device, GateCalibration, QubitCalibration

__all__ = [
    "Device",
    "DeviceError",
    "GateCalibration",
    "QubitCalibration",
    "builtin_device_specs",
    "load_device",
]


def builtin_device_specs() -> list[tuple[str, str]]:
    """``(spec pattern, one-line summary)`` for every ``--device`` spelling (``qglmc devices``)."""
    from .cirq_loader import CIRQ_NAMES

    return [
        *BUILTIN_SPECS,
        ("qiskit:NAME", "a Qiskit fake backend with calibration, e.g. qiskit:fake_sherbrooke (needs qglm[ibm])"),
        *CIRQ_NAMES,
        ("PATH.json", "a device file (coupling map, basis, calibration; see docs/device-schema.md)"),
    ]


def load_device(spec: str) -> Device:
    """The :class:`Device` named by ``spec`` (see the module docstring).

    Raises :class:`DeviceError` with a location in ``spec`` (or in the JSON
    file) and a ``help:`` line for unknown or malformed specs.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise DeviceError("empty device spec", Location("<device>", 1, 1, 1, str(spec)),
                          help="see `qglmc devices` for the accepted spellings")
    spec = spec.strip()
    if is_builtin_spec(spec):
        return builtin_device(spec)
    prefix = spec.split(":", 1)[0]
    if prefix == "qiskit" and ":" in spec:
        from .qiskit_loader import load_qiskit_device

        return load_qiskit_device(spec)
    if prefix == "cirq" and ":" in spec:
        from .cirq_loader import load_cirq_device

        return load_cirq_device(spec)
    if os.path.exists(spec) or spec.endswith(".json"):
        return Device.load(spec)
    patterns = ", ".join(p for p, _ in builtin_device_specs())
    raise DeviceError(f"unknown device {spec!r}", Location("<device>", 1, 1, len(spec), spec),
                      help=f"accepted: {patterns}")
