"""Teleportation: mid-circuit measurement and feed-forward correction.

Python twin of teleport.qglm. The state Ry(theta)|0> on q[0] moves to q[2];
the two measured bits decide which Pauli corrections run on q[2]. The
measured qubits are consumed (they are not used again).

    qglmc compile examples/teleport.py --entry check
"""

from qglm_ir.lang import (
    Bit,
    Tensor,
    consume,
    cx,
    h,
    kernel,
    measure,
    model,
    probs,
    qubits,
    ry,
    x,
    z,
)


@kernel
def teleport(theta: float) -> Bit:
    q = qubits(3)
    ry(theta, q[0])

    # Bell pair between q[1] and q[2].
    h(q[1])
    cx(q[1], q[2])

    # Bell measurement of q[0] and q[1].
    cx(q[0], q[1])
    h(q[0])
    m0 = consume(q[0])
    m1 = consume(q[1])

    # Feed-forward.
    if m1:
        x(q[2])
    if m0:
        z(q[2])
    ry(-theta, q[2])  # undo the preparation: q[2] is back in |0>
    return measure(q[2])


@model
def check(theta: float) -> Tensor[2]:
    return probs(teleport(theta), shots=2000)
