"""Fuzzing in CI: a small campaign over the six input kinds, and every kept regression input.

``QGLM_FUZZ_N`` sets the inputs per kind of :func:`test_fuzz_campaign` (default 16,
so about 100 runs in under two minutes); e.g. ``QGLM_FUZZ_N=850`` runs the
5,000-input campaign. ``QGLM_FUZZ_SEED`` changes the inputs. The standalone
script is ``python -m tests.fuzz.run`` (tables, shards, saved bad inputs).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .inputs import generate
from .runner import BAD, Runner, render_table

REGRESSIONS = Path(__file__).parent / "regressions"
_KIND_OF = {".qglm": "qglm", ".py": "py", ".qglmir": "qglmir", ".json": "device"}


def _kind(path: Path) -> str:
    if path.name.endswith(".py.txt"):  # kept as .txt so linters do not parse hostile Python
        return "py"
    if path.suffix == ".qasm":
        return "qasm2" if re.match(r"\s*OPENQASM\s+2", path.read_text(errors="replace")) else "qasm3"
    return _KIND_OF[path.suffix]


@pytest.fixture(scope="module")
def runner() -> Runner:
    return Runner("fork", timeout=10.0)


@pytest.mark.parametrize("path", sorted(p for p in REGRESSIONS.iterdir() if p.suffix != ".md"), ids=lambda p: p.name)
def test_regression_input(runner: Runner, path: Path) -> None:
    for index in (0, 1):  # `check` and `compile --target qasm3`
        o = runner.run(_kind(path), path.name, path.read_bytes(), index)
        assert o.verdict in ("ok", "diagnostic"), (o.verdict, o.code, o.stderr)
        assert o.cpu_seconds < 10 and o.rss_bytes < (1 << 30)  # CPU, not wall: CI machines are shared


def test_fuzz_campaign(runner: Runner) -> None:
    per_kind = int(os.environ.get("QGLM_FUZZ_N", "16"))
    seed = int(os.environ.get("QGLM_FUZZ_SEED", "0"))
    outcomes = [runner.run(kind, name, data, i) for i, (kind, name, data) in enumerate(generate(per_kind, seed))]
    bad = [o for o in outcomes if o.verdict in BAD]
    failures = [o for o in outcomes if o.verdict != "ok"]
    located = sum(o.verdict == "diagnostic" for o in failures)
    assert not bad, render_table(outcomes) + "\n" + "\n".join(f"{o.kind} {o.name}: {o.verdict}\n{o.stderr}" for o in bad)
    assert located >= 0.99 * len(failures), render_table(outcomes)
