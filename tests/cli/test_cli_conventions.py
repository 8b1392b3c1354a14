"""CLI conventions: run's shots rule and inputs, stdin/stdout with ``-``, ``.qasm3``,
colour, and ``qglmc passes [NAME]``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qglm_ir.cli import main

ROOT = Path(__file__).resolve().parents[2]

COIN = """\
kernel coin(theta: f64) -> (bit) {
    qubit q[1]
    ry(theta) q[0]
    return measure q[0]
}
model m(theta: f64, w: f64[2]) -> f64[2] {
    return probs(coin(theta), shots=7) * w
}
"""


def qglmc(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = main(list(argv), stdout=out, stderr=err)
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def coin(tmp_path: Path) -> Path:
    p = tmp_path / "coin.qglm"
    p.write_text(COIN)
    return p


def _probs(text: str) -> np.ndarray:
    return np.asarray(json.loads(text)["out0"])


def test_run_uses_program_shots_unless_given(coin: Path) -> None:
    base = ("run", str(coin), "--input", "theta=1.2", "--input", "w=[1, 1]", "-q")
    code, out, err = qglmc(*base, "--seed", "5")
    assert code == 0, err
    p = _probs(out)
    assert np.allclose(p * 7, np.round(p * 7)) and abs(p.sum() - 1) < 1e-12  # sampled with the program's 7 shots
    code, out, _ = qglmc(*base, "--shots", "1000", "--seed", "5")
    p = _probs(out)
    assert np.allclose(p * 1000, np.round(p * 1000)) and not np.allclose(p * 7, np.round(p * 7))
    code, out, _ = qglmc(*base, "--exact")
    assert np.allclose(_probs(out), [np.cos(0.6) ** 2, np.sin(0.6) ** 2])


def test_inline_list_and_npz_bundle(coin: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "in.npz"
    np.savez(bundle, theta=np.asarray(0.0), w=np.asarray([2.0, 3.0]))
    code, out, err = qglmc("run", str(coin), "--inputs", str(bundle), "--exact", "-q")
    assert code == 0, err
    assert np.allclose(_probs(out), [2.0, 0.0])
    code, out, err = qglmc("run", str(coin), "--inputs", str(bundle), "--input", "w=[5, 1]", "--exact", "-q")
    assert np.allclose(_probs(out), [5.0, 0.0])  # --input wins over the bundle


def test_every_missing_input_is_named(coin: Path) -> None:
    code, _, err = qglmc("run", str(coin), "-q")
    assert code == 1
    assert "2 input(s) have no value" in err and "theta (f64" in err and "w (tensor<2xf64>" in err
    code, _, err = qglmc("run", str(coin), "--input", "theta=[1,", "-q")
    assert code == 1 and "expected a number" in err and "Traceback" not in err


def test_stdin_stdout_and_qasm3_round_trip(coin: Path, tmp_path: Path) -> None:
    code, out, err = qglmc("compile", "-", "--target", "qasm3", "--kernel", "coin", "-o", "-", "-q", stdin=COIN)
    assert code == 0, err
    assert out.startswith("OPENQASM 3.0;")
    q3 = tmp_path / "coin.qasm3"
    q3.write_text(out)
    code, out2, err = qglmc("compile", str(q3), "--target", "qasm3", "-q")
    assert code == 0, err and "OPENQASM 3.0;" in out2
    code, _, err = qglmc("check", "-", stdin="kernel k() {\n  qubit q\n  frob q\n}\n")
    assert code == 1 and err.startswith("<stdin>:3:")


def test_colour_only_on_request(coin: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    cmd = [sys.executable, "-m", "qglm_ir.cli", "run", str(coin), "-q"]
    plain = subprocess.run(cmd, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    forced = subprocess.run(cmd, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT), "FORCE_COLOR": "1"},
                            capture_output=True, text=True)
    vetoed = subprocess.run(cmd, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT), "FORCE_COLOR": "1", "NO_COLOR": "1"},
                            capture_output=True, text=True)
    assert "\x1b[" not in plain.stderr and "\x1b[" not in vetoed.stderr
    assert "\x1b[31m" in forced.stderr and plain.returncode == forced.returncode == 1


def test_passes_lists_options_in_plain_text() -> None:
    code, out, _ = qglmc("passes")
    assert code == 0
    assert "``" not in out and ":func:" not in out
    assert "trials: int = 0" in out  # route's option with its type and default
    code, out, _ = qglmc("passes", "qec")
    assert code == 0 and "budget" in out and "(default 8)" in out and "``" not in out
    code, _, err = qglmc("passes", "qecc")
    assert code == 1 and "did you mean 'qec'" in err
