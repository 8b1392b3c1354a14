"""Lock-step batches: per-sample outputs equal the engine's one-by-one runs; kernel calls are grouped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qglm_ir.engine import EngineError, run_batch
from qglm_ir.training.batch_exec import HostBatch, KernelBackend
from qglm_ir.training.grad import prepare
from qglm_ir.training.params import initial_values

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["text_classifier.qglm", "fallback.qglm"])
def test_vectorized_run_batch_equals_one_by_one_runs(name):
    module, graph, rest = prepare(EXAMPLES / name)
    params = initial_values(graph.graph["params"], rest, seed=2)
    rng = np.random.default_rng(0)
    if name == "fallback.qglm":
        batch = [{"xs": rng.normal(size=(8, 16)), "use_quantum": bool(b % 2), **params} for b in range(4)]
    else:
        batch = [{"embedding": rng.normal(size=768), **params} for _ in range(4)]
    one_by_one = run_batch(module, batch, shots=0)
    together = run_batch(module, batch, vectorized=True)
    for a, b in zip(one_by_one, together):
        assert a.keys() == b.keys()
        np.testing.assert_allclose(b["out0"], a["out0"], atol=1e-12)


def test_kernel_calls_of_a_batch_are_one_forward_call(monkeypatch):
    module, graph, rest = prepare(EXAMPLES / "fallback.qglm")
    params = initial_values(graph.graph["params"], rest, seed=2)
    backend = KernelBackend(module)
    sizes: list[int] = []
    prog = backend.program("circuit")
    real = prog.forward

    def counting(args, params, statistic, noise=None):
        sizes.append(len(args[0]))
        return real(args, params, statistic, noise)

    monkeypatch.setattr(prog, "forward", counting)
    rng = np.random.default_rng(1)
    host = HostBatch(module, graph, params, backend=backend)
    host.forward([{"xs": rng.normal(size=(8, 16)), "use_quantum": True} for _ in range(5)])
    assert sizes == [5] * 8  # 8 host-loop iterations, each one call for all 5 samples


def test_vectorized_run_batch_refuses_sampling():
    module, graph, _ = prepare(EXAMPLES / "text_classifier.qglm")
    with pytest.raises(EngineError, match="exact and local"):
        run_batch(module, [{}], shots=100, vectorized=True)
