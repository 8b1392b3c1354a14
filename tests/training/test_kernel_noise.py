"""NoiseSpec: batched density-matrix forward against qiskit-aer, and calibration-derived strengths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector

from qglm_ir.targets.device import Device, GateCalibration, QubitCalibration
from qglm_ir.training.noise import NoiseSpec

from ._kernel_circuits import program

aer = pytest.importorskip("qiskit_aer")


def _circuit() -> QuantumCircuit:
    t = ParameterVector("t", 4)
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.ry(t[0], 1)
    qc.cx(0, 1)
    qc.rzz(t[1], 1, 2)
    qc.rz(t[2], 0)
    qc.rx(t[3], 2)
    qc.cx(2, 0)
    return qc


def _aer_probs(qc: QuantumCircuit, spec: NoiseSpec) -> np.ndarray:
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel, depolarizing_error, pauli_error, phase_damping_error

    err = pauli_error([("X", spec.bit_flip), ("I", 1 - spec.bit_flip)])
    err = err.compose(phase_damping_error(spec.phase_damping)).compose(depolarizing_error(spec.depolarizing, 1))
    model = NoiseModel(basis_gates=["h", "ry", "rz", "rx", "cx", "rzz"])
    model.add_all_qubit_quantum_error(err, ["h", "ry", "rz", "rx"])
    model.add_all_qubit_quantum_error(err.tensor(err), ["cx", "rzz"])
    circ = qc.copy()
    circ.save_probabilities()
    sim = AerSimulator(method="density_matrix", noise_model=model)
    return np.asarray(sim.run(circ, shots=None).result().data()["probabilities"])


def test_density_forward_matches_aer_noise_model():
    qc = _circuit()
    kp = program(qc)
    spec = NoiseSpec(bit_flip=0.03, phase_damping=0.05, depolarizing=0.04)
    values = np.random.default_rng(9).uniform(-3, 3, (3, 4))
    probs = kp.forward([values], {}, "probs", noise=spec)
    ideal = kp.forward([values], {}, "probs")
    for b in range(3):
        ref = _aer_probs(qc.assign_parameters(values[b]), spec)
        np.testing.assert_allclose(probs[b], ref, atol=1e-10)
        assert np.abs(ref - ideal[b]).max() > 1e-3  # the noise is visible


def test_noisy_parameter_shift_matches_finite_differences():
    qc = _circuit()
    kp = program(qc)
    spec = NoiseSpec(bit_flip=0.02, phase_damping=0.03, depolarizing=0.02)
    rng = np.random.default_rng(10)
    values = rng.uniform(-3, 3, (2, 4))
    cot = rng.normal(size=(2, 3))
    (g,), _ = kp.vjp([values], {}, "expval", cot, method="parameter-shift", noise=spec)
    h = 1e-5
    for i in range(4):
        vp, vm = values.copy(), values.copy()
        vp[:, i] += h
        vm[:, i] -= h
        fd = ((kp.forward([vp], {}, "expval", noise=spec) - kp.forward([vm], {}, "expval", noise=spec)) * cot).sum(1)
        np.testing.assert_allclose(g[:, i], fd / (2 * h), atol=1e-6)
    (g0,), _ = kp.vjp([values], {}, "expval", cot)
    assert np.abs(g - g0).max() > 1e-4  # noise changes the gradient


def test_from_device_uses_the_calibration():
    t1, t2, dur, err = 100e-6, 80e-6, 60e-9, 2e-3
    dev = Device(
        "cal2", 2, ((0, 1),), basis_gates=("cx", "sx", "rz", "x"),
        qubits=(QubitCalibration(t1=t1, t2=t2), QubitCalibration(t1=t1, t2=t2)),
        gates={("sx", (0,)): GateCalibration(error=err, duration=dur),
               ("sx", (1,)): GateCalibration(error=err, duration=dur)},
    )
    spec = NoiseSpec.from_device(dev)
    tphi = 1 / (1 / t2 - 1 / (2 * t1))
    assert spec.bit_flip == pytest.approx((1 - math.exp(-dur / t1)) / 2)
    assert spec.phase_damping == pytest.approx(1 - math.exp(-2 * dur / tphi))
    # depolarizing: the gate error left after relaxation, as a 1q depolarizing parameter
    from qglm_ir.targets.noise_model import NoiseModel

    assert spec.depolarizing == pytest.approx(NoiseModel.from_device(dev).depolarizing_param("sx", (0,)))
    assert 0 < spec.depolarizing < 2 * err
    double = NoiseSpec.from_device(dev, scale=2.0)
    assert double.bit_flip == pytest.approx(2 * spec.bit_flip)
    assert NoiseSpec.from_device("line:3").is_zero  # no calibration, no noise


def test_noise_spec_validates():
    with pytest.raises(ValueError, match="probability"):
        NoiseSpec(bit_flip=1.5)


def test_closed_form_channels_equal_their_kraus_sums():
    from qglm_ir.training.noise import _channel, apply_noise

    rng = np.random.default_rng(12)
    n = 2
    a = rng.normal(size=(3, 4, 4)) + 1j * rng.normal(size=(3, 4, 4))
    rho = a @ np.conj(np.swapaxes(a, 1, 2))
    rho = (rho / np.trace(rho, axis1=1, axis2=2)[:, None, None]).reshape((3,) + (2,) * (2 * n))
    for spec in (NoiseSpec(bit_flip=0.2), NoiseSpec(phase_damping=0.3), NoiseSpec(depolarizing=0.25),
                 NoiseSpec(0.1, 0.2, 0.3)):
        for w in range(n):
            ref = rho
            for kraus in spec.kraus():
                ref = _channel(ref, kraus, w, n)
            np.testing.assert_allclose(apply_noise(rho, spec, (w,), n), ref, atol=1e-14)
