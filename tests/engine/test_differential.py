"""Measured distributions agree across the three simulators on random kernels.

Each hypothesis kernel (allocating its qubits, with measurements, feed-forward
and loops) runs as a kernel-only program (``counts`` of the kernel). The tn
simulator's exact readout distribution is the reference; aer and cirq must
sample within total variation distance 0.05 of it at 4000 shots (the expected
distance for <= 16 outcomes is below 0.03). Measurement-free kernels must
also agree *exactly* (probabilities of every wire).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note, reject, settings

from qglm_ir.backends.cfg import kernel_reads_params
from qglm_ir.core.errors import BackendError
from qglm_ir.core.module import SymbolTable
from qglm_ir.dialects.classical_eval import param_init
from qglm_ir.engine import KernelSpec, make_simulator
from qglm_ir.testing import kernels
from qglm_ir.text import print_module

from ._programs import simulators

OTHERS = [s for s in simulators() if s != "tn"]
SHOTS = 4000


def _module(kernel):
    return kernel.parent_op


def _params(kernel) -> dict:
    """The values the engine would bind: each parameter's init."""
    module = _module(kernel)
    return {name: param_init(module.lookup(name)) for name in kernel_reads_params(kernel, SymbolTable(module))}


@pytest.mark.parametrize("sim", OTHERS)
@settings(max_examples=25, deadline=None)
@given(kernel=kernels(max_qubits=3, max_ops=12, qubit_args=False))
def test_sampled_distributions_agree(sim, kernel):
    spec = KernelSpec.of(kernel)
    if spec.width > 4:
        reject()
    module = _module(kernel)
    note(print_module(module))
    params = _params(kernel)
    exact = make_simulator("tn", module).exact(spec, [], params)
    other = make_simulator(sim, module)
    try:
        samples = other.sample(spec, [], params, SHOTS, seed=1234)
    except BackendError:
        reject()  # e.g. Cirq cannot condition a measurement or express scf.while
    freq = np.bincount(samples, minlength=exact.size) / SHOTS
    tvd = 0.5 * np.abs(freq - exact).sum()
    assert tvd < 0.05, (tvd, exact, freq)


@pytest.mark.parametrize("sim", OTHERS)
@settings(max_examples=25, deadline=None)
@given(kernel=kernels(max_qubits=4, max_ops=16, qubit_args=False, measurements=False))
def test_exact_distributions_agree(sim, kernel):
    spec = KernelSpec.of(kernel)
    module = _module(kernel)
    note(print_module(module))
    params = _params(kernel)
    exact = make_simulator("tn", module).exact(spec, [], params)
    try:
        got = make_simulator(sim, module).exact(spec, [], params)
    except BackendError:
        reject()
    assert got is not None
    np.testing.assert_allclose(got, exact, atol=1e-8)
