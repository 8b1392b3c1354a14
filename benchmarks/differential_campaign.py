"""Differential campaign outside pytest: compile the corpus with ``qglmc`` and check every target.

Same corpus, CLI driver and oracles as ``tests/differential`` (Qiskit
``Operator``/``Statevector`` under the emitted layout, Cirq's simulator, Aer
distribution tests, the CFG schema and ``qglmc check``). Prints

* the campaign size: circuits x levels x devices x targets and checks run;
* pass/fail per (level, device) and per target;
* failures by class (target + failure kind + where), each with one command that reproduces it.

    .venv/bin/python benchmarks/differential_campaign.py            # the CI profile
    .venv/bin/python benchmarks/differential_campaign.py --long     # the long profile (QGLM_DIFF_LONG)
    .venv/bin/python benchmarks/differential_campaign.py --jobs 2 --json out.json

Exit status 1 when any check failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.differential._profile import CI, LONG_PROFILE  # noqa: E402
from tests.differential.campaign import Record, jobs, run_job  # noqa: E402


def _init_worker() -> None:
    warnings.simplefilter("ignore")


def _where(r: Record) -> str:
    return f"{'O' + str(r.level)}/{r.device}"


def _class(target: str, reason: str) -> str:
    return f"{target}: {reason.split(':', 1)[0]}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--long", action="store_true", help="the long profile (as QGLM_DIFF_LONG=1)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N compiles (for a quick look)")
    ap.add_argument("--json", metavar="FILE", help="write every record as JSON")
    args = ap.parse_args(argv)
    profile = LONG_PROFILE if args.long else CI
    plan = list(jobs(profile))
    if args.limit:
        plan = plan[: args.limit]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs, initializer=_init_worker) as pool:
        records: list[Record] = list(pool.map(run_job, plan, chunksize=4))
    wall = time.perf_counter() - t0

    circuits = {(r.family, r.case) for r in records}
    levels = sorted({r.level for r in records})
    devices = sorted({r.device for r in records})
    targets = sorted({t for r in records for t in r.results})
    checks = sum(len(r.results) for r in records)
    failed = sum(1 for r in records for v in r.results.values() if v)
    print(f"profile: {'long' if args.long else 'ci'}; {len(records)} compiles in {wall:.0f} s wall ({args.jobs} workers)")
    print(
        f"campaign: {len(circuits)} circuits ({sum(1 for f, _ in circuits if f == 'unitary')} measurement-free, "
        f"{sum(1 for f, _ in circuits if f == 'dynamic')} dynamic) x {len(levels)} levels x {len(devices)} devices "
        f"({', '.join(devices)}) x {len(targets)} targets ({', '.join(targets)})"
    )
    print(f"checks run: {checks}; passed: {checks - failed}; failed: {failed}")

    print("\nper level/device (compiles with every check passing / compiles):")
    by_where: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_where[_where(r)].append(r)
    print(f"  {'':18}" + "".join(f"{'O' + str(lvl):>10}" for lvl in levels))
    for dev in devices:
        row = ""
        for lvl in levels:
            rs = by_where.get(f"O{lvl}/{dev}", [])
            ok = sum(1 for r in rs if not any(r.results.values()))
            row += f"{f'{ok}/{len(rs)}':>10}"
        print(f"  {dev:18}{row}")

    print("\nper target (failed / run):")
    for t in targets:
        run = sum(1 for r in records if t in r.results)
        bad = sum(1 for r in records if r.results.get(t))
        print(f"  {t:10} {bad:5d} / {run}")

    print("\nfailures by class (target: kind) -> count, where, one reproduction:")
    classes: Counter[str] = Counter()
    where: dict[str, Counter[str]] = defaultdict(Counter)
    example: dict[str, tuple[Record, str]] = {}
    for r in records:
        for t, v in r.results.items():
            if v:
                k = _class(t, v)
                classes[k] += 1
                where[k][_where(r)] += 1
                example.setdefault(k, (r, v))
    for k, n in classes.most_common():
        r, v = example[k]
        spots = ", ".join(f"{w} x{c}" for w, c in sorted(where[k].items()))
        print(f"  {k:32} {n:5d}  [{spots}]")
        print(f"      e.g. {r.case}: {v[:160]}")
        print(f"      {r.command}")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in records], indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
