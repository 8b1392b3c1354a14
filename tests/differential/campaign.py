"""The differential campaign as plain functions: one compile, every target checked, one record.

Used by ``benchmarks/differential_campaign.py`` (outside pytest) and shaped
like the pytest suite in this package: the same corpus, CLI driver and checks.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ._checks import check_dynamic_all, check_engine_counts, check_unitary_all
from ._cli import compile_all, device_label, device_spec
from ._corpus import (
    Case,
    feedforward_case,
    issue_cases,
    library_cases,
    load_reference,
    random_dynamic_case,
    random_unitary_case,
)
from ._profile import COMBOS, Profile, dynamic_pairs, random_unitary_plan


@dataclass
class Record:
    """The outcome of one compile: per-target verdict reasons (``""`` = pass)."""

    family: str
    case: str
    level: int
    device: str
    command: str
    results: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class Job:
    family: str  # "unitary" or "dynamic"
    case: Case
    level: int
    device: str | None
    engine: bool = False


def jobs(profile: Profile) -> Iterator[Job]:
    """Every compile of the profile: issue + library circuits at all 16 pairs, the random plan, dynamic."""
    for case in issue_cases():
        for lvl, dev in COMBOS:
            yield Job("unitary", case, lvl, dev, engine=True)
    for case in library_cases():
        for lvl, dev in COMBOS:
            if lvl in profile.library_levels:
                yield Job("unitary", case, lvl, dev, engine=lvl == 3)
    for seed, lvl, dev in random_unitary_plan(profile):
        yield Job("unitary", random_unitary_case(seed), lvl, dev, engine=seed % profile.engine_every == 0)
    dyn = [random_dynamic_case(s, conditional=False) for s in range(profile.dynamic_meas_reset)]
    dyn += [feedforward_case(s) for s in range(profile.dynamic_feedforward)]
    dyn += [random_dynamic_case(s, conditional=True) for s in range(profile.dynamic_regcond)]
    for i, case in enumerate(dyn):
        for lvl, dev in dynamic_pairs(i, profile):
            yield Job("dynamic", case, lvl, dev)


def run_job(job: Job, seed: int = 0) -> Record:
    """Compile ``job`` once with ``--target all`` and check every target."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        src = tmp / "prog.qasm"
        src.write_text(job.case.qasm)
        reference = load_reference(job.case.qasm)
        baseline = compile_all(src, tmp / "baseline", 0)
        c = compile_all(src, tmp / "out", job.level, device_spec(job.device, job.case.n_qubits))
        rec = Record(job.family, job.case.name, job.level, device_label(job.device), c.command())
        if c.result.rc != 0:
            last = (c.result.stderr.strip().splitlines() or [""])[-1]
            rec.results["compile"] = f"compile-error: rc={c.result.rc} {last[:200]}"
        elif job.family == "unitary":
            verdicts = check_unitary_all(reference, c, baseline)
            if job.engine:
                verdicts["run"] = check_engine_counts(reference, c, seed)
            rec.results = {t: v.reason for t, v in verdicts.items()}
        else:
            rec.results = {t: v.reason for t, v in check_dynamic_all(reference, c, baseline, seed).items()}
    rec.seconds = time.perf_counter() - t0
    return rec
