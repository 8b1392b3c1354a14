"""Two-qubit synthesis is exact even next to a special Weyl class.

Qiskit's TwoQubitBasisDecomposer first snaps a unitary within 1e-9 average infidelity of a
special class onto it, so ``CX . RX(1e-5) . CX`` (an XX rotation by 1e-5 rad) came back as no
gates at all, and ``fuse-2q`` (which promises the same unitary) deleted it. Checked here
against Qiskit's ``Operator`` of the emitted gates."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

from qglm_ir.passes.optimize.synthesis import EXACT_ATOL, phase_distance, synth_2q


def _circuit(gates) -> QuantumCircuit:
    qc = QuantumCircuit(2)
    for name, angles, qubits in gates:
        getattr(qc, "u" if name == "u3" else name)(*angles, *qubits)
    return qc


@pytest.mark.parametrize("theta", [1e-5, 1e-7, 3e-4])
@pytest.mark.parametrize("euler", ["U", "ZSX"])
def test_near_identity_xx_rotation_is_synthesized_exactly(theta: float, euler: str) -> None:
    ref = QuantumCircuit(2)
    ref.cx(0, 1)
    ref.rx(theta, 0)
    ref.cx(0, 1)
    u = Operator(ref).data
    gates = synth_2q(u, "cx", euler)
    assert gates, "the rotation is not the identity"
    got = Operator(_circuit(gates))
    assert phase_distance(u, got.data) <= EXACT_ATOL
    assert Operator(ref).equiv(got, atol=1e-12)


def test_generic_unitaries_keep_the_optimal_count() -> None:
    from qiskit.quantum_info import random_unitary

    for seed in range(5):
        u = random_unitary(4, seed=seed).data
        gates = synth_2q(u, "cx", "ZSX")
        assert sum(1 for _, _, q in gates if len(q) == 2) == 3
        assert phase_distance(u, Operator(_circuit(gates)).data) <= EXACT_ATOL


def test_fuse_2q_keeps_a_tiny_entangling_rotation() -> None:
    import qglm_ir
    from qglm_ir.backends.qiskit import to_qiskit
    from qglm_ir.frontends.interop import from_qiskit

    ref = QuantumCircuit(2)
    ref.cx(0, 1)
    ref.rx(1e-5, 0)
    for _ in range(4):
        ref.h(0)
    ref.cx(0, 1)
    ref.name = "tiny"
    out = qglm_ir.compile(from_qiskit(ref), passes="fuse-2q")
    got = to_qiskit(out)
    assert Operator(got).equiv(Operator(ref), atol=1e-12)
    assert not np.allclose(Operator(ref).data, np.eye(4), atol=1e-7)


@pytest.mark.parametrize("target", ["cx", "ecr"])
def test_plain_counts_are_the_synthesis_counts_or_a_snap_below_them(target: str) -> None:
    """``plain_2q_counts`` counts what the decomposer gives: the gates of ``synth_2q`` for a
    generic unitary, and for one next to a special class (where ``synth_2q`` avoids the snap)
    fewer 2q gates than ``synth_2q`` uses, which is what lets fuse-2q reject on the counts."""
    from qiskit.quantum_info import random_unitary

    from qglm_ir.passes.optimize.synthesis import plain_2q_counts

    for seed in range(5):
        u = random_unitary(4, seed=seed).data
        gates = synth_2q(u, target, "ZSX")
        assert plain_2q_counts(u, target, "ZSX") == (len(gates), sum(1 for g in gates if len(g[2]) == 2))
    ref = QuantumCircuit(2)
    ref.cx(0, 1)
    ref.rx(1e-6, 0)
    ref.cx(0, 1)
    u = Operator(ref).data
    exact = synth_2q(u, target, "ZSX")
    assert plain_2q_counts(u, target, "ZSX")[1] < sum(1 for g in exact if len(g[2]) == 2)
