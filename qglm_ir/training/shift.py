"""Parameter-shift gradients of a tape: every shifted circuit evaluated as one batch.

Rules (``f(θ)`` an expectation value; ``U(θ) = exp(-iθG)``):

* two-term, for generators with two distinct eigenvalues one apart (``rx ry rz p``,
  every angle of ``u``, ``rxx ryy rzz cp``):
  ``f' = [f(θ+π/2) - f(θ-π/2)] / 2``;
* four-term, for ``crx cry crz`` (generator eigenvalues ``0, ±1/2``: gaps ``1/2`` and ``1``):
  ``f' = d₊[f(θ+π/2) - f(θ-π/2)] - d₋[f(θ+3π/2) - f(θ-3π/2)]`` with
  ``d± = (√2 ± 1) / (4√2)`` (Anderson & Crooks; Wierichs et al. 2022).

The rules are exact for noisy circuits too (a θ-independent channel after the
gate keeps the same frequencies), and they run on hardware: with ``shots`` every
shifted circuit's readout is sampled ``shots`` times (one seeded generator).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .statevector import readout_probs, run_states, statistic
from .tape import Tape

#: Amplitudes per simulated slice of the shifted batch (2^24 complex128 = 256 MiB).
_CHUNK_AMPLITUDES = 1 << 24
_D_PLUS = (math.sqrt(2) + 1) / (4 * math.sqrt(2))
_D_MINUS = (math.sqrt(2) - 1) / (4 * math.sqrt(2))
TWO_TERM: tuple[tuple[float, float], ...] = ((math.pi / 2, 0.5), (-math.pi / 2, -0.5))
FOUR_TERM: tuple[tuple[float, float], ...] = (
    (math.pi / 2, _D_PLUS), (-math.pi / 2, -_D_PLUS), (3 * math.pi / 2, -_D_MINUS), (-3 * math.pi / 2, _D_MINUS),
)
SHIFT_RULES: dict[str, tuple[tuple[float, float], ...]] = {
    **{g: TWO_TERM for g in ("rx", "ry", "rz", "p", "u", "rxx", "ryy", "rzz", "cp")},
    **{g: FOUR_TERM for g in ("crx", "cry", "crz")},
}


def shift_terms(tape: Tape, rules: dict[str, tuple[tuple[float, float], ...]] | None = None,
                ) -> list[tuple[int, float, float]]:
    """``(angle row, shift, coefficient)`` of every term of every angle's rule."""
    rules = SHIFT_RULES if rules is None else rules
    return [(r, s, c) for op in tape.ops for r in op.angles for s, c in rules[op.name]]


def tape_probs(tape: Tape, angles: np.ndarray, noise: object | None = None) -> np.ndarray:
    """Exact readout distributions ``(B, 2**width)`` of a batch of angle vectors (pure or noisy)."""
    if noise is not None:
        from .noise import run_density_probs

        return run_density_probs(tape, angles, noise)  # type: ignore[arg-type]
    psi = run_states(tape, angles)
    return readout_probs(np.abs(psi) ** 2, tape.readout)


def sample_probs(probs: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Empirical distributions from ``shots`` samples of each row of ``probs``."""
    p = np.clip(probs, 0.0, None)
    p = p / p.sum(axis=1, keepdims=True)
    return rng.multinomial(shots, p) / shots


def shifted_probs(tape: Tape, angles: np.ndarray, noise: object | None = None, client: Any = None) -> np.ndarray:
    """:func:`tape_probs` of a large batch, in slices of bounded memory: here, or with
    ``client`` (a ``distributed.Client``) as tasks on its cluster (the tape goes to every
    worker once, rows come back in order; see :mod:`qglm_ir.distributed.chunks`)."""
    n = angles.shape[0]
    width = tape.num_wires * (2 if noise is not None else 1)
    step = max(1, _CHUNK_AMPLITUDES >> width)
    if client is None:
        return np.concatenate([tape_probs(tape, angles[i:i + step], noise) for i in range(0, n, step)])
    from ..distributed.chunks import chunk_starts, map_chunks

    _, size = chunk_starts(n, client)
    size = min(size, step)
    parts = map_chunks(client, tape_probs, tape, [(angles[i:i + size], noise) for i in range(0, n, size)],
                       name="qglm-shift")
    return np.concatenate(parts)


def shift_angle_grads(tape: Tape, angles: np.ndarray, stat: str, cotangent: np.ndarray,
                      shots: int | None = None, seed: int = 0, noise: object | None = None,
                      rules: dict[str, tuple[tuple[float, float], ...]] | None = None,
                      client: Any = None) -> np.ndarray:
    """``(B, n_angles)``: parameter-shift gradient of ``sum(cotangent * statistic)`` per tape angle.

    All ``T x B`` shifted circuits run as one batch (on ``client``'s cluster when
    one is given: :func:`shifted_probs`); sampling happens here, after the exact
    distributions are gathered, so ``seed`` gives the same samples either way.
    ``rules`` overrides the rule table (tests use it to show a two-term rule is
    wrong for ``crx``)."""
    terms = shift_terms(tape, rules)
    B, n_angles = angles.shape
    grads = np.zeros((B, n_angles))
    if not terms:
        return grads
    T = len(terms)
    big = np.repeat(angles[None, :, :], T, axis=0)
    rows = np.array([t[0] for t in terms])
    big[np.arange(T), :, rows] += np.array([t[1] for t in terms])[:, None]
    flat = big.reshape(T * B, n_angles)
    probs = shifted_probs(tape, flat, noise, client)  # one batch of every shifted circuit
    if shots:
        probs = sample_probs(probs, shots, np.random.default_rng(seed))
    vals = statistic(probs, stat, len(tape.readout)).reshape(T, B, -1)
    loss = np.einsum("tbk,bk->tb", vals, cotangent)
    coef = np.array([t[2] for t in terms])
    np.add.at(grads.T, rows, coef[:, None] * loss)
    return grads
