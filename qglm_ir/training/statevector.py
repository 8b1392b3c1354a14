"""Batched statevector simulation of a :class:`~.tape.Tape` (numpy, complex128).

A batch of ``B`` states is one array of shape ``(B, 2, ..., 2)`` with axis
``1 + w`` for wire ``w``; every gate is one vectorized ``matmul`` over the batch
(constant gates share one matrix, parametric gates use ``(B, d, d)`` matrices
built in closed form from a ``(B,)`` column of angles).

Gate matrices are little-endian over the gate's qubits, identical to
:meth:`qglm_ir.dialects.gates.GateSpec.matrix` (a test checks every gate).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .tape import Tape, TapeOp

# Largest generator-eigenvalue gap per (gate, parameter index): U(θ) has Fourier
# frequencies in {0, ±ω}, which makes the matrix derivative exact from two shifts.
FREQUENCY: dict[str, tuple[float, ...]] = {
    "rx": (0.5,), "ry": (0.5,), "rz": (0.5,), "p": (1.0,), "u": (0.5, 1.0, 1.0),
    "rxx": (0.5,), "ryy": (0.5,), "rzz": (0.5,), "crx": (0.5,), "cry": (0.5,), "crz": (0.5,), "cp": (1.0,),
}


def batched_matrix(name: str, theta: Sequence[np.ndarray]) -> np.ndarray:
    """``(B, d, d)`` matrices of parametric gate ``name`` for angle columns ``theta[i]`` (each ``(B,)``)."""
    t = np.asarray(theta[0], dtype=np.float64)
    B = t.shape[0]
    c = np.cos(t / 2)
    s = np.sin(t / 2)
    z = np.zeros(B, dtype=np.complex128)
    one = np.ones(B, dtype=np.complex128)

    def mat(rows: list[list[np.ndarray]]) -> np.ndarray:
        return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2).astype(np.complex128)

    if name == "rx":
        return mat([[c + 0j, -1j * s], [-1j * s, c + 0j]])
    if name == "ry":
        return mat([[c + 0j, -s + 0j], [s + 0j, c + 0j]])
    if name == "rz":
        return mat([[np.exp(-0.5j * t), z], [z, np.exp(0.5j * t)]])
    if name == "p":
        return mat([[one, z], [z, np.exp(1j * t)]])
    if name == "u":
        phi = np.asarray(theta[1], dtype=np.float64)
        lam = np.asarray(theta[2], dtype=np.float64)
        return mat([[c + 0j, -np.exp(1j * lam) * s], [np.exp(1j * phi) * s, np.exp(1j * (phi + lam)) * c]])
    if name in ("crx", "cry", "crz", "cp"):
        # control = gate qubit 0 (least significant bit): target block on indices 1 and 3
        inner = batched_matrix({"crx": "rx", "cry": "ry", "crz": "rz", "cp": "p"}[name], [t])
        out = np.zeros((B, 4, 4), dtype=np.complex128)
        out[:, 0, 0] = out[:, 2, 2] = 1.0
        out[:, 1, 1] = inner[:, 0, 0]
        out[:, 1, 3] = inner[:, 0, 1]
        out[:, 3, 1] = inner[:, 1, 0]
        out[:, 3, 3] = inner[:, 1, 1]
        return out
    if name in ("rxx", "ryy", "rzz"):
        pauli = {"rxx": np.array([[0, 1], [1, 0]]), "ryy": np.array([[0, -1j], [1j, 0]]),
                 "rzz": np.diag([1.0, -1.0])}[name]
        g = np.kron(pauli, pauli).astype(np.complex128)
        return c[:, None, None] * np.eye(4) - 1j * s[:, None, None] * g
    raise ValueError(f"no batched matrix for gate {name!r}")


def matrix_derivative(name: str, theta: Sequence[np.ndarray], k: int) -> np.ndarray:
    """``dU/dθ_k`` for a batch: exact, from ``U(θ ± π/(2ω))`` with the parameter's frequency ``ω``."""
    w = FREQUENCY[name][k]
    h = np.pi / (2 * w)
    plus = [np.asarray(x, dtype=np.float64) for x in theta]
    minus = [np.asarray(x, dtype=np.float64) for x in theta]
    plus[k] = plus[k] + h
    minus[k] = minus[k] - h
    return (w / 2) * (batched_matrix(name, plus) - batched_matrix(name, minus))


def _slices(ndim: int, wires: tuple[int, ...]) -> list[tuple[object, ...]]:
    """Index of the sub-array where the gate's qubits are in basis state ``j`` (little-endian)."""
    out = []
    for j in range(1 << len(wires)):
        idx: list[object] = [slice(None)] * ndim
        for q, w in enumerate(wires):
            idx[1 + w] = (j >> q) & 1
        out.append(tuple(idx))
    return out


def apply(state: np.ndarray, matrix: np.ndarray, wires: tuple[int, ...]) -> np.ndarray:
    """Apply ``matrix`` (``(d, d)`` shared or ``(B, d, d)`` per sample) to ``wires`` of a batch of states.

    ``out[slice j] = sum_k M[j, k] * state[slice k]`` over strided views: ``d²`` elementwise
    multiply-adds (zero entries of shared matrices skipped). Chosen by measurement: numpy's
    stacked ``matmul`` with a 2- or 4-wide inner dimension is 6-45x slower on density-matrix
    sized batches (2^16 amplitudes x 4) and no faster on small ones."""
    d = 1 << len(wires)
    sl = _slices(state.ndim, wires)
    parts = [state[s] for s in sl]
    per_sample = matrix.ndim == 3
    bshape = (state.shape[0],) + (1,) * (state.ndim - 1 - len(wires))
    out = np.empty_like(state)
    for j in range(d):
        acc = None
        for k in range(d):
            if per_sample:
                term = parts[k] * matrix[:, j, k].reshape(bshape)
            else:
                m = matrix[j, k]
                if m == 0:
                    continue
                term = parts[k] if m == 1 else parts[k] * m
            acc = term if acc is None else acc + term
        out[sl[j]] = 0 if acc is None else acc
    return out


def op_matrix(op: TapeOp, angles: np.ndarray) -> np.ndarray:
    """The matrix of ``op``: shared for constant gates, ``(B, d, d)`` from ``angles`` (``(B, n_angles)``) otherwise."""
    if op.matrix is not None:
        return op.matrix
    return batched_matrix(op.name, [angles[:, r] for r in op.angles])


#: Widest kernel simulated (a batch of ``2^24`` amplitudes is 256 MiB per sample).
MAX_WIRES = 24


def check_size(num_wires: int, what: str = "statevector") -> None:
    """Refuse states that cannot fit: a located error instead of a ``MemoryError``."""
    if num_wires > MAX_WIRES:
        from .errors import TrainingError

        raise TrainingError(f"the kernel acts on {num_wires} qubits; the batched {what} simulator takes at most "
                            f"{MAX_WIRES}", help="bind it (qglm_ir.compile_executable) and run it elsewhere")


def zero_state(num_wires: int, batch: int) -> np.ndarray:
    check_size(num_wires)
    psi = np.zeros((batch,) + (2,) * num_wires, dtype=np.complex128)
    psi[(slice(None),) + (0,) * num_wires] = 1.0
    return psi


def run_states(tape: Tape, angles: np.ndarray) -> np.ndarray:
    """Final states ``(B, 2, ..., 2)`` for a ``(B, n_angles)`` batch of angle vectors."""
    psi = zero_state(tape.num_wires, angles.shape[0])
    for op in tape.ops:
        psi = apply(psi, op_matrix(op, angles), op.wires)
    return psi


def readout_probs(weights: np.ndarray, readout: tuple[int, ...]) -> np.ndarray:
    """Marginal ``(B, 2**width)`` little-endian distribution of the readout wires from
    per-basis-state weights ``(B, 2, ..., 2)`` (``|ψ|²`` or a density matrix diagonal)."""
    n = weights.ndim - 1
    keep = set(readout)
    marg = weights.sum(axis=tuple(1 + w for w in range(n) if w not in keep)) if len(keep) < n else weights
    # remaining axes are the kept wires in ascending order; put readout bit width-1 first
    kept = sorted(keep)
    order = [1 + kept.index(w) for w in reversed(readout)]
    marg = np.transpose(marg, [0] + order)
    return marg.reshape(marg.shape[0], -1)


def bit_signs(width: int) -> np.ndarray:
    """``(2**width, width)`` matrix of ``1 - 2*bit_j(x)``: ``probs @ bit_signs`` is ``<Z_j>``."""
    x = np.arange(1 << width)
    return 1.0 - 2.0 * ((x[:, None] >> np.arange(width)[None, :]) & 1)


def statistic(probs: np.ndarray, stat: str, width: int) -> np.ndarray:
    """``probs`` (``(B, 2**width)``) or ``<Z_j>`` of each readout bit (``(B, width)``)."""
    if stat == "probs":
        return probs
    if stat == "expval":
        return probs @ bit_signs(width)
    raise ValueError(f"unknown statistic {stat!r} (expval or probs)")


def observable_diagonal(tape: Tape, stat: str, cotangent: np.ndarray) -> np.ndarray:
    """Diagonal ``h`` (``(B, 2, ..., 2)``) with ``sum(cotangent * statistic) = sum_x h(x) |ψ(x)|²``."""
    width = len(tape.readout)
    per_outcome = cotangent if stat == "probs" else cotangent @ bit_signs(width).T  # (B, 2**width)
    n = tape.num_wires
    B = cotangent.shape[0]
    # readout outcome index of every basis state, as a broadcastable (2,)*n integer tensor
    idx = np.zeros((2,) * n, dtype=np.int64)
    for j, w in enumerate(tape.readout):
        shape = [1] * n
        shape[w] = 2
        idx = idx + (np.arange(2).reshape(shape) << j)
    return per_outcome[:, idx.reshape(-1)].reshape((B,) + (2,) * n)
