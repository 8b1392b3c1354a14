"""Speed of the textual IR: print and parse N-op kernels, report ops/s and growth.

Builds kernels of N ops with the builder (1q gates, rotations whose angles are
SSA values, CX, measurements, and a loop every few hundred ops), prints them
with ``print_module`` and parses the text back with ``parse_module``. For each
size it reports seconds and ops/s for both, then the fitted growth exponent
(slope of log(time) against log(N); 1.0 is linear). Times are the best of
``--repeat`` runs; ops/s and exponents use process CPU time, which a busy
machine disturbs far less than wall time (both are shown). The round trip is checked
(the re-printed text must equal the printed one) outside the timings.

    python benchmarks/bench_text.py                    # N = 10k, 30k, 100k
    python benchmarks/bench_text.py --sizes 10000 100000 300000 --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import time

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core.module import Module
from qglm_ir.core.types import f64
from qglm_ir.text import parse_module, print_module

ONE_Q = ("h", "x", "sx", "s", "t")
ROT = ("rx", "ry", "rz")


def build(n_ops: int, n_qubits: int = 50, seed: int = 7) -> Module:
    """A kernel of about ``n_ops`` ops (counting every nested op once)."""
    rng = random.Random(seed)
    mb = ModuleBuilder("bench")
    kb = mb.kernel("k", n_qubits, inputs=[("theta", f64)])
    theta = kb.input("theta")
    count = 2 * n_qubits + 1  # allocs, deallocs, return
    while count < n_ops:
        r = rng.random()
        if r < 0.002:
            with kb.for_(0, 4):
                kb.gate("ry", rng.randrange(n_qubits), params=[theta])
                kb.gate("cx", 0, 1)
            count += 8  # for, 2 gates, yield, + a few hoisted constants at most
        elif r < 0.01:
            kb.measure(rng.randrange(n_qubits))
            count += 1
        elif r < 0.4:
            a, b = rng.sample(range(n_qubits), 2)
            kb.gate("cx", a, b)
            count += 1
        elif r < 0.55:
            angle = kb.arith("mul", theta, rng.uniform(-3, 3))
            kb.gate(rng.choice(ROT), rng.randrange(n_qubits), params=[angle])
            count += 3
        else:
            kb.gate(rng.choice(ONE_Q), rng.randrange(n_qubits))
            count += 1
    kb.finish()
    return mb.module


def fit_exponent(sizes: list[int], values: list[float]) -> float:
    """Least-squares slope of log(value) against log(size)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(v, 1e-9)) for v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def best_of(repeat: int, fn):  # type: ignore[no-untyped-def]
    """(best wall seconds, best CPU seconds, result) over ``repeat`` runs of ``fn``."""
    wall = cpu = math.inf
    out = None
    for _ in range(repeat):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        cpu = min(cpu, time.process_time() - c0)
        wall = min(wall, time.perf_counter() - t0)
    return wall, cpu, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    ap.add_argument("--repeat", type=int, default=2, help="take the best of this many runs")
    args = ap.parse_args()
    parse_module("module {\n}\n")  # build (or load the cached) grammar outside the timings
    t_print: list[float] = []
    t_parse: list[float] = []
    for n in args.sizes:
        module = build(n)
        n_ops = sum(1 for _ in module.walk()) - 1
        wp, tp, text = best_of(args.repeat, lambda module=module: print_module(module))
        wq, tq, parsed = best_of(args.repeat, lambda text=text: parse_module(text))
        if print_module(parsed) != text:
            raise SystemExit(f"round trip failed at N={n}")
        t_print.append(tp)
        t_parse.append(tq)
        print(
            f"N={n_ops:>9,d} ops  {len(text) / 1e6:6.2f} MB   "
            f"print {tp:6.3f}s cpu {wp:6.3f}s wall ({n_ops / tp:>9,.0f} ops/s)   "
            f"parse {tq:6.3f}s cpu {wq:6.3f}s wall ({n_ops / tq:>9,.0f} ops/s)",
            flush=True,
        )
    if len(args.sizes) > 1:
        print(
            f"growth exponent (1.0 = linear): print {fit_exponent(args.sizes, t_print):.2f}, "
            f"parse {fit_exponent(args.sizes, t_parse):.2f}"
        )


if __name__ == "__main__":
    main()
