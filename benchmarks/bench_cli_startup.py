"""How long `qglmc` takes to start, run and exit on a trivial input.

Measures wall time of fresh subprocesses (several runs, median) for
``qglmc --help``, ``qglmc check`` and ``qglmc compile`` on a tiny ``.qglmir``
kernel, plus ``python -c pass`` as the interpreter floor. The issue's target:
a trivial compile in under a second on the 2-core reference machine.

    .venv/bin/python benchmarks/bench_cli_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))


def tiny_program(directory: Path) -> Path:
    """A 2-qubit Bell kernel as textual IR (printed by qglm itself)."""
    from qglm_ir import ModuleBuilder
    from qglm_ir.text import print_module

    mb = ModuleBuilder("tiny")
    kb = mb.kernel("bell", 2)
    kb.gate("h", 0)
    kb.gate("cx", 0, 1)
    kb.finish([kb.measure(0), kb.measure(1)])
    path = directory / "tiny.qglmir"
    path.write_text(print_module(mb.module))
    return path


def wall(cmd: list[str], runs: int) -> tuple[float, float, int]:
    """Median and minimum wall seconds of ``runs`` executions, and the last exit code."""
    times = []
    code = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        code = subprocess.run(cmd, capture_output=True, cwd=ROOT).returncode
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), code


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        cases = [("python -c pass", [py, "-c", "pass"]), ("qglmc --help", [py, "-m", "qglm_ir.cli", "--help"])]
        try:
            prog = tiny_program(tmp)
        except ImportError as exc:
            print(f"(textual IR not available: {exc}; measuring --help only)")
        else:
            cases += [
                ("qglmc check tiny.qglmir", [py, "-m", "qglm_ir.cli", "check", str(prog), "-q"]),
                ("qglmc compile tiny.qglmir", [py, "-m", "qglm_ir.cli", "compile", str(prog), "-q",
                                              "-o", str(tmp / "out.qglmir")]),
            ]
        print(f"{'command':<28} {'median s':>9} {'min s':>7}  exit")
        for label, cmd in cases:
            med, best, code = wall(cmd, args.runs)
            print(f"{label:<28} {med:9.3f} {best:7.3f}  {code}")


if __name__ == "__main__":
    main()
