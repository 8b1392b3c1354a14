"""Cirq backend: keys, symbols, classical control, loops, device qubits, JSON, errors."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from qglm_ir import ModuleBuilder, semantics
from qglm_ir.backends.cirq import to_cirq, to_cirq_json
from qglm_ir.core.errors import BackendError
from qglm_ir.dialects.gates import GATES

from ._helpers import cirq_unitary, equal_up_to_phase
from ._programs import bell_module, feedforward_module


def test_keys_symbols_and_classical_control():
    c = to_cirq(feedforward_module())
    assert {str(k) for k in cirq.measurement_key_names(c)} == {"c_0", "c_1"}
    assert set(cirq.parameter_names(c)) == {"theta", "w[1]"}
    assert all(isinstance(s, sympy.Symbol) for s in cirq.parameter_symbols(c)) if hasattr(
        cirq, "parameter_symbols") else True
    controlled = [op for op in c.all_operations() if isinstance(op, cirq.ClassicallyControlledOperation)]
    assert len(controlled) == 2  # X on the then branch, H on the else branch


def test_bell_sampling_is_correlated():
    c = to_cirq(bell_module())
    res = cirq.Simulator(seed=3).run(c, repetitions=200)
    a, b = res.measurements["c_0"][:, 0], res.measurements["c_1"][:, 0]
    assert (a == b).all() and 40 < a.sum() < 160


def test_loops_without_induction_variable_are_circuit_operations():
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=1)
    with kb.for_(0, 4):
        kb.gate("sx", 0)
    kb.finish()
    c = to_cirq(mb.module)
    ops = list(c.all_operations())
    assert len(ops) == 1 and isinstance(ops[0], cirq.CircuitOperation) and ops[0].repetitions == 4
    assert equal_up_to_phase(semantics.unitary(mb.module), cirq_unitary(c, mb.module, 1))


@pytest.mark.parametrize("name", sorted(GATES))
def test_every_table_gate_matches_cirq_exactly(name):
    spec = GATES[name]
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=spec.num_qubits)
    angles = [0.3 + 0.7 * i for i in range(spec.num_params)]
    kb.gate(name, *range(spec.num_qubits), params=angles)
    kb.finish()
    got = cirq_unitary(to_cirq(mb.module), mb.module, spec.num_qubits)
    assert np.allclose(got, spec.matrix(*angles), atol=1e-9)


def test_device_qubits_from_kernel_attribute():
    m = bell_module()
    k = next(op for op in m.body if op.name == "q.kernel")
    k.set_attribute("device_qubits", ((0, 1), (1, 1)))
    c = to_cirq(m)
    assert sorted(c.all_qubits()) == [cirq.GridQubit(0, 1), cirq.GridQubit(1, 1)]
    k.set_attribute("device_qubits", ((0, 1),))
    with pytest.raises(BackendError):
        to_cirq(m)


def test_json_round_trip():
    text = to_cirq_json(feedforward_module())
    back = cirq.read_json(json_text=text)
    assert back == to_cirq(feedforward_module())


def test_measurement_in_branch_is_refused():
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=2)
    b = kb.measure(0)
    with kb.if_(b):
        kb.measure(1)
    kb.finish([b])
    with pytest.raises(BackendError, match="classically control a measurement"):
        to_cirq(mb.module)
