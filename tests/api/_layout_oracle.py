"""Qiskit ``Operator`` oracle for circuits mapped onto a wide device.

A circuit transpiled for a 127-qubit device has a 2^127 unitary, so the check
restricts it to its *active* qubits (those an instruction touches, plus the
layout's positions); every other qubit is an idle ancilla in |0>. With
``init[v]`` / ``final[v]`` the physical qubit of program qubit ``v`` before and
after (read from ``circuit.layout``), equivalence means: for every program
basis state |x>, the mapped circuit on |x placed at init> (ancillas |0>) yields
``U|x>`` placed at ``final`` with ancillas |0>, up to one global phase.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator


def restricted_matrices(src: QuantumCircuit, out: QuantumCircuit) -> tuple[np.ndarray, np.ndarray]:
    """``(M, E)``: the mapped circuit's columns for program inputs, and the expected columns."""
    lay = out.layout
    assert lay is not None, "the transpiled circuit carries no TranspileLayout"
    init = lay.initial_index_layout(filter_ancillas=True)
    final = lay.final_index_layout(filter_ancillas=True)
    n = src.num_qubits
    assert len(init) == n and len(final) == n
    active = set(init) | set(final)
    for ins in out.data:
        active |= {out.find_bit(q).index for q in ins.qubits}
    order = sorted(active)
    pos = {p: i for i, p in enumerate(order)}
    k = len(order)
    assert k <= 14, f"{k} active qubits: too wide for a dense check"
    small = QuantumCircuit(k, global_phase=out.global_phase)
    for ins in out.data:
        small.append(ins.operation, [pos[out.find_bit(q).index] for q in ins.qubits])
    V = Operator(small).data
    U = Operator(src).data

    def place(x: int, where: list[int]) -> int:
        return sum(((x >> v) & 1) << pos[where[v]] for v in range(n))

    M = np.stack([V[:, place(x, init)] for x in range(2**n)], axis=1)
    E = np.zeros((2**k, 2**n), dtype=complex)
    for y in range(2**n):
        E[place(y, final), :] = U[y, :]
    return M, E


def _phase(M: np.ndarray, E: np.ndarray) -> complex:
    i = np.unravel_index(np.argmax(np.abs(E)), E.shape)
    return complex(M[i] / E[i])


def layout_equivalent(src: QuantumCircuit, out: QuantumCircuit, atol: float = 1e-7) -> bool:
    """True when ``out`` (with its layout) implements ``src`` up to global phase."""
    M, E = restricted_matrices(src, out)
    ph = _phase(M, E)
    return abs(abs(ph) - 1) < 1e-6 and bool(np.allclose(M, ph * E, atol=atol))


def equivalent_up_to_final_diagonal(src: QuantumCircuit, out: QuantumCircuit, atol: float = 1e-7) -> bool:
    """True when ``out`` equals ``D @ src`` for some diagonal unitary ``D`` (a dropped trailing diagonal)."""
    M, E = restricted_matrices(src, out)
    for r in range(E.shape[0]):
        j = int(np.argmax(np.abs(E[r])))
        if abs(E[r, j]) < 1e-9:
            if not np.allclose(M[r], 0, atol=atol):
                return False
            continue
        d = M[r, j] / E[r, j]
        if abs(abs(d) - 1) > 1e-6 or not np.allclose(M[r], d * E[r], atol=atol):
            return False
    return True
