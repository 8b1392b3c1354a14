"""Parameter-efficient variant of the text classifier.

Python twin of peft_classifier.qglm. The classical encoder and head are
frozen (pre-trained, bound at run time); the only trainable parameters are
the Ry angles of a small adapter layer inside the quantum kernel.

    qglmc compile examples/peft_classifier.py --entry classify
"""

from qglm_ir.lang import (
    Angles,
    Tensor,
    angle,
    cx,
    dense,
    expval,
    kernel,
    model,
    param,
    qubits,
    relu,
    ry,
    softmax,
    tanh,
    zeros,
)

n_qubits = 8

encoder = dense(768, 128, activation=relu, trainable=False)
project = dense(128, n_qubits, activation=tanh, trainable=False)
head = dense(n_qubits, 2, trainable=False)

adapter = param(Tensor[n_qubits], init=zeros(), trainable=True)


@kernel
def adapted(x: Angles[n_qubits]):
    q = qubits(n_qubits)
    for i in range(n_qubits):
        ry(x[i], q[i])
    # Entangle the embedded features with a fixed CNOT ring...
    for i in range(n_qubits):
        cx(q[i], q[(i + 1) % n_qubits])
    # ...then the trainable adapter: one Ry angle per qubit.
    for i in range(n_qubits):
        ry(adapter[i], q[i])


@model
def classify(embedding: Tensor[768]) -> Tensor[2]:
    theta = angle(project(encoder(embedding)))
    z = expval(adapted(theta), shots=1024)
    return softmax(head(z))
