"""Redundant readout on fake_sherbrooke's real calibration (issue 9, first done-when item)."""

from __future__ import annotations

import pytest

from qglm_ir.passes.base import PassContext
from qglm_ir.passes.qec.check import logical_report
from qglm_ir.passes.qec.noisy_sim import bit_error, simulate
from qglm_ir.passes.qec.policy import QecPolicy
from qglm_ir.passes.qec.redundant_readout import RedundantReadout, predict_readout_error
from qglm_ir.targets.noise_model import noise_model_of
from qglm_ir.verify import verify

from .helpers import mapped_readout_kernel, sherbrooke, toy_device

pytestmark = pytest.mark.needs_ibm


def _logical_error(device, q, protect) -> float:
    """Mean error of reading |0> and |1> on physical ``q`` (exact noisy simulation)."""
    model = noise_model_of(device)
    errs = []
    for prep, bit in ((None, 0), ("x", 1)):
        module, kernel = mapped_readout_kernel(device.num_qubits, q, prep)
        if protect is not None:
            protect(module)
            verify(module)
        errs.append(bit_error(simulate(kernel, model), [bit]))
    return sum(errs) / 2


def test_policy_selects_qubit_102_and_halves_its_readout_error():
    dev = sherbrooke()
    model = noise_model_of(dev)
    module, _ = mapped_readout_kernel(dev.num_qubits, 102, "x")
    ctx = PassContext(device=dev)
    QecPolicy().run(module, ctx)
    (entry,) = ctx.report["qec"]
    assert entry["qubit"] == 102 and entry["chosen"] == "redundant-readout"
    assert sorted(entry["spares"]) == [101, 103]  # 92's coupler is broken (error 1.0)
    assert "readout error" in entry["reason"]

    def policy(m):
        QecPolicy().run(m, PassContext(device=dev))

    before = _logical_error(dev, 102, None)
    after = _logical_error(dev, 102, policy)
    assert before == pytest.approx(model.qubits[102].readout_error, rel=0.05)  # ~6%
    assert after <= before / 2
    assert after < 0.01  # the estimate: about 0.6%
    measured_gain = before - after
    assert measured_gain / 2 <= entry["predicted_gain"] <= 2 * measured_gain


def test_prediction_tracks_simulation_on_other_qubits():
    dev = sherbrooke()
    model = noise_model_of(dev)
    for q in (6, 84):  # two of the worst readout qubits
        spares = [s for s in dev.neighbors[q] if (min(q, s), max(q, s)) in dev.usable_edges][:2]
        if len(spares) < 2:
            continue
        pred = predict_readout_error(model, q, spares)
        sim = _logical_error(dev, q, lambda m, q=q: RedundantReadout(qubits=(q,)).run(m, PassContext(device=dev)))
        assert sim == pytest.approx(pred, rel=1.0)


def test_noiseless_logic_is_unchanged_and_unmapped_kernels_are_left_alone():
    dev = toy_device()
    module, kernel = mapped_readout_kernel(5, 0, "h")
    before = module.clone()
    res = RedundantReadout().run(module, PassContext(device=dev))
    assert res.changed and res.stats["protected"] == 1
    verify(module)
    assert {op.name for op in kernel.walk()} >= {"q.cx", "arith.and", "arith.or"}
    verdict, note = logical_report(before, module)["k"]
    assert verdict is True, note
    # without initial_layout the kernel is not mapped: no spares, nothing changes
    module2, kernel2 = mapped_readout_kernel(5, 0, "x")
    kernel2.set_property("initial_layout", None)
    del_props = dict(kernel2.properties)
    del_props.pop("initial_layout")
    kernel2.properties = type(kernel2.properties)(del_props)
    assert not RedundantReadout().run(module2, PassContext(device=dev)).changed
