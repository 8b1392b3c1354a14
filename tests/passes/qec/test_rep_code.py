"""Repetition codes: logical error in simulation, policy decisions, noiseless logic."""

from __future__ import annotations

import pytest

from qglm_ir.builder import ModuleBuilder
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.qec.check import logical_report
from qglm_ir.passes.qec.noisy_sim import bit_error, simulate
from qglm_ir.passes.qec.policy import QecPolicy
from qglm_ir.passes.qec.rep_code import RepetitionCode
from qglm_ir.targets.noise_model import noise_model_of
from qglm_ir.verify import verify

from .helpers import mapped_readout_kernel, toy_device

IDLE = 5e-6  # T1 = 50 us: |1> decays with 9.5% probability while idle


def _memory_error(device, protect=None) -> float:
    model = noise_model_of(device)
    errs = []
    for prep, bit in ((None, 0), ("x", 1)):
        module, kernel = mapped_readout_kernel(5, 0, prep, idle=IDLE)
        if protect is not None:
            protect.run(module, PassContext(device=device))
            verify(module)
        errs.append(bit_error(simulate(kernel, model), [bit]))
    return sum(errs) / 2


def test_bit_flip_d3_halves_the_logical_error_of_a_bit_flip_dominated_idle():
    dev = toy_device()  # T2 = 2 T1: the idle only loses Z information by decay
    before = _memory_error(dev)
    after = _memory_error(dev, RepetitionCode(distance=3, kind="bit-flip", decoding="post"))
    assert after <= before / 2


def test_distance_5_beats_distance_3_and_feed_forward_still_helps():
    dev = toy_device()
    d3 = _memory_error(dev, RepetitionCode(distance=3))
    d5 = _memory_error(dev, RepetitionCode(distance=5))
    ff = _memory_error(dev, RepetitionCode(distance=3, decoding="feed-forward"))
    assert d5 < d3
    assert ff < _memory_error(dev)


def test_policy_picks_a_code_when_it_pays_and_its_prediction_matches():
    dev = toy_device()
    module, _ = mapped_readout_kernel(5, 0, "x", idle=IDLE)
    ctx = PassContext(device=dev)
    QecPolicy().run(module, ctx)
    (entry,) = ctx.report["qec"]
    assert entry["chosen"].startswith("rep-code")
    before = _memory_error(dev)
    after = _memory_error(dev, QecPolicy())
    measured = before - after
    assert measured > 0 and measured / 2 <= entry["predicted_gain"] <= 2 * measured


def test_policy_declines_the_code_when_gate_errors_make_it_worse():
    dev = toy_device(cx=0.08)
    module, kernel = mapped_readout_kernel(5, 0, "x", idle=IDLE)
    ctx = PassContext(device=dev)
    res = QecPolicy().run(module, ctx)
    (entry,) = ctx.report["qec"]
    assert entry["chosen"] == "none" and not res.changed
    code_gains = {k: v for k, v in entry["options"].items() if k.startswith("rep-code")}
    assert code_gains and all(g < 0 for g in code_gains.values())
    # ... and simulation agrees: forcing the code is worse than nothing
    assert _memory_error(dev, RepetitionCode()) > _memory_error(dev)


@pytest.mark.parametrize("kind", ["bit-flip", "phase-flip"])
@pytest.mark.parametrize("distance", [3, 5])
@pytest.mark.parametrize("decoding", ["post", "feed-forward"])
def test_noiseless_logical_result_is_unchanged(kind, distance, decoding):
    # "h": the segment is followed by a gate, so "post" falls back to feed-forward
    module, kernel = mapped_readout_kernel(5, 0, "x" if decoding == "post" else "h", idle=IDLE)
    before = module.clone()
    res = RepetitionCode(distance=distance, kind=kind, decoding=decoding).run(module, PassContext(device=toy_device()))
    assert res.changed
    verify(module)
    verdict, note = logical_report(before, module)["k"]
    assert verdict is True, note
    roles = {op.attributes.get("qec.role") for op in kernel.walk() if op.name == "q.measure"}
    assert roles >= ({"data"} if decoding == "post" else {"syndrome"})


def test_implicit_idle_window_is_protected_with_feed_forward():
    """Wire 0 waits while wire 3 runs a long chain; the code covers that window."""
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 5)
    kb.gate("h", 0)
    kb.gate("cx", 0, 1)
    for _ in range(100):
        kb.gate("sx", 1)  # ~3.6 us on wire 1 while wire 0 waits
    kb.gate("cx", 0, 1)
    kb.finish([kb.measure(0), kb.measure(1)])
    kb.op.set_property("initial_layout", (0, 1))
    kb.op.set_property("final_layout", (0, 1))
    module = mb.module
    before = module.clone()
    dev = toy_device()
    # spare tree for 0 avoids the busy wire 1: 0-2-4 (a chain)
    res = RepetitionCode(qubits=(0,), decoding="feed-forward").run(module, PassContext(device=dev))
    assert res.changed
    verify(module)
    assert any(op.name == "scf.if" for op in kb.op.walk())
    verdict, note = logical_report(before, module)["k"]
    assert verdict is True, note
