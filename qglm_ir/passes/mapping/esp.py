"""Estimated success probability (ESP) of a kernel on a calibrated device.

    ESP = prod over gates g (1 - error(g)) * prod over measurements m (1 - readout_error(m))

using the device calibration for the gate on the physical qubits it acts on
(:meth:`Device.gate_error`: the exact entry, else for a 2q gate the best
native 2q gate on that coupler and for a 1q gate the worst calibrated 1q
gate on that qubit; an un-lowered ``swap`` counts as three 2q gates). Unknown
errors count as 0; ``rz``/``id``/barriers/delays have no error unless
calibrated. Control flow: an ``scf.for`` with constant bounds counts its
body once per iteration, an ``scf.if`` its worse branch, anything else once.

For a mapped kernel (it has ``initial_layout``), wire ``p`` is physical
qubit ``p``; an unmapped kernel is scored as if wire ``i`` sat on qubit ``i``
(the trivial layout), which is what "ESP before mapping" means in reports.
"""

from __future__ import annotations

import math

from ...core.errors import PassError
from ...core.ir import Block, Operation, Value
from ...dialects.arith import constant_int as _const_int
from ...dialects.scf import ForOp
from ...targets.device import Device
from .wires import KernelWires, analyze, kernel_body

_FREE = frozenset({"q.alloc", "q.dealloc", "q.barrier", "q.delay", "q.global_phase"})



def _log_block(block: Block, phys: dict[Value, int], device: Device,
               terms: dict[tuple[str, tuple[int, ...]], float | None]) -> float:
    """``log ESP`` of ``block``; ``terms`` caches :func:`_log_term` per gate name and physical
    qubits (a routed kernel repeats the same few hundred pairs thousands of times, and each
    term is a few calibration lookups)."""
    total = 0.0
    for op in block:
        name = op.name
        if name in _FREE or not (name.startswith("q.") or op.regions):
            continue
        if op.regions:
            parts = [_log_block(r.block, phys, device, terms) for r in op.regions]
            if name == "scf.for":
                lb, ub, st = (_const_int(v) for v in ForOp(op).bounds)
                trips = 1
                if lb is not None and ub is not None and st:
                    trips = max(0, -(-(ub - lb) // st)) if st > 0 else 1
                total += trips * parts[0]
            elif name == "scf.if":
                total += min(parts)
            else:
                total += sum(parts)
            continue
        qs = tuple([phys[v] for v in op.operands if v.type.is_qubit and v in phys])
        if not qs:
            continue
        key = (name, qs)
        if key in terms:
            t = terms[key]
        else:
            t = terms[key] = _log_term(name, qs, device)
        if t is None:
            continue
        if t == -math.inf:
            return -math.inf
        total += t
    return total


def _log_term(name: str, qs: tuple[int, ...], device: Device) -> float | None:
    """``log(1 - error)`` of gate ``name`` on physical qubits ``qs``: None when the error is
    unknown or not positive (the gate counts as perfect), ``-inf`` when it is 1 or more."""
    if name == "q.measure":
        e = device.measure_error(qs[0])
    elif name == "q.reset":
        cal = device.gate_calibration("reset", qs)
        e = cal.error if cal is not None else None
    elif name == "q.swap" and device.gate_calibration("swap", qs) is None:
        e1 = device.coupler_error(qs[0], qs[1])
        e = None if e1 is None else 1.0 - (1.0 - e1) ** 3
    else:
        e = device.gate_error(name[2:], qs) if name != "q.unitary" else (
            device.coupler_error(*qs) if len(qs) == 2 else device.single_qubit_error(qs[0]))
    if e is None or e <= 0:
        return None
    if e >= 1.0:
        return -math.inf
    return math.log1p(-e)


def esp(kernel: Operation, device: Device, kw: KernelWires | None = None) -> float | None:
    """The ESP of ``kernel`` on ``device`` (see the module docstring); ``None`` when the device
    has no calibration. Raises :class:`PassError` when the kernel has more wires than the device.
    ``kw``: :func:`.wires.analyze` of ``kernel`` as it is, when the caller has it."""
    if not device.has_calibration:
        return None
    if kw is None:
        kw = analyze(kernel)
    if kw.num_wires > device.num_qubits:
        raise PassError(f"kernel has {kw.num_wires} qubits, device {device.name} only {device.num_qubits}")
    log = _log_block(kernel_body(kernel), kw.vid, device, {})
    return 0.0 if log == -math.inf else math.exp(log)
