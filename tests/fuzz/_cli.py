"""Run ``python -m qglm_ir.cli`` of this tree in a subprocess and measure it (exit, stderr, CPU s, peak RSS)."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .runner import _cpu_seconds

ROOT = Path(__file__).resolve().parents[2]
LOCATED = re.compile(r"^[^\n]*:\d+:\d+: error: ", re.M)
#: address space of a test child: Python + NumPy + Qiskit reserve ~1.3 GiB of virtual memory up front
AS_LIMIT = 4 << 30


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    cpu_seconds: float
    wall_seconds: float
    rss_bytes: int

    @property
    def located(self) -> bool:
        return LOCATED.search(self.stderr) is not None


def qglmc(*args: str, cwd: Path | None = None, timeout: float = 30.0, umask: int | None = None) -> Result:
    """Run ``qglmc ARGS`` (this tree's code) and return what happened (killed after ``timeout`` CPU seconds)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def limit() -> None:  # runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))
        if umask is not None:
            os.umask(umask)

    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "qglm_ir.cli", *args], cwd=cwd or ROOT, env=env,
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=limit)
        deadline = start + timeout
        while True:  # wait4 gives this child's own CPU time and peak RSS
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            cpu = _cpu_seconds(proc.pid)
            # CPU time decides (a shared CI machine can be 10x slower in wall time); wall x10 is a backstop.
            if (cpu is not None and cpu > timeout) or time.monotonic() > start + 10 * timeout or (
                    cpu is None and time.monotonic() > deadline):
                proc.kill()
                pid, status, ru = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return Result(proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                      ru.ru_utime + ru.ru_stime, wall, ru.ru_maxrss * 1024)
