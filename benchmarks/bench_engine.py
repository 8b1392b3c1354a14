"""Benchmark of the host CFG backend and the reference engine.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--quick]``.

* **CFG lowering** of synthetic host functions with N classical ops (time,
  peak Python memory via ``tracemalloc``, and time per op, which must stay flat:
  the lowering is linear), plus JSON serialization and parsing back.
* **Engine runs** of the examples (text classifier: one 8-qubit ``expval``;
  fallback: a host loop with 8 kernel invocations; teleport: 2000 sampled
  shots with feed-forward) on each simulator, side by side with the same
  quantum work done directly in Qiskit (``Statevector`` probabilities of the
  bound circuit, or Aer ``run`` with the same shots) in the same process.

Times are the best of ``repeat`` runs after a warm-up; ratios are qglm / Qiskit.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from qglm_ir.backends.cfg import from_cfg_json, to_cfg, to_cfg_json
from qglm_ir.engine import run
from qglm_ir.frontends.dsl import compile_file
from qglm_ir.text import parse_module

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def best(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def host_chain(n: int):
    """``func.func @main(%x: f64)`` with ``n`` dependent arith ops (a long straight-line host)."""
    lines = ["module {", "  func.func @main(%x: f64) -> (f64) {", "    %c = arith.constant 1.0001 : f64"]
    prev = "%x"
    for i in range(n):
        op = "arith.mul" if i % 2 else "arith.add"
        lines.append(f"    %v{i} = {op} {prev}, %c : f64")
        prev = f"%v{i}"
    lines += [f"    func.return {prev} : f64", "  }", "}"]
    return parse_module("\n".join(lines))


def bench_cfg(sizes: list[int], repeat: int) -> None:
    print("CFG lowering (straight-line host function)")
    print(f"{'ops':>8} {'to_cfg s':>10} {'us/op':>7} {'json s':>8} {'parse s':>8} {'peak MiB':>9} {'engine s':>9}")
    for n in sizes:
        m = host_chain(n)
        t_cfg = best(lambda m=m: to_cfg(m), repeat)
        text = to_cfg_json(m)
        t_json = best(lambda m=m: to_cfg_json(m), repeat)
        t_parse = best(lambda text=text: from_cfg_json(text), repeat)
        mem = peak_mib(lambda m=m: to_cfg(m))
        t_run = best(lambda m=m: run(m, {"x": 1.0}), 1)
        print(f"{n:>8} {t_cfg:>10.3f} {t_cfg / n * 1e6:>7.1f} {t_json:>8.3f} {t_parse:>8.3f} {mem:>9.1f} {t_run:>9.3f}")


def classifier_inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {"embedding": rng.normal(size=768), "encoder_w": rng.normal(size=(128, 768)) * 0.05,
            "encoder_b": np.zeros(128), "project_w": rng.normal(size=(8, 128)) * 0.2,
            "project_b": np.zeros(8), "head_w": rng.normal(size=(2, 8)), "head_b": np.zeros(2)}


def fallback_inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2)
    return {"xs": rng.normal(size=(8, 16)), "use_quantum": np.bool_(True),
            "embedder_w": rng.normal(size=(4, 16)), "embedder_b": np.zeros(4),
            "classical_w": rng.normal(size=(4, 4)), "classical_b": np.zeros(4),
            "head_w": rng.normal(size=(3, 4)), "head_b": np.zeros(3)}


def qiskit_reference(module, kernel: str, bindings: list[dict[str, float]], shots: int | None) -> Callable[[], None]:
    """The same quantum work done directly with Qiskit on the exported circuit."""
    from qiskit.quantum_info import Statevector

    from qglm_ir.backends.qiskit import to_qiskit

    qc = to_qiskit(module, kernel)
    if shots is None:
        def go() -> None:
            for b in bindings:
                Statevector(qc.assign_parameters({p: b[p.name] for p in qc.parameters})).probabilities()
        return go
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    sim = AerSimulator()
    tqc = transpile(qc, sim, optimization_level=0)

    def go_shots() -> None:
        for b in bindings:
            bound = tqc.assign_parameters({p: b[p.name] for p in tqc.parameters}) if tqc.parameters else tqc
            sim.run(bound, shots=shots, seed_simulator=1, memory=True).result().get_memory()
    return go_shots


def bench_engine(repeat: int) -> None:
    try:
        import qiskit_aer  # noqa: F401
        sims = ["tn", "aer", "cirq"]
    except ImportError:
        sims = ["tn", "cirq"]
    classifier = compile_file(str(EXAMPLES / "text_classifier.qglm"))
    fallback = compile_file(str(EXAMPLES / "fallback.qglm"))
    teleport = compile_file(str(EXAMPLES / "teleport.qglm"))
    from qglm_ir.backends import parameter_bindings

    cin = classifier_inputs()
    h = np.maximum(cin["encoder_w"] @ cin["embedding"] + cin["encoder_b"], 0)
    theta = np.pi / (1 + np.exp(-np.tanh(cin["project_w"] @ h + cin["project_b"])))
    cb = dict(parameter_bindings(classifier), **{f"x[{i}]": float(t) for i, t in enumerate(theta)})
    fin = fallback_inputs()
    fb = []
    for x in fin["xs"]:
        t = np.pi / (1 + np.exp(-np.tanh(fin["embedder_w"] @ x + fin["embedder_b"])))
        fb.append(dict(parameter_bindings(fallback), **{f"x[{i}]": float(v) for i, v in enumerate(t)}))
    cases = [
        ("text_classifier exact", classifier, cin, None, qiskit_reference(classifier, "ring_ansatz", [cb], None)),
        ("fallback loop x8 exact", fallback, fin, None, qiskit_reference(fallback, "circuit", fb, None)),
    ]
    if "aer" in sims:
        cases.append(("teleport 2000 shots", teleport, {"theta": 0.7}, 2000,
                      qiskit_reference(teleport, "teleport", [{"theta": 0.7}], 2000)))
    print("\nEngine runs (best of repeats; qiskit = the same kernel work done directly)")
    print(f"{'case':<24} {'qiskit s':>9} " + " ".join(f"{s + ' s':>9} {'ratio':>6}" for s in sims))
    for name, m, inputs, shots, ref in cases:
        t_ref = best(ref, repeat)
        row = f"{name:<24} {t_ref:>9.4f} "
        for s in sims:
            t = best(lambda m=m, inputs=inputs, shots=shots, s=s: run(m, inputs, shots, s, 1), repeat)
            row += f"{t:>9.4f} {t / t_ref:>6.1f} "
        print(row)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    args = ap.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    repeat = 1 if args.quick else 3
    bench_cfg(sizes, repeat)
    bench_engine(repeat)


if __name__ == "__main__":
    main()
