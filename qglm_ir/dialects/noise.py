"""The ``noise`` dialect: noise channels annotated on qubits, for simulation.

Each op takes one qubit and returns it (``(!q.qubit) -> !q.qubit``, linear like
a gate) and carries a probability property ``p`` in [0, 1]:

  noise.bit_flip           X with probability p
  noise.phase_flip         Z with probability p
  noise.depolarizing       X, Y or Z each with probability p/3
  noise.amplitude_damping  energy relaxation |1> -> |0> with probability p (gamma)
  noise.phase_damping      dephasing with probability p (lambda)

**Semantics.** The unitary / statevector semantics (``qglm_ir.semantics``)
treats every noise op as the identity: noise annotations describe the
simulated device, not the program, so equivalence checking and optimization
ignore them (passes must keep them in place). A noisy simulator honours them
through :func:`kraus_operators`, which gives each channel's Kraus operators
(``sum_k K_k^dagger K_k = I``), in the same basis order as the gate table.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.ir import Operation
from ..core.opdef import QUANTUM, OpDef, OpView, register
from ..core.types import qubit
from . import _checks as c

CHANNELS = ("bit_flip", "phase_flip", "depolarizing", "amplitude_damping", "phase_damping")

_I = np.eye(2, dtype=np.complex128)
_X = np.array([[0, 1], [1, 0]], dtype=np.complex128)
_Y = np.array([[0, -1j], [1j, 0]], dtype=np.complex128)
_Z = np.array([[1, 0], [0, -1]], dtype=np.complex128)


class ChannelOp(OpView):
    """Any ``noise.*`` channel: the one qubit it acts on."""

    OP = "noise.*"
    OPERANDS = ("qubit",)


def _verify_channel(op: Operation) -> None:
    c.num_operands(op, 1)
    c.operand_type(op, 0, qubit, "qubit operand")
    c.num_results(op, 1)
    if op.results[0].type != qubit:
        c.fail(f"result must be !q.qubit, got {op.results[0].type}")
    p = c.prop(op, "p", float, "probability")
    assert isinstance(p, float)
    if not 0.0 <= p <= 1.0:
        c.fail(f"probability p must be in [0, 1], got {p}")


for _name in CHANNELS:
    register(OpDef("noise." + _name, f"{_name.replace('_', ' ')} channel", frozenset({QUANTUM}), _verify_channel))


def kraus_operators(op: Operation) -> list[np.ndarray]:
    """The Kraus operators (2x2 complex arrays) of a ``noise.*`` op.

    Requires a verified noise op; guarantees ``sum K^dagger K = I``.
    """
    return channel_kraus(op.name.split(".", 1)[1], float(op.properties["p"]))  # type: ignore[arg-type]


def channel_kraus(kind: str, p: float) -> list[np.ndarray]:
    """The Kraus operators of the 1-qubit channel ``kind`` (a ``noise.*`` op name without the
    dialect prefix) with strength ``p`` in [0, 1]; ``sum K^dagger K = I``."""
    if kind == "bit_flip":
        return [math.sqrt(1 - p) * _I, math.sqrt(p) * _X]
    if kind == "phase_flip":
        return [math.sqrt(1 - p) * _I, math.sqrt(p) * _Z]
    if kind == "depolarizing":
        q = math.sqrt(p / 3)
        return [math.sqrt(1 - p) * _I, q * _X, q * _Y, q * _Z]
    if kind == "amplitude_damping":
        return [
            np.array([[1, 0], [0, math.sqrt(1 - p)]], dtype=np.complex128),
            np.array([[0, math.sqrt(p)], [0, 0]], dtype=np.complex128),
        ]
    if kind == "phase_damping":
        return [
            np.array([[1, 0], [0, math.sqrt(1 - p)]], dtype=np.complex128),
            np.array([[0, 0], [0, math.sqrt(p)]], dtype=np.complex128),
        ]
    raise ValueError(f"not a noise channel: noise.{kind}")
