"""``drop-negligible`` removes the same gates as Qiskit's ``RemoveIdentityEquivalent``
(the oracle: Qiskit's pass at its default cutoff), and nothing at ``tolerance=0``."""

from __future__ import annotations

import math

import pytest


def _circuit():
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(3)
    for k in range(14, 30):  # around the cutoff: cp(pi/2^20) stays, cp(pi/2^21) goes
        t = math.pi / 2 ** k
        qc.cp(t, 0, 1)
        qc.rz(t, 2)
        qc.rx(-t, 1)
        qc.crz(2 * t, 1, 2)
        qc.rzz(t, 0, 2)
        qc.u(t, 0.0, 0.0, 0)
        qc.cx(0, 2)
        qc.p(2 * math.pi - t, 1)  # near a full period is near the identity too
    return qc


def test_same_gates_as_qiskit_remove_identity_equivalent() -> None:
    from qiskit.transpiler.passes import RemoveIdentityEquivalent

    import qglm_ir
    from qglm_ir.backends.qiskit import to_qiskit
    from qglm_ir.frontends.interop import from_qiskit

    qc = _circuit()
    ref = RemoveIdentityEquivalent()(qc)
    ours = to_qiskit(qglm_ir.compile(from_qiskit(qc), passes="drop-negligible"))
    assert dict(ours.count_ops()) == dict(ref.count_ops())
    assert len(ours.data) < len(qc.data)  # the cutoff is inside the sweep


def test_tolerance_zero_keeps_every_gate() -> None:
    import qglm_ir
    from qglm_ir.backends.qiskit import to_qiskit
    from qglm_ir.frontends.interop import from_qiskit

    qc = _circuit()
    ours = to_qiskit(qglm_ir.compile(from_qiskit(qc), passes="drop-negligible{tolerance=0}"))
    assert dict(ours.count_ops()) == dict(qc.count_ops())


def test_bad_tolerance_rejected() -> None:
    from qglm_ir.passes.optimize.negligible import DropNegligible

    with pytest.raises(ValueError):
        DropNegligible(tolerance=-1.0)


def test_validate_checks_around_the_approximation_and_says_so(tmp_path) -> None:
    """``-O3 --validate`` of a kernel whose near-identity gates -O3 drops: exit 0, the report
    names the approximation, and the output is within the stated bound of the source per
    Qiskit's ``Operator`` (the oracle); exact validation of the source alone would fail."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    import numpy as np
    from qiskit import qasm2
    from qiskit.quantum_info import Operator

    root = Path(__file__).resolve().parents[2]
    src = tmp_path / "tiny.qasm"
    src.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\n'
                   "h q[0];\ncp(2e-6) q[0], q[1];\nrz(1e-6) q[1];\nh q[0];\ncx q[0], q[1];\n")
    out, rep = tmp_path / "tiny.qasm3", tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "qglm_ir.cli", "compile", str(src), "-O3", "--validate",
                           "--target", "qasm3", "-o", str(out), "--report", str(rep)],
                          capture_output=True, text=True, cwd=root, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(rep.read_text())
    assert report["validated"] is True
    assert report["approximations"] and report["approximations"][0].startswith("drop-negligible (removed=2")
    assert "validated up to the approximation of drop-negligible" in proc.stderr
    from qiskit import qasm3

    got = Operator(qasm3.loads(out.read_text()))
    want = Operator(qasm2.loads(src.read_text(), custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS))
    phase = np.vdot(want.data.ravel(), got.data.ravel())
    dev = np.abs(got.data - want.data * phase / abs(phase)).max()
    assert 1e-8 < dev < 4e-6  # really approximated, within the two dropped angles
