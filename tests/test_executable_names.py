"""Parameter names survive import, compilation and export (Qiskit ``θ[0]`` stays ``θ[0]``)."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterVector

import qglm_ir
from qglm_ir.backends.qasm2 import to_qasm2
from qglm_ir.backends.qasm3 import to_qasm3
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.core.errors import QglmError


def _circuit() -> QuantumCircuit:
    th = ParameterVector("θ", 3)
    qc = QuantumCircuit(2)
    qc.ry(th[0], 0)
    qc.crx(2 * th[1] + Parameter("α"), 0, 1)
    qc.rz(th[2] - 0.5, 1)
    return qc


@pytest.fixture(scope="module")
def compiled():
    return qglm_ir.compile(_circuit(), optimization_level=1)


def test_unicode_parameter_names_round_trip_through_qiskit(compiled):
    mapped = qglm_ir.compile(_circuit(), device="line:3", optimization_level=2)
    for module in (compiled, mapped):
        names = sorted(p.name for p in to_qiskit(module).parameters)
        assert names == ["α", "θ[0]", "θ[1]", "θ[2]"]


def test_unicode_names_in_cirq_and_openqasm3(compiled):
    import cirq

    module = compiled
    from qglm_ir.backends.cirq import to_cirq

    assert cirq.parameter_names(to_cirq(module)) == {"α", "θ[0]", "θ[1]", "θ[2]"}
    text = to_qasm3(module)
    assert "input float[64] θ_0;" in text and "input float[64] α;" in text


def test_openqasm2_names_stay_ascii(compiled):
    from qglm_ir.backends._kernel_view import sanitize

    assert sanitize("θ", "p") == "θ"
    assert sanitize("θ", "p", ascii_only=True) == "_"
    assert sanitize("2x", "p") == "p_2x"
    with pytest.raises(QglmError, match="no symbolic parameters"):
        to_qasm2(compiled)
