"""Benchmark: import/export of a large random circuit, side by side with Qiskit.

A ``--qubits`` x ``--gates`` random circuit (default 100 x 100,000; 1q/2q gates
of the gate table, a third of them parametric) is imported from Qiskit and
exported to Qiskit, QPY, OpenQASM 3/2 and Cirq. Each row reports wall time
and peak traced memory (``tracemalloc``) next to the closest Qiskit operation
on the same circuit, and the ratio. Run::

    .venv/bin/python benchmarks/bench_backends.py [--qubits 100] [--gates 100000]
"""

from __future__ import annotations

import argparse
import gc
import io
import time
import tracemalloc
from collections.abc import Callable

import numpy as np


def random_circuit(num_qubits: int, num_gates: int, seed: int = 0):
    from qiskit import QuantumCircuit

    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(num_qubits, name="bench")
    one = ["h", "x", "sx", "s", "t"]
    rot = ["rx", "ry", "rz"]
    two = ["cx", "cz", "swap"]
    for _ in range(num_gates):
        r = rng.random()
        if r < 0.35:
            getattr(qc, one[rng.integers(len(one))])(int(rng.integers(num_qubits)))
        elif r < 0.7:
            getattr(qc, rot[rng.integers(len(rot))])(float(rng.uniform(-np.pi, np.pi)), int(rng.integers(num_qubits)))
        else:
            a, b = rng.choice(num_qubits, 2, replace=False)
            getattr(qc, two[rng.integers(len(two))])(int(a), int(b))
    return qc


def measure(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(seconds, peak MiB, result): timed untraced, then run again under tracemalloc
    (tracing slows Python code several-fold, so it must not pollute the timing)."""
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    del out
    gc.collect()
    tracemalloc.start()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return dt, peak / 2**20, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qubits", type=int, default=100)
    ap.add_argument("--gates", type=int, default=100_000)
    ap.add_argument("--reimport", action="store_true",
                    help="also time qiskit.qasm3.loads of our text (slow: Qiskit's ANTLR importer)")
    args = ap.parse_args()

    import cirq  # noqa: F401  (import the libraries up front: their import time is not ours)
    import qiskit.qasm2
    import qiskit.qasm3
    from qiskit import qpy

    from qglm_ir.backends._kernel_view import build_view
    from qglm_ir.backends.cirq import to_cirq
    from qglm_ir.backends.qasm2 import to_qasm2
    from qglm_ir.backends.qasm3 import to_qasm3
    from qglm_ir.backends.qiskit import to_qiskit
    from qglm_ir.frontends.interop import from_qiskit

    qc = random_circuit(args.qubits, args.gates)
    print(f"circuit: {args.qubits} qubits, {len(qc.data)} gates\n")
    t, mem, module = measure(lambda: from_qiskit(qc))

    def qpy_dump(c):
        buf = io.BytesIO()
        qpy.dump(c, buf)
        return buf

    rows = [
        ("import from Qiskit", (t, mem), "QuantumCircuit.copy", lambda: qc.copy()),
        ("kernel view (shared)", lambda: build_view(module), None, None),
        ("export to Qiskit", lambda: to_qiskit(module), "QuantumCircuit.copy", lambda: qc.copy()),
        ("export to QPY", lambda: qpy_dump(to_qiskit(module)), "qpy.dump", lambda: qpy_dump(qc)),
        ("export to OpenQASM 3", lambda: to_qasm3(module), "qiskit.qasm3.dumps", lambda: qiskit.qasm3.dumps(qc)),
        ("export to OpenQASM 2", lambda: to_qasm2(module), "qiskit.qasm2.dumps", lambda: qiskit.qasm2.dumps(qc)),
        ("export to Cirq", lambda: to_cirq(module), None, None),
    ]
    if args.reimport:
        rows.append(("OpenQASM 3 re-import", lambda: qiskit.qasm3.loads(to_qasm3(module)), None, None))
    head = f"{'operation':24} {'qglm s':>8} {'MiB':>8} | {'Qiskit operation':22} {'s':>8} {'MiB':>8} | {'time x':>7}"
    print(head)
    print("-" * len(head))
    for name, ours, ref_name, ref in rows:
        t1, m1 = ours if isinstance(ours, tuple) else measure(ours)[:2]
        if ref is None:
            print(f"{name:24} {t1:8.3f} {m1:8.1f} | {'-':22} {'':>8} {'':>8} |")
            continue
        t2, m2, _ = measure(ref)
        print(f"{name:24} {t1:8.3f} {m1:8.1f} | {ref_name:22} {t2:8.3f} {m2:8.1f} | {t1 / t2:7.1f}")


if __name__ == "__main__":
    main()
