"""OpenQASM 3 and 2 backends: accepted by both parsers, equivalent on re-import."""

from __future__ import annotations

import numpy as np
import openqasm3
import pytest
import qiskit.qasm2
import qiskit.qasm3
from qiskit.quantum_info import Operator

from qglm_ir import ModuleBuilder, semantics
from qglm_ir.backends.qasm2 import to_qasm2
from qglm_ir.backends.qasm3 import to_qasm3
from qglm_ir.core.errors import BackendError
from qglm_ir.dialects.gates import GATES

from ._helpers import bind_qiskit, equal_up_to_phase, qiskit_distribution
from ._programs import bell_module, feedforward_module


def _one_gate(name):
    spec = GATES[name]
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=spec.num_qubits)
    kb.gate(name, *range(spec.num_qubits), params=[0.3 + 0.7 * i for i in range(spec.num_params)])
    kb.finish()
    return mb.module


@pytest.mark.parametrize("name", sorted(GATES))
def test_every_gate_round_trips_through_both_versions(name):
    m = _one_gate(name)
    want = semantics.unitary(m)
    t3 = to_qasm3(m)
    openqasm3.parse(t3)
    assert equal_up_to_phase(want, Operator(qiskit.qasm3.loads(t3)).data)
    t2 = to_qasm2(m)
    back = qiskit.qasm2.loads(t2, custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    assert equal_up_to_phase(want, Operator(back).data)


def test_qasm3_inputs_control_flow_and_registers():
    m = feedforward_module()
    text = to_qasm3(m)
    openqasm3.parse(text)
    assert "input float[64] theta;" in text and "input float[64] w_1;" in text
    assert "if (c[0] == true) {" in text and "} else {" in text and "for int _loop_i0 in [0:2] {" in text
    back = qiskit.qasm3.loads(text)
    assert sorted(p.name for p in back.parameters) == ["theta", "w_1"]


def test_qasm3_while_loop_round_trips():
    from qglm_ir.core.ir import Block, Region
    from qglm_ir.core.types import i1, qubit

    # while (measure q == 1) { x q }  -- built by hand: scf.while with the measurement in "before"
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=1)
    kb.gate("h", 0)
    q = kb.wire_value(0)
    before, after = Block([qubit]), Block([qubit])
    m = kb.b.create  # noqa: F841
    from qglm_ir.core.builder import Builder

    bb = Builder.at_end(before)
    meas = bb.create("q.measure", [before.args[0]], [i1, qubit])
    bb.create("scf.condition", [meas.results[0], meas.results[1]])
    ab = Builder.at_end(after)
    x = ab.create("q.x", [after.args[0]], [qubit])
    ab.create("q.h", [x.results[0]], [qubit])
    ab.create("scf.yield", [after.last.results[0]])
    w = kb.b.create("scf.while", [q], [qubit], regions=[Region([before]), Region([after])])
    kb._scope.values[0] = w.results[0]
    kb.finish([kb.measure(0)])
    text = to_qasm3(mb.module)
    openqasm3.parse(text)
    assert "while (mid[0] == true) {" in text
    back = qiskit.qasm3.loads(text)
    dist = qiskit_distribution(back, list(back.cregs[0]))
    assert dist[(0,)] == pytest.approx(1.0, abs=1e-6)  # repeat until success always ends in 0
    with pytest.raises(BackendError, match="while"):
        to_qasm2(mb.module)


def test_qasm2_unrolls_loops_and_splits_condition_registers():
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=2)
    kb.gate("h", 0)
    b = kb.measure(0)
    with kb.if_(b):
        kb.gate("x", 1)
    with kb.else_():
        kb.gate("h", 1)
    with kb.for_(0, 2):
        kb.gate("t", 1)
    kb.finish([b, kb.measure(1)])
    text = to_qasm2(mb.module)
    assert "creg c_0[1];" in text and "if(c_0==1) x q[1];" in text and "if(c_0==0) h q[1];" in text
    assert text.count("t q[1];") == 2
    back = qiskit.qasm2.loads(text, custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    got = qiskit_distribution(back)
    want = semantics.outcome_distribution(mb.module, record="returns")
    assert got == pytest.approx(want)


def test_qasm2_refuses_symbolic_parameters():
    with pytest.raises(BackendError, match="symbolic"):
        to_qasm2(feedforward_module())


def test_unitary_is_synthesized():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    u, _ = np.linalg.qr(a)
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=3)
    kb.unitary(u, 2, 0)
    kb.finish()
    want = semantics.unitary(mb.module)
    for text in (to_qasm3(mb.module),):
        openqasm3.parse(text)
        assert equal_up_to_phase(want, Operator(qiskit.qasm3.loads(text)).data)
    back = qiskit.qasm2.loads(to_qasm2(mb.module), custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    assert equal_up_to_phase(want, Operator(back).data)


def test_bell_qasm3_text_is_stable():
    assert to_qasm3(bell_module()) == (
        'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\n'
        "h q[0];\ncx q[0], q[1];\nc[0] = measure q[0];\nc[1] = measure q[1];\n"
    )
    _ = bind_qiskit
