"""The compile summary: program vs physical qubits, and warnings users must see."""

from __future__ import annotations

import io
import json
from pathlib import Path

from qglm_ir.cli import main

ROOT = Path(__file__).resolve().parents[2]

DROPPED = """\
param theta: f64 trainable = 0.3

kernel k() -> (bit) {
    qubit q[1]
    h q[0]
    rz(theta) q[0]
    return measure q[0]
}
"""

NOISY = """\
kernel k() -> (bit) {
    qubit q[1]
    h q[0]
    noise depolarizing(0.01) q[0]
    return measure q[0]
}
"""


def _compile(path: Path, out_dir: Path, *extra: str) -> tuple[int, dict, str]:
    """Compile with ``--report`` into ``out_dir`` (never beside the input: examples stay untouched)."""
    err = io.StringIO()
    rep = out_dir / (path.stem + ".report.json")
    code = main(["compile", str(path), "--report", str(rep), *extra], stdout=io.StringIO(), stderr=err)
    return code, json.loads(rep.read_text()), err.getvalue()


def test_mapped_summary_separates_program_and_physical_qubits(tmp_path: Path) -> None:
    code, report, err = _compile(ROOT / "examples" / "ansatz.qglm", tmp_path, "--device", "heavy-hex:3", "-q",
                                 "--target", "qasm3", "-o", str(tmp_path / "a.qasm3"))
    assert code == 0, err
    q = report["qubits"]["after"]
    assert q["program"] == 8 and q["device"] == 19 and 8 <= q["physical"] <= 19
    err = io.StringIO()
    main(["compile", str(ROOT / "examples" / "ansatz.qglm"), "--device", "heavy-hex:3", "-o",
          str(tmp_path / "b.qglmir")], stdout=io.StringIO(), stderr=err)
    assert "program qubits" in err.getvalue() and "device qubits" in err.getvalue()


def test_dropped_trainable_parameter_warns(tmp_path: Path) -> None:
    src = tmp_path / "d.qglm"
    src.write_text(DROPPED)
    code, report, _ = _compile(src, tmp_path, "--target", "qasm3", "-o", str(tmp_path / "d.qasm3"), "-q")
    assert code == 0
    assert any("trainable parameter @theta" in w for w in report["warnings"])
    code, report, _ = _compile(src, tmp_path, "-O0", "--target", "qasm3", "-o", str(tmp_path / "d0.qasm3"), "-q")
    assert not any("trainable parameter" in w for w in report["warnings"])


def test_noise_dropped_by_target_warns(tmp_path: Path) -> None:
    src = tmp_path / "n.qglm"
    src.write_text(NOISY)
    code, report, _ = _compile(src, tmp_path, "--target", "qasm3", "-o", str(tmp_path / "n.qasm3"), "-q")
    assert code == 0 and any("noise annotation" in w for w in report["warnings"])
    code, report, _ = _compile(src, tmp_path, "--target", "cirq", "-o", str(tmp_path / "n.cirq.json"), "-q")
    assert code == 0
    assert not any("noise annotation" in w for w in report["warnings"])
