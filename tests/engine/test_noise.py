"""Noise annotations are honoured by every simulator: bit-flip(p) gives P(1) = p."""

from __future__ import annotations

import numpy as np
import pytest

from qglm_ir.engine import run
from qglm_ir.frontends.dsl import compile_source

from ._programs import simulators

SIMS = simulators()

SRC = """
kernel wires() {
    qubit q[2]
    x q[1]
    noise bit_flip(%(p)s) q
}
kernel bits() -> (bit) {
    qubit q[1]
    noise bit_flip(%(p)s) q
    return measure q[0]
}
kernel damped() {
    qubit q[1]
    x q[0]
    noise amplitude_damping(%(p)s) q
}
fn wire_probs() -> f64[4] {
    return probs(wires(), shots=4000)
}
fn bit_probs() -> f64[2] {
    return probs(bits(), shots=4000)
}
fn damped_z() -> f64[1] {
    return expval(damped(), shots=4000)
}
"""


@pytest.fixture(scope="module")
def module():
    return compile_source(SRC % {"p": 0.2}, "noise.qglm")


@pytest.mark.parametrize("sim", SIMS)
def test_bit_flip_exact(module, sim):
    p = 0.2
    # wire 0 starts in |0>, wire 1 in |1>; each flips independently with probability p
    want = np.array([p * (1 - p), p * p, (1 - p) ** 2, (1 - p) * p])
    np.testing.assert_allclose(run(module, entry="wire_probs", simulator=sim)["out0"], want, atol=1e-9)
    # Returned bits come from a measurement: only tn gives their distribution exactly,
    # aer and cirq estimate it from the call's 4000 shots (see qglm_ir.engine.dispatch).
    tol = 1e-9 if sim == "tn" else 5 * np.sqrt(p * (1 - p) / 4000)
    np.testing.assert_allclose(run(module, entry="bit_probs", simulator=sim)["out0"], [1 - p, p], atol=tol)
    # amplitude damping of |1>: P(1) = 1 - gamma, so <Z> = 1 - 2(1 - gamma)
    np.testing.assert_allclose(run(module, entry="damped_z", simulator=sim)["out0"], [2 * p - 1], atol=1e-9)


@pytest.mark.parametrize("sim", SIMS)
def test_bit_flip_sampled(module, sim):
    p, n = 0.2, 4000
    got = run(module, None, n, sim, seed=7, entry="bit_probs")["out0"]
    assert abs(got[1] - p) < 5 * np.sqrt(p * (1 - p) / n)
    assert got[1] != p  # estimated, not exact
