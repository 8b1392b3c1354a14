"""How the IR core scales: build, verify, print and re-parse N-gate kernels.

For each size it reports seconds and peak traced memory per op for every
step, then the fitted growth exponent (slope of log(time) against log(N)):
1.0 is linear. Timings are taken without tracemalloc; memory in a second run
with it, since tracing slows allocation-heavy code severalfold.

    python benchmarks/bench_ir_scale.py                 # 10k, 100k, 1M gates
    python benchmarks/bench_ir_scale.py --sizes 10000 30000 100000
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import time
import tracemalloc
from collections.abc import Callable

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core.module import Module

GATES_1Q = ("h", "x", "sx", "s", "t")
ROT = ("rx", "ry", "rz")


def build(n_gates: int, n_qubits: int = 100, seed: int = 1) -> Module:
    """A random kernel: 1q gates, rotations with shared constant angles, and CX."""
    rng = random.Random(seed)
    mb = ModuleBuilder("scale")
    kb = mb.kernel("k", n_qubits)
    angles = [rng.uniform(-3, 3) for _ in range(64)]
    for _ in range(n_gates):
        r = rng.random()
        if r < 0.4:
            a, b = rng.sample(range(n_qubits), 2)
            kb.gate("cx", a, b)
        elif r < 0.7:
            kb.gate(rng.choice(ROT), rng.randrange(n_qubits), params=[rng.choice(angles)])
        else:
            kb.gate(rng.choice(GATES_1Q), rng.randrange(n_qubits))
    kb.finish()
    return mb.module


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _peak(fn: Callable[[], object]) -> tuple[int, object]:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    out = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak, out


def steps() -> list[tuple[str, Callable[[dict], object]]]:
    from qglm_ir.text import parse_module, print_module
    from qglm_ir.verify import verify

    return [
        ("build", lambda s: s.__setitem__("module", build(s["n"]))),
        ("verify", lambda s: verify(s["module"])),
        ("print", lambda s: s.__setitem__("text", print_module(s["module"]))),
        ("parse", lambda s: s.__setitem__("parsed", parse_module(s["text"]))),
    ]


def fit_exponent(sizes: list[int], values: list[float]) -> float:
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(v, 1e-9)) for v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    args = ap.parse_args()
    names = [n for n, _ in steps()]
    times: dict[str, list[float]] = {n: [] for n in names}
    mems: dict[str, list[float]] = {n: [] for n in names}
    for n in args.sizes:
        state: dict = {"n": n}
        for name, fn in steps():
            t, _ = _timed(lambda fn=fn, state=state: fn(state))
            times[name].append(t)
        n_ops = sum(1 for _ in state["module"].walk())
        line = [f"N={n:>9,d} gates ({n_ops:,d} ops)"]
        for name in names:
            line.append(f"{name} {times[name][-1]:7.2f}s ({n_ops / times[name][-1]:>10,.0f} ops/s)")
        print("  ".join(line), flush=True)
        del state
        if not args.no_memory:
            state = {"n": n}
            cells = []
            for name, fn in steps():
                peak, _ = _peak(lambda fn=fn, state=state: fn(state))
                mems[name].append(peak / n_ops)
                cells.append(f"{name} {peak / n_ops:6.0f} B/op")
            print(f"{'':>30}peak memory: " + "  ".join(cells), flush=True)
            del state
    if len(args.sizes) > 1:
        print("growth exponent (1.0 = linear): " + ", ".join(
            f"{n} time {fit_exponent(args.sizes, times[n]):.2f}" for n in names))
        if not args.no_memory:
            print("growth exponent of peak memory: " + ", ".join(
                f"{n} {fit_exponent(args.sizes, [m * s for m, s in zip(mems[n], args.sizes)]):.2f}"
                for n in names))


if __name__ == "__main__":
    main()
