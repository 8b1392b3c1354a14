"""Parameter-shift gradients with ``client=``: the shifted circuits run on a real
LocalCluster (2 worker processes) and the gradients equal the local ones, exact
and sampled; the oracle for the values themselves is central finite differences
of the engine's exact loss (numpy by hand), as in tests/training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")

from distributed import get_task_stream  # noqa: E402

import qglm_ir  # noqa: E402
from qglm_ir.distributed.cluster import local_client  # noqa: E402
from qglm_ir.engine import run_batch  # noqa: E402
from qglm_ir.training import shift  # noqa: E402
from qglm_ir.training.batch_exec import KernelBackend  # noqa: E402
from qglm_ir.training.errors import TrainingError  # noqa: E402
from qglm_ir.training.grad import prepare  # noqa: E402
from qglm_ir.training.params import initial_values  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "text_classifier.qglm"


def _loss(module, batch, params, labels) -> float:
    outs = np.stack([r["out0"] for r in run_batch(module, [{**x, **params} for x in batch], shots=0)])
    return float(-np.mean(np.log(outs[np.arange(len(labels)), labels])))


def test_parameter_shift_on_a_cluster_equals_local_and_finite_differences() -> None:
    rng = np.random.default_rng(3)
    module, graph, rest = prepare(EXAMPLE)
    params = initial_values(graph.graph["params"], rest, seed=2)
    batch = [{"embedding": rng.normal(size=768)} for _ in range(3)]
    labels = np.array([1, 0, 1])
    kw = dict(loss="cross-entropy", targets=labels, method="parameter-shift")
    local = qglm_ir.grad(EXAMPLE, batch, params, **kw)
    sampled = qglm_ir.grad(EXAMPLE, batch, params, shots=500, seed=7, **kw)

    with local_client(2, memory_limit="1GiB") as client, get_task_stream(client) as stream:
        remote = qglm_ir.grad(EXAMPLE, batch, params, client=client, **kw)
        remote_sampled = qglm_ir.grad(EXAMPLE, batch, params, client=client, shots=500, seed=7, **kw)
    workers = {t["worker"] for t in stream.data if str(t["key"]).startswith("qglm-shift")}
    assert len(workers) == 2, workers  # the shifted circuits really ran on both workers
    assert sorted(remote.grads) == sorted(local.grads)
    for name in local.grads:
        np.testing.assert_allclose(remote.grads[name], local.grads[name], rtol=0, atol=1e-13)
        np.testing.assert_allclose(remote_sampled.grads[name], sampled.grads[name], rtol=0, atol=1e-13)
    assert not np.allclose(sampled.grads["ansatz_theta"], local.grads["ansatz_theta"])  # the shots really sampled
    # the values: central differences of the engine's exact loss
    h = 1e-5
    flat = params["ansatz_theta"].reshape(-1)
    for j in range(min(3, flat.size)):
        vals = []
        for s in (1.0, -1.0):
            q = {k: v.copy() for k, v in params.items()}
            q["ansatz_theta"].reshape(-1)[j] += s * h
            vals.append(_loss(module, batch, q, labels))
        assert abs(remote.grads["ansatz_theta"].reshape(-1)[j] - (vals[0] - vals[1]) / (2 * h)) < 1e-6


def test_shifted_probs_split_over_the_cluster_in_order() -> None:
    """Many small chunks (the tape is scattered once) come back in row order."""
    module, _, _ = prepare(EXAMPLE)
    backend = KernelBackend(module, "parameter-shift")
    prog = backend.program("ring_ansatz")
    angles = np.random.default_rng(1).uniform(-3, 3, size=(37, prog.tape.num_angles))
    here = shift.shifted_probs(prog.tape, angles)
    with local_client(2, memory_limit="1GiB") as client:
        there = shift.shifted_probs(prog.tape, angles, client=client)
    assert there.shape == here.shape
    np.testing.assert_allclose(there, here, rtol=0, atol=1e-15)


def test_a_client_with_adjoint_differentiation_is_refused() -> None:
    module, _, _ = prepare(EXAMPLE)
    with pytest.raises(TrainingError, match="parameter-shift"):
        KernelBackend(module, "adjoint", client=object())
