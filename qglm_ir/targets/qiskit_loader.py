"""``qiskit:NAME`` devices: a Qiskit ``Target`` (with its calibration) as a :class:`Device`.

``NAME`` names a fake backend of ``qiskit_ibm_runtime.fake_provider``, spelled
the way users write it: ``fake_sherbrooke``, ``FakeSherbrooke`` and
``sherbrooke`` are the same device. That package is an optional extra
(``pip install qglm[ibm]``); without it the loader raises a
:class:`DeviceError` saying so. :func:`device_from_target` converts any
``qiskit.transpiler.Target`` (e.g. of a real backend the user already holds).

What is read: the directed 2q couplers of every 2q instruction, the gate-table
gates of the target as ``basis_gates`` (plus ``measure``/``reset``/``delay``),
per-instruction error and duration, per-qubit T1/T2 from
``target.qubit_properties`` and, when the backend exposes ``properties()``,
``readout_error``, ``prob_meas1_prep0``, ``prob_meas0_prep1`` and the readout length.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

from ..core.errors import DeviceError, Location
from ..dialects.gates import GATES
from .device import Device, GateCalibration, QubitCalibration

_EXTRA_OPS = ("measure", "reset", "delay")


def _norm(name: str) -> str:
    n = name.lower().replace("_", "").replace("-", "")
    if n.startswith("fake"):
        n = n[4:]
    if n.endswith("v2"):
        n = n[:-2]
    return n


def fake_backend_names() -> list[str]:
    """Names of the installed fake backends (``fake_sherbrooke`` style); empty without the extra."""
    try:
        fp = importlib.import_module("qiskit_ibm_runtime.fake_provider")
    except ImportError:
        return []
    out = []
    for attr in dir(fp):
        if attr.startswith("Fake") and not attr.startswith("FakeProvider") and attr != "FakeFractionalBackend":
            out.append("fake_" + _norm(attr))
    return sorted(set(out))


def _spec_error(spec: str, message: str, help: str | None = None) -> DeviceError:
    start = spec.find(":") + 2
    return DeviceError(message, Location("<device>", 1, start, max(1, len(spec) - start + 1), spec), help=help)


def load_qiskit_device(spec: str) -> Device:
    """The device for ``qiskit:NAME``; raises :class:`DeviceError` when the extra is
    missing or ``NAME`` is unknown."""
    name = spec.partition(":")[2]
    try:
        fp = importlib.import_module("qiskit_ibm_runtime.fake_provider")
    except ImportError:
        raise _spec_error(
            spec,
            f"device {spec!r} needs qiskit-ibm-runtime, which is not installed",
            help="pip install qglm[ibm]   (or: pip install qiskit-ibm-runtime)",
        ) from None
    want = _norm(name)
    cls = None
    for attr in dir(fp):
        if attr.startswith("Fake") and _norm(attr) == want:
            obj = getattr(fp, attr)
            if isinstance(obj, type) and hasattr(obj, "target"):
                cls = obj
                break
    if cls is None or not want:
        import difflib

        names = fake_backend_names()
        close = difflib.get_close_matches("fake_" + want, names, n=3, cutoff=0.6)
        help_ = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(names)}"
        raise _spec_error(spec, f"unknown Qiskit fake backend {name!r}", help=help_)
    return _fake_device(cls, want)


@lru_cache(maxsize=8)
def _fake_device(cls: type, want: str) -> Device:
    # Building a fake backend parses a large JSON file (~1 s); devices are immutable, so cache.
    return device_from_backend(cls(), name=f"qiskit:{'fake_' + want}")


def device_from_backend(backend: Any, name: str | None = None) -> Device:
    """A :class:`Device` from a Qiskit ``BackendV2`` (its ``target`` plus readout details)."""
    readout: dict[int, dict[str, float]] = {}
    props_fn = getattr(backend, "properties", None)
    if callable(props_fn):
        try:
            props = props_fn()
        except Exception:  # noqa: BLE001  (a backend without stored properties)
            props = None
        if props is not None:
            for q, nduvs in enumerate(getattr(props, "qubits", []) or []):
                entry: dict[str, float] = {}
                for nd in nduvs:
                    if nd.name in ("readout_error", "prob_meas1_prep0", "prob_meas0_prep1"):
                        entry[nd.name] = float(nd.value)
                    elif nd.name == "readout_length":
                        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}.get(nd.unit, 1e-9)
                        entry["readout_duration"] = float(nd.value) * scale
                readout[q] = entry
    return device_from_target(backend.target, name or f"qiskit:{getattr(backend, 'name', 'backend')}", readout)


def device_from_target(target: Any, name: str = "qiskit-target",
                       readout: dict[int, dict[str, float]] | None = None) -> Device:
    """A :class:`Device` from a ``qiskit.transpiler.Target``.

    Requires: qubits numbered ``0..target.num_qubits-1``. Instructions that are
    not gate-table gates (control flow, custom gates) are skipped; a 2q
    instruction with ``qargs=None`` (global) makes the device all-to-all.
    """
    n = int(target.num_qubits)
    readout = readout or {}
    basis: list[str] = []
    edges: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    gates: dict[tuple[str, tuple[int, ...]], GateCalibration] = {}
    for op_name in target.operation_names:
        if op_name not in GATES and op_name not in _EXTRA_OPS:
            continue
        basis.append(op_name)
        arity = GATES[op_name].num_qubits if op_name in GATES else 1
        qmap = target[op_name]
        for qargs, props in qmap.items():
            if qargs is None:
                if arity == 2:
                    for a in range(n):
                        for b in range(n):
                            if a != b and (a, b) not in seen:
                                seen.add((a, b))
                                edges.append((a, b))
                continue
            qs = tuple(int(q) for q in qargs)
            if arity == 2 and qs not in seen:
                seen.add(qs)
                edges.append(qs)  # type: ignore[arg-type]
            if props is not None and (props.error is not None or props.duration is not None):
                if op_name == "delay":
                    continue
                err = props.error
                if err is not None:
                    err = min(1.0, max(0.0, float(err)))
                gates[(op_name, qs)] = GateCalibration(err, props.duration)
    qubits = []
    qprops = getattr(target, "qubit_properties", None) or [None] * n
    for q in range(n):
        qp = qprops[q] if q < len(qprops) else None
        ro = readout.get(q, {})
        meas = gates.get(("measure", (q,)))
        ro_err = ro.get("readout_error", meas.error if meas is not None else None)
        qubits.append(
            QubitCalibration(
                t1=getattr(qp, "t1", None),
                t2=getattr(qp, "t2", None),
                readout_error=ro_err,
                prob_meas1_prep0=ro.get("prob_meas1_prep0"),
                prob_meas0_prep1=ro.get("prob_meas0_prep1"),
                readout_duration=ro.get("readout_duration", meas.duration if meas is not None else None),
            )
        )
    # Gates first (2q, then 1q), then measure/reset/delay: the order users read them in.
    basis.sort(key=lambda g: (g not in GATES, -(GATES[g].num_qubits if g in GATES else 0), g))
    desc = getattr(target, "description", None) or f"Qiskit target with {n} qubits"
    return Device(name, n, tuple(edges), tuple(basis), tuple(qubits), gates, str(desc))
