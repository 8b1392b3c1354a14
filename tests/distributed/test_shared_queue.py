"""``--jobs N`` locally: this process and N-1 forked workers share one queue.

The batch is forced onto the local cluster (a cost model that always prefers
it, every core reported idle, and compiles slowed to outlast the cluster's
start-up, which runs while this process compiles), so these tests do not
depend on the speed or load of the machine they run on."""

from __future__ import annotations

import os
import signal
import threading
import time
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


@pytest.fixture
def slow_compiles(monkeypatch):
    """Every compile takes 50 ms more, here and in the forked workers (they inherit the
    patch), so a batch of a few dozen tiny items outlasts the cluster's start-up."""
    from qglm_ir.distributed import tasks

    real = tasks._compile

    def slow(*args):
        time.sleep(0.05)
        return real(*args)

    monkeypatch.setattr(tasks, "_compile", slow)


def test_chunks_shrink_to_one_item_at_the_end() -> None:
    sizes, left = [], 200
    while left:
        sizes.append(chunk_size(left, compilers=2))
        left -= sizes[-1]
    assert max(sizes) == MAX_CHUNK and sizes[-1] == 1
    assert sizes == sorted(sizes, reverse=True)  # guided: never larger than the one before


def test_this_process_and_a_worker_share_the_batch(tmp_path: Path, monkeypatch, idle_machine,
                                                  slow_compiles) -> None:
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
def test_killing_the_worker_loses_nothing(tmp_path: Path, monkeypatch, idle_machine, slow_compiles,
                                          allowed_failures) -> None:
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
        if len(seen) >= 24 and not killed:  # about 1.2 s in: the cluster is up and has work
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


def test_a_large_batch_starts_its_cluster_after_its_first_warm_item(tmp_path: Path, monkeypatch,
                                                                   idle_machine, slow_compiles) -> None:
    """A batch whose first warm item promises EARLY_START_S of work starts the cluster on a
    thread at once, and this process compiles meanwhile; a small batch that the probe keeps
    serial never starts one."""
    from qglm_ir.distributed import batch, cluster

    started_after: list[int] = []
    seen: list[int] = []
    real = cluster.BackgroundCluster.__init__

    def spy(self, *args, **kwargs):
        started_after.append(len(seen))
        real(self, *args, **kwargs)

    monkeypatch.setattr(cluster.BackgroundCluster, "__init__", spy)
    paths = _write(tmp_path / "in", 48)  # at least 50 ms each: 2.4 s of work
    r = compile_many(paths, jobs=2, cost_model=ALWAYS_CLUSTER, on_outcome=lambda o: seen.append(o.index))
    assert r.ok and len(started_after) == 1 and started_after[0] <= 2  # the first item may be cold
    assert r.mode == "local-cluster" and r.here > 0 and r.there > 0, r.decision
    assert 6 * 0.05 < batch.EARLY_START_S
    few = compile_many(paths[:6], jobs=2, cost_model=CostModel(start_s=60.0))
    assert few.ok and few.mode == "serial" and len(started_after) == 1


def test_a_fork_waits_for_the_running_compile() -> None:
    """While armed, a fork from another thread happens between compiles, never inside one;
    a compile that would start while the fork waits starts after it."""
    from qglm_ir.distributed import fork_gate

    events: list[str] = []
    inside = threading.Event()

    def compile_twice() -> None:
        with fork_gate.compiling():
            inside.set()
            time.sleep(0.3)
            events.append("first compile ends")
        time.sleep(0.05)  # the fork is waiting by now: the next compile must let it go first
        with fork_gate.compiling():
            events.append("second compile starts")

    with fork_gate.armed():
        compiler = threading.Thread(target=compile_twice)
        compiler.start()
        inside.wait()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        events.append("forked")
        compiler.join()
    os.waitpid(pid, 0)
    assert events == ["first compile ends", "forked", "second compile starts"]
    assert not fork_gate.is_armed()


def test_a_cluster_that_is_up_is_not_charged_its_start_again(tmp_path: Path, idle_machine,
                                                             slow_compiles) -> None:
    """A large batch's cluster starts at once; once it is up, only the sharing is weighed, so a
    cost model that thinks starting takes a minute still uses it (and a small batch, which
    would have to start one, does not)."""
    paths = _write(tmp_path / "in", 48)  # at least 50 ms each: more than EARLY_START_S of work
    slow_start = CostModel(start_s=60.0, per_task_s=0.0)
    r = compile_many(paths, jobs=2, cost_model=slow_start)
    assert r.ok and r.mode == "local-cluster" and r.there > 0, r.decision
    few = compile_many(paths[:12], jobs=2, cost_model=slow_start)
    assert few.ok and few.mode == "serial" and "less than starting a cluster (60.00 s)" in few.decision
