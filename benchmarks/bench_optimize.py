"""Optimization quality and speed: qglm -O3 vs Qiskit O3 vs TKET FullPeepholeOptimise.

Standard circuits (QFT, QAOA, VQE ansatze, Grover, adders, random...) come from
``mqt.bench`` at the target-independent level, are decomposed once into the
gate-table gates (the same input for every compiler), and are compiled without
a device to the basis ``[cx, rz, sx, x]`` by

* qglm: the optimization passes in the recommended -O3 order (``O3`` below),
* Qiskit: ``transpile(optimization_level=3, basis_gates=...)``,
* TKET: ``FullPeepholeOptimise`` then ``AutoRebase`` to the same basis,

all in the same run. Every qglm result is checked against the input with
Qiskit's ``Operator`` (measurement-free copy) on circuits of <= 10 qubits.
Prints per-circuit numbers and geometric-mean ratios (qglm / other) of the
2q count, the total gate count and the compile time.

    .venv/bin/python benchmarks/bench_optimize.py [--sizes 5 8 12] [--benchmarks qft qaoa ...]

Needs the ``bench`` extra: ``pip install mqt.bench pytket``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qglm_ir import ModuleBuilder  # noqa: E402
from qglm_ir.dialects.gates import GATES  # noqa: E402
from qglm_ir.passes.base import PassContext  # noqa: E402
from qglm_ir.passes.manager import PassManager  # noqa: E402
from qglm_ir.passes.presets import build_preset  # noqa: E402

BASIS = ("cx", "rz", "sx", "x")
BENCHMARKS = (
    "qft", "qftentangled", "qaoa", "vqe_real_amp", "vqe_su2", "vqe_two_local", "grover",
    "cdkm_ripple_carry_adder", "draper_qft_adder", "randomcircuit", "ghz", "graphstate", "qpeexact",
    "wstate",
)

def qglm_o3(module, basis=BASIS):
    """qglm's -O3 preset for a basis, run in place: exactly what
    ``qglm_ir.compile(module, optimization_level=3, basis=...)`` runs (minus the clone)."""
    pm = PassManager(build_preset(3, basis=True).items, verify_each=False)
    pm.run(module, PassContext(basis=tuple(basis)))
    return module


def from_qiskit(qc):
    """Minimal private QuantumCircuit -> Module converter (interop's ``from_qiskit`` is not
    written yet). Qubits become kernel block arguments; measured bits are returned."""
    mb = ModuleBuilder("bench")
    kb = mb.kernel("k", qc.num_qubits, qubit_args=True)
    bits = {}
    for ins in qc.data:
        op = ins.operation
        qs = [qc.find_bit(q).index for q in ins.qubits]
        if op.name == "measure":
            bits[qc.find_bit(ins.clbits[0]).index] = kb.measure(qs[0])
        elif op.name == "barrier":
            kb.barrier(*qs)
        elif op.name in GATES:
            kb.gate(op.name, *qs, params=[float(p) for p in op.params])
        else:
            raise ValueError(f"unsupported instruction {op.name}")
    kb.finish([bits[i] for i in sorted(bits)])
    return mb.module


def qglm_counts(module) -> tuple[int, int]:
    k = next(op for op in module.body if op.name == "q.kernel")
    two = total = 0
    for op in k.walk():
        spec = GATES.get(op.name[2:]) if op.name.startswith("q.") else None
        if spec is not None:
            total += 1
            two += spec.num_qubits == 2
    return two, total


def to_qiskit_unitary(module, n):
    """Measurement-free QuantumCircuit of the compiled kernel (for the equivalence check)."""
    from qiskit import QuantumCircuit

    from qglm_ir.passes.optimize.angles import AngleFolder

    k = next(op for op in module.body if op.name == "q.kernel")
    folder = AngleFolder(module)
    qc = QuantumCircuit(n)
    wire = {a: i for i, a in enumerate(k.regions[0].block.args)}
    for op in k.regions[0].block:
        spec = GATES.get(op.name[2:]) if op.name.startswith("q.") else None
        if op.name == "q.measure" or op.name == "q.barrier":
            for r, v in zip(op.results[-len(op.operands):], op.operands):
                wire[r] = wire[v]
            continue
        if spec is None:
            continue
        qs = [wire[v] for v in op.operands[spec.num_params:]]
        params = [folder.const(v) for v in op.operands[: spec.num_params]]
        getattr(qc, op.name[2:])(*params, *qs)
        for r, q in zip(op.results, qs):
            wire[r] = q
    return qc


def qiskit_counts(qc) -> tuple[int, int]:
    two = total = 0
    for ins in qc.data:
        if ins.operation.name in ("measure", "barrier"):
            continue
        total += 1
        two += len(ins.qubits) == 2
    return two, total


_TK_NAMES = {
    "x": "X", "y": "Y", "z": "Z", "h": "H", "s": "S", "sdg": "Sdg", "t": "T", "tdg": "Tdg",
    "sx": "SX", "sxdg": "SXdg", "rx": "Rx", "ry": "Ry", "rz": "Rz", "p": "U1", "u": "U3",
    "cx": "CX", "cy": "CY", "cz": "CZ", "ch": "CH", "swap": "SWAP", "iswap": "ISWAPMax",
    "ecr": "ECR", "rxx": "XXPhase", "ryy": "YYPhase", "rzz": "ZZPhase", "crx": "CRx",
    "cry": "CRy", "crz": "CRz", "cp": "CU1", "ccx": "CCX", "cswap": "CSWAP",
}


def to_tket(qc):
    """QuantumCircuit -> pytket Circuit (angles in half-turns; pytket-qiskit is not installed)."""
    from pytket import Circuit, OpType

    circ = Circuit(qc.num_qubits, qc.num_clbits)
    for ins in qc.data:
        name = ins.operation.name
        qs = [qc.find_bit(q).index for q in ins.qubits]
        if name == "measure":
            circ.Measure(qs[0], qc.find_bit(ins.clbits[0]).index)
        elif name == "barrier":
            circ.add_barrier(qs)
        elif name != "id":
            params = [float(p) / math.pi for p in ins.operation.params]
            circ.add_gate(getattr(OpType, _TK_NAMES[name]), params, qs)
    return circ


def tket_compile(qc):
    from pytket import OpType
    from pytket.passes import AutoRebase, FullPeepholeOptimise

    circ = to_tket(qc)
    t = time.perf_counter()
    FullPeepholeOptimise().apply(circ)
    AutoRebase({OpType.CX, OpType.Rz, OpType.SX, OpType.X}).apply(circ)
    dt = time.perf_counter() - t
    two = total = 0
    for cmd in circ.get_commands():
        if cmd.op.type in (OpType.Measure, OpType.Barrier):
            continue
        total += 1
        two += len(cmd.qubits) == 2
    return two, total, dt


def gmean(xs: list[float]) -> float:
    xs = [max(x, 1e-9) for x in xs]
    return math.exp(statistics.fmean(math.log(x) for x in xs))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5, 8, 12])
    ap.add_argument("--benchmarks", nargs="+", default=list(BENCHMARKS))
    ap.add_argument("--no-check", action="store_true", help="skip the Operator equivalence check")
    ap.add_argument("--tket-max-gates", type=int, default=5000,
                    help="skip TKET on larger inputs (it needs minutes there)")
    args = ap.parse_args(argv)

    from mqt.bench import BenchmarkLevel, get_benchmark
    from qiskit import transpile
    from qiskit.quantum_info import Operator

    warnings.filterwarnings("ignore")
    rows = []
    print(f"{'circuit':32} {'n':>3} | {'2q: in qglm qiskit tket':>26} | {'gates: qglm qiskit tket':>24}"
          f" | {'ms: qglm qiskit tket':>22} | ok")
    for name in args.benchmarks:
        for n in args.sizes:
            try:
                raw = get_benchmark(name, BenchmarkLevel.INDEP, n)
            except Exception as exc:  # some benchmarks exist only for some sizes
                print(f"{name:32} {n:>3} | skipped ({type(exc).__name__})")
                continue
            qc = transpile(raw, basis_gates=[g for g in GATES if g != "id"] + ["measure"],
                           optimization_level=0)
            in2, _ = qiskit_counts(qc)

            module = from_qiskit(qc)
            t = time.perf_counter()
            qglm_o3(module)
            t_q = time.perf_counter() - t
            q2, qt = qglm_counts(module)

            t = time.perf_counter()
            out = transpile(qc, basis_gates=list(BASIS), optimization_level=3, seed_transpiler=0)
            t_k = time.perf_counter() - t
            k2, kt = qiskit_counts(out)

            if len(qc.data) <= args.tket_max_gates:
                t2, tt, t_t = tket_compile(qc)
            else:  # TKET's peephole optimiser takes minutes on these: skipped, excluded from its ratios
                t2 = tt = t_t = None

            ok = "-"
            if not args.no_check and qc.num_qubits <= 10:
                ref = qc.remove_final_measurements(inplace=False)
                mid = [i for i in ref.data if i.operation.name == "measure"]
                if not mid:
                    ok = "yes" if Operator(to_qiskit_unitary(module, n)).equiv(Operator(ref)) else "NO"
            rows.append((name, n, q2, k2, t2, qt, kt, tt, t_q, t_k, t_t))
            t2s, tts = ("-", "-") if t2 is None else (t2, tt)
            t_ts = "-" if t_t is None else f"{t_t * 1e3:.1f}"
            print(f"{name:32} {n:>3} | {in2:>6} {q2:>5} {k2:>6} {t2s:>5} | {qt:>9} {kt:>6} {tts:>5}"
                  f" | {t_q * 1e3:>8.1f} {t_k * 1e3:>6.1f} {t_ts:>6} | {ok}")

    def ratio(i: int, j: int) -> float:
        # circuits where both are 0 count as parity; skipped TKET runs are left out
        return gmean([(r[i] or 1) / (r[j] or 1) for r in rows if r[j] is not None])

    print()
    print(f"geomean over {len(rows)} circuits (qglm / other; < 1 means qglm is better):")
    print(f"  2q count     vs qiskit O3: {ratio(2, 3):.3f}   vs tket: {ratio(2, 4):.3f}")
    print(f"  total gates  vs qiskit O3: {ratio(5, 6):.3f}   vs tket: {ratio(5, 7):.3f}")
    print(f"  compile time vs qiskit O3: {gmean([r[8] / r[9] for r in rows]):.3f}"
          f"   vs tket: {gmean([r[8] / r[10] for r in rows if r[10] is not None]):.3f}")
    print(f"  (TKET ratios over {sum(r[4] is not None for r in rows)} circuits)")


if __name__ == "__main__":
    main()
