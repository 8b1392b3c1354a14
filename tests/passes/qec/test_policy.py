"""The ``qec`` policy end to end: pipelines, reports, the text classifier on fake_sherbrooke."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qglm_ir.api import as_module, compile_with_report
from qglm_ir.passes import registry
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.manager import PassManager
from qglm_ir.passes.qec.check import logical_report
from qglm_ir.passes.qec.dd import DynamicalDecoupling
from qglm_ir.passes.qec.policy import QecPolicy
from qglm_ir.passes.qec.readout_mitigation import ReadoutMitigation
from qglm_ir.passes.qec.redundant_readout import RedundantReadout
from qglm_ir.passes.qec.rep_code import RepetitionCode

from .helpers import sherbrooke

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
PASSES = (QecPolicy, DynamicalDecoupling, RedundantReadout, RepetitionCode, ReadoutMitigation)


@pytest.fixture
def qec_passes():
    """Make the QEC passes known to pipelines (until the built-in registry lists them)."""
    added = [c for c in PASSES if c.name not in registry.BUILTIN_PASSES]
    for c in added:
        registry.register_pass(c)
    yield
    for c in added:
        registry.unregister_pass(c.name)


def test_pipeline_options_parse(qec_passes):
    from qglm_ir.passes.pipeline import parse_pipeline

    items = parse_pipeline("qec{policy=none,budget=3},dd{sequence=xx,qubits=1|2},rep-code{distance=5,kind=phase-flip}")
    assert items[0] == QecPolicy(policy="none", budget=3)
    assert items[1] == DynamicalDecoupling(sequence="xx", qubits=(1, 2))
    assert items[2] == RepetitionCode(distance=5, kind="phase-flip")


@pytest.mark.needs_ibm
def test_text_classifier_compiles_with_qec_on_sherbrooke(qec_passes):
    dev = sherbrooke()
    res = compile_with_report(str(EXAMPLES / "text_classifier.qglm"), device=dev, passes="qec{policy=auto}")
    (rec,) = [r for r in res.report["passes"] if r["name"] == "qec"]
    assert sum(rec["stats"].values()) == 8  # one decision per qubit of the 8-qubit ansatz
    # The same run through the manager exposes the decisions with their reasons.
    module = as_module(str(EXAMPLES / "text_classifier.qglm"))
    ctx = PassContext(device=dev)
    PassManager.from_pipeline("qec{policy=auto}", verify_each=True).run(module, ctx)
    entries = ctx.report["qec"]
    assert len(entries) == 8 and all(e["reason"] for e in entries)
    assert {"kernel", "qubit", "chosen", "predicted_gain", "reason"} <= set(entries[0])
    json.dumps(entries)  # report-ready
    # unmapped program: spare-based codes are not considered, and the report says so
    assert all(e["chosen"] in ("none", "dd") for e in entries)


@pytest.mark.needs_ibm
def test_mapped_program_gets_protection_and_keeps_its_logic(qec_passes):
    dev = sherbrooke()
    module = as_module(str(EXAMPLES / "bell_feedforward.qglmir"))
    before = module.clone()
    ctx = PassContext(device=dev)
    PassManager.from_pipeline("layout,route,qec{policy=auto,budget=4}", verify_each=True).run(module, ctx)
    entries = ctx.report["qec"]
    kernel = next(op for op in module.body if op.name == "q.kernel")
    assert {e["qubit"] for e in entries} == set(kernel.properties["initial_layout"])
    assert all(e["reason"] for e in entries)
    assert sum(len(e.get("spares", [])) for e in entries) <= 4
    verdict, note = logical_report(before, module)["bell"]
    assert verdict is True, note


@pytest.mark.needs_ibm
def test_bad_readout_qubit_gets_redundant_readout_and_keeps_its_logic(qec_passes):
    # Noise-aware routing already steers programs to well-read qubits, so place
    # one on qubit 102 (about 6% readout error) by hand, as a pinned layout would.
    from .helpers import mapped_readout_kernel

    dev = sherbrooke()
    module, _ = mapped_readout_kernel(dev.num_qubits, 102, "x")
    before = module.clone()
    ctx = PassContext(device=dev)
    PassManager.from_pipeline("qec{policy=auto,budget=4}", verify_each=True).run(module, ctx)
    (entry,) = ctx.report["qec"]
    assert entry["qubit"] == 102 and entry["chosen"] == "redundant-readout", entry["reason"]
    assert 1 <= len(entry.get("spares", [])) <= 4
    verdict, note = logical_report(before, module)["k"]
    assert verdict is True, note


def test_policy_none_only_reports():
    from .helpers import mapped_readout_kernel, toy_device

    module, kernel = mapped_readout_kernel(5, 0, "x", idle=5e-6)
    text_before = [op.name for op in kernel.walk()]
    ctx = PassContext(device=toy_device())
    res = QecPolicy(policy="none").run(module, ctx)
    assert not res.changed and [op.name for op in kernel.walk()] == text_before
    assert ctx.report["qec"][0]["chosen"] != "none"  # what auto would have done
