"""Batches on a real in-process LocalCluster (2 worker processes): byte-identical
to serial, nothing lost or duplicated when a worker is killed mid-batch, bad
inputs reported without stopping the others."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402

import qglm_ir  # noqa: E402
from qglm_ir import cli  # noqa: E402
from qglm_ir.distributed import CostModel, Source, compile_many  # noqa: E402
from qglm_ir.distributed.cluster import local_client  # noqa: E402
from qglm_ir.frontends.loader import load_program  # noqa: E402
from qglm_ir.text import print_module  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def tiny_qasm(i: int, width: int = 3) -> str:
    """A small circuit that differs with ``i`` (gates, angles, wires)."""
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{width}];", f"creg c[{width}];"]
    for k in range(4 + i % 5):
        a, b = (i + k) % width, (i + 2 * k + 1) % width
        lines.append(f"h q[{a}];" if k % 3 == 0 else f"rz({0.1 * (i + 1) + k}) q[{a}];")
        if a != b:
            lines.append(f"cx q[{a}], q[{b}];")
    lines.append("measure q -> c;")
    return "\n".join(lines) + "\n"


BAD_LINE = "cx q[0], q[7];"


def bad_qasm() -> str:
    return tiny_qasm(1).replace("measure q -> c;", BAD_LINE + "\nmeasure q -> c;")


def cluster():
    """A fresh 2-worker LocalCluster, started after the serial run of a test: its
    workers are forked from this (by then warm) process, so they start in well
    under a second instead of importing qiskit and friends again."""
    return local_client(2, memory_limit="1GiB")


def _write(directory: Path, n: int, bad: set[int] = frozenset()) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = directory / f"c{i:03d}.qasm"
        p.write_text(bad_qasm() if i in bad else tiny_qasm(i))
        paths.append(p)
    return paths


def _files(outdir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(outdir)): p.read_bytes() for p in sorted(outdir.rglob("*")) if p.is_file()}


def test_cluster_batch_is_byte_identical_to_serial(tmp_path: Path) -> None:
    paths = _write(tmp_path / "in", 12)
    serial = compile_many(paths, device="line:4", target="all", output_dir=tmp_path / "serial")
    with cluster() as client:
        dist = compile_many(paths, device="line:4", target="all", output_dir=tmp_path / "dist", client=client)
    assert serial.mode == "serial" and dist.mode == "cluster"
    assert serial.ok and dist.ok
    a, b = _files(tmp_path / "serial"), _files(tmp_path / "dist")
    assert sorted(a) == sorted(b) and len(a) == 12 * 7
    for name in a:
        if name.endswith("report.json"):  # reports hold wall times; everything else is equal
            strip = re.compile(rb'"seconds": [0-9.e-]+')
            assert strip.sub(b"", a[name]) == strip.sub(b"", b[name])
        elif name.endswith(".qpy"):
            # Qiskit's QPY writer orders a layout's registers differently from one
            # process to the next (two `qglmc compile` runs differ too), so QPY is
            # compared as loaded circuits and layouts.
            assert _qpy(a[name]) == _qpy(b[name]), name
        else:
            assert a[name] == b[name], name
    # ... and equal to what a single-input `qglmc compile` writes
    assert cli.main(["compile", str(paths[5]), "--device", "line:4", "--target", "qasm3",
                     "-o", str(tmp_path / "one.qasm3"), "-q"]) == 0
    assert (tmp_path / "one.qasm3").read_bytes() == a["c005/c005.qasm3"]


def _qpy(data: bytes) -> tuple[object, ...]:
    import io

    from qiskit import qpy

    (qc,) = qpy.load(io.BytesIO(data))
    layout = qc.layout
    return qc, layout.initial_index_layout(), layout.routing_permutation(), layout._input_qubit_count


def _kill_one_worker_after(client, k: int):
    """An ``on_outcome`` callback that SIGKILLs one worker process when the k-th result arrives."""
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    seen: list[int] = []

    def on_outcome(outcome) -> None:
        seen.append(outcome.index)
        if len(seen) == k:
            os.kill(victim, signal.SIGKILL)

    return on_outcome, victim, seen


def _count_writes(monkeypatch) -> dict[str, int]:
    writes: dict[str, int] = {}
    real = cli.atomic_write

    def counting(path, data):
        writes[str(path)] = writes.get(str(path), 0) + 1
        real(path, data)

    monkeypatch.setattr(cli, "atomic_write", counting)
    return writes


@pytest.mark.parametrize("allowed_failures", [3, 0], ids=["dask-reschedules", "dask-gives-up"])
def test_killing_a_worker_loses_nothing_and_duplicates_nothing(tmp_path: Path, monkeypatch, allowed_failures) -> None:
    """With allowed-failures=0 Dask raises KilledWorker for the tasks of the dead
    worker, and compile_many must resubmit them itself."""
    n, bad = 100, {7, 23}
    paths = _write(tmp_path / "in", n, bad)
    serial = compile_many(paths, target="qasm3", output_dir=tmp_path / "serial")
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}), cluster() as c:
        on_outcome, victim, seen = _kill_one_worker_after(c, 3)
        writes = _count_writes(monkeypatch)
        dist = compile_many(paths, target="qasm3", output_dir=tmp_path / "dist", client=c, on_outcome=on_outcome)
        assert victim not in c.run(os.getpid).values()  # the worker really died (and was replaced)
    assert [o.index for o in dist.failed] == sorted(bad), [o.diagnostic for o in dist.failed]
    # the located diagnostics rendered on the workers are the serial ones (source line and caret included)
    assert [o.diagnostic for o in dist.failed] == [o.diagnostic for o in serial.failed]
    assert "^" in dist.failed[0].diagnostic
    assert sorted(seen) == list(range(n))  # every item reported exactly once
    assert sorted(writes.values()) == [1] * (n - len(bad))  # every artifact written exactly once
    assert _files(tmp_path / "dist") == _files(tmp_path / "serial") and len(_files(tmp_path / "serial")) == n - 2
    if allowed_failures == 0:
        assert dist.resubmitted >= 1 and "KilledWorker" in " ".join(dist.lost_workers)


def test_cli_batch_with_malformed_inputs(tmp_path: Path) -> None:
    """100 inputs, 5 malformed, --jobs 2: 95 artifacts, 5 located diagnostics, exit 1."""
    bad = {3, 17, 42, 77, 99}
    paths = _write(tmp_path / "in", 100, bad)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "qglm_ir.cli", "compile", *map(str, paths), "--target", "qasm3",
         "-o", str(out), "--jobs", "2"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"c{i:03d}.qasm3" for i in range(100) if i not in bad]
    diags = re.findall(r"^(\S+):(\d+):(\d+): error: .*\n  (.*)\n  ( *\^~*)$", proc.stderr, re.M)
    assert [Path(d[0]).name for d in diags] == [f"c{i:03d}.qasm" for i in sorted(bad)]
    for _, line, col, quoted, caret in diags:
        assert quoted == BAD_LINE and int(line) == bad_qasm().splitlines().index(BAD_LINE) + 1
        assert caret.index("^") == int(col) - 1
    assert "5 of 100 inputs failed" in proc.stderr and "Traceback" not in proc.stderr


def test_scheduler_address_modules_and_sources(tmp_path: Path) -> None:
    """Modules and source texts travel to an existing cluster (--scheduler / client=),
    and come back compiled exactly as a serial compile gives them."""
    programs = [load_program(ROOT / "examples" / "ansatz.qglm"), Source(tiny_qasm(4), "four.qasm"), tiny_qasm(5)]
    here = compile_many(programs, device="line:8", keep_modules=True)
    paths = _write(tmp_path / "in", 2)
    with cluster() as client:
        address = client.scheduler.address
        there = compile_many(programs, device="line:8", keep_modules=True, scheduler=address)
        assert cli.main(["compile", *map(str, paths), "-o", str(tmp_path / "o"), "--scheduler", address, "-q"]) == 0
    assert there.mode == "cluster" and here.ok and there.ok
    assert [print_module(m) for m in here.modules] == [print_module(m) for m in there.modules]
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["c000.qglmir", "c001.qglmir"]


def test_small_batches_stay_serial_and_cost_model() -> None:
    r = compile_many([tiny_qasm(i) for i in range(10)], jobs=2)
    assert r.ok and r.mode == "serial" and r.decision.startswith("serial")
    m = CostModel(start_s=0.6, per_task_s=0.004)
    assert not m.prefer_cluster(0.5, 10, 2)  # less work than starting the cluster
    assert m.prefer_cluster(20.0, 200, 2)  # 20 s of work: the cluster wins
    assert not m.prefer_cluster(20.0, 200, 2, warmup_s=15.0)  # unless spawned workers warm up for long
    assert m.effective_jobs(2, idle_cores=1.0) == 2.0  # the other core sat idle
    assert m.effective_jobs(2, idle_cores=0.05) == 1.05  # a busy machine: no core to spare
    assert m.effective_jobs(2, idle_cores=None) == 2.0  # not measurable: as asked
    assert not m.prefer_cluster(20.0, 200, m.effective_jobs(2, idle_cores=0.0))


def test_a_batch_kept_serial_by_a_busy_machine_says_so(monkeypatch) -> None:
    """No idle core while the probe compiles: the cluster loses every time it is weighed, and
    the final decision gives that reason, not only that the last items were too few."""
    from qglm_ir.distributed import cost

    monkeypatch.setattr(cost.IdleCores, "cores", lambda self: 0.0)
    r = compile_many([tiny_qasm(2 + i % 4) for i in range(20)], jobs=2,
                     cost_model=CostModel(start_s=0.005, per_task_s=0.0))
    assert r.ok and r.mode == "serial" and r.here == 20
    assert r.decision.startswith("serial: about ") and "1.0 of 2 compilers can run at once" in r.decision
    assert "then the remaining" in r.decision
    # a batch large enough to start its cluster at once still keeps it idle
    big = compile_many([tiny_qasm(2 + i % 4) for i in range(40)], jobs=2,
                       cost_model=CostModel(start_s=0.05, per_task_s=0.0))
    assert big.ok and big.mode == "serial" and big.here == 40 and big.decision.startswith("serial: ")


def test_idle_cores_sees_this_process_compute() -> None:
    """While this process spins, at most the other cores are idle (and never a negative count)."""
    import time

    from qglm_ir.distributed.cost import IdleCores

    probe = IdleCores()
    end = time.perf_counter() + 0.3
    while time.perf_counter() < end:
        pass
    cores = probe.cores()
    if cores is None:
        pytest.skip("no /proc/stat here")
    assert 0.0 <= cores <= (os.cpu_count() or 1) - 0.5


def test_idle_cores_counts_this_process_children_as_free() -> None:
    """A local cluster's worker starting up while the probe compiles uses our own cores: its CPU
    time counts as free, not as another process's load."""
    from qglm_ir.distributed.cost import IdleCores

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # spin for 0.3 s of CPU, say so, then wait to be killed
        os.close(read)
        start = time.process_time()
        while time.process_time() - start < 0.3:
            pass
        os.write(write, b"x")
        time.sleep(60)
        os._exit(0)
    try:
        os.close(write)
        probe = IdleCores()
        if probe.cores() is None:
            pytest.skip("no /proc/stat here")
        ticks_before = probe._children.get(pid, 0.0)
        os.read(read, 1)
        assert IdleCores._children_ticks()[pid] - ticks_before >= 20  # clock ticks of 10 ms
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_bad_options_and_clashing_names(tmp_path: Path) -> None:
    with pytest.raises(qglm_ir.QglmError):
        compile_many([tiny_qasm(0)], device="nonsense:3")
    paths = _write(tmp_path / "a", 1) + _write(tmp_path / "b", 1)
    with pytest.raises(ValueError, match="same name"):
        compile_many(paths, target="qasm3")
    assert compile_many(paths).ok  # no artifacts, no names to clash
    missing = compile_many([tmp_path / "nope.qasm", paths[0]])
    assert [o.status for o in missing.outcomes] == ["input", "ok"]
    assert "no such file" in missing.outcomes[0].diagnostic


def test_progress_bar_shows_done_failed_running() -> None:
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    r = compile_many([tiny_qasm(0), bad_qasm(), tiny_qasm(2)], progress=True, progress_file=tty)
    assert [o.status for o in r.outcomes] == ["ok", "input", "ok"]
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", tty.getvalue())
    assert "done" in shown and "failed" in shown and "running" in shown


def test_progress_bar_has_no_thread_of_its_own() -> None:
    """The bar is redrawn by updates only: a refresh thread writing to the terminal while a
    local cluster forks a worker would hand the child its locks held."""
    import io
    import threading

    from qglm_ir.distributed.progress import BatchProgress

    before = set(threading.enumerate())
    with BatchProgress(3, True, io.StringIO()) as bar:
        bar.update(finished_ok=1, running=1)
        assert set(threading.enumerate()) == before
