"""Carry ``noise.*`` annotations through the circuit exporters, which do not know them.

The Qiskit and Cirq exporters reject ``noise.*`` ops. For noisy simulation on
Aer or Cirq, :func:`mark_noise` clones the module and replaces noise op ``k``
with a one-qubit ``q.unitary`` whose matrix is ``exp(i*(k+1)*STEP) * I`` (a
global phase: the exporters keep it verbatim, through loops and branches).
:func:`marker_index` recognises such a matrix in the exported circuit so the
simulator adapters can swap in the channel (Qiskit ``Kraus`` / ``cirq.KrausChannel``).
Never mutates the caller's module.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.attributes import DenseArray
from ..core.ir import Operation
from ..core.module import Module
from ..core.types import qubit
from ..dialects import noise as noise_dialect

STEP = 2 * math.pi / (1 << 21)


def mark_noise(module: Operation, kernel_name: str) -> tuple[Operation, dict[int, list[np.ndarray]]]:
    """``(module', markers)``: ``module`` itself when its kernels carry no noise, else a
    clone whose noise ops are phase markers; ``markers[k]`` = Kraus operators of marker ``k``."""
    if not any(op.name.startswith("noise.") for op in module.walk()):
        return module, {}
    clone = Module.wrap(module).clone()
    markers: dict[int, list[np.ndarray]] = {}
    noisy = [op for op in clone.walk() if op.name.startswith("noise.")]
    for k, op in enumerate(noisy):
        markers[k] = noise_dialect.kraus_operators(op)
        m = np.exp(1j * (k + 1) * STEP) * np.eye(2, dtype=np.complex128)
        new = Operation("q.unitary", [noise_dialect.ChannelOp(op).qubit], [qubit], {"matrix": DenseArray(m)}, loc=op.loc)
        assert op.parent is not None
        op.parent.insert_before(new, op)
        op.results[0].replace_all_uses_with(new.results[0])
        op.erase()
    return clone, markers


def marker_index(matrix: np.ndarray, markers: dict[int, list[np.ndarray]]) -> int | None:
    """The marker number of a 2x2 ``matrix`` made by :func:`mark_noise`, else ``None``."""
    m = np.asarray(matrix)
    if m.shape != (2, 2) or m[0, 1] != 0 or m[1, 0] != 0 or m[0, 0] != m[1, 1]:
        return None
    angle = float(np.angle(m[0, 0])) % (2 * math.pi)
    k = round(angle / STEP) - 1
    if k in markers and abs(angle - (k + 1) * STEP) < STEP / 8:
        return k
    return None
