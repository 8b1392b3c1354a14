"""Small parametric Qiskit circuits and oracles shared by the KernelProgram tests."""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.quantum_info import Statevector

from qglm_ir.frontends.interop import from_qiskit
from qglm_ir.training.kernel import KernelProgram

PARAMETRIC_1Q = ("rx", "ry", "rz", "p")
PARAMETRIC_2Q = ("rxx", "ryy", "rzz", "crx", "cry", "crz", "cp")


def every_gate_circuit() -> tuple[QuantumCircuit, int]:
    """Three qubits, every parametric gate once (plus u and fixed gates); angles are
    affine in the vector ``t`` (shared symbols, scaled and offset)."""
    n_sym = 9
    t = ParameterVector("t", n_sym)
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.sx(2)
    for k, g in enumerate(PARAMETRIC_1Q):
        getattr(qc, g)(t[k] * 1.5 - 0.3, k % 3)
    qc.u(t[4], 2 * t[5], t[6] + 0.2, 1)
    qc.cx(0, 2)
    for k, g in enumerate(PARAMETRIC_2Q):
        a, b = [(0, 1), (1, 2), (2, 0)][k % 3]
        getattr(qc, g)(t[(k + 2) % n_sym] - 0.5 * t[7] + t[8], a, b)
    qc.t(1)
    qc.ry(t[0] + t[1], 2)  # t[0] used twice: the chain rule sums both uses
    return qc, n_sym


def program(qc: QuantumCircuit) -> KernelProgram:
    return KernelProgram.from_kernel(from_qiskit(qc))


def qiskit_probs(qc: QuantumCircuit, values: np.ndarray) -> np.ndarray:
    """Qiskit's little-endian probabilities of ``qc`` with its parameters bound to ``values``."""
    bound = qc.assign_parameters(values)
    return Statevector(bound).probabilities()


def qiskit_expvals(qc: QuantumCircuit, values: np.ndarray) -> np.ndarray:
    """``<Z_k>`` of every qubit from Qiskit's statevector."""
    from qiskit.quantum_info import SparsePauliOp

    sv = Statevector(qc.assign_parameters(values))
    n = qc.num_qubits
    return np.array([sv.expectation_value(SparsePauliOp("I" * (n - 1 - k) + "Z" + "I" * k)).real for k in range(n)])
