"""How the verifier scales: verify N-gate kernels built with ``KernelBuilder``.

Each kernel mixes 1q gates, rotations on a classical input, CX, and every
1000 gates a ``scf.for`` and a measurement-conditioned ``scf.if`` (so region
entry/exit and qubit threading are on the measured path). Reports seconds and
microseconds per op for ``verify`` and ``verify_all`` at each size, then the
fitted growth exponent (slope of log(time) against log(N); 1.0 is linear).
Tests never assert timings; this script is for humans and CI logs.

    python benchmarks/bench_verify.py                        # 10k .. 1M gates
    python benchmarks/bench_verify.py --sizes 10000 100000   # quicker
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import time
from collections.abc import Callable

from qglm_ir.builder import KernelBuilder, ModuleBuilder
from qglm_ir.core.module import Module
from qglm_ir.core.types import f64
from qglm_ir.verify import verify, verify_all

GATES_1Q = ("h", "x", "sx", "s", "t")
ROT = ("rx", "ry", "rz")


def _random_gate(kb: KernelBuilder, rng: random.Random, n_qubits: int) -> None:
    r = rng.random()
    if r < 0.4:
        a, b = rng.sample(range(n_qubits), 2)
        kb.gate("cx", a, b)
    elif r < 0.7:
        kb.gate(rng.choice(ROT), rng.randrange(n_qubits), params=[kb.input("theta")])
    else:
        kb.gate(rng.choice(GATES_1Q), rng.randrange(n_qubits))


def build(n_gates: int, n_qubits: int = 64, seed: int = 7) -> Module:
    """A kernel of about ``n_gates`` gates with some loops and feed-forward."""
    rng = random.Random(seed)
    mb = ModuleBuilder("bench")
    kb = mb.kernel("k", n_qubits, inputs=[("theta", f64)])
    done = 0
    while done < n_gates:
        for _ in range(min(990, n_gates - done)):
            _random_gate(kb, rng, n_qubits)
        done += 990
        if done >= n_gates:
            break
        with kb.for_(0, 4):
            for _ in range(5):
                _random_gate(kb, rng, n_qubits)
        bit = kb.measure(rng.randrange(n_qubits))
        with kb.if_(bit):
            for _ in range(4):
                _random_gate(kb, rng, n_qubits)
        done += 10
    kb.finish()
    return mb.module


def _timed(fn: Callable[[Module], object], module: Module, repeat: int) -> float:
    """Best wall time of ``repeat`` calls of ``fn(module)``."""
    best = math.inf
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn(module)
        best = min(best, time.perf_counter() - t0)
    return best


def fit_exponent(sizes: list[int], values: list[float]) -> float:
    """Least-squares slope of log(value) against log(size)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(v, 1e-9)) for v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000, 300_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs per size")
    args = ap.parse_args()
    t_verify: list[float] = []
    t_all: list[float] = []
    for n in args.sizes:
        module = build(n)
        n_ops = sum(1 for _ in module.walk())
        errors = verify_all(module)
        if errors:
            raise SystemExit(f"benchmark kernel is invalid: {errors[0].render()}")
        tv = _timed(verify, module, args.repeat)
        ta = _timed(verify_all, module, args.repeat)
        t_verify.append(tv)
        t_all.append(ta)
        print(f"N={n:>9,d} gates ({n_ops:>9,d} ops)  verify {tv:7.3f}s ({tv / n_ops * 1e6:5.2f} us/op)"
              f"  verify_all {ta:7.3f}s ({ta / n_ops * 1e6:5.2f} us/op)", flush=True)
        del module
    if len(args.sizes) > 1:
        print(f"growth exponent (1.0 = linear): verify {fit_exponent(args.sizes, t_verify):.2f}, "
              f"verify_all {fit_exponent(args.sizes, t_all):.2f}")


if __name__ == "__main__":
    main()
