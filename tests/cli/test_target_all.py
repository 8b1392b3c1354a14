"""``--target all``: one file set per kernel, and a non-zero exit when any artifact fails."""

from __future__ import annotations

import io
import json
from pathlib import Path

from qglm_ir.cli import main

TWO = """\
kernel a() -> (bit) {
    qubit q[1]
    h q[0]
    return measure q[0]
}
kernel b() -> (bit, bit) {
    qubit q[2]
    h q[0]
    let flag = BIT0
    if measure q[0] {
        flag = false
    }
    return flag, measure q[1]
}
model m() -> f64[2] {
    let x = probs(a(), shots=100)
    let y = probs(b(), shots=100)
    return x
}
"""


def _run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(list(argv), stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


def test_every_kernel_gets_its_files(tmp_path: Path) -> None:
    src = tmp_path / "two.qglm"
    src.write_text(TWO.replace("BIT0", "false"))
    code, err = _run("compile", str(src), "--target", "all", "-o", str(tmp_path / "out"), "-q")
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    for k in ("a", "b"):
        for suffix in (".qpy", ".cirq.json", ".qasm3"):
            assert f"two.{k}{suffix}" in names
    assert "two.qglmir" in names and "two.cfg.json" in names and "report.json" in names


def test_refused_artifact_is_an_error_not_a_warning(tmp_path: Path) -> None:
    src = tmp_path / "two.qglm"
    src.write_text(TWO.replace("BIT0", "true"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "two.b.cirq.json").write_text("stale")
    code, err = _run("compile", str(src), "--target", "all", "-o", str(out), "-q")
    assert code == 1
    assert f"{src}:10:5: error: Cirq cannot set a measurement key" in err
    assert "1 artifact(s) of --target all could not be written" in err
    names = {p.name for p in out.iterdir()}
    assert "two.b.cirq.json" not in names  # the stale file of an earlier run is removed
    assert {"two.a.cirq.json", "two.b.qpy", "two.b.qasm3"} <= names
    report = json.loads((out / "report.json").read_text())
    assert [(e["target"], e["kernel"]) for e in report["errors"]] == [("cirq", "b")]


def test_kernel_option_restricts_the_set(tmp_path: Path) -> None:
    src = tmp_path / "two.qglm"
    src.write_text(TWO.replace("BIT0", "true"))
    code, err = _run("compile", str(src), "--target", "all", "--kernel", "a", "-o", str(tmp_path / "o"), "-q")
    assert code == 0, err
    names = {p.name for p in (tmp_path / "o").iterdir()}
    assert "two.a.qpy" in names and not any(n.startswith("two.b.") for n in names)
