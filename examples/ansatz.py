"""Shared quantum building blocks, imported by the classifier examples.

Python twin of ansatz.qglm. `ring_ansatz` is the hardware-efficient ansatz
used throughout: angle-encode the inputs with Ry, then `layers` blocks of
trainable Ry rotations followed by a ring of CNOTs. The loop over `i` indexes
qubits, so the compiler unrolls it; the loop over `l` stays a loop in the IR.
"""

from qglm_ir.lang import Angles, Tensor, cx, kernel, param, qubits, ry, uniform

n_qubits = 8
layers = 2  # override per task: qglmc compile ... -D layers=6

ansatz_theta = param(Tensor[layers, n_qubits], init=uniform(0.0, 0.1, seed=7), trainable=True)


@kernel
def ring_ansatz(x: Angles[n_qubits]):
    q = qubits(n_qubits)

    # Angle embedding: one input feature per qubit.
    for i in range(n_qubits):
        ry(x[i], q[i])

    for l in range(layers):  # noqa: E741  (the layer index, as in the .qglm version)
        for i in range(n_qubits):
            ry(ansatz_theta[l, i], q[i])
        for i in range(n_qubits):
            cx(q[i], q[(i + 1) % n_qubits])
