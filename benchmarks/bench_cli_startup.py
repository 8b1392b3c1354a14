"""How long `qglmc` takes to start, run and exit, against a fresh Qiskit process.

Measures wall time of fresh subprocesses (several runs, median) for
``qglmc --help``, ``qglmc check`` and ``qglmc compile`` on a tiny ``.qglmir``
kernel, plus ``python -c pass`` as the interpreter floor.

Then issue 15's cold-start comparison, side by side and interleaved: a cold
``qglmc compile`` of QFT-20 (written once as OpenQASM 2) to ``heavy-hex:7`` at
``-O3`` and at the default ``-O2``, against a fresh ``python -c "import qiskit;
qiskit.transpile(qc, coupling_map=CouplingMap.from_heavy_hex(7),
basis_gates=[cx, rz, sx, x], optimization_level=3)"`` that reads the same file.
Both sides start a new interpreter per run; the ratio is qglm / Qiskit of the
medians (target: at most 1.2x). The SABRE cores' ahead-of-time build
(:mod:`qglm_ir.passes.mapping.aot`) is made first, as ``make`` does at install.

    .venv/bin/python benchmarks/bench_cli_startup.py [--runs N] [--skip-trivial]
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


QISKIT_COLD = (
    "import sys, qiskit\n"
    "from qiskit import qasm2\n"
    "from qiskit.transpiler import CouplingMap\n"
    "qc = qasm2.load(sys.argv[1], custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)\n"
    "qiskit.transpile(qc, coupling_map=CouplingMap.from_heavy_hex(7), basis_gates=['cx', 'rz', 'sx', 'x'],\n"
    "                 optimization_level=3)\n"
)


def qft20(directory: Path) -> Path:
    """QFT on 20 qubits (Qiskit's ``QFTGate`` decomposed to h, cp, swap) as OpenQASM 2."""
    from qiskit import QuantumCircuit, qasm2
    from qiskit.circuit.library import QFTGate

    qc = QuantumCircuit(20)
    qc.append(QFTGate(20), range(20))
    path = directory / "qft20.qasm"
    path.write_text(qasm2.dumps(qc.decompose()))
    return path


def cold_comparison(tmp: Path, runs: int) -> None:
    """Print the interleaved cold qglm-vs-Qiskit table for QFT-20 onto heavy-hex:7."""
    from qglm_ir.passes.mapping import aot

    built = aot.load() is not None  # builds the ahead-of-time cores once, like `make`
    py = sys.executable
    src = qft20(tmp)
    cases = {
        "qiskit.transpile O3 (fresh python)": [py, "-c", QISKIT_COLD, str(src)],
        "qglmc compile -O3": [py, "-m", "qglm_ir.cli", "compile", str(src), "--device", "heavy-hex:7", "-O3",
                              "-q", "-o", str(tmp / "qft20_o3.qglmir")],
        "qglmc compile -O2 (default)": [py, "-m", "qglm_ir.cli", "compile", str(src), "--device", "heavy-hex:7",
                                        "-q", "-o", str(tmp / "qft20_o2.qglmir")],
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(runs):  # interleaved: machine load drifts equally over every case
        for label, cmd in cases.items():
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, cwd=ROOT)
            times[label].append(time.perf_counter() - t0)
            if proc.returncode:
                raise SystemExit(f"{label} failed:\n{proc.stderr.decode()}")
    base = statistics.median(times["qiskit.transpile O3 (fresh python)"])
    print(f"\ncold start, QFT-20 -> heavy-hex:7, {runs} interleaved runs (AOT SABRE cores: "
          f"{'yes' if built else 'no, JIT'})")
    print(f"{'command':<36} {'median s':>9} {'min s':>7} {'x qiskit':>9}")
    for label, ts in times.items():
        med = statistics.median(ts)
        print(f"{label:<36} {med:9.3f} {min(ts):7.3f} {med / base:9.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--skip-trivial", action="store_true", help="only the QFT-20 cold comparison")
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as d:
        if args.skip_trivial:
            cold_comparison(Path(d), args.runs)
            return
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
        cold_comparison(tmp, args.runs)


if __name__ == "__main__":
    main()
