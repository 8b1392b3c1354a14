"""Export Clifford kernels with inserted codes to Stim, with detectors and observables.

:func:`to_stim` writes a kernel as Stim circuit text so its logical error rate
can be sampled at scale (``stim.Circuit(text).compile_detector_sampler()``,
``detector_error_model`` + a matching decoder):

* qubits are wires (= physical qubits of a mapped kernel); Clifford gates of
  the gate table map to Stim gates (``rx/ry/rz/p`` only at multiples of pi/2
  with constant angles); ``q.reset`` is ``R``, ``q.measure`` is ``M``;
  ``scf.for`` with constant bounds is unrolled; any other control flow, or a
  non-Clifford gate, raises :class:`PassError`;
* the feed-forward correction of a repetition code (``scf.if`` with
  ``qec.role = "correction"``) is left to the decoder, as in every Stim
  memory experiment: its syndrome measurements (``qec.role = "syndrome"``)
  become one ``DETECTOR`` each (deterministic 0 without noise);
* post-decoded codes (``qec.role = "data"``): the parity of each spare's data
  bit with the protected qubit's bit is a ``DETECTOR``, and the protected
  qubit's bit is the observable;
* every returned ``i1`` that is a measurement result (or a vote of a code)
  becomes ``OBSERVABLE_INCLUDE(k)`` for the k-th returned bit.

With ``model`` the circuit carries the calibration noise, Pauli-twirled:
``DEPOLARIZE1/2`` after gates (the depolarizing part of their error), an idle
``PAULI_CHANNEL_1`` (T1/T2 twirl: ``px = py = gamma/4``,
``pz = (1 - exp(-t/T2))/2 - gamma/4``) in each ALAP idle window, during each
gate and delay, and the readout error as ``M(p)``. Coherent terms are not
Pauli channels and are omitted.
"""

from __future__ import annotations

import math
from typing import Any

from ...core.errors import PassError
from ...core.ir import Block, Operation, OpResult, Value
from ...core.types import i1
from ...dialects.q import MeasureOp, gate_params
from ...targets.noise_model import NoiseModel
from .schedule import delay_seconds, schedule, trip_count
from .wires import KernelWires, analyze

_STIM = {"id": "I", "x": "X", "y": "Y", "z": "Z", "h": "H", "s": "S", "sdg": "S_DAG", "sx": "SQRT_X",
         "sxdg": "SQRT_X_DAG", "cx": "CX", "cy": "CY", "cz": "CZ", "swap": "SWAP", "iswap": "ISWAP"}
_ROT = {"rz": ("I", "S", "Z", "S_DAG"), "p": ("I", "S", "Z", "S_DAG"), "rx": ("I", "SQRT_X", "X", "SQRT_X_DAG"),
        "ry": ("I", "SQRT_Y", "Y", "SQRT_Y_DAG")}


def _angle(v: Value) -> float | None:
    if isinstance(v, OpResult):
        if v.op.name == "arith.constant":
            x = v.op.properties.get("value")
            return float(x) if isinstance(x, (int, float)) else None
        if v.op.name == "arith.pi":
            return math.pi
    return None


def _idle_pauli(model: NoiseModel, wire: int, t: float) -> tuple[float, float, float]:
    qn = model.qubits[wire]
    g = 1 - math.exp(-t / qn.t1) if math.isfinite(qn.t1) else 0.0
    t2 = min(qn.t2, 2 * qn.t1)
    pz = 0.5 * (1 - math.exp(-t / t2)) - g / 4 if math.isfinite(t2) else 0.0
    return g / 4, g / 4, max(0.0, pz)


class _Writer:
    def __init__(self, kernel: Operation, model: NoiseModel | None):
        self.kw: KernelWires = analyze(kernel)
        self.model = model
        self.lines: list[str] = []
        self.nmeas = 0
        self.rec: dict[Value, int] = {}
        self.idle: dict[Operation, list[tuple[int, float]]] = {}
        if model is not None:
            for w in schedule(kernel, model, "alap", self.kw).windows:
                if w.kind != "discard":
                    self.idle.setdefault(w.user, []).append((w.wire, w.duration))

    def noise_idle(self, wire: int, t: float) -> None:
        if self.model is None or t <= 0:
            return
        px, py, pz = _idle_pauli(self.model, wire, t)
        if px + py + pz > 0:
            self.lines.append(f"PAULI_CHANNEL_1({px:.6g}, {py:.6g}, {pz:.6g}) {wire}")

    def block(self, block: Block) -> None:
        for op in block:
            for wire, t in self.idle.get(op, ()):
                self.noise_idle(wire, t)
            self.op(op)

    def op(self, op: Operation) -> None:
        name = op.name
        kw = self.kw
        if name in ("q.alloc", "q.dealloc", "q.barrier", "q.global_phase", "func.return", "scf.yield") \
                or name.startswith("arith.") or name.startswith("noise."):
            return
        if name == "scf.if" and op.attributes.get("qec.role") == "correction":
            return  # the decoder applies it (Pauli frame)
        if name == "scf.for":
            n = trip_count(op)
            if n is None:
                raise PassError("Stim export needs constant loop bounds", op.loc)
            for _ in range(n):
                self.block(op.regions[0].block)
            return
        if op.regions:
            raise PassError(f"Stim export does not support {name} (only unrolled, Clifford kernels)", op.loc)
        wires = list(kw.op_wires(op))
        if name == "q.measure":
            p = self.model.qubits[wires[0]].readout_error if self.model is not None else 0.0
            self.lines.append(f"M({p:.6g}) {wires[0]}" if p > 0 else f"M {wires[0]}")
            self.rec[op.results[0]] = self.nmeas
            self.nmeas += 1
            return
        if name == "q.reset":
            self.lines.append(f"R {wires[0]}")
            return
        if name == "q.delay":
            self.noise_idle(wires[0], delay_seconds(op))
            return
        gate = name[2:]
        if gate in _STIM:
            self.lines.append(f"{_STIM[gate]} {' '.join(map(str, wires))}")
        elif gate in _ROT:
            a = _angle(gate_params(op)[0])
            k = None if a is None else a / (math.pi / 2)
            if k is None or abs(k - round(k)) > 1e-9:
                raise PassError(f"{name} with a non-Clifford or symbolic angle cannot go to Stim", op.loc)
            stim = _ROT[gate][int(round(k)) % 4]
            if stim != "I":
                self.lines.append(f"{stim} {wires[0]}")
        else:
            raise PassError(f"gate {gate} is not Clifford: cannot export to Stim", op.loc)
        if self.model is not None:
            p = self.model.depolarizing_param(gate, wires)
            if p > 0:
                # Stim's DEPOLARIZEn(p) picks one of the 4^n - 1 Paulis with total probability p.
                d2 = 4 ** len(wires)
                self.lines.append(f"DEPOLARIZE{len(wires)}({p * (d2 - 1) / d2:.6g}) {' '.join(map(str, wires))}")
            dur = self.model.gate_duration(gate, wires)
            for w in wires:
                self.noise_idle(w, dur)

    def target(self, v: Value) -> str:
        return f"rec[{self.rec[v] - self.nmeas}]"


def _vote_source(v: Value, kernel: Operation) -> Value | None:
    """The protected qubit's own measurement behind a code's vote (or ``v`` if a measurement)."""
    if isinstance(v, OpResult) and v.op.name == "q.measure":
        return v
    # A vote's inputs include a data measurement of the protected wire: pick the one on its code wire.
    seen: list[Value] = [v]
    while seen:
        x = seen.pop()
        if isinstance(x, OpResult):
            if x.op.name == "q.measure" and x.op.attributes.get("qec.role") == "data":
                return x
            if x.op.name.startswith("arith."):
                seen.extend(x.op.operands)
    return None


def to_stim(kernel: Operation, model: NoiseModel | None = None) -> str:
    """Stim circuit text of ``kernel`` (see the module docstring)."""
    w = _Writer(kernel, model)
    w.block(kernel.regions[0].block)
    lines = w.lines
    # Detectors: syndromes, and data-bit parities of post-decoded codes.
    by_code: dict[Any, list[OpResult]] = {}
    for op in kernel.walk():
        if op.name != "q.measure" or op.results[0] not in w.rec:
            continue
        role = op.attributes.get("qec.role")
        if role == "syndrome":
            lines.append(f"DETECTOR {w.target(op.results[0])}")
        elif role == "data":
            by_code.setdefault(op.attributes.get("qec.code"), []).append(op.results[0])
    for code, bits in by_code.items():
        main = next((b for b in bits if w.kw.wire_of[MeasureOp(b.op).qubit] == code), bits[0])
        for b in bits:
            if b is not main:
                lines.append(f"DETECTOR {w.target(main)} {w.target(b)}")
    ret = kernel.regions[0].block.last
    assert ret is not None
    k = 0
    for v in ret.operands:
        if v.type != i1:
            continue
        src = _vote_source(v, kernel)
        if src is not None and src in w.rec:
            lines.append(f"OBSERVABLE_INCLUDE({k}) {w.target(src)}")
        k += 1
    return "\n".join(lines) + "\n"
