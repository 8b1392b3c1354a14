"""A 4-qubit prompt encoder.

Python twin of prompt_encoder.qglm: token ids become single-qubit rotation
angles (a learned table, squashed to (0, pi)), followed by an Ry layer and a
ring of CNOTs. The Ry angles start from prompt_ry.npy next to this file.

    qglmc compile examples/prompt_encoder.py --entry encode_prompt
"""

from qglm_ir.lang import (
    Angles,
    Tensor,
    cx,
    kernel,
    load,
    model,
    noise,
    normal,
    param,
    probs,
    qubits,
    ry,
    token_angles,
)

n_qubits = 4
vocab = 32

tokens = token_angles(vocab, n_qubits, init=normal(0.0, 0.5, seed=1))
prompt_ry = param(Tensor[n_qubits], init=load("prompt_ry.npy"))


@kernel
def encode(angles: Angles[n_qubits]):
    q = qubits(n_qubits)
    for i in range(n_qubits):
        ry(angles[i], q[i])
        ry(prompt_ry[i], q[i])
    for i in range(n_qubits):
        cx(q[i], q[(i + 1) % n_qubits])
    # Noise annotations for simulation; the engine honours them, the
    # equivalence checker treats them as identities.
    noise.depolarizing(0.001, q)


@model
def encode_prompt(token: int) -> Tensor[16]:
    angles = tokens(token)  # f64[4]: one rotation angle per qubit
    return probs(encode(angles), shots=4096)
