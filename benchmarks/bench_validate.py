"""What ``--validate`` costs, as a multiple of the compile it checks.

For each circuit (built with ``qiskit.circuit.library``: QFT, EfficientSU2 with
linear entanglement, a seeded ``random_circuit``; 10 and 20 qubits) and each
device (``grid:5x5``, ``qiskit:fake_sherbrooke``), compiles at ``-O3`` once
without and once with validation, in the same process (warm), and prints the
compile time, the validated compile time, their ratio, the method the check
used and whether it validated. The issue's target: at most 3x for a 20-qubit
kernel on both devices.

    .venv/bin/python benchmarks/bench_validate.py [--sizes 10 20] [--devices grid:5x5 qiskit:fake_sherbrooke]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def circuits(n: int) -> dict[str, object]:
    from qiskit import QuantumCircuit, transpile
    from qiskit.circuit.library import QFTGate, efficient_su2
    from qiskit.circuit.random import random_circuit

    qft = QuantumCircuit(n)
    qft.append(QFTGate(n), range(n))
    su2 = efficient_su2(n, entanglement="linear", reps=2)
    su2 = su2.assign_parameters([0.1 * (i + 1) for i in range(su2.num_parameters)])
    rnd = random_circuit(n, 8, max_operands=2, seed=n)
    basis = ["cx", "u", "rz", "sx", "x", "h"]
    return {name: transpile(qc, basis_gates=basis, optimization_level=0)
            for name, qc in (("qft", qft), ("su2-linear", su2), ("random-d8", rnd))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 20])
    ap.add_argument("--devices", nargs="+", default=["grid:5x5", "qiskit:fake_sherbrooke"])
    args = ap.parse_args()

    from qglm_ir.api import compile_with_report, load_device
    from qglm_ir.frontends.interop import from_qiskit

    print(f"{'device':24} {'circuit':14} {'n':>3} {'compile s':>10} {'+validate s':>12} {'ratio':>6}  result")
    for dev_spec in args.devices:
        device = load_device(dev_spec)
        for n in args.sizes:
            for name, qc in circuits(n).items():
                module = from_qiskit(qc)
                compile_with_report(module, device=device, optimization_level=3, seed=1)  # warm caches
                t0 = time.perf_counter()
                compile_with_report(module, device=device, optimization_level=3, seed=1)
                plain = time.perf_counter() - t0
                t0 = time.perf_counter()
                res = compile_with_report(module, device=device, optimization_level=3, seed=1, validate=True)
                checked = time.perf_counter() - t0
                how = "; ".join(res.report.get("validation", [])) or "; ".join(res.report["warnings"])[:80]
                ok = {True: "validated", False: "NOT validated", None: "-"}[res.report["validated"]]
                print(f"{dev_spec:24} {name:14} {n:3d} {plain:10.2f} {checked:12.2f} {checked / plain:6.2f}  "
                      f"{ok}: {how}", flush=True)


if __name__ == "__main__":
    main()
