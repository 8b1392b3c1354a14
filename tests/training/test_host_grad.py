"""qglm_ir.grad on the example programs against central finite differences (exact mode).

The oracle is numpy by hand: central differences of the loss computed by the
engine's own forward (`qglm_ir.engine.run`-equivalent exact outputs), never the
reverse sweep under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import qglm_ir
from qglm_ir.engine import run_batch
from qglm_ir.training.batch_exec import HostBatch, KernelBackend
from qglm_ir.training.errors import TrainingError
from qglm_ir.training.grad import cross_entropy, prepare, value_and_grad
from qglm_ir.training.params import initial_values

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
H = 1e-5


def _peft_frozen(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"encoder_w": rng.normal(size=(128, 768)) * 0.05, "encoder_b": rng.normal(size=128) * 0.1,
            "project_w": rng.normal(size=(8, 128)) * 0.3, "project_b": np.zeros(8),
            "head_w": rng.normal(size=(2, 8)), "head_b": np.zeros(2)}


def _loss_by_engine(module, batch, params, labels) -> float:
    """The oracle's loss: the engine's exact outputs (qglm_ir.engine.run, shots=0), cross-entropy by numpy."""
    outs = np.stack([r["out0"] for r in run_batch(module, [{**x, **params} for x in batch], shots=0)])
    return float(-np.mean(np.log(outs[np.arange(len(labels)), labels])))


def _check_fd(module, batch, params, labels, grads, picks):
    for name, idx in picks:
        vals = []
        for s in (1.0, -1.0):
            q = {k: v.copy() for k, v in params.items()}
            q[name].reshape(-1)[idx] += s * H
            vals.append(_loss_by_engine(module, batch, q, labels))
        fd = (vals[0] - vals[1]) / (2 * H)
        assert abs(grads[name].reshape(-1)[idx] - fd) < 1e-6, (name, idx, grads[name].reshape(-1)[idx], fd)


@pytest.fixture(scope="module")
def text_classifier():
    rng = np.random.default_rng(11)
    module, graph, rest = prepare(EXAMPLES / "text_classifier.qglm")
    params = initial_values(graph.graph["params"], rest, seed=4)
    batch = [{"embedding": rng.normal(size=768)} for _ in range(3)]
    return module, graph, params, batch, np.array([0, 1, 1])


@pytest.fixture(scope="module")
def peft():
    rng = np.random.default_rng(12)
    module, graph, rest = prepare(EXAMPLES / "peft_classifier.qglm", _peft_frozen(rng))
    params = {"adapter": rng.normal(size=8)}
    batch = [{"embedding": rng.normal(size=768)} for _ in range(3)]
    return module, graph, params, batch, np.array([1, 0, 1])


@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
def test_text_classifier_gradients_match_finite_differences(text_classifier, method):
    module, graph, params, batch, labels = text_classifier
    host = HostBatch(module, graph, params, backend=KernelBackend(module, method))
    r = value_and_grad(host, batch, "cross-entropy", labels)
    assert r.loss == pytest.approx(_loss_by_engine(module, batch, params, labels), abs=1e-12)
    assert sorted(r.grads) == sorted(params)  # every trainable parameter, nothing else
    rng = np.random.default_rng(0)
    picks = [(n, int(j)) for n in sorted(params) for j in rng.choice(params[n].size, min(3, params[n].size), replace=False)]
    _check_fd(module, batch, params, labels, r.grads, picks)


@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
def test_peft_gradients_match_finite_differences_and_frozen_get_none(peft, method):
    module, graph, params, batch, labels = peft
    assert list(graph.graph["params"]) == ["adapter"]  # frozen weights folded, their decls gone
    assert not any(op.name == "param.decl" and op.properties["sym_name"] == "encoder_w" for op in module.walk())
    host = HostBatch(module, graph, params, backend=KernelBackend(module, method))
    r = value_and_grad(host, batch, "cross-entropy", labels)
    assert list(r.grads) == ["adapter"]
    _check_fd(module, batch, params, labels, r.grads, [("adapter", j) for j in range(8)])


def test_public_grad_entry_point_and_vjp_with_a_cotangent(peft):
    rng = np.random.default_rng(5)
    frozen = _peft_frozen(np.random.default_rng(12))
    _, _, params, batch, labels = peft
    r = qglm_ir.grad(EXAMPLES / "peft_classifier.qglm", batch, {**frozen, **params}, loss="cross-entropy",
                     targets=labels)
    ct = rng.normal(size=(3, 2))
    v = qglm_ir.grad(EXAMPLES / "peft_classifier.qglm", batch, {**frozen, **params}, cotangent={"out0": ct})
    np.testing.assert_allclose(r.outputs["out0"], v.outputs["out0"])
    # the VJP with the loss's own cotangent is the loss gradient
    _, cts = cross_entropy(r.outputs, labels)
    w = qglm_ir.grad(EXAMPLES / "peft_classifier.qglm", batch, {**frozen, **params}, cotangent=cts)
    np.testing.assert_allclose(w.grads["adapter"], r.grads["adapter"], atol=1e-12)
    assert not np.allclose(v.grads["adapter"], r.grads["adapter"])


def test_shot_based_parameter_shift_within_three_standard_errors(peft):
    module, graph, params, batch, labels = peft
    exact = value_and_grad(HostBatch(module, graph, params, backend=KernelBackend(module, "adjoint")),
                           batch, "cross-entropy", labels).grads["adapter"]
    draws = []
    for seed in range(12):
        host = HostBatch(module, graph, params, backend=KernelBackend(module, "parameter-shift", 2000, seed))
        draws.append(value_and_grad(host, batch, "cross-entropy", labels).grads["adapter"])
    draws = np.array(draws)
    se = draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(se > 0)  # really sampled
    assert np.all(np.abs(draws.mean(axis=0) - exact) <= 3 * se), (draws.mean(axis=0), exact, se)


@pytest.mark.parametrize("use_quantum", [True, False])
def test_host_control_flow_loop_and_branch(use_quantum):
    """fallback.qglm: a host batch loop calling the kernel 8 times per sample, behind a run-time branch."""
    rng = np.random.default_rng(2)
    module, graph, rest = prepare(EXAMPLES / "fallback.qglm")
    params = initial_values(graph.graph["params"], rest, seed=1)
    batch = [{"xs": rng.normal(size=(8, 16)), "use_quantum": use_quantum} for _ in range(2)]
    labels = np.array([2, 0])
    host = HostBatch(module, graph, params)
    r = value_and_grad(host, batch, "cross-entropy", labels)
    assert np.abs(r.grads["theta"]).max() > 0 if use_quantum else np.all(r.grads["theta"] == 0)
    if use_quantum:
        assert np.all(r.grads["classical_w"] == 0)
    picks = [(n, int(j)) for n in sorted(params) for j in rng.choice(params[n].size, min(2, params[n].size), replace=False)]
    _check_fd(module, batch, params, labels, r.grads, picks)


def test_frozen_parameter_cannot_be_differentiated(peft):
    module, graph, params, _, _ = peft
    module2, graph2, _ = prepare(EXAMPLES / "peft_classifier.qglm")  # frozen weights not given: kept as decls
    with pytest.raises(TrainingError, match="frozen"):
        HostBatch(module2, graph2, {}, wrt=["encoder_w"])
    with pytest.raises(TrainingError, match="no trainable parameter or input named 'nope'"):
        HostBatch(module, graph, params, wrt=["nope"])


def test_adjoint_with_shots_is_refused(peft):
    module, *_ = peft
    with pytest.raises(TrainingError, match="parameter-shift"):
        KernelBackend(module, "adjoint", shots=100)


def test_sampled_statistic_on_the_gradient_path_is_a_located_error(tmp_path):
    src = tmp_path / "sampled.qglm"
    src.write_text("param theta: f64[2] trainable = zeros()\n\nkernel k(x: f64[2]) {\n    qubit q[2]\n"
                   "    ry(x[0]) q[0]\n    ry(theta[1]) q[1]\n}\n\nmodel m(v: f64[2]) -> i64[4] {\n"
                   "    return counts(k(v), shots=100)\n}\n")
    with pytest.raises(TrainingError) as err:
        qglm_ir.grad(src, [{"v": np.zeros(2)}])
    text = err.value.render()
    assert text.startswith(f"{src}:10:12: error: cannot differentiate the call of kernel @k")
    assert "return counts(k(v), shots=100)" in text and "^" in text
