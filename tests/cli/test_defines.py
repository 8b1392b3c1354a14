"""``-D NAME=VALUE`` through the CLI, for ``.qglm`` and ``.py`` inputs (issue 13).

The README's own example (``qglmc compile examples/ansatz.qglm -D layers=6``)
used to exit 3 with ``AttributeError: 'int' object has no attribute 'strip'``:
the CLI typed the value and the frontend expected text. A define is now typed
once, against the constant's declaration, and every bad value is a located
diagnostic (exit 1) or a usage error (exit 2), never a traceback.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qglm_ir.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def qglmc(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _clean_failure(code: int, err: str, expected: int) -> None:
    assert code == expected, err
    assert "Traceback" not in err and "internal error" not in err, err


def test_readme_example_in_a_subprocess() -> None:
    """The exact README command, as a user runs it (a real process, exit code and stdout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "qglm_ir.cli", "compile", "examples/ansatz.qglm", "-D", "layers=6", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "param.decl @ansatz_theta : tensor<6x8xf64>" in proc.stdout


@pytest.mark.parametrize("value,shape", [("6", "6x8"), ("1", "1x8"), (" 3 ", "3x8")])
def test_qglm_and_py_twins_agree(value: str, shape: str) -> None:
    code, qglm_ir_text, err = qglmc("compile", str(EXAMPLES / "ansatz.qglm"), "-D", f"layers={value}", "-q")
    assert code == 0, err
    assert f"tensor<{shape}xf64>" in qglm_ir_text
    code, py_ir_text, err = qglmc(
        "compile", str(EXAMPLES / "ansatz.py"), "--entry", "ring_ansatz", "-D", f"layers={value}", "-q"
    )
    assert code == 0, err
    assert py_ir_text == qglm_ir_text


def test_define_changes_the_program_used_through_an_import() -> None:
    """``layers`` lives in ansatz.qglm, imported by the classifier: the define reaches it."""
    code, default, err = qglmc("compile", str(EXAMPLES / "text_classifier.qglm"), "-q")
    assert code == 0, err
    code, six, err = qglmc("compile", str(EXAMPLES / "text_classifier.qglm"), "-D", "layers=6", "-q")
    assert code == 0, err
    assert "tensor<2x8xf64>" in default and "tensor<6x8xf64>" in six


def test_several_defines_and_typed_constants(tmp_path: Path) -> None:
    src = tmp_path / "p.qglm"
    src.write_text(
        "const n = 2\nconst theta = 0.5\nconst flip = false\n"
        "kernel k() {\n    qubit q[n]\n    ry(theta) q[0]\n    if flip {\n        x q[1]\n    }\n}\n"
    )
    code, base, err = qglmc("compile", str(src), "-O0", "-q")
    assert code == 0, err
    assert base.count("q.alloc") == 2 and "q.x" not in base and "0.5 : f64" in base
    code, out, err = qglmc("compile", str(src), "-O0", "-q", "-D", "n=3", "-D", "theta=2", "-D", "flip=true")
    assert code == 0, err
    assert out.count("q.alloc") == 3 and "q.x" in out
    assert "2.0 : f64" in out  # an int value for a float constant is promoted


@pytest.mark.parametrize(
    "define,message",
    [
        ("layers=6.5", "'6.5' is not an integer"),
        ("layers=many", "'many' is not a number or bool"),
        ("layers=true", "'true' is not a number or bool"),
        ("layers=0", "a tensor dimension must be at least 1, got 0"),
        ("layers=-2", "a tensor dimension must be at least 1, got -2"),
        ("layers=99999999999", "exceeds the limit of"),
        ("depth=3", "no constant named 'depth'"),
    ],
)
@pytest.mark.parametrize("twin", ["qglm", "py"])
def test_bad_values_are_located_errors(define: str, message: str, twin: str) -> None:
    extra = ["--entry", "ring_ansatz"] if twin == "py" else []
    code, out, err = qglmc("compile", str(EXAMPLES / f"ansatz.{twin}"), *extra, "-D", define, "-q")
    _clean_failure(code, err, 1)
    assert message in err and out == ""
    assert err.count("error:") == 1


def test_command_line_caret_points_at_the_value() -> None:
    code, _, err = qglmc("compile", str(EXAMPLES / "ansatz.qglm"), "-D", "layers=6.5", "-q")
    _clean_failure(code, err, 1)
    lines = err.splitlines()
    assert lines[0].startswith("<command line>:1:8: error: -D layers:")
    assert lines[1] == "  layers=6.5" and lines[2] == "         ^~~"
    assert "declared as" in err and "ansatz.qglm:9:7" in err


def test_float_and_bool_constants_reject_wrong_kinds(tmp_path: Path) -> None:
    src = tmp_path / "p.qglm"
    src.write_text("const theta = 0.5\nconst flip = false\nkernel k() {\n    qubit q\n    ry(theta) q\n}\n")
    for define, message in [
        ("theta=nan", "'nan' is not a finite number"),
        ("theta=inf", "'inf' is not a finite number"),
        ("theta=yes", "not a number or bool"),
        ("flip=1", "'1' is not a bool"),
        ("flip=True", "'True' is not a bool"),
    ]:
        code, _, err = qglmc("compile", str(src), "-D", define, "-q")
        _clean_failure(code, err, 1)
        assert message in err, (define, err)


@pytest.mark.parametrize("define", ["layers", "=6", "6=layers", "la yers=6"])
def test_malformed_define_is_usage_error(define: str) -> None:
    code, _, err = qglmc("compile", str(EXAMPLES / "ansatz.qglm"), "-D", define, "-q")
    _clean_failure(code, err, 2)
    assert "expected NAME=VALUE" in err


def test_define_on_an_input_without_constants_is_input_error(tmp_path: Path) -> None:
    src = tmp_path / "c.qasm"
    src.write_text("OPENQASM 3.0;\nqubit[1] q;\nh q[0];\n")
    code, _, err = qglmc("compile", str(src), "-D", "layers=6", "-q")
    _clean_failure(code, err, 1)
    assert "-D definitions only apply to .qglm and .py inputs" in err


def test_check_and_run_take_defines_too() -> None:
    code, out, err = qglmc("check", str(EXAMPLES / "ansatz.qglm"), "-D", "layers=6")
    assert (code, out, err) == (0, "", "")
    code, _, err = qglmc("check", str(EXAMPLES / "ansatz.py"), "--entry", "ring_ansatz", "-D", "layers=x")
    _clean_failure(code, err, 1)
