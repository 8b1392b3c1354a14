"""One regression test per failure class of issue 14, run as a user would (a ``qglmc`` subprocess).

Each bad input must give exit 1 (bad input) or 2 (bad usage) with a located
``FILE:LINE:COL: error:`` diagnostic, no traceback or raw parser output, in
under 5 s of CPU and 1 GiB of peak RSS (the child also runs under RLIMIT_AS).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ._cli import ROOT, Result, qglmc

CPU_LIMIT = 5.0
RSS_LIMIT = 1 << 30

HDR2 = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
HDR3 = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'
PY = "from qglm_ir.lang import *\n\n"


def _kernel(body: str) -> str:
    return "kernel k() {\n qubit q[1]\n" + body + "\n}\n"


#: (id, file name, content, extra args, text the message must contain)
CASES: list[tuple[str, str, str | bytes, list[str], str]] = [
    ("unary-minus-5000", "p.qglm", "const a = " + "-" * 5000 + "1\n" + _kernel("rx(a) q[0]"), [], "nested too deeply"),
    ("sum-5000", "p.qglm", "const a = " + "+".join(["1"] * 5000) + "\n" + _kernel("rx(a) q[0]"), [], "nested too deeply"),
    ("nested-if-2600", "p.qglm",
     "kernel k() {\n qubit q[1]\n let b = measure q[0]\n" + "if b {\n" * 1300 + "h q[0]\n" + "}\n" * 1300 + "}\n",
     [], "nested too deeply"),
    ("py-unary-minus-10000", "p.py", PY + "@kernel\ndef k():\n    q = qubits(1)\n    rx(" + "-" * 10000 + "1.0, q[0])\n",
     ["--entry", "k"], "nested too deeply"),
    ("qglmir-module-nesting-5000", "p.qglmir", "module @a {\n" * 5000 + "}\n" * 5000, [], "nesting depth"),
    ("device-array-nesting-5000", "dev.json", '{"num_qubits": 2, "coupling_map": ' + "[" * 5000 + "]" * 5000 + "}",
     ["--device"], "nested deeper"),
    ("int-5000-digits-qglm", "p.qglm", "const a = " + "9" * 5000 + "\n", [], "integer literal"),
    ("int-5000-digits-qglmir", "p.qglmir",
     "q.kernel @k() {\n  %c = arith.constant " + "9" * 5000 + " : i64\n  func.return\n}\n", [], "integer literal"),
    ("int-5000-digits-py", "p.py", PY + "a = " + "9" * 5000 + "\n@kernel\ndef k():\n    q = qubits(1)\n", ["--entry", "k"],
     "integer"),
    ("huge-dimension", "p.qglm", "const layers = 9999999999999999999\nparam w: f64[layers] trainable = zeros()\n",
     [], "64 bits"),
    ("huge-dimension-in-range", "p.qglm", "const layers = 999999999999\nparam w: f64[layers] trainable = zeros()\n",
     [], "exceeds the limit"),
    ("qasm2-qreg-20-digits-rust-panic", "p.qasm", HDR2 + "qreg q[99999999999999999999];\n", [], "exceeds the limit"),
    ("non-utf8-program", "p.qglm", b"const a = 1\n\xff\xfe\n", [], "not UTF-8"),
    ("non-utf8-device", "dev.json", b'{"num_qubits": 2, "name": "\xff"}', ["--device"], "not UTF-8"),
    ("antlr-token-noise", "p.qasm", "OPENQASM 3.0;\n$$ qubit q;\n", [], "token recognition"),
    ("qubit-1e6", "p.qglm", "kernel k() {\n qubit q[1000000]\n h q[0]\n}\n", [], "qubits"),
    ("qubit-1e12", "p.qglm", "kernel k() {\n qubit q[1000000000000]\n h q[0]\n}\n", [], "qubits"),
    ("qasm2-qreg-1e6-broadcast", "p.qasm", HDR2 + "qreg q[1000000];\nh q;\n", [], "qubits"),
    ("qasm3-for-1e9", "p.qasm", HDR3 + "qubit[1] q;\nfor int i in [0:1000000000] { h q[0]; }\n", [], "iterations"),
    ("qasm3-parentheses-100000", "p.qasm", HDR3 + "qubit[1] q;\nrx(" + "(" * 100000 + "1" + ")" * 100000 + ") q[0];\n",
     [], "nesting depth"),
    ("qasm2-exponential-gate-definitions", "p.qasm",
     HDR2 + "gate g0 a { h a; }\n" + "".join(f"gate g{i} a {{ g{i - 1} a; g{i - 1} a; }}\n" for i in range(1, 40))
     + "qreg q[1];\ng39 q[0];\n", ["--max-gates", "20000"], "gates"),  # 2**39 gates: any limit stops it
    ("ten-million-lines", "p.qglm", "\n" * 10_000_000, [], "exceeds the limit"),
    ("device-1e5-qubits-file", "dev.json", '{"num_qubits": 100000}', ["--device"], "num_qubits"),
    ("non-finite-angle", "p.qglm", _kernel("rx(1e308 * 10) q[0]"), [], "overflows"),
    ("import-dev-zero", "p.qglm", 'import "/dev/zero"\n', [], "cannot import"),
    ("import-etc-passwd", "p.qglm", 'import "/etc/passwd"\n', [], "cannot import"),
    ("import-outside-folder", "p.qglm", 'import "../outside.qglm"\n', [], "outside the program's folder"),
]


def _check(res: Result, fragment: str) -> None:
    assert res.code in (1, 2), res.stderr
    assert res.located, res.stderr
    assert fragment in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and "panicked" not in res.stderr, res.stderr
    assert "token recognition error at" not in res.stderr.split(": error: ")[0], res.stderr  # no raw ANTLR line first
    assert res.cpu_seconds < CPU_LIMIT, f"{res.cpu_seconds:.1f} s CPU"
    assert res.rss_bytes < RSS_LIMIT, f"{res.rss_bytes / 2**20:.0f} MiB"


@pytest.mark.parametrize(("name", "content", "extra", "fragment"),
                         [pytest.param(f, c, e, m, id=i) for i, f, c, e, m in CASES])
def test_failure_class(tmp_path: Path, name: str, content: str | bytes, extra: list[str], fragment: str) -> None:
    folder = tmp_path / "prog"
    folder.mkdir()
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (tmp_path / "outside.qglm").write_text("const z = 1\n")
    if extra[:1] == ["--device"]:
        args = ["check", str(ROOT / "examples" / "ansatz.qglm"), "--device", str(path)]
    else:
        args = ["compile", str(path), "--target", "qasm3", "-q", *extra]
    res = qglmc(*args, cwd=folder)
    _check(res, fragment)
    if "passwd" in name:
        assert "root:" not in res.stderr  # never quote a file that is not a program


def test_outside_import_allowed_by_flag(tmp_path: Path) -> None:
    (tmp_path / "lib.qglm").write_text("const z = 1\n")
    sub = tmp_path / "prog"
    sub.mkdir()
    (sub / "p.qglm").write_text('import "../lib.qglm"\n' + _kernel("rx(z) q[0]"))
    assert qglmc("check", str(sub / "p.qglm"), cwd=sub).code == 1
    assert qglmc("check", str(sub / "p.qglm"), "--allow-outside-imports", cwd=sub).code == 0


def test_limits_are_raised_by_flags(tmp_path: Path) -> None:
    p = tmp_path / "p.qglm"
    p.write_text("kernel k() {\n qubit q[20000]\n h q[0]\n}\n")
    assert qglmc("check", str(p)).code == 1
    assert qglmc("check", str(p), "--max-qubits", "30000").code == 0


def test_deep_but_allowed_nesting_compiles(tmp_path: Path) -> None:
    # 900 unary minuses and 450 nested ifs are under the default depth limit: they must compile.
    p = tmp_path / "p.qglm"
    p.write_text("const a = " + "-" * 900 + "1\n"
                 + "kernel k() {\n qubit q[1]\n rx(a) q[0]\n let b = measure q[0]\n"
                 + "if b {\n" * 450 + "h q[0]\n" + "}\n" * 450 + "}\n")
    res = qglmc("compile", str(p), "--target", "qasm3", "-q")
    assert res.code == 0, res.stderr


def test_fifo_input_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "p.qglm"
    os.mkfifo(fifo)
    res = qglmc("check", str(fifo), timeout=20)
    _check(res, "FIFO")


def test_device_line_100000_is_bounded() -> None:
    res = qglmc("check", str(ROOT / "examples" / "ansatz.qglm"), "--device", "line:100000")
    _check(res, "exceeds the limit")


def test_run_shots_1e12_is_bad_usage() -> None:
    res = qglmc("run", str(ROOT / "examples" / "teleport.qglm"), "--shots", str(10**12))
    assert res.code == 2 and "--max-shots" in res.stderr and "Traceback" not in res.stderr


def test_register_condition_compiles_or_is_located(tmp_path: Path) -> None:
    p = tmp_path / "c.qasm"
    p.write_text(HDR2 + "qreg q[1];\ncreg c[3];\nmeasure q[0] -> c[0];\nif (c == 4) x q[0];\n")
    for target in ("qasm3", "qasm2", "cirq", "cfg"):
        res = qglmc("compile", str(p), "--target", target, "-q")
        assert res.code == 0 or (res.code == 1 and res.located), (target, res.stderr)


def test_backend_error_is_located(tmp_path: Path) -> None:
    p = tmp_path / "m.qglmir"
    p.write_text("param.decl @w : f64 frozen = 0.5\n")
    res = qglmc("compile", str(p), "--target", "qasm3", "-q")
    _check(res, "no q.kernel")


def test_device_validation_is_located(tmp_path: Path) -> None:
    p = tmp_path / "d.json"
    text = json.dumps({"num_qubits": 3, "coupling_map": [[0, 1]],
                       "gates": [{"gate": "cx", "qubits": [1, 2], "error": 0.01}]}, indent=1)
    p.write_text(text)
    res = qglmc("check", str(ROOT / "examples" / "ansatz.qglm"), "--device", str(p))
    _check(res, "no coupler")
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if '"qubits"' in t)
    col = lines[line - 1].index('"qubits"') + 1
    assert f"{p}:{line}:{col}: error:" in res.stderr  # the 'qubits' field, not the opening '{'
