"""Hybrid text classifier.

Python twin of text_classifier.qglm:

    sentence embedding (768) -> dense 768->128 (relu) -> dense 128->8 (tanh)
    -> angle embedding pi*sigmoid -> 8-qubit Ry/CNOT-ring ansatz (2 trainable layers)
    -> <Z> per qubit from 1024 shots -> dense 8->2 -> softmax

The dense weights are trainable parameters without an initial value: the
training loop binds them at run time, so the program compiles once.

    qglmc compile examples/text_classifier.py --entry classify
"""

from ansatz import n_qubits, ring_ansatz

from qglm_ir.lang import Tensor, angle, dense, expval, model, relu, softmax, tanh

encoder = dense(768, 128, activation=relu)
project = dense(128, n_qubits, activation=tanh)
head = dense(n_qubits, 2)


@model
def classify(embedding: Tensor[768]) -> Tensor[2]:
    h = encoder(embedding)
    features = project(h)
    theta = angle(features)  # pi * sigmoid: angles in (0, pi)
    z = expval(ring_ansatz(theta), shots=1024)  # <Z> of each of the 8 qubits
    return softmax(head(z))
