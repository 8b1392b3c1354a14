"""Noise for noise-aware training: per-gate channels and a batched density-matrix forward.

:class:`NoiseSpec` applies, after every gate of a tape and on each qubit the
gate touches (in this order): a bit flip ``ρ -> (1-p)ρ + p XρX``, phase damping
(Kraus ``[[1,0],[0,√(1-λ)]]``, ``[[0,0],[0,√λ]]``: coherences shrink by
``√(1-λ)``) and a depolarizing channel ``ρ -> (1-p)ρ + p Tr_q(ρ) ⊗ I/2`` (Qiskit's
``depolarizing_error(p, 1)`` convention). This is the same model as a
``qiskit_aer`` ``NoiseModel`` with ``bit_flip ∘ phase_damping ∘ depolarizing``
single-qubit errors on every gate (tests compare the two).

Density matrices are ``(B, 2,.., 2, 2,.., 2)``: row wire ``w`` on axis ``1 + w``,
column wire ``w`` on axis ``1 + n + w``, so the statevector ``apply`` acts on
both sides (the column side with the conjugate matrix).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .statevector import apply, op_matrix, readout_probs
from .tape import Tape


@dataclass(frozen=True)
class NoiseSpec:
    """Per-gate single-qubit channels applied after every gate on the qubits it touches."""

    bit_flip: float = 0.0
    phase_damping: float = 0.0
    depolarizing: float = 0.0

    def __post_init__(self) -> None:
        for name in ("bit_flip", "phase_damping", "depolarizing"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and 0.0 <= v <= 1.0):
                raise ValueError(f"NoiseSpec.{name} must be a probability in [0, 1], got {v!r}")

    def scaled(self, factor: float) -> NoiseSpec:
        """Every strength times ``factor`` (clipped to 1): a noise-injection schedule's step."""
        return NoiseSpec(*(min(1.0, max(0.0, factor * v)) for v in (self.bit_flip, self.phase_damping,
                                                                    self.depolarizing)))

    @property
    def is_zero(self) -> bool:
        return not (self.bit_flip or self.phase_damping or self.depolarizing)

    def kraus(self) -> list[list[np.ndarray]]:
        """Kraus operators of the non-trivial channels, in application order."""
        from ..dialects.noise import channel_kraus

        # Qiskit's depolarizing(p) keeps rho with 1 - p and replaces it by I/2 with p: the
        # noise dialect's depolarizing channel (Pauli error p') with p' = 3p/4.
        channels = (("bit_flip", self.bit_flip), ("phase_damping", self.phase_damping),
                    ("depolarizing", 0.75 * self.depolarizing))
        return [channel_kraus(kind, p) for kind, p in channels if p]

    @classmethod
    def from_device(cls, device: Any, scale: float = 1.0) -> NoiseSpec:
        """Strengths from a device's calibration (a :class:`~qglm_ir.targets.device.Device`,
        a spec string such as ``"heavy-hex:7"`` or a noise model), averaged over its gates.

        * ``depolarizing``: mean depolarizing parameter of the calibrated gates
          (:meth:`~qglm_ir.targets.noise_model.NoiseModel.depolarizing_param`:
          the part of each gate's error that relaxation does not explain);
        * ``phase_damping``: pure dephasing over the mean gate duration,
          ``λ = 1 - exp(-2t/T_φ)`` (coherence decays as ``exp(-t/T_φ)``);
        * ``bit_flip``: the Pauli-twirled share of amplitude damping over the
          same time, ``(1 - exp(-t/T1)) / 2``.

        ``scale`` multiplies every strength (a noise-injection schedule raises it).
        """
        from ..targets.noise_model import noise_model_of

        model = noise_model_of(device)
        dev = model.device
        keys = [(g, tuple(qs)) for (g, qs) in dev.gates if g not in ("measure", "reset", "delay", "barrier")]
        deps = [model.depolarizing_param(g, qs) for g, qs in keys]
        durs = [model.gate_duration(g, qs) for g, qs in keys]
        durs = [d for d in durs if d > 0]
        t = float(np.mean(durs)) if durs else 0.0
        t1 = [q.t1 for q in model.qubits if math.isfinite(q.t1)]
        tphi = [q.t_phi for q in model.qubits if math.isfinite(q.t_phi) and q.t_phi > 0]
        bit = (1 - math.exp(-t / float(np.mean(t1)))) / 2 if t1 and t else 0.0
        phase = 1 - math.exp(-2 * t / float(np.mean(tphi))) if tphi and t else 0.0
        dep = float(np.mean(deps)) if deps else 0.0
        return cls(bit_flip=bit, phase_damping=phase, depolarizing=min(1.0, dep)).scaled(scale)


def zero_density(num_wires: int, batch: int) -> np.ndarray:
    from .statevector import check_size

    check_size(2 * num_wires, "density-matrix (2 x wires)")
    rho = np.zeros((batch,) + (2,) * (2 * num_wires), dtype=np.complex128)
    rho[(slice(None),) + (0,) * (2 * num_wires)] = 1.0
    return rho


def _unitary(rho: np.ndarray, m: np.ndarray, wires: tuple[int, ...], n: int) -> np.ndarray:
    rho = apply(rho, m, wires)
    return apply(rho, np.conj(m), tuple(w + n for w in wires))


def _channel(rho: np.ndarray, kraus: list[np.ndarray], w: int, n: int) -> np.ndarray:
    """A general single-qubit channel as a Kraus sum (reference for the closed forms above)."""
    out = np.zeros_like(rho)
    for k in kraus:
        out += _unitary(rho, k, (w,), n)
    return out


def block_maps(noise: NoiseSpec) -> tuple[np.ndarray, np.ndarray]:
    """The spec's channels on one qubit (bit flip, then phase damping, then depolarizing) as two
    2x2 maps: ``D`` on the diagonal blocks ``(ρ00, ρ11)`` and ``O`` on the coherences ``(ρ01, ρ10)``
    of that qubit's row/column bits (all three channels act on the blocks linearly)."""
    D = np.eye(2)
    O = np.eye(2)
    p = noise.bit_flip
    if p:  # X ρ X swaps both bits: ρ00 <-> ρ11, ρ01 <-> ρ10
        flip = np.array([[1 - p, p], [p, 1 - p]])
        D, O = flip @ D, flip @ O
    if noise.phase_damping:  # coherences shrink by sqrt(1 - λ)
        O = math.sqrt(1 - noise.phase_damping) * O
    p = noise.depolarizing
    if p:  # (1-p) ρ + p Tr_q(ρ) I/2
        D = np.array([[1 - p / 2, p / 2], [p / 2, 1 - p / 2]]) @ D
        O = (1 - p) * O
    return D, O


def apply_noise(rho: np.ndarray, noise: NoiseSpec, wires: tuple[int, ...], n: int,
                maps: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The spec's channels on each of ``wires``: one pass over the density tensor per wire."""
    D, O = block_maps(noise) if maps is None else maps
    for w in wires:
        idx = []
        for a, b in ((0, 0), (1, 1), (0, 1), (1, 0)):
            i: list[Any] = [slice(None)] * rho.ndim
            i[1 + w], i[1 + n + w] = a, b
            idx.append(tuple(i))
        r00, r11, r01, r10 = (rho[i] for i in idx)
        out = np.empty_like(rho)
        out[idx[0]] = D[0, 0] * r00 + D[0, 1] * r11
        out[idx[1]] = D[1, 0] * r00 + D[1, 1] * r11
        out[idx[2]] = O[0, 0] * r01 + O[0, 1] * r10
        out[idx[3]] = O[1, 0] * r01 + O[1, 1] * r10
        rho = out
    return rho


def run_density(tape: Tape, angles: np.ndarray, noise: NoiseSpec) -> np.ndarray:
    """Final density matrices ``(B, 2,.., 2, 2,.., 2)`` of a batch under ``noise``."""
    n = tape.num_wires
    rho = zero_density(n, angles.shape[0])
    maps = block_maps(noise)
    for op in tape.ops:
        rho = _unitary(rho, op_matrix(op, angles), op.wires, n)
        rho = apply_noise(rho, noise, op.wires, n, maps)
    return rho


def run_density_probs(tape: Tape, angles: np.ndarray, noise: NoiseSpec) -> np.ndarray:
    """Exact readout distributions ``(B, 2**width)`` under ``noise``."""
    rho = run_density(tape, angles, noise)
    n = tape.num_wires
    B = rho.shape[0]
    diag = np.real(np.diagonal(rho.reshape(B, 1 << n, 1 << n), axis1=1, axis2=2)).reshape((B,) + (2,) * n)
    return readout_probs(diag, tape.readout)
