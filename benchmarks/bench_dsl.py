"""Parse + lower time of generated ``.qglm`` specs, and its growth with spec size.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_dsl.py [--sizes 1000,3000,10000,30000]``.

Each spec mixes the language's constructs: constants, parameters, kernels of
gate lines with unrolled and kept loops and feed-forward, and a host model
calling the kernels. Reported per size: lines, IR ops, seconds for parse
(text -> AST), check + lower (AST -> verified IR), and lines/s; then the
fitted log-log slope of total time against lines (1.0 = linear).
"""

from __future__ import annotations

import argparse
import math
import time

from qglm_ir.frontends.dsl import compile_source, parse

KERNEL_LINES = 200


def make_spec(lines: int) -> str:
    out = ["const n = 8", "param w: f64[n] trainable = uniform(0.0, 1.0, seed=1)"]
    calls = []
    k = 0
    while len(out) < lines - 8:
        name = f"k{k}"
        out.append(f"kernel {name}(x: f64[n]) {{")
        out.append("    qubit q[n]")
        out.append("    for i in 0..n {")
        out.append("        ry(x[i] + w[i]) q[i]")
        out.append("    }")
        body = 0
        while body < KERNEL_LINES:
            j = body % 8
            out.append(f"    rz(x[{j}] * 0.5) q[{j}]")
            out.append(f"    cx q[{j}], q[{(j + 1) % 8}]")
            if body % 40 == 0:
                out.append("    repeat 2 {")
                out.append(f"        h q[{j}]")
                out.append("    }")
                out.append(f"    let m{body} = measure q[{j}]")
                out.append(f"    if m{body} {{ x q[{(j + 3) % 8}] }}")
            body += 2
        out.append("}")
        calls.append(name)
        k += 1
    out.append("model main(x: f64[n]) -> f64[n] {")
    out.append("    let acc = x")
    for name in calls:
        out.append(f"    acc = acc + expval({name}(angle(x)), shots=100)")
    out.append("    return softmax(acc)")
    out.append("}")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,3000,10000,30000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    compile_source(make_spec(500))  # warm up: grammar build, imports
    rows = []
    print(f"{'lines':>8} {'ops':>9} {'parse s':>9} {'total s':>9} {'lines/s':>10}")
    for n in sizes:
        text = make_spec(n)
        nlines = text.count("\n")
        best_parse = best_total = math.inf
        ops = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            parse(text, "bench.qglm")
            t1 = time.perf_counter()
            module = compile_source(text, "bench.qglm")
            t2 = time.perf_counter()
            best_parse = min(best_parse, t1 - t0)
            best_total = min(best_total, t2 - t1)
            ops = sum(1 for _ in module.walk())
        rows.append((nlines, best_total))
        print(f"{nlines:>8} {ops:>9} {best_parse:>9.3f} {best_total:>9.3f} {nlines / best_total:>10.0f}")
    xs = [math.log(r[0]) for r in rows]
    ys = [math.log(r[1]) for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    print(f"growth exponent (log-log slope of total time vs lines): {slope:.2f}")


if __name__ == "__main__":
    main()
