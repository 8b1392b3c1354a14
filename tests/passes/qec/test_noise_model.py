"""The calibration noise model, its extras, the Aer model and the density-matrix simulator."""

from __future__ import annotations

import math

import pytest

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core.errors import DeviceError
from qglm_ir.passes.qec.noisy_sim import simulate
from qglm_ir.targets.noise_model import (
    NoiseModel,
    confusion_matrix,
    noise_model_of,
    parse_noise_extras,
    to_aer_noise_model,
    with_noise_extras,
)

from .helpers import toy_device


def test_from_device_reads_calibration_and_defaults():
    m = noise_model_of(toy_device(cx=3e-3, t1=80e-6))
    q = m.qubits[0]
    assert q.t1 == 80e-6 and q.t2 == 160e-6 and q.p01 == q.p10 == 0.01
    assert m.gate_error("cx", (0, 1)) == pytest.approx(3e-3)
    assert m.gate_error("rz", (0,)) == 0.0 and m.gate_duration("rz", (0,)) == 0.0
    assert m.gate_duration("cx", (1, 0)) == pytest.approx(300e-9)
    # depolarizing part + relaxation over the gate make up the calibrated error
    p = m.depolarizing_param("cx", (0, 1))
    relax = 1 - (1 - q.relaxation_infidelity(300e-9)) ** 2
    assert p * 15 / 16 + relax == pytest.approx(3e-3, rel=0.05)
    assert confusion_matrix(m, 0).sum(axis=0) == pytest.approx([1, 1])


def test_relaxation_parameters():
    m = noise_model_of(toy_device(t1=100e-6, t2=50e-6))
    g, lam = m.qubits[0].relaxation(10e-6)
    assert g == pytest.approx(1 - math.exp(-0.1))
    # coherence: sqrt(1-g) * sqrt(1-lam) = exp(-t/T2)
    assert math.sqrt(1 - g) * math.sqrt(1 - lam) == pytest.approx(math.exp(-10 / 50))


def test_extras_attach_and_validate():
    d = with_noise_extras(toy_device(), {0: 2e4}, {(0, 1): 5e3})
    m = NoiseModel.from_device(d)
    assert m.qubits[0].detuning_spread_hz == 2e4 and m.qubits[1].detuning_spread_hz == 0
    assert m.zz_neighbors(1) == {0: 5e3} and m.has_coherent_idle_noise(1)
    assert not noise_model_of(toy_device()).has_coherent_idle_noise(0)
    with pytest.raises(DeviceError):
        parse_noise_extras({"zz_crosstalk": [{"qubits": [0, 9], "hz": 1.0}]}, 5)
    with pytest.raises(DeviceError):
        parse_noise_extras({"qubits": {"0": {"detuning_spread_hz": -1}}}, 5)


def test_quasi_static_detuning_dephases_a_superposition():
    d = with_noise_extras(toy_device(t1=1e9, t2=1e9), {0: 1e4})
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 1)
    kb.gate("h", 0)
    kb.delay(0, 10_000, "ns")
    kb.gate("h", 0)
    kb.finish([kb.measure(0)])
    p1 = simulate(kb.op, noise_model_of(d)).get((1,), 0.0)
    phi = 2 * math.pi * 1e4 * 10e-6
    expect = 0.5 * (1 - math.exp(-phi * phi / 2))  # Gaussian average of sin^2(phi/2)
    # plus 1% readout error on either side
    assert p1 == pytest.approx(expect * 0.98 + 0.01, abs=2e-3)


@pytest.mark.needs_aer
def test_density_matrix_simulator_agrees_with_aer():
    from qiskit import QuantumCircuit
    from qiskit_aer import AerSimulator

    d = toy_device(cx=2e-2, readout=0.03)
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2)
    kb.gate("h", 0)
    kb.gate("cx", 0, 1)
    a, b = kb.measure(0), kb.measure(1)
    kb.finish([a, b])
    ours = simulate(kb.op, noise_model_of(d))
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    shots = 100_000
    counts = AerSimulator(noise_model=to_aer_noise_model(d, qubits=[0, 1]), method="density_matrix").run(
        qc, shots=shots, seed_simulator=7).result().get_counts()
    for (x, y), p in ours.items():
        assert counts.get(f"{y}{x}", 0) / shots == pytest.approx(p, abs=4e-3)
