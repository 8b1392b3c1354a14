"""KernelProgram gradients: adjoint and parameter-shift against finite differences and Qiskit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector

import qglm_ir
from qglm_ir.training.errors import TrainingError
from qglm_ir.training.kernel import KernelProgram
from qglm_ir.training.shift import SHIFT_RULES, TWO_TERM
from qglm_ir.training.statevector import bit_signs, readout_probs, run_states

from ._kernel_circuits import every_gate_circuit, program, qiskit_expvals, qiskit_probs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _central(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of a scalar-per-sample function ``f((B, n)) -> (B,)``."""
    g = np.zeros_like(x)
    for i in range(x.shape[1]):
        xp, xm = x.copy(), x.copy()
        xp[:, i] += h
        xm[:, i] -= h
        g[:, i] = (f(xp) - f(xm)) / (2 * h)
    return g


@pytest.mark.parametrize("stat", ["expval", "probs"])
@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
def test_every_gate_gradient_matches_finite_differences(stat, method):
    qc, n_sym = every_gate_circuit()
    kp = program(qc)
    rng = np.random.default_rng(5)
    t = rng.uniform(-np.pi, np.pi, (3, n_sym))
    cot = rng.normal(size=(3, 3 if stat == "expval" else 8))
    (g,), params = kp.vjp([t], {}, stat, cot, method=method)
    assert params == {} and g.shape == (3, n_sym)
    # the oracle: Qiskit's statevector, differenced
    oracle = qiskit_expvals if stat == "expval" else qiskit_probs

    def loss(x):
        return np.array([oracle(qc, x[b]) @ cot[b] for b in range(x.shape[0])])

    np.testing.assert_allclose(g, _central(loss, t), atol=1e-6)


@pytest.mark.parametrize("gate", ["crx", "cry", "crz"])
def test_controlled_rotations_need_the_four_term_rule(gate):
    t = ParameterVector("t", 2)
    qc = QuantumCircuit(2)
    qc.u(0.9, 0.3, -0.4, 0)  # generic states on both sides: every frequency of f(θ) is present
    qc.u(1.3, -0.7, 0.2, 1)
    qc.ry(t[0], 1)
    getattr(qc, gate)(t[1], 0, 1)
    qc.u(0.5, 1.1, 0.6, 0)
    qc.u(-0.8, 0.4, 1.7, 1)
    kp = program(qc)
    rng = np.random.default_rng(6)
    x = rng.uniform(-3, 3, (4, 2))
    cot = rng.normal(size=(4, 2))
    (exact,), _ = kp.vjp([x], {}, "expval", cot, method="adjoint")
    angles = kp.angles([x], {})
    four = kp.angle_vjp(angles, "expval", cot, method="parameter-shift") @ kp.A
    np.testing.assert_allclose(four, exact, atol=1e-12)
    assert len(SHIFT_RULES[gate]) == 4
    # a two-term rule is wrong for this gate (its generator has eigenvalues 0, ±1/2)
    from qglm_ir.training.shift import shift_angle_grads

    two = shift_angle_grads(kp.tape, angles, "expval", cot, rules={**SHIFT_RULES, gate: TWO_TERM}) @ kp.A
    assert np.abs(two[:, 1] - exact[:, 1]).max() > 1e-3
    np.testing.assert_allclose(two[:, 0], exact[:, 0], atol=1e-12)  # the ry angle is fine either way


@pytest.mark.parametrize("example", ["peft_classifier.qglm", "text_classifier.qglm"])
def test_example_gradients_adjoint_shift_and_fd_agree(example):
    module = qglm_ir.compile(str(EXAMPLES / example), optimization_level=2)
    kp = KernelProgram.from_kernel(next(op for op in module.regions[0].block if op.name == "q.kernel"))
    rng = np.random.default_rng(7)
    B = 4
    x = rng.uniform(0, np.pi, (B, 8))
    (pname, pshape), = kp.params
    theta = rng.uniform(-1, 1, (B,) + pshape)
    cot = rng.normal(size=(B, 8))
    (gx_a,), gp_a = kp.vjp([x], {pname: theta}, "expval", cot)
    (gx_s,), gp_s = kp.vjp([x], {pname: theta}, "expval", cot, method="parameter-shift")
    np.testing.assert_allclose(gx_s, gx_a, atol=1e-12)
    np.testing.assert_allclose(gp_s[pname], gp_a[pname], atol=1e-12)
    flat = theta.reshape(B, -1)

    def loss_theta(f):
        return (kp.forward([x], {pname: f.reshape(theta.shape)}, "expval") * cot).sum(axis=1)

    def loss_x(v):
        return (kp.forward([v], {pname: theta}, "expval") * cot).sum(axis=1)

    np.testing.assert_allclose(gp_a[pname].reshape(B, -1), _central(loss_theta, flat), atol=1e-6)
    np.testing.assert_allclose(gx_a, _central(loss_x, x), atol=1e-6)


def test_shot_based_shift_within_three_standard_errors():
    qc, n_sym = every_gate_circuit()
    kp = program(qc)
    rng = np.random.default_rng(8)
    t = rng.uniform(-np.pi, np.pi, (2, n_sym))
    cot = rng.normal(size=(2, 3))
    angles = kp.angles([t], {})
    exact = kp.angle_vjp(angles, "expval", cot, method="parameter-shift")
    shots = 4000
    noisy = kp.angle_vjp(angles, "expval", cot, method="parameter-shift", shots=shots, seed=11)
    again = kp.angle_vjp(angles, "expval", cot, method="parameter-shift", shots=shots, seed=11)
    np.testing.assert_array_equal(noisy, again)  # seeded
    # standard error of each angle's estimate: sum over its shift terms of c^2 Var(L_term) / shots
    from qglm_ir.training.shift import shift_terms

    var = np.zeros_like(exact)
    for r, s, c in shift_terms(kp.tape):
        a = angles.copy()
        a[:, r] += s
        p = readout_probs(np.abs(run_states(kp.tape, a)) ** 2, kp.tape.readout)
        h = cot @ bit_signs(3).T  # per-outcome value of the cotangent-weighted readout
        var[:, r] += c * c * ((p * h * h).sum(1) - (p * h).sum(1) ** 2) / shots
    se = np.sqrt(var)
    assert np.all(np.abs(noisy - exact) <= 3 * se + 1e-12)
    assert np.abs(noisy - exact).max() > 0  # really sampled


def test_adjoint_rejects_noise_and_shots():
    qc, _ = every_gate_circuit()
    kp = program(qc)
    from qglm_ir.training.noise import NoiseSpec

    t = np.zeros((1, 9))
    with pytest.raises(TrainingError, match="parameter-shift"):
        kp.vjp([t], {}, "expval", np.ones((1, 3)), noise=NoiseSpec(bit_flip=0.1))
    with pytest.raises(TrainingError, match="unknown gradient method"):
        kp.vjp([t], {}, "expval", np.ones((1, 3)), method="backprop")
