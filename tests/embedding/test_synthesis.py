"""The fixed-structure templates and their angle functions, checked with numpy by hand and Qiskit."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit.library import StatePreparation

from qglm_ir.embedding import _complex_core, synthesis


@pytest.mark.parametrize("n", range(1, 9))
@pytest.mark.parametrize("mode", ["real", "complex"])
def test_templates_have_data_independent_cx_count(n: int, mode: str) -> None:
    t = synthesis.template(n, mode)
    assert t.num_cx == (1 << n) - n - 1
    assert t.num_slots == synthesis.num_slots(n, mode)
    assert {s for _, _, s in t.instrs if s >= 0} == set(range(t.num_slots))  # every slot is used once


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_compiled_and_reference_complex_angles_prepare_the_same_state(n: int) -> None:
    rng = np.random.default_rng(n)
    v = rng.normal(size=(4, 1 << n)) + 1j * rng.normal(size=(4, 1 << n))
    v /= np.linalg.norm(v, axis=1)[:, None]
    t = synthesis.template(n, "complex")
    fast = _complex_core.complex_angles(v, n)
    ref = synthesis._complex_angles(v, n)
    plain = np.empty_like(fast)
    _complex_core.complex_core(v, n, plain)  # the Python body (what runs without numba)
    for i in range(4):
        for angles in (fast[i], ref[i], plain[i]):
            np.testing.assert_allclose(synthesis.simulate(t, angles), v[i], atol=1e-10)


def test_real_tree_handles_signs_and_zero_subtrees() -> None:
    x = np.array([0.0, 0.0, 0.0, 0.0, -1.0, 2.0, 0.0, -0.5])
    a = synthesis.amplitude_angles(x, 3, "real")[0]
    np.testing.assert_allclose(synthesis.simulate(synthesis.template(3, "real"), a), x / np.linalg.norm(x),
                               atol=1e-12)


def test_data_errors() -> None:
    with pytest.raises(synthesis.EmbeddingDataError, match="zero vector"):
        synthesis.amplitude_angles(np.zeros((2, 4)) + np.array([[1.0], [0.0]]), 2, "real")
    with pytest.raises(synthesis.EmbeddingDataError, match="pad"):
        synthesis.amplitude_angles(np.ones(3), 2, "real")
    with pytest.raises(synthesis.EmbeddingDataError, match="positive semidefinite"):
        synthesis.density_angles(np.diag([1.5, -0.5]), 1)


@pytest.mark.parametrize("n", [3, 4, 5])
def test_no_more_two_qubit_gates_than_qiskit_state_preparation(n: int) -> None:
    rng = np.random.default_rng(n)
    v = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    qc = QuantumCircuit(n)
    qc.append(StatePreparation(v / np.linalg.norm(v)), range(n))
    theirs = transpile(qc, basis_gates=["cx", "rz", "sx", "x"], optimization_level=3, seed_transpiler=1)
    assert synthesis.template(n, "complex").num_cx <= theirs.count_ops().get("cx", 0)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_degenerate_vectors_basis_states_and_sparse_data(n: int) -> None:
    # zero pairs and equal phases make the demultiplexing degenerate: the angles must stay exact
    dim = 1 << n
    rng = np.random.default_rng(n)
    cases = [np.eye(dim)[k].astype(complex) for k in range(dim)] + [
        np.ones(dim, dtype=complex), 1j * np.ones(dim),
        np.where(rng.random(dim) < 0.6, 0, 1) * (rng.normal(size=dim) + 1j * rng.normal(size=dim)) + np.eye(dim)[0],
    ]
    t = synthesis.template(n, "complex")
    for v in cases:
        v = v / np.linalg.norm(v)
        for a in (_complex_core.complex_angles(v[None], n)[0], synthesis._complex_angles(v[None], n)[0]):
            np.testing.assert_allclose(synthesis.simulate(t, a), v, atol=1e-10)
