"""Statevectors and unitaries of straight-line kernels against Qiskit, and sweep vs tensor network."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from qiskit.quantum_info import Operator, Pauli, Statevector

from qglm_ir import ModuleBuilder
from qglm_ir import semantics as S

from ._circuits import brickwork_calls, build_kernel, build_qiskit, gate_calls, random_calls

ATOL = 1e-9


@settings(max_examples=200, deadline=None)
@given(gate_calls(max_qubits=12, max_gates=40))
def test_statevector_matches_qiskit(case):
    n, calls = case
    got = S.statevector(build_kernel(n, calls))
    want = Statevector(build_qiskit(n, calls)).data
    np.testing.assert_allclose(got, want, atol=ATOL)


@settings(max_examples=60, deadline=None)
@given(gate_calls(max_qubits=6, max_gates=30))
def test_unitary_matches_qiskit_operator(case):
    n, calls = case
    got = S.unitary(build_kernel(n, calls))
    np.testing.assert_allclose(got, Operator(build_qiskit(n, calls)).data, atol=ATOL)


@settings(max_examples=40, deadline=None)
@given(gate_calls(max_qubits=5, max_gates=30))
def test_tensor_network_path_matches_sweep(case):
    n, calls = case
    k = build_kernel(n, calls)
    np.testing.assert_allclose(S.statevector(k, method="tn"), S.statevector(k), atol=ATOL)
    np.testing.assert_allclose(S.unitary(k, method="tn"), S.unitary(k), atol=ATOL)


def test_qubit_arguments_unitary_matches_operator():
    calls = random_calls(4, 60, seed=3)
    k = build_kernel(4, calls, qubit_args=True)
    np.testing.assert_allclose(S.unitary(k), Operator(build_qiskit(4, calls)).data, atol=ATOL)


def test_quimb_network_contracts_to_statevector_and_unitary():
    calls = random_calls(5, 50, seed=7)
    k = build_kernel(5, calls)
    tn = S.tensor_network(k)
    psi = tn.contract(output_inds=[f"out{j}" for j in reversed(range(5))]).data.reshape(-1)
    np.testing.assert_allclose(psi, S.statevector(k), atol=ATOL)
    op = S.tensor_network(k, mode="operator")
    out = [f"out{j}" for j in reversed(range(5))] + [f"in{j}" for j in reversed(range(5))]
    u = op.contract(output_inds=out).data.reshape(32, 32)
    np.testing.assert_allclose(u, S.unitary(k), atol=ATOL)


def test_wide_expectation_z_by_network_matches_dense():
    calls = brickwork_calls(10, 3, seed=1)
    k = build_kernel(10, calls)
    np.testing.assert_allclose(S.expectation_z(k, method="tn"), S.expectation_z(k), atol=ATOL)
    want = Statevector(build_qiskit(10, calls))
    for j, z in enumerate(S.expectation_z(k)):
        label = "".join("Z" if i == j else "I" for i in reversed(range(10)))
        assert z == pytest.approx(want.expectation_value(Pauli(label)).real, abs=ATOL)


def test_expectation_z_of_40_qubit_shallow_kernel():
    # X on every third qubit, everything else untouched: <Z> is -1 / +1, no dense state needed.
    mb = ModuleBuilder()
    kb = mb.kernel("k", 40)
    for q in range(0, 40, 3):
        kb.gate("x", q)
    for q in range(0, 39, 2):
        kb.gate("cz", q, q + 1)
    kb.finish()
    z = S.expectation_z(kb.op)
    np.testing.assert_allclose(z, [-1.0 if q % 3 == 0 else 1.0 for q in range(40)], atol=ATOL)


def test_probabilities_and_expectation_of_bell_pair():
    mb = ModuleBuilder()
    kb = mb.kernel("bell", 2)
    kb.gate("h", 0)
    kb.gate("cx", 0, 1)
    kb.finish()
    np.testing.assert_allclose(S.probabilities(kb.op), [0.5, 0, 0, 0.5], atol=ATOL)
    np.testing.assert_allclose(S.expectation_z(kb.op), [0, 0], atol=ATOL)


def test_little_endian_wire_order():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 3)
    kb.gate("x", 1)
    kb.finish()
    sv = S.statevector(kb.op)
    assert abs(sv[0b010]) == pytest.approx(1.0)


def test_output_wire_order_follows_returned_qubits():
    # Returning (q1, q0) swaps the output wires: X on q0 shows up as bit 1.
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2, qubit_args=True)
    kb.gate("x", 0)
    k = kb.finish()
    ret = k.regions[0].blocks[0].last
    ret.set_operands(list(reversed(ret.operands)))
    sv = S.statevector(k)
    assert abs(sv[0b10]) == pytest.approx(1.0)


def test_global_phase_unitary_and_barrier_delay_identity():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2)
    kb.gate("h", 0)
    kb.barrier()
    kb.delay(1, 30.0)
    kb.global_phase(0.7)
    kb.unitary(np.array([[0, 1], [1, 0]]), 1)
    kb.finish()
    want = np.exp(0.7j) * np.kron(np.array([[0, 1], [1, 0]]), np.array([[1, 1], [1, -1]]) / np.sqrt(2))
    np.testing.assert_allclose(S.unitary(kb.op), want, atol=ATOL)
