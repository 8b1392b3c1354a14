"""Adjoint differentiation of a tape: exact gradients from one forward and one backward sweep.

For ``L = sum(cotangent * statistic)`` both statistics (``expval``, ``probs``) are
``<ψ|H|ψ>`` with a diagonal ``H`` (:func:`~.statevector.observable_diagonal`),
so ``dL/dθ_r = 2 Re <λ_k| ∂U_k/∂θ_r |ψ_{k-1}>`` where ``λ_k`` is ``Hψ`` pulled
back through the gates after ``U_k``. Cost: about three forward passes, whatever
the number of angles; memory: two batches of states. Pure states only.
"""

from __future__ import annotations

import numpy as np

from .statevector import apply, matrix_derivative, observable_diagonal, op_matrix, run_states
from .tape import Tape


def _dagger(m: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(m, -1, -2))


def adjoint_angle_grads(tape: Tape, angles: np.ndarray, stat: str, cotangent: np.ndarray) -> np.ndarray:
    """``(B, n_angles)``: gradient of ``sum(cotangent * statistic)`` w.r.t. every tape angle."""
    psi = run_states(tape, angles)
    lam = observable_diagonal(tape, stat, np.asarray(cotangent, dtype=np.float64)) * psi
    grads = np.zeros(angles.shape)
    axes = tuple(range(1, psi.ndim))
    for op in reversed(tape.ops):
        mdag = _dagger(op_matrix(op, angles))
        psi = apply(psi, mdag, op.wires)  # state before this gate
        if op.angles:
            theta = [angles[:, r] for r in op.angles]
            for k, r in enumerate(op.angles):
                dpsi = apply(psi, matrix_derivative(op.name, theta, k), op.wires)
                grads[:, r] += 2.0 * np.real(np.sum(np.conj(lam) * dpsi, axis=axes))
        lam = apply(lam, mdag, op.wires)
    return grads
