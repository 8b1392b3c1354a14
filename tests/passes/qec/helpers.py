"""Shared builders for the QEC tests: toy calibrated devices and small mapped kernels."""

from __future__ import annotations

import functools

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core.module import Module
from qglm_ir.targets import Device, GateCalibration, QubitCalibration

#: A star of 5 qubits: 0 in the middle of two arms 0-1-3 and 0-2-4.
STAR_EDGES = ((0, 1), (1, 0), (0, 2), (2, 0), (1, 3), (3, 1), (2, 4), (4, 2))


def toy_device(cx: float = 2e-3, t1: float = 50e-6, t2: float | None = None, readout: float = 0.01) -> Device:
    """A 5-qubit star with uniform calibration (T2 = 2 T1 by default: no pure dephasing)."""
    n = 5
    qs = [QubitCalibration(t1=t1, t2=t2 if t2 is not None else 2 * t1, readout_error=readout,
                           readout_duration=1e-6)] * n
    gates = {}
    for q in range(n):
        gates[("sx", (q,))] = GateCalibration(2e-4, 36e-9)
        gates[("x", (q,))] = GateCalibration(2e-4, 36e-9)
    for a, b in STAR_EDGES:
        gates[("cx", (a, b))] = GateCalibration(cx, 300e-9)
    return Device("star", n, STAR_EDGES, ("cx", "rz", "sx", "x"), tuple(qs), gates)


def mapped_readout_kernel(num_qubits: int, q: int, prepare: str | None = None, idle: float = 0.0):
    """A kernel on ``num_qubits`` physical wires that prepares wire ``q`` (``x``, ``h`` or
    nothing), idles ``idle`` seconds (explicit delay) and measures it; marked as mapped."""
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", num_qubits)
    if prepare:
        kb.gate(prepare, q)
    if idle:
        kb.delay(q, idle * 1e9, "ns")
    if prepare == "h":
        kb.gate("h", q)
    bit = kb.measure(q)
    kb.finish([bit])
    kb.op.set_property("initial_layout", (q,))
    kb.op.set_property("final_layout", (q,))
    return mb.module, kb.op


@functools.cache
def sherbrooke() -> Device:
    from qglm_ir.targets import load_device

    return load_device("qiskit:fake_sherbrooke")


def clone(module: Module) -> Module:
    return module.clone()
