"""Readout mitigation as classical host ops: exact inversion of the tensored readout channel."""

from __future__ import annotations

import numpy as np
import pytest

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core.attributes import SymbolRef
from qglm_ir.core.evaluators import evaluate_op
from qglm_ir.core.types import TensorType, f64
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.qec.check import mitigation_is_inverse
from qglm_ir.passes.qec.noisy_sim import simulate
from qglm_ir.passes.qec.readout_mitigation import ReadoutMitigation, mitigation_matrix
from qglm_ir.targets import Device, QubitCalibration
from qglm_ir.targets.noise_model import noise_model_of
from qglm_ir.verify import verify


def _device() -> Device:
    qs = (QubitCalibration(prob_meas1_prep0=0.02, prob_meas0_prep1=0.09),
          QubitCalibration(prob_meas1_prep0=0.05, prob_meas0_prep1=0.01))
    return Device("ro", 2, ((0, 1), (1, 0)), ("cx", "rz", "sx", "x"), qs, {})


def _program():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2)
    kb.gate("ry", 0, params=[1.1])
    kb.gate("cx", 0, 1)
    kb.gate("rx", 1, params=[0.4])
    kb.finish([kb.measure(0), kb.measure(1)])
    fn, b = mb.func("main", [], [TensorType((2,), f64), TensorType((4,), f64)])
    z = b.create("stats.expval", (), [TensorType((2,), f64)], {"callee": SymbolRef("k"), "shots": 1000}).result
    p = b.create("stats.probs", (), [TensorType((4,), f64)], {"callee": SymbolRef("k"), "shots": 1000}).result
    b.create("func.return", [z, p])
    return mb.module, kb.op, fn


def _run_mitigation(fn, z_in, p_in):
    """Evaluate the host function's mitigation ops on given raw stats values."""
    env = {}
    for op in fn.regions[0].block:
        if op.name == "stats.expval":
            env[op.results[0]] = z_in
        elif op.name == "stats.probs":
            env[op.results[0]] = p_in
        elif op.name == "func.return":
            return [env[v] for v in op.operands]
        else:
            for r, v in zip(op.results, evaluate_op(op, [env[x] for x in op.operands])):
                env[r] = v
    raise AssertionError("no return")


def test_mitigation_recovers_the_noiseless_statistics():
    module, kernel, fn = _program()
    dev = _device()
    res = ReadoutMitigation().run(module, PassContext(device=dev))
    assert res.changed and res.stats["mitigated"] == 2
    verify(module)
    ideal = simulate(kernel, noise_model_of(Device("ideal", 2, ((0, 1), (1, 0)))))
    noisy = simulate(kernel, noise_model_of(dev))  # only readout error on this device

    def stats(dist):
        probs = np.zeros(4)
        for (a, b), p in dist.items():
            probs[a | (b << 1)] += p
        z = np.array([sum(p * (1 - 2 * k[j]) for k, p in dist.items()) for j in range(2)])
        return z, probs

    z_ideal, p_ideal = stats(ideal)
    z_noisy, p_noisy = stats(noisy)
    assert not np.allclose(z_noisy, z_ideal, atol=1e-3)
    z_mit, p_mit = _run_mitigation(fn, z_noisy, p_noisy)
    assert z_mit == pytest.approx(z_ideal, abs=1e-9)
    assert p_mit == pytest.approx(p_ideal, abs=1e-9)


def test_mitigation_matrix_inverts_the_tensored_confusion():
    model = noise_model_of(_device())
    w = mitigation_matrix(model, [0, 1])
    m0 = np.array([[0.98, 0.09], [0.02, 0.91]])
    m1 = np.array([[0.95, 0.01], [0.05, 0.99]])
    assert mitigation_is_inverse(np.kron(m1, m0), lambda p: w @ p)
    assert not mitigation_is_inverse(np.kron(m0, m1), lambda p: w @ p)
