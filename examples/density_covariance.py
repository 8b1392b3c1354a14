"""Density-matrix embedding of a 4x4 covariance matrix, read back by expval.

Python twin of density_covariance.qglm: rho = cov / trace(cov) is prepared on
2 qubits through a purification on 2 more qubits (density() allocates them):
rho = sum_i p_i |v_i><v_i| becomes sum_i sqrt(p_i) |v_i>|i>, built on the
amplitude embedding. The first two entries of the expval are <Z> of the system
qubits, tr(rho Z_j); the last two belong to the purifying register.

    qglmc compile examples/density_covariance.py --entry readout
"""

from qglm_ir.lang import Tensor, density, expval, kernel, model, param, qubits

rho = param(
    Tensor[4, 4],
    init=[[0.40, 0.10, 0.05, 0.00], [0.10, 0.30, 0.02, 0.04], [0.05, 0.02, 0.20, 0.01], [0.00, 0.04, 0.01, 0.10]],
    trainable=False,
)


@kernel
def covariance_state():
    q = qubits(2)
    density(rho, q)


@model
def readout() -> Tensor[4]:
    return expval(covariance_state(), shots=4096)
