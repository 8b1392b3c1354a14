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
