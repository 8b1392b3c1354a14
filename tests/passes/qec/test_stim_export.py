"""Stim export of protected Clifford kernels: detectors, observables, sampled logical error."""

from __future__ import annotations

import pytest

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core.errors import PassError
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.qec.rep_code import RepetitionCode
from qglm_ir.passes.qec.stim_export import to_stim
from qglm_ir.targets.noise_model import noise_model_of

from .helpers import mapped_readout_kernel, toy_device

stim = pytest.importorskip("stim")


@pytest.mark.parametrize("decoding,detectors", [("feed-forward", 2), ("post", 2)])
def test_protected_memory_exports_with_detectors_and_observable(decoding, detectors):
    dev = toy_device()
    module, kernel = mapped_readout_kernel(5, 0, "x", idle=5e-6)
    RepetitionCode(decoding=decoding).run(module, PassContext(device=dev))
    text = to_stim(kernel)
    circuit = stim.Circuit(text)
    assert circuit.num_detectors == detectors and circuit.num_observables == 1
    # noiseless: detectors never fire, the observable is the prepared |1>
    det, obs = circuit.compile_detector_sampler().sample(64, separate_observables=True)
    assert not det.any() and not obs.any()  # observables are reported relative to the noiseless value
    noisy = stim.Circuit(to_stim(kernel, noise_model_of(dev)))
    dem = noisy.detector_error_model(decompose_errors=True, approximate_disjoint_errors=True)
    assert dem.num_detectors == detectors
    det, obs = noisy.compile_detector_sampler(seed=1).sample(20_000, separate_observables=True)
    assert 0 < det.any(axis=1).mean() < 0.5


def test_non_clifford_kernels_are_rejected():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 1)
    kb.gate("t", 0)
    kb.finish([kb.measure(0)])
    with pytest.raises(PassError, match="not Clifford"):
        to_stim(kb.op)
