"""Compile-time scaling of the optimization passes from 10k to 1M gates.

Builds random kernels (20 qubits unless ``--qubits``; h, x, s, t, sx, rz with constant and
symbolic angles, cx, cz, cp, plus a measurement every ~1000 gates) of N gates,
runs each pass and the -O3 pipeline on [cx, rz, sx, x], and reports seconds
per pass, the fitted exponent ``b`` of ``time ~ N^b`` (least squares on
log-log; 1.0 is linear) and the peak resident memory of the process. Each
size runs in a fresh subprocess so peak memory is per size.

    .venv/bin/python benchmarks/bench_optimize_scaling.py [--sizes 10000 100000 1000000] [--qubits 100] [--o3-only]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSES = ("cancel", "merge-rotations", "fuse-1q", "fuse-2q", "to-basis", "remove-dead")
BASIS = ("cx", "rz", "sx", "x")


def build(n_gates: int, n_qubits: int = 20, seed: int = 1):
    import numpy as np

    from qglm_ir import ModuleBuilder
    from qglm_ir.builder import param_ref
    from qglm_ir.core.types import tensor

    rng = random.Random(seed)
    mb = ModuleBuilder("scale")
    decl = mb.param("w", tensor(8), trainable=True, init=np.linspace(0.1, 0.8, 8))
    kb = mb.kernel("k", n_qubits, qubit_args=True)
    w = param_ref(kb.b, decl)
    sym = [kb.extract(w, i) for i in range(8)]
    one = ("h", "x", "s", "t", "sx", "rz", "rz")
    angles = [k * math.pi / 8 for k in range(1, 16)]
    bits = []
    for i in range(n_gates):
        r = rng.random()
        if i % 1000 == 999:
            bits.append(kb.measure(rng.randrange(n_qubits)))
        elif r < 0.6:
            g = rng.choice(one)
            q = rng.randrange(n_qubits)
            if g == "rz":
                a = rng.choice(sym) if rng.random() < 0.2 else rng.choice(angles)
                kb.gate("rz", q, params=[a])
            else:
                kb.gate(g, q)
        else:
            a, b = rng.sample(range(n_qubits), 2)
            g = rng.choice(("cx", "cx", "cz", "cp"))
            kb.gate(g, a, b, params=[rng.choice(angles)] if g == "cp" else [])
    kb.finish(bits)
    return mb.module


def _gates(module) -> int:
    from qglm_ir.dialects.gates import GATES

    k = next(op for op in module.body if op.name == "q.kernel")
    return sum(1 for op in k.walk() if op.name[2:] in GATES)


def run_size(n: int, n_qubits: int = 20, clock: str = "wall", passes: tuple[str, ...] = PASSES) -> dict:
    """Time every pass of ``passes`` (each on a fresh copy) and the -O3 pipeline on an N-gate kernel.

    ``clock="cpu"`` times with the process CPU clock, which a loaded machine inflates far less.
    """
    timer = time.process_time if clock == "cpu" else time.perf_counter
    from qglm_ir.passes.base import PassContext
    from qglm_ir.passes.registry import get_pass

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_optimize import qglm_o3

    from qglm_ir import caches

    # Each size starts without the synthesis answers of the smaller ones (the same seed makes
    # the smaller circuit a prefix of the larger one), as a first compile would.
    caches.clear()
    t = timer()
    module = build(n, n_qubits)
    out: dict = {"n": n, "build_s": timer() - t}
    ctx = PassContext(basis=BASIS)
    for name in passes:
        m = module.clone()
        gc.collect()  # untimed (see below)
        t = timer()
        get_pass(name)().run(m, ctx)
        out[name] = timer() - t
        del m
    # Untimed: the copies of the per-pass runs above are cyclic garbage; without this a full
    # collection freeing them (seconds at 300k gates) lands inside whichever step comes next.
    gc.collect()
    t = timer()
    qglm_o3(module)
    out["O3"] = timer() - t
    out["gates_after_O3"] = _gates(module)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def fit_exponent(ns: list[int], ts: list[float]) -> float:
    xs = [math.log(n) for n in ns]
    ys = [math.log(max(t, 1e-9)) for t in ts]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000, 300_000, 1_000_000])
    ap.add_argument("--qubits", type=int, default=20, help="width of the random kernel (default 20)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall (default) or process CPU seconds (steadier on a shared machine)")
    ap.add_argument("--o3-only", action="store_true",
                    help="time only the -O3 pipeline, not each pass alone (1M gates: about 2 min instead of 6)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode
    args = ap.parse_args(argv)
    passes = () if args.o3_only else PASSES
    if args.one:
        print(json.dumps(run_size(args.one, args.qubits, args.clock, passes)))
        return
    rows = []
    cols = ("build_s", *passes, "O3")
    print(f"{'gates':>9} " + " ".join(f"{c:>15}" for c in cols) + f" {'after O3':>9} {'peak MB':>8}")
    for n in args.sizes:
        proc = subprocess.run([sys.executable, __file__, "--one", str(n), "--qubits", str(args.qubits),
                               "--clock", args.clock, *(["--o3-only"] if args.o3_only else [])],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr)
            raise SystemExit(1)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"{n:>9} " + " ".join(f"{r[c]:>15.3f}" for c in cols)
              + f" {r['gates_after_O3']:>9} {r['peak_rss_mb']:>8.0f}")
    if len(rows) >= 2:
        ns = [r["n"] for r in rows]
        print("\nfitted exponent b in time ~ N^b (1.0 = linear):")
        for c in cols:
            print(f"  {c:16} {fit_exponent(ns, [r[c] for r in rows]):.3f}")


if __name__ == "__main__":
    main()
