"""The reference engine on the examples: end to end, across simulators, errors."""

from __future__ import annotations

import numpy as np
import pytest

from qglm_ir.backends.cfg import from_cfg_json, to_cfg_json
from qglm_ir.core.errors import QglmError
from qglm_ir.engine import EngineError, execute, run

from ._programs import classifier_inputs, fallback_inputs, load, simulators

SIMS = simulators()


def _softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


@pytest.fixture(scope="module")
def classifier():
    return load("text_classifier.qglm")


@pytest.fixture(scope="module")
def classifier_exact(classifier):
    return run(classifier, classifier_inputs())["out0"]


def test_text_classifier_matches_a_numpy_reference(classifier, classifier_exact):
    """Classical layers by hand, the quantum <Z> from the semantics: the engine must agree."""
    from qglm_ir import semantics

    inp = classifier_inputs()
    h = np.maximum(inp["encoder_w"] @ inp["embedding"] + inp["encoder_b"], 0)
    f = np.tanh(inp["project_w"] @ h + inp["project_b"])
    theta = np.pi / (1 + np.exp(-f))
    kernel = classifier.lookup("ring_ansatz")
    z = semantics.expectation_z(kernel, inputs={"x": theta})
    want = _softmax(inp["head_w"] @ z + inp["head_b"])
    np.testing.assert_allclose(classifier_exact, want, atol=1e-12)
    assert classifier_exact.shape == (2,) and abs(classifier_exact.sum() - 1) < 1e-12


@pytest.mark.parametrize("sim", SIMS)
def test_text_classifier_same_output_with_each_simulator(classifier, classifier_exact, sim):
    exact = run(classifier, classifier_inputs(), simulator=sim)["out0"]
    np.testing.assert_allclose(exact, classifier_exact, atol=1e-9)
    # 1024 shots per <Z>: each <Z> is within ~4/sqrt(1024) of exact; the softmax of an
    # 8->2 head moves by at most |head_w| * that.
    sampled = run(classifier, classifier_inputs(), 1024, sim, seed=11)["out0"]
    bound = 4 / np.sqrt(1024) * np.abs(classifier_inputs()["head_w"]).sum(axis=1).max()
    assert np.abs(sampled - classifier_exact).max() < bound
    assert not np.allclose(sampled, classifier_exact, atol=1e-12)  # it really sampled


def test_seeds_are_reproducible(classifier):
    a = run(classifier, classifier_inputs(), 256, "tn", seed=5)["out0"]
    b = run(classifier, classifier_inputs(), 256, "tn", seed=5)["out0"]
    c = run(classifier, classifier_inputs(), 256, "tn", seed=6)["out0"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_fallback_classical_path_matches_numpy():
    m = load("fallback.qglm")
    inp = fallback_inputs(False)
    total = np.zeros(3)
    for x in inp["xs"]:
        h = np.tanh(inp["embedder_w"] @ x + inp["embedder_b"])
        out = np.tanh(inp["classical_w"] @ h + inp["classical_b"])
        total += _softmax(inp["head_w"] @ out + inp["head_b"])
    got = run(m, inp)["out0"]
    np.testing.assert_allclose(got, total / 8, atol=1e-12)


@pytest.mark.parametrize("sim", SIMS)
def test_fallback_quantum_path_agrees_across_simulators(sim):
    m = load("fallback.qglm")
    ref = run(m, fallback_inputs(True))["out0"]
    np.testing.assert_allclose(run(m, fallback_inputs(True), simulator=sim)["out0"], ref, atol=1e-9)
    classical = run(m, fallback_inputs(False))["out0"]
    assert not np.allclose(ref, classical)


@pytest.mark.parametrize("sim", SIMS)
def test_teleport_feed_forward(sim):
    m = load("teleport.qglm")
    for theta in (0.3, 2.1):
        np.testing.assert_allclose(run(m, {"theta": theta}, None, sim)["out0"], [1.0, 0.0], atol=1e-12)


def test_host_branch_on_a_single_shot_kernel_call():
    m = load("host_call.qglmir")
    # @run measures H Rz(x/2)|0>: a fair coin; the host returns -x on 1 and x on 0.
    outs = [float(run(m, {"x": 1.5}, None, "tn", seed=s)["out0"]) for s in range(16)]
    assert set(outs) == {1.5, -1.5}


@pytest.mark.parametrize("sim", [s for s in SIMS if s != "tn"])
def test_kernels_calling_kernels_are_not_exported(sim):
    from qglm_ir.core.errors import BackendError

    with pytest.raises(BackendError, match="cannot be exported as one circuit"):
        run(load("host_call.qglmir"), {"x": 1.5}, None, sim)


@pytest.mark.parametrize("sim", SIMS)
def test_counts_of_a_kernel_only_module(sim):
    m = load("bell_feedforward.qglmir")
    counts = run(m, {"theta": 1.0}, 4000, sim, seed=3)["out0"]
    assert counts.dtype == np.int64 and counts.sum() == 4000
    # ry(1.0) + cx makes a|00> + b|11>; measuring m0 = 1 triggers X on qubit 1, so m1 is always 0
    # and the outcome index m0 + 2*m1 is 1 with probability sin(0.5)^2.
    assert counts[2] == counts[3] == 0
    p1 = np.sin(0.5) ** 2
    assert abs(counts[1] / 4000 - p1) < 5 * np.sqrt(p1 * (1 - p1) / 4000)


@pytest.mark.parametrize("sim", SIMS)
def test_prompt_encoder_with_depolarizing_noise(sim):
    m = load("prompt_encoder.qglm")
    ref = run(m, {"token": 3})["out0"]
    got = run(m, {"token": 3}, simulator=sim)["out0"]
    np.testing.assert_allclose(got, ref, atol=1e-9)
    assert ref.shape == (16,) and abs(ref.sum() - 1) < 1e-9


def test_cfg_loaded_from_json_runs_the_same(classifier, classifier_exact):
    g = from_cfg_json(to_cfg_json(classifier))
    got = execute(classifier, g, classifier_inputs())["out0"]
    np.testing.assert_allclose(got, classifier_exact, atol=0)


def test_input_errors_are_reported(classifier):
    inp = classifier_inputs()
    del inp["head_w"]
    with pytest.raises(EngineError, match="parameter @head_w .* has no value") as e:
        run(classifier, inp)
    assert "--input head_w=" in (e.value.help or "")
    with pytest.raises(EngineError, match="input 'embedding'"):
        run(classifier, {k: v for k, v in classifier_inputs().items() if k != "embedding"})
    with pytest.raises(EngineError, match="no input or parameter named 'bogus'"):
        run(classifier, dict(classifier_inputs(), bogus=1.0))
    with pytest.raises(EngineError, match="expects shape"):
        run(classifier, dict(classifier_inputs(), embedding=np.zeros(3)))
    with pytest.raises(EngineError, match="unknown simulator"):
        run(classifier, classifier_inputs(), simulator="qpu")
    with pytest.raises(EngineError, match="shots must be >= 0"):
        run(classifier, classifier_inputs(), -1)


def test_errors_render_as_diagnostics(classifier):
    with pytest.raises(QglmError) as e:
        run(classifier, {})
    assert "error:" in e.value.render()


def test_cli_call_signature_matches(classifier):
    """qglmc run calls run(module, inputs, shots, simulator, seed) positionally."""
    out = run(classifier, classifier_inputs(), 0, "tn", 0)
    assert set(out) == {"out0"}


@pytest.mark.parametrize("name,inputs", [
    ("text_classifier.qglm", classifier_inputs),
    ("fallback.qglm", lambda: fallback_inputs(True)),
])
def test_compiled_program_gives_the_same_result(name, inputs):
    """What qglmc run does: compile at -O2, then run; must match the uncompiled program."""
    import qglm_ir

    m = load(name)
    want = run(m, inputs())["out0"]
    got = run(qglm_ir.compile(m), inputs())["out0"]
    np.testing.assert_allclose(got, want, atol=1e-9)
