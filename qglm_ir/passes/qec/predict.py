"""Calibration-model predictions of logical error rates, used by the ``qec`` policy.

Everything here is a closed-form or small exact enumeration over *classical*
bit-flip events, derived from a :class:`NoiseModel`; nothing simulates a
density matrix. :mod:`.noisy_sim` is the independent check of these numbers.

The core is :func:`repetition_error`: a bit ``truth`` is copied by a CNOT
fan-out onto spare qubits (each CNOT suffers the depolarizing part of its
calibrated error as a uniform two-qubit Pauli, 4/15 of which flips the
control only, 4/15 the target only, 4/15 both, so a control flip propagates
into later copies; qubits in |1> decay with T1 during every gate), then every
qubit idles for ``idle`` seconds (bit-flip basis: |1> decays with
``1 - exp(-t/T1)``; phase-flip basis: each qubit flips with
``(1 - exp(-t/T2)) / 2``), then all are read with their asymmetric readout
errors and majority-voted. Averaged over ``truth`` in {0, 1}.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ...targets.noise_model import NoiseModel

_SHARE = 4.0 / 15.0


def _decay(t1: float, t: float) -> float:
    return 1.0 - math.exp(-t / t1) if math.isfinite(t1) and t > 0 else 0.0


def _dephase_flip(t2: float, t: float) -> float:
    return 0.5 * (1.0 - math.exp(-t / t2)) if math.isfinite(t2) and t > 0 else 0.0


def _majority_wrong(bits: Sequence[int], errs: Sequence[float], truth: int) -> float:
    dist = {0: 1.0}  # reported ones -> probability
    for b, e in zip(bits, errs):
        nxt: dict[int, float] = {}
        for ones, p in dist.items():
            for rep, pr in ((b, 1 - e), (1 - b, e)):
                if pr > 0:
                    nxt[ones + rep] = nxt.get(ones + rep, 0.0) + p * pr
        dist = nxt
    n = len(bits)
    return sum(p for ones, p in dist.items() if (2 * ones > n) != bool(truth))


def repetition_error(model: NoiseModel, qubits: Sequence[int], fanout: Sequence[tuple[int, int]],
                     idle: float = 0.0, basis: str = "z", readout: bool = True) -> float:
    """Predicted logical error of the repetition readout described in the module docstring.

    ``qubits[0]`` holds the data; ``fanout`` lists CNOTs as index pairs into
    ``qubits`` in time order; ``basis`` is ``"z"`` (bit-flip code / plain
    readout) or ``"x"`` (phase-flip code: idle flips by dephasing, no decay
    asymmetry). With no fan-out it is the unprotected error.
    """
    n = len(qubits)
    total = 0.0
    for truth in (0, 1):
        dist: dict[tuple[int, ...], float] = {(truth,) + (0,) * (n - 1): 1.0}
        for c, t in fanout:
            e = model.depolarizing_param("cx", (qubits[c], qubits[t])) * 15.0 / 16.0
            dur = model.gate_duration("cx", (qubits[c], qubits[t]))
            nxt: dict[tuple[int, ...], float] = {}
            for state, p in dist.items():
                st = list(state)
                st[t] ^= st[c]
                for fc, ft, pe in ((0, 0, 1 - 3 * _SHARE * e), (1, 0, _SHARE * e), (0, 1, _SHARE * e),
                                   (1, 1, _SHARE * e)):
                    if pe <= 0:
                        continue
                    cur = list(st)
                    cur[c] ^= fc
                    cur[t] ^= ft
                    for key, pk in _apply_idle(model, qubits, cur, dur, "z" if basis == "z" else "none"):
                        nxt[key] = nxt.get(key, 0.0) + p * pe * pk
            dist = nxt
        if idle > 0:
            nxt = {}
            for state, p in dist.items():
                for key, pk in _apply_idle(model, qubits, list(state), idle, basis):
                    nxt[key] = nxt.get(key, 0.0) + p * pk
            dist = nxt
        wrong = 0.0
        for state, p in dist.items():
            if readout and basis == "z":
                errs = [model.qubits[q].p01 if b == 0 else model.qubits[q].p10 for q, b in zip(qubits, state)]
            elif readout:
                errs = [model.qubits[q].readout_error for q in qubits]
            else:
                errs = [0.0] * n
            wrong += p * _majority_wrong(state, errs, truth)
        total += 0.5 * wrong
    return total


def _apply_idle(model: NoiseModel, qubits: Sequence[int], state: list[int], t: float, basis: str
                ) -> list[tuple[tuple[int, ...], float]]:
    """Distribution of ``state`` after ``t`` seconds of idle flips on every qubit."""
    out = [(tuple(state), 1.0)]
    if t <= 0 or basis == "none":
        return out
    for j, q in enumerate(qubits):
        qn = model.qubits[q]
        nxt = []
        for s, p in out:
            if basis == "z":
                pf = _decay(qn.t1, t) if s[j] == 1 else 0.0
            else:
                pf = _dephase_flip(qn.t2, t)
            if pf <= 0:
                nxt.append((s, p))
                continue
            f = list(s)
            f[j] ^= 1
            nxt.append((s, p * (1 - pf)))
            nxt.append((tuple(f), p * pf))
        out = nxt
    return out


def dd_gain(model: NoiseModel, q: int, windows: Sequence[float], pulses: int) -> float:
    """Predicted success-probability gain of DD with ``pulses`` pulses per window on ``q``.

    DD refocuses the coherent idle error (quasi-static detuning, ZZ to idle
    neighbours) in each window, which is fully removed in this model (both are
    static within a shot), and costs ``pulses`` single-qubit gate errors per
    window. Markovian T1/T2 is unchanged, so without coherent terms the gain is
    negative: DD only adds gate error.
    """
    qn = model.qubits[q]
    static = sum(model.zz_neighbors(q).values())
    e_pulse = model.gate_error("x", (q,))
    gain = 0.0
    for t in windows:
        gain += qn.coherent_dephasing_infidelity(t, static) - pulses * e_pulse
    return gain
