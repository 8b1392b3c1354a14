"""Quantum path or classical fallback, chosen at run time by a flag, and a
batch loop in host code.

Python twin of fallback.qglm. With use_quantum off (e.g. no QPU available)
the model uses a classical layer of the same shape instead of the kernel.

    qglmc compile examples/fallback.py --entry predict
"""

from qglm_ir.lang import (
    Angles,
    Tensor,
    angle,
    cz,
    dense,
    expval,
    function,
    kernel,
    model,
    param,
    qubits,
    ry,
    softmax,
    tanh,
    uniform,
)

n_qubits = 4
batch = 8

embedder = dense(16, n_qubits, activation=tanh)
classical = dense(n_qubits, n_qubits, activation=tanh)
head = dense(n_qubits, 3)
theta = param(Tensor[n_qubits], init=uniform(-0.1, 0.1, seed=3))


@kernel
def circuit(x: Angles[n_qubits]):
    q = qubits(n_qubits)
    for i in range(n_qubits):
        ry(x[i] + theta[i], q[i])
    for i in range(n_qubits - 1):
        cz(q[i], q[i + 1])


@function
def features(x: Tensor[16], use_quantum: bool) -> Tensor[4]:
    h = embedder(x)
    out = h
    if use_quantum:
        out = expval(circuit(angle(h)), shots=512)
    else:
        out = classical(h)
    return out


@model
def predict(xs: Tensor[batch, 16], use_quantum: bool) -> Tensor[3]:
    # Average the class scores over the batch.
    total = [0.0, 0.0, 0.0]
    for b in range(batch):
        total = total + softmax(head(features(xs[b], use_quantum)))
    return total / batch
