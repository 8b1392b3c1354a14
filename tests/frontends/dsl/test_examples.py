"""Every shipped example parses, checks, lowers, verifies and round-trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qglm_ir.core.evaluators import get_evaluator
from qglm_ir.core.types import FunctionType, TensorType, f64
from qglm_ir.frontends.dsl import compile_file
from qglm_ir.semantics import (
    expectation_z,
    probabilities,
    stats_eval,  # noqa: F401  (registers the stats evaluators)
)
from qglm_ir.text import parse_module, print_module, structurally_equal
from qglm_ir.verify import verify_all

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
FILES = sorted(EXAMPLES.glob("*.qglm"))


def _symbols(module) -> dict:
    return {op.properties.get("sym_name"): op for op in module}


def test_examples_exist() -> None:
    names = {p.name for p in FILES}
    assert {"text_classifier.qglm", "peft_classifier.qglm", "prompt_encoder.qglm", "teleport.qglm",
            "fallback.qglm"} <= names


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_example_compiles_verifies_and_round_trips(path: Path) -> None:
    module = compile_file(str(path))
    assert verify_all(module) == []
    text = print_module(module)
    again = parse_module(text, str(path) + "ir")
    assert structurally_equal(module, again)
    assert print_module(again) == text


def test_text_classifier_shape() -> None:
    syms = _symbols(compile_file(str(EXAMPLES / "text_classifier.qglm")))
    model = syms["classify"]
    assert model.properties["function_type"] == FunctionType((TensorType((768,), f64),), (TensorType((2,), f64),))
    names = [op.name for op in model.walk()]
    assert names.count("nn.dense") == 3 and "nn.angle" in names and "nn.softmax" in names
    (expval,) = [op for op in model.walk() if op.name == "stats.expval"]
    assert expval.properties["shots"] == 1024 and expval.results[0].type == TensorType((8,), f64)
    # Two trainable ansatz layers: the layer loop stays an scf.for over 0..2.
    kernel = syms["ring_ansatz"]
    (loop,) = [op for op in kernel.walk() if op.name == "scf.for"]
    assert [o.properties["value"] for o in (v.owner for v in loop.operands[:3])] == [0, 2, 1]
    assert syms["ansatz_theta"].properties["type"] == TensorType((2, 8), f64)
    assert syms["ansatz_theta"].properties["trainable"] is True


def test_define_overrides_layer_count() -> None:
    syms = _symbols(compile_file(str(EXAMPLES / "text_classifier.qglm"), defines={"layers": "6"}))
    assert syms["ansatz_theta"].properties["type"] == TensorType((6, 8), f64)
    (loop,) = [op for op in syms["ring_ansatz"].walk() if op.name == "scf.for"]
    assert loop.operands[1].owner.properties["value"] == 6


def test_peft_only_adapter_is_trainable() -> None:
    syms = _symbols(compile_file(str(EXAMPLES / "peft_classifier.qglm")))
    trainable = sorted(n for n, op in syms.items() if op.name == "param.decl" and op.properties["trainable"])
    assert trainable == ["adapter"]


def test_prompt_encoder_loads_npy_and_runs() -> None:
    syms = _symbols(compile_file(str(EXAMPLES / "prompt_encoder.qglm")))
    init = syms["prompt_ry"].properties["init"]
    np.testing.assert_array_equal(init.array, np.load(EXAMPLES / "prompt_ry.npy"))
    kernel = syms["encode"]
    assert sum(op.name == "noise.depolarizing" for op in kernel.walk()) == 4
    model = syms["encode_prompt"]
    assert [op.name for op in model.walk() if op.name.startswith("nn.")] == ["nn.embed", "nn.angle"]


def test_teleport_feed_forward_restores_zero() -> None:
    syms = _symbols(compile_file(str(EXAMPLES / "teleport.qglm")))
    (probs_op,) = [op for op in syms["check"].walk() if op.name == "stats.probs"]
    for theta in (0.0, 0.7, 2.5):
        (p,) = get_evaluator("stats.probs")(probs_op, [theta])
        np.testing.assert_allclose(p, [1.0, 0.0], atol=1e-9)


def test_fallback_has_host_if_and_batch_loop() -> None:
    syms = _symbols(compile_file(str(EXAMPLES / "fallback.qglm")))
    feats = syms["features"]
    (branch,) = [op for op in feats.walk() if op.name == "scf.if"]
    then_ops = [op.name for op in branch.regions[0].block]
    else_ops = [op.name for op in branch.regions[1].block]
    assert "stats.expval" in then_ops and "stats.expval" not in else_ops
    assert any(op.name == "scf.for" for op in syms["predict"].walk())
    kernel = syms["circuit"]
    z = expectation_z(kernel, inputs=[np.zeros(4)])
    assert z.shape == (4,)
    assert probabilities(kernel, inputs=[np.zeros(4)]).shape == (16,)
