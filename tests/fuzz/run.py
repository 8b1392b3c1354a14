"""Fuzz campaign: ``python -m tests.fuzz.run --per-kind N [--seed S] [--mode fork|exec] [--out DIR]``.

Generates ``N`` inputs of each of the six kinds (:mod:`tests.fuzz.inputs`), runs
each in a child process with a timeout and an address-space limit
(:mod:`tests.fuzz.runner`), prints the counts table and writes every bad input
(exit 3, traceback, hang, memory, crash, or an error without ``LINE:COL``) to
``DIR`` with its stderr, ready to be copied into ``tests/fuzz/regressions/``.
Exit status 1 when any bad outcome was seen.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .inputs import KINDS, generate
from .runner import BAD, Outcome, Runner, render_table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.splitlines()[0])
    ap.add_argument("--per-kind", type=int, default=20, help="inputs per kind (default 20)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mode", choices=("fork", "exec"), default="fork")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds before a run counts as a hang")
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset of " + ",".join(KINDS))
    ap.add_argument("--out", default="build/fuzz", help="folder for bad inputs and the JSON summary")
    ap.add_argument("--progress", action="store_true", help="print one line per 100 runs")
    ap.add_argument("--shard", default="0/1", metavar="K/N", help="run only chunks c with c %% N == K")
    ap.add_argument("--merge", nargs="+", metavar="DIR", help="print the table of earlier runs' outcomes.json")
    ap.add_argument("--chunk", type=int, default=25, help="inputs per kind generated at a time (default 25)")
    ap.add_argument("--deadline", type=float, default=0, help="stop starting new runs after this many seconds")
    args = ap.parse_args(argv)
    if args.merge:
        return _merge(args.merge)
    k, n = (int(x) for x in args.shard.split("/"))
    kinds = [k for k in args.kinds.split(",") if k]
    t0 = time.monotonic()
    runner = Runner(args.mode, args.timeout)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    gen_s = 0.0
    # Round-robin chunks (every kind advances together, so a deadline still gives a balanced mix);
    # chunk c belongs to shard c % N and uses its own seed, so shards never duplicate work.
    chunks = [(c, kind) for c in range(-(-args.per_kind // args.chunk)) for kind in kinds]
    i = 0
    for c, kind in chunks:
        size = min(args.chunk, args.per_kind - c * args.chunk)
        if c % n != k or size <= 0:
            continue
        if args.deadline and time.monotonic() - t0 > args.deadline:
            break
        g0 = time.monotonic()
        inputs = generate(size, args.seed * 100_003 + c, [kind])
        gen_s += time.monotonic() - g0
        for kind_, name, data in inputs:
            o = runner.run(kind_, name, data, i)
            outcomes.append(o)
            if o.verdict in BAD or o.verdict == "unlocated":
                stem = f"{kind_}-{o.verdict}-s{args.seed}c{c}-{name}"
                (out / (stem + KINDS[kind_])).write_bytes(data)
                (out / (stem + ".stderr")).write_text(o.stderr)
            i += 1
            if args.progress and i % 100 == 0:
                print(f"{i} runs, {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
        _save(out, outcomes)
    table = render_table(outcomes)
    total = time.monotonic() - t0
    print(table)
    print(f"{len(outcomes)} runs in {total:.0f} s (generation {gen_s:.0f} s), mode {args.mode}, seed {args.seed}")
    (out / "summary.md").write_text(table)
    _save(out, outcomes)
    return 1 if any(o.verdict in BAD for o in outcomes) else 0


def _save(out: Path, outcomes: list[Outcome]) -> None:
    """Write outcomes.json (after every chunk, so an interrupted campaign keeps its results)."""
    (out / "outcomes.json").write_text(json.dumps(
        [{"kind": o.kind, "name": o.name, "verdict": o.verdict, "code": o.code, "seconds": round(o.seconds, 3),
          "rss_bytes": o.rss_bytes} for o in outcomes], indent=1))


def _merge(folders: list[str]) -> int:
    outcomes = []
    for d in folders:
        for r in json.loads((Path(d) / "outcomes.json").read_text()):
            outcomes.append(Outcome(r["kind"], r["name"], r["verdict"], r["code"], r["seconds"], r["rss_bytes"], ""))
    print(render_table(outcomes))
    print(f"{len(outcomes)} runs merged from {', '.join(folders)}")
    return 1 if any(o.verdict in BAD for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
