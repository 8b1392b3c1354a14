"""Mapping benchmark: qglm -O3 vs Qiskit O3, TKET and Cirq RouteCQC on the same circuits, same run.

Circuits come from ``mqt.bench`` (target-independent level, 5 to 20 qubits).
Each is compiled onto ``heavy-hex:7`` and ``grid:5x5`` (basis ``cx, rz, sx, x``):

* qglm: ``qglm_ir.compile(module, device, optimization_level=3)``;
* Qiskit: ``transpile(qc, coupling_map, basis_gates=[cx, rz, sx, x], optimization_level=3)``;
* TKET: ``DefaultMappingPass`` + ``AutoRebase({CX, Rz, SX, X})`` + ``RemoveRedundancies``;
* Cirq: ``CZTargetGateset`` decomposition, ``cirq.RouteCQC``, then ``CZTargetGateset`` again.

Printed per circuit: two-qubit gate count, depth and compile time of each tool,
then geometric-mean ratios qglm / tool. Compile time excludes converting the
input (all tools start from their own representation) and includes everything
else. ``--esp`` adds the fake_sherbrooke comparison: qglm -O3 vs Qiskit O3 on
``FakeSherbrooke`` (both scored with the same estimator, the product of
``1 - error`` of every gate and measurement from the backend's Target), and
checks that no gate sits on a qubit or coupler with error 1.0.

Usage::

    python benchmarks/bench_mapping.py                 # all tools, both devices
    python benchmarks/bench_mapping.py --quick         # fewer circuits
    python benchmarks/bench_mapping.py --esp --no-grid --tools qglm,qiskit
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

BENCHMARKS = [
    "ae", "dj", "ghz", "graphstate", "qft", "qftentangled", "qnn", "qpeexact",
    "vqe_real_amp", "vqe_su2", "vqe_two_local", "wstate", "qaoa",
]
QUICK = ["dj", "ghz", "qft", "qnn", "vqe_su2", "wstate", "graphstate", "qpeexact"]
SIZES = [5, 10, 15, 20]
BASIS = ["cx", "rz", "sx", "x"]

#: Mapping pipeline recommended for -O3 with a device (``--pipeline recommended``): swaps are
#: lowered before 2q resynthesis so they can merge with neighbouring gates, and direction is
#: fixed after basis translation (which creates the cx/ecr to flip).
RECOMMENDED_O3 = ("canonicalize,cancel,merge-rotations,fuse-1q,fuse-2q,cancel,remove-dead,"
                  "layout,route,to-basis,fuse-2q,fix-direction,fuse-1q,to-basis,cancel")
PIPELINE: str | None = None


def get_circuit(name: str, n: int):
    import mqt.bench as mb
    from mqt.bench import BenchmarkLevel

    qc = mb.get_benchmark(name, BenchmarkLevel.INDEP, n)
    if not any(inst.operation.name == "measure" for inst in qc.data):
        qc.measure_all()  # e.g. qaoa: without outputs an optimizer may delete everything as dead code
    return qc


def twoq_count_qiskit(qc) -> int:
    return sum(1 for inst in qc.data if inst.operation.num_qubits == 2 and inst.operation.name != "barrier")


def geomean(xs: list[float]) -> float:
    xs = [x for x in xs if x > 0 and math.isfinite(x)]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


# ------------------------------------------------------------------------------------------ tools


def run_qglm(qc, device) -> tuple[int, int, float, Any]:
    import qglm_ir
    from qglm_ir.backends.qiskit import to_qiskit
    from qglm_ir.frontends.interop import from_qiskit

    mod = from_qiskit(qc)
    t = time.perf_counter()
    out = qglm_ir.compile(mod, device=device, optimization_level=3, seed=0, passes=PIPELINE)
    dt = time.perf_counter() - t
    circ = to_qiskit(out)
    return twoq_count_qiskit(circ), circ.depth(), dt, out


def run_qiskit(qc, device) -> tuple[int, int, float, Any]:
    from qiskit import transpile
    from qiskit.transpiler import CouplingMap

    cm = CouplingMap(list(device.edges))
    t = time.perf_counter()
    out = transpile(qc, coupling_map=cm, basis_gates=BASIS, optimization_level=3, seed_transpiler=0)
    dt = time.perf_counter() - t
    return twoq_count_qiskit(out), out.depth(), dt, out


def run_tket(qc, device) -> tuple[int, int, float, Any]:
    from pytket import OpType
    from pytket.architecture import Architecture
    from pytket.passes import AutoRebase, DefaultMappingPass, RemoveRedundancies
    from pytket.qasm import circuit_from_qasm_str
    from qiskit import qasm2, transpile
    from qiskit.transpiler.passes import RemoveBarriers

    flat = transpile(RemoveBarriers()(qc), basis_gates=["cx", "u", "h", "rz", "ry", "rx", "x", "measure"],
                     optimization_level=0)
    circ = circuit_from_qasm_str(qasm2.dumps(flat))
    arch = Architecture([tuple(e) for e in device.undirected_edges])
    t = time.perf_counter()
    DefaultMappingPass(arch).apply(circ)
    AutoRebase({OpType.CX, OpType.Rz, OpType.SX, OpType.X}).apply(circ)
    RemoveRedundancies().apply(circ)
    dt = time.perf_counter() - t
    return circ.n_2qb_gates(), circ.depth(), dt, circ


def run_cirq(qc, device) -> tuple[int, int, float, Any]:
    import cirq
    import networkx as nx
    from cirq.contrib.qasm_import import circuit_from_qasm
    from qiskit import qasm2, transpile
    from qiskit.transpiler.passes import RemoveBarriers

    flat = transpile(RemoveBarriers()(qc), basis_gates=["cx", "u", "h", "rz", "ry", "rx", "x", "measure"],
                     optimization_level=0)
    circ = circuit_from_qasm(qasm2.dumps(flat))
    graph = nx.Graph()
    graph.add_edges_from((cirq.LineQubit(a), cirq.LineQubit(b)) for a, b in device.undirected_edges)
    gs = cirq.CZTargetGateset()
    t = time.perf_counter()
    pre = cirq.optimize_for_target_gateset(circ, gateset=gs)
    routed = cirq.RouteCQC(graph)(pre)
    out = cirq.optimize_for_target_gateset(routed, gateset=gs)
    dt = time.perf_counter() - t
    n2 = sum(1 for op in out.all_operations() if cirq.num_qubits(op) == 2)
    return n2, len(out), dt, out


TOOLS: dict[str, Callable] = {"qglm": run_qglm, "qiskit": run_qiskit, "tket": run_tket, "cirq": run_cirq}


# ------------------------------------------------------------------------------------------- main


def bench_device(spec: str, circuits: list[tuple[str, int]], tools: list[str]) -> dict[str, dict[str, list[float]]]:
    from qglm_ir.targets import load_device

    device = load_device(spec)
    print(f"\n== {spec}: {device.num_qubits} qubits, {len(device.undirected_edges)} couplers ==")
    header = f"{'circuit':<22}" + "".join(f"{t + ' 2q':>11}{'depth':>7}{'ms':>9}" for t in tools)
    print(header)
    ratios: dict[str, dict[str, list[float]]] = {t: {"2q": [], "depth": [], "time": []} for t in tools if t != "qglm"}
    totals = {t: 0.0 for t in tools}
    for name, n in circuits:
        try:
            qc = get_circuit(name, n)
        except Exception as exc:  # noqa: BLE001
            print(f"{name + '_' + str(n):<22} skipped: {exc}")
            continue
        row = f"{name + '_' + str(n):<22}"
        res: dict[str, tuple[int, int, float]] = {}
        for tool in tools:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    n2, depth, dt, _ = TOOLS[tool](qc, device)
            except Exception as exc:  # noqa: BLE001
                row += f"{'ERR':>11}{'':>7}{'':>9}"
                print(f"   [{tool} failed on {name}_{n}: {type(exc).__name__}: {str(exc)[:120]}]")
                continue
            res[tool] = (n2, depth, dt)
            totals[tool] += dt
            row += f"{n2:>11}{depth:>7}{dt * 1000:>9.1f}"
        print(row)
        if "qglm" in res:
            q = res["qglm"]
            for tool, r in res.items():
                if tool == "qglm":
                    continue
                if r[0] > 0 and q[0] > 0:
                    ratios[tool]["2q"].append(q[0] / r[0])
                if r[1] > 0:
                    ratios[tool]["depth"].append(q[1] / r[1])
                if r[2] > 0:
                    ratios[tool]["time"].append(q[2] / r[2])
    print(f"\ngeometric mean ratios qglm / tool on {spec} (< 1: qglm better / faster):")
    for tool, r in ratios.items():
        print(f"  vs {tool:<7} 2q {geomean(r['2q']):6.3f}   depth {geomean(r['depth']):6.3f}   "
              f"time {geomean(r['time']):6.3f}   ({len(r['2q'])} circuits)")
    print("  total compile seconds: " + ", ".join(f"{t} {s:.2f}" for t, s in totals.items()))
    return ratios


def qiskit_esp(circ, target) -> tuple[float, int, int]:
    """ESP of a physical Qiskit circuit from ``target``'s errors, the number of gates on parts
    with error 1.0, and the number of gates the target does not offer on those qubits."""
    log = 0.0
    broken = missing = 0
    for inst in circ.data:
        name = inst.operation.name
        if name in ("barrier", "delay"):
            continue
        qargs = tuple(circ.find_bit(q).index for q in inst.qubits)
        if name not in target or qargs not in target[name]:
            missing += 1
            continue
        props = target[name][qargs]
        err = props.error if props is not None and props.error is not None else 0.0
        if err >= 1.0:
            broken += 1
            continue
        log += math.log1p(-err)
    return math.exp(log), broken, missing


def bench_esp(circuits: list[tuple[str, int]]) -> None:
    from qiskit import transpile
    from qiskit_ibm_runtime.fake_provider import FakeSherbrooke

    import qglm_ir
    from qglm_ir.backends.qiskit import to_qiskit
    from qglm_ir.frontends.interop import from_qiskit
    from qglm_ir.passes.mapping.check import coupling_violations
    from qglm_ir.passes.mapping.esp import esp
    from qglm_ir.targets import load_device

    backend = FakeSherbrooke()
    target = backend.target
    device = load_device("qiskit:fake_sherbrooke")
    label = "preset -O3" if PIPELINE is None else "pipeline " + PIPELINE
    print(f"\n== ESP on qiskit:fake_sherbrooke: qglm ({label}) vs Qiskit O3 on the same backend ==")
    print("   ESP = prod(1 - error) over gates and measurements from the backend Target, for both outputs;")
    print("   'own' is qglm_ir.passes.mapping.esp.esp on the IR; bad = gates on error-1.0 parts / not offered there")
    print(f"{'circuit':<22}{'qglm ESP':>10}{'own':>8}{'qiskit ESP':>12}{'ratio':>8}{'qglm 2q':>9}{'qk 2q':>7}"
          f"{'bad qglm':>10}{'bad qk':>8}")
    ratios = []
    total_bad = 0
    for name, n in circuits:
        try:
            qc = get_circuit(name, n)
        except Exception:  # noqa: BLE001
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = qglm_ir.compile(from_qiskit(qc), device=device, optimization_level=3, seed=0, passes=PIPELINE)
            ref = transpile(qc, backend=backend, optimization_level=3, seed_transpiler=0)
        circ = to_qiskit(out)
        e_q, broken_q, missing_q = qiskit_esp(circ, target)
        e_r, broken_r, missing_r = qiskit_esp(ref, target)
        kernel = next(op for op in out.body if op.name == "q.kernel")
        own = esp(kernel, device) or 0.0
        bad_q = broken_q + missing_q + len(coupling_violations(kernel, device))
        total_bad += bad_q
        ratios.append(e_q / e_r if e_r > 0 else float("nan"))
        print(f"{name + '_' + str(n):<22}{e_q:>10.4f}{own:>8.4f}{e_r:>12.4f}{e_q / e_r:>8.3f}"
              f"{twoq_count_qiskit(circ):>9}{twoq_count_qiskit(ref):>7}{bad_q:>10}{broken_r + missing_r:>8}")
    print(f"  geometric mean ESP ratio qglm / qiskit: {geomean(ratios):.3f} ({len(ratios)} circuits); "
          f"qglm gates on broken or non-native parts: {total_bad}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer circuits and sizes")
    ap.add_argument("--tools", default="qglm,qiskit,tket,cirq")
    ap.add_argument("--sizes", default=None, help="comma-separated qubit counts (default 5,10,15,20)")
    ap.add_argument("--circuits", default=None, help="comma-separated mqt.bench names")
    ap.add_argument("--no-heavy-hex", action="store_true")
    ap.add_argument("--no-grid", action="store_true")
    ap.add_argument("--esp", action="store_true", help="also run the fake_sherbrooke ESP comparison")
    ap.add_argument("--esp-only", action="store_true")
    ap.add_argument("--pipeline", default=None,
                    help="qglm pass pipeline instead of the -O3 preset ('recommended' = RECOMMENDED_O3)")
    args = ap.parse_args()
    global PIPELINE
    PIPELINE = RECOMMENDED_O3 if args.pipeline == "recommended" else args.pipeline
    names = args.circuits.split(",") if args.circuits else (QUICK if args.quick else BENCHMARKS)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([5, 12, 20] if args.quick else SIZES)
    circuits = [(nm, n) for nm in names for n in sizes]
    tools = [t for t in args.tools.split(",") if t]
    # Warm-up (imports, numba cache loads) so the first circuit's time is not an outlier; qft
    # needs the SABRE layout and routing on a line, ghz only VF2.
    from qglm_ir.targets import load_device

    for warm in (get_circuit("ghz", 5), get_circuit("qft", 5)):
        for tool in tools:
            try:
                TOOLS[tool](warm, load_device("line:6"))
            except Exception:  # noqa: BLE001
                pass
    if not args.esp_only:
        if not args.no_heavy_hex:
            bench_device("heavy-hex:7", circuits, tools)
        if not args.no_grid:
            bench_device("grid:5x5", circuits, tools)
    if args.esp or args.esp_only:
        bench_esp(circuits)


if __name__ == "__main__":
    main()
