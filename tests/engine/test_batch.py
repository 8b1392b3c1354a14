"""Batched evaluation: the same results as a loop of ``run``, here and on a Dask cluster."""

from __future__ import annotations

import numpy as np
import pytest

from qglm_ir.engine import EngineError, run, run_batch

from ._programs import classifier_inputs, load


def _vectors(n: int) -> list[dict[str, np.ndarray]]:
    base = classifier_inputs()
    rng = np.random.default_rng(3)
    return [{**base, "embedding": rng.normal(size=base["embedding"].shape)} for _ in range(n)]


def _same(a: list[dict[str, np.ndarray]], b: list[dict[str, np.ndarray]]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        for k in x:
            np.testing.assert_array_equal(x[k], y[k])


def test_serial_batch_equals_a_loop_of_run() -> None:
    m = load("text_classifier.qglm")
    vectors = _vectors(4)
    want = [run(m, v, 256, "tn", seed=9) for v in vectors]
    _same(run_batch(m, vectors, 256, "tn", seed=9), want)
    assert not np.allclose(want[0]["out0"], want[1]["out0"])  # the vectors really differ


def test_cluster_batch_equals_serial_and_reports_bad_inputs() -> None:
    pytest.importorskip("distributed")
    from qglm_ir.distributed.cluster import local_client

    m = load("text_classifier.qglm")
    vectors = _vectors(10)
    serial = run_batch(m, vectors, 128, "tn", seed=4)
    bad = [*vectors[:6], {"nonsense": 1.0}, *vectors[7:]]
    with local_client(2, memory_limit="1GiB") as client:
        _same(run_batch(m, vectors, 128, "tn", seed=4, client=client, chunk=3), serial)
        with pytest.raises(EngineError, match="no input or parameter named 'nonsense'"):
            run_batch(m, bad, 128, "tn", seed=4, client=client, chunk=3)
    with pytest.raises(EngineError, match="no input or parameter named 'nonsense'"):
        run_batch(m, bad, 128, "tn", seed=4)
