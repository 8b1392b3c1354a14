"""A handful of the differential checks through a real ``python -m qglm_ir.cli`` process.

The in-process driver (``qglm_ir.cli.main``) shares interpreter state with the
test; these cases run the CLI as a user does (fresh process, this tree's
``qglm_ir`` on ``PYTHONPATH``) and apply the same oracles to its files.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from ._checks import check_unitary_all, summary
from ._cli import Compiled, compile_all, qglmc_subprocess
from ._corpus import issue_cases, library_cases, load_reference
from ._hybrid import EXAMPLES, make_inputs, program_cfg, run_exact


@pytest.mark.parametrize(
    "case,level,device",
    [
        pytest.param(issue_cases()[0], 2, None, id="issue-h-cx-rz-t-O2-nodev"),
        pytest.param(issue_cases()[1], 3, "line:4", id="issue-ry-cx-ry-O3-line4"),
        pytest.param(library_cases()[4], 3, "qiskit:fake_sherbrooke", id="ghz5-O3-sherbrooke"),
    ],
)
def test_subprocess_compile_unitary(case, level, device, tmp_path):
    src = tmp_path / "prog.qasm"
    src.write_text(case.qasm)
    argv = ["-q", "compile", str(src), "--target", "all", "-o", str(tmp_path / "out"), "-O", str(level)]
    if device:
        argv += ["--device", device]
    r = qglmc_subprocess(argv)
    assert r.rc == 0, r.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    c = Compiled(argv, r, tmp_path / "out", "prog", report)
    baseline = compile_all(src, tmp_path / "baseline", 0)
    bad = summary(check_unitary_all(load_reference(case.qasm), c, baseline))
    assert not bad, f"{bad}\n  reproduce: {c.command()}\n  input:\n{case.qasm}"


def test_subprocess_run_text_classifier_heavy_hex(tmp_path):
    """The issue's "done when": -O3 on heavy-hex:3 gives the uncompiled probabilities (exact, 1e-9)."""
    cfg = program_cfg("text_classifier", tmp_path)
    flags, _ = make_inputs(cfg, tmp_path)
    rc0, want, err0 = run_exact("text_classifier", flags, 0, None)
    assert rc0 == 0, err0
    r = qglmc_subprocess(
        ["run", str(EXAMPLES / "text_classifier.qglm"), "-O", "3", "--device", "heavy-hex:3", "--exact", *flags]
    )
    assert r.rc == 0, r.stderr[-600:]
    got = json.loads(r.stdout)
    np.testing.assert_allclose(np.asarray(got["out0"]), np.asarray(want["out0"]), atol=1e-9, rtol=0)
