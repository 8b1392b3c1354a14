"""Routing at scale: a random 100-qubit circuit with 10,000 two-qubit gates onto heavy-hex:7.

Each measurement runs in its own child process so peak memory (``ru_maxrss``)
belongs to one tool; the child reports wall time and the peak RSS growth over
its post-import baseline. Measured:

* ``qglm-map``: ``layout`` + ``route`` passes (the mapping stage alone);
* ``qglm-O3``: ``qglm_ir.compile(..., device="heavy-hex:7", optimization_level=3)``;
* ``qiskit-sabre``: Qiskit's ``SabreLayout`` (layout and routing, defaults);
* ``qiskit-O3``: ``transpile(optimization_level=3, basis_gates=[cx, rz, sx, x])``.

Usage: ``python benchmarks/bench_routing_scale.py [--qubits 100] [--gates 10000] [--tools ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def make_circuit(n: int, gates: int, seed: int):
    import numpy as np
    from qiskit import QuantumCircuit

    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(n)
    for _ in range(gates):
        a, b = rng.choice(n, 2, replace=False)
        qc.rz(float(rng.uniform(-3, 3)), int(a))
        qc.cx(int(a), int(b))
    qc.measure_all()  # observable outputs: optimizers may not delete the circuit as dead code
    return qc


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child(tool: str, n: int, gates: int, seed: int) -> dict:
    from qiskit import transpile
    from qiskit.transpiler import CouplingMap, PassManager
    from qiskit.transpiler.passes import SabreLayout

    import qglm_ir
    from qglm_ir.frontends.interop import from_qiskit
    from qglm_ir.passes.base import PassContext
    from qglm_ir.passes.mapping.layout import Layout
    from qglm_ir.passes.mapping.route import Route
    from qglm_ir.targets import load_device

    qc = make_circuit(n, gates, seed)
    device = load_device("heavy-hex:7")
    cm = CouplingMap.from_heavy_hex(7)
    module = from_qiskit(qc) if tool.startswith("qglm") else None
    if tool.startswith("qglm"):
        # warm the numba cache (compiled once per machine, then loaded from disk)
        warm = from_qiskit(make_circuit(5, 50, 1))
        qglm_ir.compile(warm, device=device, passes="layout,route")
    base = _rss_mb()
    t = time.perf_counter()
    out: dict = {"tool": tool}
    if tool == "qglm-map":
        ctx = PassContext(device=device, seed=0)
        Layout().run(module, ctx)
        res = Route().run(module, ctx)
        out["swaps"] = res.stats["swaps"]
    elif tool == "qglm-O3":
        from qglm_ir.backends.qiskit import to_qiskit

        compiled = qglm_ir.compile(module, device=device, optimization_level=3, seed=0)
        out["seconds_compile"] = time.perf_counter() - t
        circ = to_qiskit(compiled)
        out["twoq"] = sum(1 for i in circ.data if i.operation.num_qubits == 2 and i.operation.name != "barrier")
    elif tool == "qiskit-sabre":
        routed = PassManager([SabreLayout(cm, seed=0)]).run(qc)
        out["swaps"] = routed.count_ops().get("swap", 0)
    elif tool == "qiskit-O3":
        circ = transpile(qc, coupling_map=cm, basis_gates=["cx", "rz", "sx", "x"], optimization_level=3,
                         seed_transpiler=0)
        out["twoq"] = sum(1 for i in circ.data if i.operation.num_qubits == 2)
    else:
        raise SystemExit(f"unknown tool {tool}")
    out["seconds"] = out.pop("seconds_compile", time.perf_counter() - t)
    out["peak_mb"] = _rss_mb()
    out["peak_growth_mb"] = out["peak_mb"] - base
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qubits", type=int, default=100)
    ap.add_argument("--gates", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tools", default="qglm-map,qiskit-sabre,qglm-O3,qiskit-O3")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.qubits, args.gates, args.seed)))
        return
    print(f"random circuit: {args.qubits} qubits, {args.gates} cx (+ {args.gates} rz) onto heavy-hex:7 (115 qubits)")
    print(f"{'tool':<14}{'seconds':>9}{'peak MB':>9}{'growth MB':>11}  result")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                         env.get("PYTHONPATH", "")])
    for tool in args.tools.split(","):
        proc = subprocess.run([sys.executable, __file__, "--child", tool, "--qubits", str(args.qubits),
                               "--gates", str(args.gates), "--seed", str(args.seed)],
                              capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            print(f"{tool:<14} failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr else proc.returncode}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        extra = f"swaps {r['swaps']}" if "swaps" in r else f"2q gates {r.get('twoq')}"
        print(f"{tool:<14}{r['seconds']:>9.2f}{r['peak_mb']:>9.0f}{r['peak_growth_mb']:>11.0f}  {extra}")


if __name__ == "__main__":
    main()
