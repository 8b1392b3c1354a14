"""KernelProgram forward: batched statevector against Qiskit and the engine's own semantics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterVector

import qglm_ir
from qglm_ir.dialects.gates import GATES
from qglm_ir.engine.kernels import KernelSpec
from qglm_ir.engine.sim_tn import TNSimulator
from qglm_ir.semantics.binding import kernel_names
from qglm_ir.training.errors import TrainingError
from qglm_ir.training.kernel import KernelProgram
from qglm_ir.training.statevector import FREQUENCY, batched_matrix, matrix_derivative

from ._kernel_circuits import every_gate_circuit, program, qiskit_expvals, qiskit_probs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", sorted(FREQUENCY))
def test_batched_matrices_match_gate_table(name):
    spec = GATES[name]
    rng = np.random.default_rng(1)
    theta = rng.uniform(-4, 4, (spec.num_params, 5))
    got = batched_matrix(name, list(theta))
    for b in range(5):
        np.testing.assert_allclose(got[b], spec.matrix(*theta[:, b]), atol=1e-14)
    # derivative against a central difference of the gate table's matrix
    h = 1e-6
    for k in range(spec.num_params):
        d = matrix_derivative(name, list(theta), k)
        for b in range(2):
            tp, tm = theta[:, b].copy(), theta[:, b].copy()
            tp[k] += h
            tm[k] -= h
            fd = (spec.matrix(*tp) - spec.matrix(*tm)) / (2 * h)
            np.testing.assert_allclose(d[b], fd, atol=1e-8)


def test_every_gate_matches_qiskit_statevector():
    qc, n_sym = every_gate_circuit()
    kp = program(qc)
    assert kp.inputs == (("t", (n_sym,)),) and kp.params == () and kp.width == 3
    values = np.random.default_rng(2).uniform(-np.pi, np.pi, (6, n_sym))
    probs = kp.forward([values], {}, "probs")
    ev = kp.forward([values], {}, "expval")
    assert probs.shape == (6, 8) and ev.shape == (6, 3)
    for b in range(6):
        np.testing.assert_allclose(probs[b], qiskit_probs(qc, values[b]), atol=1e-12)
        np.testing.assert_allclose(ev[b], qiskit_expvals(qc, values[b]), atol=1e-12)


def test_unbatched_inputs_broadcast_and_scalars():
    a = Parameter("a")
    v = ParameterVector("v", 2)
    qc = QuantumCircuit(2)
    qc.rx(a, 0)
    qc.cry(v[0] - v[1], 0, 1)
    kp = program(qc)
    assert [n for n, _ in kp.inputs] == ["a", "v"]
    vv = np.array([[0.3, -0.2], [1.0, 2.0], [0.0, 0.5]])
    out = kp.forward([0.7, vv], {}, "probs")  # a shared by the batch
    for b in range(3):
        np.testing.assert_allclose(out[b], qiskit_probs(qc, {a: 0.7, v: vv[b]}), atol=1e-12)
    with pytest.raises(TrainingError, match="expects shape"):
        kp.forward([0.7, np.zeros((3, 3))], {}, "probs")


@pytest.mark.parametrize("example", ["peft_classifier.qglm", "text_classifier.qglm"])
def test_examples_match_the_engine_semantics(example):
    module = qglm_ir.compile(str(EXAMPLES / example), optimization_level=2)
    spec = KernelSpec.of(next(op for op in module.regions[0].block if op.name == "q.kernel"))
    assert [spec.name] == kernel_names(module)
    kp = KernelProgram.from_spec(spec)
    assert [n for n, _ in kp.inputs] == ["x"] and len(kp.params) == 1
    rng = np.random.default_rng(3)
    x = rng.uniform(0, np.pi, (3, 8))
    params = {n: rng.uniform(-1, 1, (3,) + s) for n, s in kp.params}
    probs = kp.forward([x], params, "probs")
    sim = TNSimulator()
    for b in range(3):
        exact = sim.exact(spec, [x[b]], {n: p[b] for n, p in params.items()})
        np.testing.assert_allclose(probs[b], exact, atol=1e-12)


def test_mapped_kernel_reads_the_final_layout():
    t = ParameterVector("θ", 4)
    qc = QuantumCircuit(3)
    qc.ry(t[0], 0)
    qc.crx(t[1], 0, 2)
    qc.rzz(t[2], 2, 1)
    qc.rx(t[3], 1)
    qc.cx(1, 0)
    mapped = qglm_ir.compile(qc, device="line:5", optimization_level=2, seed=3)
    kp = KernelProgram.from_kernel(mapped)
    assert kp.width == 3
    values = np.random.default_rng(4).uniform(-3, 3, (4, 4))
    probs = kp.forward([values], {}, "probs")
    for b in range(4):
        np.testing.assert_allclose(probs[b], qiskit_probs(qc, values[b]), atol=1e-9)


def test_measuring_kernel_is_rejected():
    qc = QuantumCircuit(1, 1)
    qc.rx(Parameter("a"), 0)
    qc.measure(0, 0)
    with pytest.raises(TrainingError, match="measurement-free"):
        program(qc)


def test_non_affine_angle_is_rejected():
    a = Parameter("a")
    qc = QuantumCircuit(1)
    qc.rx(a.sin(), 0)
    with pytest.raises(TrainingError, match="arith.sin"):
        program(qc)
    b = Parameter("b")
    qc = QuantumCircuit(1)
    qc.rx(a * b, 0)
    with pytest.raises(TrainingError, match="not affine"):
        program(qc)


def test_too_wide_for_a_statevector_is_a_clear_error():
    qc = QuantumCircuit(30)
    qc.rx(Parameter("a"), 29)
    kp = program(qc)
    with pytest.raises(TrainingError, match="at most 24"):
        kp.forward([np.zeros(2)], {}, "expval")
