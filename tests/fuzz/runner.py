"""Run fuzz inputs through ``qglmc`` in child processes and classify each outcome.

Each input is written to a scratch folder and run as ``qglmc check`` or
``qglmc compile --target qasm3`` (alternating; device files are passed with
``--device`` next to ``examples/ansatz.qglm``). Two ways to start the child:

* ``fork`` (default): one parent imports qglm and Qiskit once, then forks a
  child per input (milliseconds instead of a second of imports);
* ``exec``: a fresh ``python -m qglm_ir.cli`` per input (what a user runs).

Either way the child gets ``RLIMIT_AS`` (:data:`AS_LIMIT` over the parent's
size) and is killed after ``timeout`` seconds; its peak RSS comes from
``wait4``. Outcomes (:class:`Outcome`): ``ok`` (exit 0), ``diagnostic``
(exit 1/2 with ``FILE:LINE:COL: error:``), ``unlocated`` (exit 1/2 without
it), ``exit3``, ``traceback`` (a Python traceback or a Rust panic on
stderr), ``hang`` (killed at the timeout), ``memory`` (peak RSS over
``rss_limit`` or a MemoryError), ``crash`` (killed by a signal).
"""

from __future__ import annotations

import io
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .inputs import KINDS

ROOT = Path(__file__).resolve().parents[2]
LOCATED = re.compile(r"^[^\n]*:\d+:\d+: error: ", re.M)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|panicked at|stack backtrace:")
AS_LIMIT = 3 << 30  # address space a child may add to the parent's
WALL_FACTOR = 6  # wall-clock allowance (x the CPU timeout) on a shared, loaded machine
GIB = 1 << 30


@dataclass
class Outcome:
    kind: str
    name: str
    verdict: str
    code: int
    seconds: float
    rss_bytes: int
    stderr: str
    cpu_seconds: float = 0.0


def command(kind: str, path: Path, index: int) -> list[str]:
    """The ``qglmc`` arguments for input ``path`` of ``kind`` (check and compile alternate)."""
    sub = ["check"] if index % 2 == 0 else ["compile", "--target", "qasm3", "-O1", "-q"]
    if kind == "device":
        return [*sub, str(ROOT / "examples" / "ansatz.qglm"), "--device", str(path)]
    args = [*sub, str(path)]
    if kind == "py":
        args += ["--entry", _py_entry(path)]
    return args


def _py_entry(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "main"
    m = re.search(r"@(?:model|kernel)\s*\n\s*def\s+(\w+)", text)
    return m.group(1) if m else "main"


def classify(code: int, stderr: str, timed_out: bool, rss: int, rss_limit: int) -> str:
    if timed_out:
        return "hang"
    if rss > rss_limit or "MemoryError" in stderr:
        return "memory"
    if code < 0:
        return "crash"
    if TRACEBACK.search(stderr):
        return "traceback"
    if code == 0:
        return "ok"
    if code == 3:
        return "exit3"
    if code in (1, 2):
        return "diagnostic" if LOCATED.search(stderr) else "unlocated"
    return "crash"


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of a running process, from /proc (None where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _wait(pid: int, timeout: float) -> tuple[int, int, bool, float]:
    """``(exit code or -signal, peak RSS bytes, timed out, CPU seconds)`` of child ``pid``.

    A run hangs when it used ``timeout`` seconds of CPU (so a loaded machine does not
    turn slow runs into hangs), or ``WALL_FACTOR`` times that in wall time.
    """
    start = time.monotonic()
    delay = 0.002
    while True:
        got, status, ru = os.wait4(pid, os.WNOHANG)
        if got:
            code = os.waitstatus_to_exitcode(status)
            return code, ru.ru_maxrss * 1024, False, ru.ru_utime + ru.ru_stime
        cpu = _cpu_seconds(pid)
        wall = time.monotonic() - start
        if (cpu is not None and cpu > timeout) or wall > WALL_FACTOR * timeout or (cpu is None and wall > timeout):
            os.kill(pid, signal.SIGKILL)
            _, status, ru = os.wait4(pid, 0)
            return -9, ru.ru_maxrss * 1024, True, ru.ru_utime + ru.ru_stime
        time.sleep(delay)
        delay = min(0.05, delay * 1.5)


def _vm_size() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(args: list[str], err_path: str, as_limit: int) -> None:  # pragma: no cover - runs in the fork
    code = 3
    try:
        resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))
        fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(fd, 2)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        from qglm_ir.cli import main

        code = main(args)
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - report it like an uncaught exception would
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        code = 3
    os._exit(code)


class Runner:
    """Runs inputs in forked or exec'd children (see the module docstring)."""

    def __init__(self, mode: str = "fork", timeout: float = 10.0, rss_limit: int = 2 * GIB):
        self.mode = mode
        self.timeout = timeout
        self.rss_limit = rss_limit
        self.tmp = Path(tempfile.mkdtemp(prefix="qglm-fuzz-"))
        if mode == "fork":
            # Import everything a run may need once, before forking.
            import qiskit.qasm2  # noqa: F401
            import qiskit.qasm3  # noqa: F401

            import qglm_ir.api  # noqa: F401
            import qglm_ir.backends.qasm3  # noqa: F401
            import qglm_ir.cli  # noqa: F401
            import qglm_ir.frontends.dsl  # noqa: F401
            import qglm_ir.frontends.python  # noqa: F401
            import qglm_ir.frontends.qasm  # noqa: F401
            import qglm_ir.text  # noqa: F401

    def run(self, kind: str, name: str, data: bytes, index: int) -> Outcome:
        folder = self.tmp / f"{index}"
        folder.mkdir(exist_ok=True)
        path = folder / ("input" + KINDS[kind])
        path.write_bytes(data)
        args = command(kind, path, index)
        err_path = folder / "stderr"
        start = time.monotonic()
        if self.mode == "fork":
            sys.stdout.flush()
            sys.stderr.flush()
            as_limit = _vm_size() + AS_LIMIT
            pid = os.fork()
            if pid == 0:  # pragma: no cover
                _child(args, str(err_path), as_limit)
            code, rss, timed_out, cpu = _wait(pid, self.timeout)
        else:
            code, rss, timed_out, cpu = self._exec(args, err_path)
        seconds = time.monotonic() - start
        stderr = err_path.read_text(encoding="utf-8", errors="replace") if err_path.exists() else ""
        verdict = classify(code, stderr, timed_out, rss, self.rss_limit)
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()
        return Outcome(kind, name, verdict, code, seconds, rss, stderr[:2000], cpu)

    def _exec(self, args: list[str], err_path: Path) -> tuple[int, int, bool, float]:
        env = dict(os.environ, PYTHONPATH=str(ROOT))

        def limit() -> None:  # pragma: no cover - runs in the child
            resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT + (1 << 30), AS_LIMIT + (1 << 30)))

        with open(err_path, "wb") as err:
            proc = subprocess.Popen([sys.executable, "-m", "qglm_ir.cli", *args], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=err, preexec_fn=limit)
            return _wait(proc.pid, self.timeout)


def summarize(outcomes: list[Outcome]) -> dict[str, Counter]:
    """Verdict counts per kind (and ``"all"``)."""
    table: dict[str, Counter] = {}
    for o in outcomes:
        table.setdefault(o.kind, Counter())[o.verdict] += 1
        table.setdefault("all", Counter())[o.verdict] += 1
    return table


VERDICTS = ("ok", "diagnostic", "unlocated", "exit3", "traceback", "hang", "memory", "crash")
BAD = ("exit3", "traceback", "hang", "memory", "crash")


def render_table(outcomes: list[Outcome]) -> str:
    """A markdown table of the counts (rows: kinds; columns: verdicts; plus % located among failures)."""
    table = summarize(outcomes)
    out = io.StringIO()
    out.write("| kind | runs | " + " | ".join(VERDICTS) + " | located % of failures | max s | max RSS MiB |\n")
    out.write("|---" * (len(VERDICTS) + 5) + "|\n")
    for kind in [*KINDS, "all"]:
        c = table.get(kind)
        if not c:
            continue
        runs = sum(c.values())
        fails = runs - c["ok"]
        located = 100.0 * c["diagnostic"] / fails if fails else 100.0
        sel = [o for o in outcomes if kind == "all" or o.kind == kind]
        out.write(f"| {kind} | {runs} | " + " | ".join(str(c[v]) for v in VERDICTS)
                  + f" | {located:.1f} | {max(o.seconds for o in sel):.1f}"
                  + f" | {max(o.rss_bytes for o in sel) / 2**20:.0f} |\n")
    return out.getvalue()


__all__ = ["BAD", "Outcome", "Runner", "classify", "command", "render_table", "summarize"]
