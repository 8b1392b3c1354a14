"""Gate commutation derived from the gate table's matrices (no hand-written pair list).

Two gates commute *generically* when their matrices, embedded on the union of
their qubits, commute for random values of every angle: a commutator is an
analytic function of the angles, so vanishing at random points means it
vanishes identically. The answer depends only on the two gate names and how
their qubits overlap, so it is computed once per such triple and cached.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ...dialects.gates import GATES

Pattern = tuple[int, ...]
"""For each qubit of the second gate: the index of the first gate's qubit it shares, or -1."""

_RNG_ANGLES = (0.7361, -1.9187, 2.4513, 0.3049, -0.8822, 1.3377)


def embed(matrix: np.ndarray, positions: tuple[int, ...], n: int) -> np.ndarray:
    """The ``2^n x 2^n`` little-endian operator of ``matrix`` acting on qubits ``positions``."""
    k = len(positions)
    gate = np.asarray(matrix).reshape((2,) * (2 * k))
    full = np.eye(1 << n, dtype=np.complex128).reshape((2,) * (2 * n))
    # Axis of qubit q in a little-endian reshaped operator is n-1-q (row) / 2n-1-q (column).
    letters = "abcdefghijklmnopqrstuvwxyz"
    out_rows = list(letters[:n])
    cols = list(letters[n : 2 * n])
    new = list(letters[2 * n : 2 * n + k])
    in_rows = list(out_rows)
    g_out, g_in = [], []
    for j in reversed(range(k)):  # gate axes: most significant (qubit k-1) first
        q = positions[j]
        g_out.append(new[j])
        g_in.append(in_rows[n - 1 - q])
    res_rows = list(in_rows)
    for j in range(k):
        res_rows[n - 1 - positions[j]] = new[j]
    spec = f"{''.join(g_out + g_in)},{''.join(in_rows + cols)}->{''.join(res_rows + cols)}"
    return np.einsum(spec, gate, full).reshape(1 << n, 1 << n)


def _matrix(name: str, salt: int) -> np.ndarray:
    spec = GATES[name]
    params = [_RNG_ANGLES[(salt + i) % len(_RNG_ANGLES)] for i in range(spec.num_params)]
    return spec.matrix(*params)


@lru_cache(maxsize=4096)
def commutes(a: str, b: str, pattern: Pattern) -> bool:
    """Whether gate ``a`` (on qubits ``0..na-1``) commutes with gate ``b`` placed by ``pattern``.

    ``pattern[j]`` is the qubit of ``a`` that ``b``'s qubit ``j`` acts on, or
    ``-1`` for a qubit ``a`` does not touch. Disjoint gates always commute.
    Requires: both names are in the gate table; ``len(pattern)`` is ``b``'s arity.
    """
    if all(p < 0 for p in pattern):
        return True
    na = GATES[a].num_qubits
    pos_b = []
    extra = na
    for p in pattern:
        if p >= 0:
            pos_b.append(p)
        else:
            pos_b.append(extra)
            extra += 1
    n = extra
    pos_a = tuple(range(na))
    for salt in (0, 3):
        ma = embed(_matrix(a, salt), pos_a, n)
        mb = embed(_matrix(b, salt + 1), tuple(pos_b), n)
        if not np.allclose(ma @ mb, mb @ ma, atol=1e-9):
            return False
    return True


@lru_cache(maxsize=256)
def always_diagonal(name: str) -> bool:
    """Whether gate ``name``'s matrix is diagonal for every angle value: its off-diagonal
    entries are analytic in the angles, so vanishing at two random points means they vanish
    identically (the argument :func:`commutes` uses)."""
    return all(is_diagonal(_matrix(name, salt)) for salt in (0, 3))


def is_diagonal(m: np.ndarray) -> bool:
    m = np.asarray(m)
    return bool(np.all(np.abs(m - np.diag(np.diag(m))) <= 1e-12))


@lru_cache(maxsize=256)
def period(name: str) -> float | None:
    """Smallest ``T`` in {2pi, 4pi} with ``gate(T)`` equal to the identity up to phase.

    Only for one-angle gates; ``None`` otherwise. E.g. ``rz`` -> 2pi, ``crz`` -> 4pi.
    """
    spec = GATES[name]
    if spec.num_params != 1:
        return None
    for t in (2 * np.pi, 4 * np.pi):
        if is_identity_up_to_phase(spec.matrix(t)):
            return float(t)
    return None


def is_identity_up_to_phase(m: np.ndarray, atol: float = 1e-9) -> bool:
    """Whether unitary ``m`` equals ``e^{i phi} I``: ``|m[0,0]|`` within ``atol`` of 1 and
    ``np.allclose(m, m[0,0] * I, atol=atol)`` (whose default ``rtol=1e-5`` applies on the
    diagonal). Written out because ``allclose``'s generic path dominated ``cancel``."""
    d = m.shape[0]
    ph = m[0, 0]
    if abs(abs(ph) - 1.0) > atol:
        return False
    eye = _EYE.get(d)
    if eye is None:
        eye = _EYE[d] = np.eye(d)
    return bool((np.abs(m - ph * eye) <= atol + 1e-5 * abs(ph) * eye).all())


_EYE: dict[int, np.ndarray] = {}
