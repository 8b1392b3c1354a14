"""Amplitude-embedded classifier: 16 features on 4 qubits.

Python twin of amplitude_classifier.qglm:

    features (16) -> amplitude embedding x/|x| on 4 qubits (11 CX, fixed structure)
    -> 2 trainable Ry layers with a CNOT ring -> <Z> per qubit (1024 shots)
    -> dense 4->2 -> softmax

The embedding's angles are computed from the features by the classical op
embed.amplitude_angles, so the kernel compiles and maps once; each sample
only binds angles (qglm_ir.embedding.binding.Binder).

    qglmc compile examples/amplitude_classifier.py --entry classify
"""

from qglm_ir.lang import Tensor, amplitude, cx, dense, expval, kernel, model, param, qubits, ry, softmax, uniform

n_qubits = 4
layers = 2

theta = param(Tensor[layers, n_qubits], init=uniform(0.0, 0.1, seed=11), trainable=True)

head = dense(n_qubits, 2)


@kernel
def amp_ansatz(x: Tensor[16]):
    q = qubits(n_qubits)

    # 16 real features -> 4 qubits: qubit j is bit j of the feature index.
    amplitude(x, q)

    for l in range(layers):
        for i in range(n_qubits):
            ry(theta[l, i], q[i])
        for i in range(n_qubits):
            cx(q[i], q[(i + 1) % n_qubits])


@model
def classify(features: Tensor[16]) -> Tensor[2]:
    z = expval(amp_ansatz(features), shots=1024)
    return softmax(head(z))
