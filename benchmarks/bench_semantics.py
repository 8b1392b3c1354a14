"""Benchmark of the tensor-network semantics: statevector, unitary and equivalence at several sizes.

Run: ``.venv/bin/python benchmarks/bench_semantics.py [--quick]``. Prints one
row per case with qglm's time and, where Qiskit computes the same thing
(``Statevector``, ``Operator``), Qiskit's time on the same circuit in the same
run and the ratio. Timings are the best of ``repeat`` runs after a warm-up (so
cotengra paths are cached, as in a property test that evaluates the same
shape many times); the first (cold) run is reported separately.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator, Statevector

from qglm_ir import ModuleBuilder
from qglm_ir import semantics as S
from qglm_ir.dialects.gates import GATES

Call = tuple[str, tuple[int, ...], tuple[float, ...]]


def random_calls(n: int, num_gates: int, seed: int) -> list[Call]:
    rng = np.random.default_rng(seed)
    names = sorted(g for g, s in GATES.items() if s.num_qubits <= min(n, 2))
    out: list[Call] = []
    for _ in range(num_gates):
        spec = GATES[names[int(rng.integers(len(names)))]]
        qs = tuple(int(q) for q in rng.choice(n, spec.num_qubits, replace=False))
        out.append((spec.name, qs, tuple(float(x) for x in rng.uniform(-np.pi, np.pi, spec.num_params))))
    return out


def brickwork(n: int, layers: int, seed: int, delta: float = 0.0) -> list[Call]:
    rng = np.random.default_rng(seed)
    out: list[Call] = []
    for layer in range(layers):
        for q in range(n):
            th = float(rng.uniform(-np.pi, np.pi))
            if delta and layer == layers // 2 and q == n // 2:
                th += delta
            out.append((("ry", "rx", "rz")[(layer + q) % 3], (q,), (th,)))
        for q in range(layer % 2, n - 1, 2):
            out.append(("cx", (q, q + 1), ()))
    return out


def kernel(n: int, calls: list[Call]):
    mb = ModuleBuilder()
    kb = mb.kernel("k", n)
    for g, qs, ps in calls:
        kb.gate(g, *qs, params=list(ps))
    return kb.finish()


def circuit(n: int, calls: list[Call]) -> QuantumCircuit:
    qc = QuantumCircuit(n)
    for g, qs, ps in calls:
        getattr(qc, GATES[g].qiskit_name)(*ps, *qs)
    return qc


def timeit(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(cold, best warm) seconds."""
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return cold, best


def row(label: str, ours: tuple[float, float], theirs: float | None = None) -> None:
    ratio = f"{ours[1] / theirs:7.2f}x" if theirs else "       -"
    ref = f"{theirs * 1e3:9.2f}" if theirs else "        -"
    print(f"{label:<44} {ours[0] * 1e3:9.2f} {ours[1] * 1e3:9.2f} {ref} {ratio}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = ap.parse_args()
    repeat = 2 if args.quick else 5
    print(f"{'case':<44} {'cold ms':>9} {'warm ms':>9} {'qiskit ms':>9} {'ratio':>8}")

    sizes = [(4, 50), (8, 100), (12, 200)] if args.quick else [(4, 50), (8, 100), (12, 200), (16, 400), (20, 400)]
    for n, g in sizes:
        calls = random_calls(n, g, seed=n)
        k = kernel(n, calls)
        qc = circuit(n, calls)
        theirs = timeit(lambda qc=qc: Statevector(qc), repeat)[1]
        row(f"statevector sweep   {n:2d}q {g:4d}g", timeit(lambda k=k: S.statevector(k), repeat), theirs)
        if n <= 12:
            row(f"statevector network {n:2d}q {g:4d}g", timeit(lambda k=k: S.statevector(k, method="tn"), repeat), theirs)
        if n <= 10:
            theirs_u = timeit(lambda qc=qc: Operator(qc), repeat)[1]
            row(f"unitary sweep       {n:2d}q {g:4d}g", timeit(lambda k=k: S.unitary(k), repeat), theirs_u)
            row(f"equivalent exact    {n:2d}q {g:4d}g", timeit(lambda k=k: S.equivalent(k, k), repeat))

    for n, layers in ([(20, 3), (40, 5)] if args.quick else [(20, 3), (40, 5), (60, 4), (100, 3)]):
        a = kernel(n, brickwork(n, layers, seed=1))
        b = kernel(n, brickwork(n, layers, seed=1, delta=1e-3))
        g = len(brickwork(n, layers, seed=1))
        ok = timeit(lambda a=a: S.equivalent(a, a, method="tn"), repeat)
        row(f"equivalent tn (equal)  {n:3d}q {g:4d}g", ok)
        bad = timeit(lambda a=a, b=b: S.equivalent(a, b, method="tn"), repeat)
        row(f"equivalent tn (1e-3)   {n:3d}q {g:4d}g", bad)
        assert S.equivalent(a, a) and not S.equivalent(a, b)

    big = 20_000 if args.quick else 200_000
    calls = random_calls(8, big, seed=0)
    k = kernel(8, calls)
    row(f"statevector sweep    8q {big}g (scaling)", timeit(lambda: S.statevector(k), 1))
    info = S.path_cache_info()
    print(f"path cache: {info.hits} hits, {info.misses} misses, {info.size} entries")


if __name__ == "__main__":
    main()
