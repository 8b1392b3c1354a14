"""``--jobs N`` locally: this process and N-1 forked workers share one queue.

The batch is forced onto the local cluster (a cost model that always prefers
it, and every core reported idle), so these tests do not depend on the speed
or load of the machine they run on."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

pytest.importorskip("distributed")
import dask  # noqa: E402

psutil = pytest.importorskip("psutil")

from qglm_ir.distributed import CostModel, compile_many  # noqa: E402
from qglm_ir.distributed import cost as cost_module  # noqa: E402
from qglm_ir.distributed.shared_queue import MAX_CHUNK, chunk_size  # noqa: E402

from .test_batch import _count_writes, _files, _write  # noqa: E402

ALWAYS_CLUSTER = CostModel(start_s=0.0, per_task_s=0.0, margin=10.0)


@pytest.fixture
def idle_machine(monkeypatch):
    monkeypatch.setattr(cost_module.IdleCores, "cores", lambda self: float(os.cpu_count() or 2))


def test_chunks_shrink_to_one_item_at_the_end() -> None:
    sizes, left = [], 200
    while left:
        sizes.append(chunk_size(left, compilers=2))
        left -= sizes[-1]
    assert max(sizes) == MAX_CHUNK and sizes[-1] == 1
    assert sizes == sorted(sizes, reverse=True)  # guided: never larger than the one before


def test_this_process_and_a_worker_share_the_batch(tmp_path: Path, monkeypatch, idle_machine) -> None:
    n, bad = 48, {5, 30}
    paths = _write(tmp_path / "in", n, bad)
    serial = compile_many(paths, target="qasm3", output_dir=tmp_path / "serial")
    writes = _count_writes(monkeypatch)
    shared = compile_many(paths, target="qasm3", output_dir=tmp_path / "shared", jobs=2, cost_model=ALWAYS_CLUSTER)
    assert shared.mode == "local-cluster" and shared.decision.startswith("this process and 1 worker"), shared.decision
    # both compilers did part of the batch, and every item was recorded exactly once
    assert shared.here > 0 and shared.there > 0 and shared.here + shared.there == n
    assert [o.index for o in shared.outcomes] == list(range(n))
    assert [o.index for o in shared.failed] == sorted(bad)
    assert [o.diagnostic for o in shared.failed] == [o.diagnostic for o in serial.failed]
    assert sorted(writes.values()) == [1] * (n - len(bad))
    assert _files(tmp_path / "shared") == _files(tmp_path / "serial")


@pytest.mark.parametrize("allowed_failures", [3, 0], ids=["dask-reschedules", "dask-gives-up"])
def test_killing_the_worker_loses_nothing(tmp_path: Path, monkeypatch, idle_machine, allowed_failures) -> None:
    """The only worker dies mid-batch: Dask reruns its chunk on the restarted worker, or (with
    allowed-failures=0) gives up with KilledWorker and the chunk goes back to the shared queue;
    every item still gets exactly one outcome and one artifact."""
    n = 60
    paths = _write(tmp_path / "in", n)
    serial = compile_many(paths, target="qasm3", output_dir=tmp_path / "serial")
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    killed: list[int] = []
    seen: list[int] = []

    def on_outcome(outcome) -> None:
        seen.append(outcome.index)
        if len(seen) == 12 and not killed:
            workers = [p for p in me.children(recursive=True)
                       if p.pid not in before and "resource_tracker" not in " ".join(p.cmdline())]
            for p in workers:
                os.kill(p.pid, signal.SIGKILL)
                killed.append(p.pid)

    writes = _count_writes(monkeypatch)
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
        shared = compile_many(paths, target="qasm3", output_dir=tmp_path / "shared", jobs=2,
                              cost_model=ALWAYS_CLUSTER, on_outcome=on_outcome)
    assert killed, "no worker process was found to kill"
    assert shared.mode == "local-cluster" and shared.ok
    assert sorted(seen) == list(range(n))
    assert sorted(writes.values()) == [1] * n
    assert _files(tmp_path / "shared") == _files(tmp_path / "serial") and serial.ok
    if allowed_failures == 0 and shared.resubmitted:
        # the chunk went back to the queue because Dask gave up on it (on a loaded machine this
        # process may have taken the chunk back and finished it before Dask reported the loss)
        assert "KilledWorker" in " ".join(shared.lost_workers), shared.lost_workers
