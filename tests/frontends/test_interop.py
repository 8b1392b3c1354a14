"""Importers from Qiskit and Cirq: every table gate, control flow, parameters, round trips."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter, ParameterVector
from qiskit.circuit.library import QFTGate, get_standard_gate_name_mapping
from qiskit.quantum_info import Operator

from qglm_ir import semantics
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.core.errors import ParseError
from qglm_ir.dialects.gates import GATES
from qglm_ir.frontends.interop import from_cirq, from_qiskit
from qglm_ir.text import parse_module, print_module
from qglm_ir.verify import verify

from ..backends._helpers import equal_up_to_phase, qiskit_distribution


def _roundtrip(qc: QuantumCircuit) -> QuantumCircuit:
    m = from_qiskit(qc)
    verify(m)
    m = parse_module(print_module(m))  # the imported IR survives its textual form too
    return to_qiskit(m)


@pytest.mark.parametrize("name", sorted(GATES))
def test_every_table_gate_round_trips(name):
    spec = GATES[name]
    std = get_standard_gate_name_mapping()[spec.qiskit_name]
    qc = QuantumCircuit(spec.num_qubits + 1)
    angles = [0.4 - 0.9 * i for i in range(spec.num_params)]
    qc.append(type(std)(*angles) if angles else std, list(range(spec.num_qubits, 0, -1))[: spec.num_qubits])
    back = _roundtrip(qc)
    assert np.allclose(Operator(back).data, Operator(qc).data)  # exact, phase included
    assert [ci.operation.name for ci in back.data] == [spec.qiskit_name]


def test_symbolic_parameters_become_sorted_inputs():
    th = ParameterVector("th", 3)
    a = Parameter("a")
    qc = QuantumCircuit(2)
    qc.rx(2 * th[1] + a / 3 - 0.5, 0)
    qc.ry(th[0] * th[2], 1)
    qc.rz(a.sin() + 1, 0)
    qc.p(-a, 1)
    m = from_qiskit(qc)
    verify(m)
    k = next(op for op in m.body if op.name == "q.kernel")
    assert [a.name_hint for a in k.regions[0].block.args] == ["a", "th"]
    back = to_qiskit(m)
    assert {p.name for p in back.parameters} == {"a", "th[0]", "th[1]", "th[2]"}
    vals = {"a": 0.7, "th[0]": 0.1, "th[1]": -0.4, "th[2]": 1.3}
    want = Operator(qc.assign_parameters({p: vals[p.name] for p in qc.parameters})).data
    got = Operator(back.assign_parameters({p: vals[p.name] for p in back.parameters})).data
    assert np.allclose(want, got)
    sem = semantics.unitary(k, inputs={"a": 0.7, "th": np.array([0.1, -0.4, 1.3])})
    assert np.allclose(sem, want)


def test_unsupported_parameter_expression_is_a_parse_error():
    a = Parameter("a")
    qc = QuantumCircuit(1)
    qc.rx(a.exp(), 0)
    with pytest.raises(ParseError, match="parameter expression"):
        from_qiskit(qc)


def test_non_table_gates_use_definitions_or_matrices():
    qc = QuantumCircuit(3, global_phase=0.3)
    qc.append(QFTGate(3), [0, 1, 2])
    qc.rzx(0.4, 0, 2)
    from qiskit.circuit.library import UnitaryGate

    qc.append(UnitaryGate(Operator.from_label("XY").data), [1, 0])
    m = from_qiskit(qc)
    verify(m)
    assert any(op.name == "q.unitary" for op in m.walk())
    assert np.allclose(semantics.unitary(m), Operator(qc).data)
    assert np.allclose(Operator(to_qiskit(m)).data, Operator(qc).data)


def _dynamic_circuit() -> QuantumCircuit:
    qr, cr = QuantumRegister(3, "q"), ClassicalRegister(3, "c")
    qc = QuantumCircuit(qr, cr)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((cr[0], 1)) as else_:
        qc.x(1)
        qc.measure(1, 1)  # a clbit written inside the branch and read afterwards
    with else_:
        qc.ry(0.7, 1)
    lp = Parameter("i")
    with qc.for_loop(range(3), lp):
        qc.rx(lp * 0.4, 2)
    qc.h(2)
    qc.measure(2, 2)
    with qc.while_loop((cr[2], 1)):
        qc.h(2)
        qc.measure(2, 2)
    with qc.if_test((cr[1], 0)):
        qc.x(0)
    qc.measure(0, 0)
    return qc


def test_control_flow_round_trip_preserves_the_distribution():
    qc = _dynamic_circuit()
    m = from_qiskit(qc)
    verify(m)
    want = qiskit_distribution(qc)
    sem = semantics.outcome_distribution(m, record="returns", max_branches=4096) \
        if not any(op.name == "scf.while" for op in m.walk()) else None
    back = to_qiskit(m)
    names = [ci.operation.name for ci in back.data]
    assert {"if_else", "for_loop", "while_loop"} <= set(names)
    got = qiskit_distribution(back, list(back.cregs[0]))
    assert set(want) == set(got)
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=1e-6)
    if sem is not None:
        assert sem == pytest.approx(want)


def test_register_condition_becomes_bit_logic():
    qc = QuantumCircuit(QuantumRegister(2), ClassicalRegister(2, "c"))
    qc.x(0)
    qc.measure(0, 0)
    qc.measure(1, 1)
    with qc.if_test((qc.cregs[0], 1)):  # c == 0b01
        qc.x(1)
    m = from_qiskit(qc)
    verify(m)
    assert semantics.outcome_distribution(m, record="returns") == pytest.approx({(1, 0): 1.0})


def test_from_cirq_unitary_measurement_control_and_repetition():
    a, b, c = cirq.LineQubit.range(3)
    circuit = cirq.Circuit(
        cirq.H(a), cirq.CNOT(a, b), cirq.rx(0.3)(c), cirq.ISWAP(b, c) ** 0.5, cirq.CCZ(a, b, c),
        cirq.ZPowGate(exponent=0.37)(a), cirq.XX(a, c) ** 0.25,
    )
    m = from_cirq(circuit)
    verify(m)
    u = circuit.unitary(qubit_order=[a, b, c])
    from qglm_ir.backends.cirq import _big_endian

    assert equal_up_to_phase(semantics.unitary(m), _big_endian(u, 3))
    names = {op.name for op in m.walk()}
    assert {"q.h", "q.cx", "q.rx", "q.p"} <= names

    dyn = cirq.Circuit(
        cirq.H(a), cirq.measure(a, key="m"), cirq.X(b).with_classical_controls("m"),
        cirq.CircuitOperation(cirq.FrozenCircuit(cirq.X(c))).repeat(3), cirq.measure(b, c, key="out"),
    )
    dm = from_cirq(dyn)
    verify(dm)
    dist = semantics.outcome_distribution(dm, record="returns")
    assert dist == pytest.approx({(0, 0, 1): 0.5, (1, 1, 1): 0.5})
    assert any(op.name == "scf.for" for op in dm.walk())


def test_from_cirq_rejects_unresolved_symbols():
    import sympy

    with pytest.raises(ParseError, match="parameterized"):
        from_cirq(cirq.Circuit(cirq.rx(sympy.Symbol("t"))(cirq.LineQubit(0))))
