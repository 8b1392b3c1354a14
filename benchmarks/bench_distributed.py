"""Batch compile on Dask vs serial: 200 small circuits to heavy-hex:7, and a batch of 10.

Circuits: ``qiskit.circuit.random.random_circuit`` with 5-20 qubits, depth
3-8, up to 2-qubit gates, measured, written as OpenQASM 2 files (seeded, so
every run compiles the same files). For the full batch and for the small
one, side by side:

* cold, from the CLI (a fresh ``python -m qglm_ir.cli compile FILES -o DIR``
  process each, imports included): serial (no ``--jobs``) vs ``--jobs N`` (this
  process and N-1 forked workers sharing one queue),
  ``--reps`` interleaved runs each, speed-up = ratio of the medians; for the
  full batch also the ceiling of this machine without Dask: two independent
  serial processes started together on alternate halves of the files;
* warm, in process: ``compile_many(files)`` serial vs ``compile_many(files,
  jobs=N)`` (LocalCluster start-up included) and vs ``client=`` an already
  running cluster.

First, the host's own ceiling (``--no-host`` skips it): N copies of a
pure-Python CPU loop at once against one copy N times, which shows how much a
second virtual core gives any CPU-bound Python work on this machine.

Every parallel run's artifacts are compared byte for byte with the serial
run's. The machine load (``os.getloadavg``) is printed before and after.
Run it on an idle machine: Linux groups a terminal session's processes for
scheduling (``/proc/sys/kernel/sched_autogroup_enabled``), so while other
sessions keep the cores busy this session gets a fixed share of CPU however
many worker processes it starts, and ``--jobs`` cannot show a speed-up. The
CPU seconds printed for the warm runs (serial process vs each worker) show
how the work was split whatever the load.

    .venv/bin/python benchmarks/bench_distributed.py [--n 200] [--small 10] [--jobs 2] [--reps 3] [--small-reps 6] [--target ir] [--no-host]
    .venv/bin/python benchmarks/bench_distributed.py --calibrate   # cost-model constants
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

DEVICE = "heavy-hex:7"


def write_circuits(directory: Path, n: int, seed: int = 2026) -> list[Path]:
    """``n`` random circuits of 5-20 qubits as ``cNNN.qasm`` files."""
    from qiskit import qasm2
    from qiskit.circuit.random import random_circuit

    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        qc = random_circuit(rng.randint(5, 20), rng.randint(3, 8), max_operands=2, measure=True, seed=seed + i)
        p = directory / f"c{i:03d}.qasm"
        p.write_text(qasm2.dumps(qc))
        paths.append(p)
    return paths


def files_of(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def cli(paths: list[Path], out: Path, target: str, jobs: int | None) -> tuple[float, str]:
    """Wall time of one cold ``qglmc compile`` batch process, and its summary line."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "qglm_ir.cli", "compile", *map(str, paths), "--device", DEVICE,
           "--target", target, "-o", str(out)]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"qglmc failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return dt, proc.stderr.strip().splitlines()[-1]


def cli_halves(paths: list[Path], out: Path, target: str) -> float:
    """Wall time of two independent serial ``qglmc compile`` processes started together on
    alternate halves of ``paths`` (no Dask, no shared queue, nothing exchanged): what two
    processes can do on this machine at best, the ceiling for ``--jobs 2``."""
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "qglm_ir.cli", "compile", *map(str, half), "--device", DEVICE,
                               "--target", target, "-o", str(out)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for half in (paths[0::2], paths[1::2])]
    errors = [p.communicate()[1] for p in procs]
    dt = time.perf_counter() - t0
    for p, err in zip(procs, errors):
        if p.returncode != 0:
            raise SystemExit(f"qglmc failed ({p.returncode}):\n{err[-3000:]}")
    return dt


def same(a: Path, b: Path) -> bool:
    fa, fb = files_of(a), files_of(b)
    return bool(fa) and fa == fb


def cpu_seconds() -> float:
    """CPU time (user + system) of this process so far, all threads."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def cold(paths: list[Path], work: Path, target: str, jobs: int, label: str, reps: int,
         ceiling: bool = False) -> tuple[float, bool]:
    """``reps`` interleaved rounds of fresh processes (serial, ``--jobs``, and with ``ceiling``
    two independent serial processes on alternate halves when ``jobs`` is 2), the order rotated
    every round (serial first, then ``--jobs`` first, ...), since a run right after another is
    often slower; the speed-up is the ratio of the medians (one cold run of a few seconds varies
    by 10-20% on its own)."""
    print(f"  cold CLI, {label} ({len(paths)} circuits, {reps} interleaved run(s) each):")
    modes = ("serial", "jobs", "halves") if ceiling and jobs == 2 else ("serial", "jobs")
    times: dict[str, list[float]] = {m: [] for m in modes}
    for r in range(reps):
        for mode in modes[r % len(modes):] + modes[:r % len(modes)]:
            if mode == "halves":
                dt, line = cli_halves(paths, work / f"{label}-halves", target), "(two serial processes, no Dask)"
            else:
                dt, line = cli(paths, work / f"{label}-{mode}", target, jobs if mode == "jobs" else None)
            times[mode].append(dt)
            name = {"serial": "serial", "jobs": f"--jobs {jobs}", "halves": "2 halves"}[mode]
            print(f"    {name:>8}: {dt:7.2f} s   {line}")
    serial, par = statistics.median(times["serial"]), statistics.median(times["jobs"])
    ok = same(work / f"{label}-serial", work / f"{label}-jobs")
    print(f"    medians: serial {serial:.2f} s, --jobs {jobs} {par:.2f} s; speed-up {serial / par:.2f}x, "
          f"outputs byte-identical: {ok}")
    if "halves" in times:
        halves = statistics.median(times["halves"])
        print(f"    ceiling without Dask: two independent serial processes on alternate halves {halves:.2f} s, "
              f"{serial / halves:.2f}x; --jobs {jobs} reaches {halves / par:.0%} of it")
    return serial / par, ok


#: A pure-Python CPU-bound loop (integer arithmetic on a few locals: no allocation, no memory
#: traffic beyond the first-level caches, nothing shared).
SPIN = "s = 0\nfor i in range({n}):\n    s += i * i % 7\n"


def host_ceiling(jobs: int, reps: int, n: int = 15_000_000) -> float:
    """How much faster ``jobs`` copies of a pure-Python CPU loop finish than one copy run
    ``jobs`` times: the most any CPU-bound Python work can gain from ``jobs`` processes on this
    host (virtual cores that share a physical core, or a clock that drops when more cores are
    busy, show here). ``reps`` interleaved rounds, the median of the per-round speed-ups."""
    cmd = [sys.executable, "-S", "-c", SPIN.format(n=n)]
    speedups = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        procs = [subprocess.Popen(cmd) for _ in range(jobs)]
        for p in procs:
            p.wait()
        together = time.perf_counter() - t0
        speedups.append(jobs * one / together)
    ceiling = statistics.median(speedups)
    print(f"  host: {jobs} pure-Python CPU loops at once run {ceiling:.2f}x as fast as one ({reps} interleaved "
          f"rounds, median; per round {', '.join(f'{x:.2f}' for x in speedups)})")
    return ceiling


def warm(paths: list[Path], work: Path, target: str, jobs: int, label: str,
         reps: int) -> tuple[float, float, bool]:
    from qglm_ir.distributed import compile_many
    from qglm_ir.distributed.cluster import local_client

    print(f"  warm in process, {label} ({len(paths)} circuits, serial and jobs={jobs} {reps} time(s) each, "
          f"medians):")
    compile_many(paths[:3], DEVICE, target=target)  # imports and caches: the serial run below starts warm
    serial_times, jobs_times, serial_cpu = [], [], []
    for _ in range(reps):  # interleaved: serial, jobs, serial, jobs, ...
        t0, c0 = time.perf_counter(), cpu_seconds()
        s = compile_many(paths, DEVICE, target=target, output_dir=work / f"w{label}-serial")
        serial_times.append(time.perf_counter() - t0)
        serial_cpu.append(cpu_seconds() - c0)
        t0 = time.perf_counter()
        p = compile_many(paths, DEVICE, target=target, output_dir=work / f"w{label}-jobs", jobs=jobs)
        jobs_times.append(time.perf_counter() - t0)
    ts, tp = statistics.median(serial_times), statistics.median(jobs_times)
    cpu_serial = statistics.median(serial_cpu)
    t0 = time.perf_counter()
    with local_client(jobs) as client:
        start = time.perf_counter() - t0
        before = client.run(cpu_seconds)
        t1 = time.perf_counter()
        c = compile_many(paths, DEVICE, target=target, output_dir=work / f"w{label}-client", client=client)
        tc = time.perf_counter() - t1
        after = client.run(cpu_seconds)
    worker_cpu = sorted(after[w] - before[w] for w in after if w in before)
    ok = same(work / f"w{label}-serial", work / f"w{label}-jobs") and same(work / f"w{label}-serial",
                                                                           work / f"w{label}-client")
    assert s.ok and p.ok and c.ok
    print(f"    serial {ts:.2f} s; jobs={jobs} {tp:.2f} s ({p.decision}); "
          f"running cluster {tc:.2f} s (+{start:.2f} s to start it)")
    print(f"    speed-up jobs={jobs} {ts / tp:.2f}x, on a running cluster {ts / tc:.2f}x, "
          f"outputs byte-identical: {ok}")
    print(f"    CPU seconds: serial {cpu_serial:.2f}; running cluster, per worker "
          f"{', '.join(f'{x:.2f}' for x in worker_cpu)} (busiest worker: "
          f"{cpu_serial / max(worker_cpu):.2f}x less CPU than serial)")
    return ts / tp, ts / tc, ok


def calibrate(jobs: int) -> None:
    """Cluster start-up and per-task overhead, the constants of distributed.cost.CostModel."""
    import qglm_ir.api  # noqa: F401  (a warm process, as after the serial probe)
    from qglm_ir.distributed.cluster import local_client

    workers = max(1, jobs - 1)  # --jobs N: this process and N-1 workers
    for _ in range(3):
        t0 = time.perf_counter()
        with local_client(workers) as client:
            client.submit(abs, -1, pure=False).result()
            start = time.perf_counter() - t0
            n = 400
            t1 = time.perf_counter()
            client.gather(client.map(abs, range(-n, 0), pure=False))
            per = (time.perf_counter() - t1) / n
        print(f"  LocalCluster({workers} forked workers; the first start includes importing distributed) up and answering: {start:.2f} s; "
              f"{per * 1e3:.2f} ms per trivial task ({n} tasks)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="circuits in the big batch (default 200)")
    ap.add_argument("--small", type=int, default=10, help="circuits in the small batch (default 10)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--target", default="ir", help="artifact compared byte for byte (default ir)")
    ap.add_argument("--calibrate", action="store_true", help="measure the cost-model constants only")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold CLI runs")
    ap.add_argument("--no-host", action="store_true", help="skip the host's pure-CPU ceiling")
    ap.add_argument("--reps", type=int, default=3, help="interleaved runs per mode, cold and warm (median; default 3)")
    ap.add_argument("--small-reps", type=int, default=6,
                    help="interleaved cold runs per mode of the small batch (a 2 s run is noisy; default 6)")
    args = ap.parse_args()
    print(f"bench_distributed: {load()}")
    if args.calibrate:
        calibrate(args.jobs)
        return
    with tempfile.TemporaryDirectory(prefix="qglm-bench-dist-") as d:
        work = Path(d)
        paths = write_circuits(work / "in", args.n)
        small = paths[: args.small]
        print(f"{args.n} random circuits (5-20 qubits) -> {DEVICE}, --target {args.target}, --jobs {args.jobs}")
        rows = []
        if not args.no_host:
            host_ceiling(args.jobs, 2 * args.reps + 1)
        if not args.no_cold:
            rows.append(("cold CLI", args.n, *cold(paths, work, args.target, args.jobs, "big", args.reps,
                                                    ceiling=True)))
            rows.append(("cold CLI", args.small, *cold(small, work, args.target, args.jobs, "small",
                                                        args.small_reps)))
        big = warm(paths, work, args.target, args.jobs, "big", args.reps)
        sm = warm(small, work, args.target, args.jobs, "small", args.reps)
        print(f"after: {load()}")
        print("\nsummary (speed-up = serial time / parallel time):")
        for kind, n, sp, ok in rows:
            print(f"  {kind:<22} {n:>4} circuits: {sp:.2f}x  identical={ok}")
        print(f"  {'warm, jobs incl. start':<22} {args.n:>4} circuits: {big[0]:.2f}x  identical={big[2]}")
        print(f"  {'warm, running cluster':<22} {args.n:>4} circuits: {big[1]:.2f}x")
        print(f"  {'warm, jobs incl. start':<22} {args.small:>4} circuits: {sm[0]:.2f}x  identical={sm[2]}")


if __name__ == "__main__":
    main()
