"""Qiskit backend: registers, parameters, control flow, layouts, QPY, errors."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit, qpy
from qiskit.quantum_info import Operator, SparsePauliOp

from qglm_ir import ModuleBuilder, semantics
from qglm_ir.backends import parameter_bindings
from qglm_ir.backends.qiskit import to_qiskit, write_qpy
from qglm_ir.core.errors import BackendError
from qglm_ir.core.ir import Operation

from ._programs import bell_module, feedforward_module


def test_registers_parameters_and_control_flow():
    qc = to_qiskit(feedforward_module())
    assert [r.name for r in qc.cregs] == ["c"]
    assert qc.cregs[0].size == 2
    names = sorted(p.name for p in qc.parameters)
    assert names == ["theta", "w[1]"]  # trainable param element and kernel input stay symbolic
    kinds = [ci.operation.name for ci in qc.data]
    assert "if_else" in kinds and "for_loop" in kinds
    loop = next(ci.operation for ci in qc.data if ci.operation.name == "for_loop")
    indexset, loop_param, _ = loop.params
    assert list(indexset) == [0, 1, 2] and loop_param is not None
    # Users bind with assign_parameters, by name.
    vals = {**parameter_bindings(feedforward_module()), "theta": 0.4}
    bound = qc.assign_parameters({p: vals[p.name] for p in qc.parameters})
    assert not bound.parameters


def test_bell_counts_register_order_and_operator():
    qc = to_qiskit(bell_module())
    assert qc.num_clbits == 2 and qc.cregs[0].name == "c"
    meas = [ci for ci in qc.data if ci.operation.name == "measure"]
    assert [qc.find_bit(ci.clbits[0]).index for ci in meas] == [0, 1]
    qc.remove_final_measurements()
    ref = QuantumCircuit(2)
    ref.h(0)
    ref.cx(0, 1)
    assert Operator(qc).equiv(Operator(ref))


def test_unreturned_measurements_go_to_mid_register():
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=2)
    kb.measure(0)
    b = kb.measure(1)
    kb.finish([b])
    qc = to_qiskit(mb.module)
    assert [(r.name, r.size) for r in qc.cregs] == [("c", 1), ("mid", 1)]


def test_permuted_returned_qubits_are_restored_with_swaps():
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=2, qubit_args=True)
    kb.gate("x", 0)
    k = kb.finish()
    ret = k.regions[0].block.last
    ret.set_operands(list(reversed(ret.operands)))  # return (q1, q0)
    qc = to_qiskit(mb.module)
    ref = QuantumCircuit(2)
    ref.x(0)
    ref.swap(0, 1)  # output wire 0 is input wire 1, output wire 1 is input wire 0
    assert Operator(qc).equiv(Operator(ref))
    assert np.allclose(Operator(qc).data, semantics.unitary(k))


def _mapped_module(initial, final, n_phys):
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=n_phys)
    kb.gate("h", initial[0])
    kb.gate("cx", initial[0], initial[1])
    kb.gate("swap", initial[1], final[1])
    k = kb.finish()
    k.set_property("initial_layout", tuple(initial))
    k.set_property("final_layout", tuple(final))
    return mb.module


def test_transpile_layout_matches_qiskit_conventions():
    qc = to_qiskit(_mapped_module([2, 0], [2, 1], 3))
    lay = qc.layout
    assert lay is not None
    assert lay.initial_index_layout(filter_ancillas=True) == [2, 0]
    assert lay.final_index_layout() == [2, 1]
    op = SparsePauliOp("ZI")  # Z on program qubit 1
    mapped = op.apply_layout(lay)
    assert mapped.num_qubits == 3
    assert mapped.paulis[0].to_label() == "IZI"  # program qubit 1 ends on physical qubit 1
    qpy_buf = __import__("io").BytesIO()
    qpy.dump(qc, qpy_buf)
    qpy_buf.seek(0)
    back = qpy.load(qpy_buf)[0]
    assert back.layout.final_index_layout() == [2, 1]


def test_write_qpy_round_trips(tmp_path):
    path = tmp_path / "out.qpy"
    write_qpy(feedforward_module(), path)
    with open(path, "rb") as f:
        back = qpy.load(f)[0]
    assert sorted(p.name for p in back.parameters) == ["theta", "w[1]"]


def test_write_qpy_leaves_no_file_on_error(tmp_path):
    mb = ModuleBuilder()
    mb.kernel("a", 1).finish()
    mb.kernel("b", 1).finish()
    path = tmp_path / "out.qpy"
    with pytest.raises(BackendError) as e:
        write_qpy(mb.module, path)
    assert "@a" in e.value.message and "@b" in e.value.message
    assert list(tmp_path.iterdir()) == []
    assert to_qiskit(mb.module, kernel="b").num_qubits == 1
    with pytest.raises(BackendError):
        to_qiskit(mb.module, kernel="zzz")


def test_dynamic_loop_bounds_are_rejected_with_location():
    from qglm_ir.core.errors import Location
    from qglm_ir.core.types import i64

    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=1, inputs=[("n", i64)])
    with kb.for_(0, kb.input("n")):
        kb.gate("x", 0)
    k = kb.finish()
    loop = next(op for op in k.walk() if op.name == "scf.for")
    loop.loc = Location("prog.qglm", 3, 5)
    with pytest.raises(BackendError) as e:
        to_qiskit(mb.module)
    assert "constant" in e.value.message
    assert e.value.render().startswith("prog.qglm:3:5: error:")


def test_does_not_mutate_module():
    from qglm_ir.text import print_module

    m = feedforward_module()
    before = print_module(m)
    to_qiskit(m)
    assert print_module(m) == before


def test_unitary_op_and_global_phase():
    mb = ModuleBuilder()
    kb = mb.kernel("k", num_qubits=2)
    u = np.kron(np.array([[0, 1], [1, 0]]), np.eye(2))  # X on qubit 1 (little-endian)
    kb.unitary(u, 0, 1)
    kb.global_phase(0.25)
    kb.finish()
    qc = to_qiskit(mb.module)
    ref = QuantumCircuit(2, global_phase=0.25)
    ref.x(1)
    assert np.allclose(Operator(qc).data, Operator(ref).data)


def test_kernel_argument_must_be_a_kernel():
    with pytest.raises(BackendError):
        to_qiskit(bell_module(), kernel=Operation("func.func"))


def test_qpy_of_a_parameterized_program_is_byte_identical(tmp_path) -> None:
    """Qiskit parameters get name-derived UUIDs, so QPY output is deterministic."""
    from pathlib import Path

    from qglm_ir.backends.qiskit import to_qiskit, write_qpy
    from qglm_ir.frontends.dsl import compile_file

    example = Path(__file__).resolve().parents[2] / "examples" / "text_classifier.qglm"
    a, b = tmp_path / "a.qpy", tmp_path / "b.qpy"
    write_qpy(compile_file(str(example)), a, kernel="ring_ansatz")
    write_qpy(compile_file(str(example)), b, kernel="ring_ansatz")
    assert a.read_bytes() == b.read_bytes()
    circuit = to_qiskit(compile_file(str(example)), kernel="ring_ansatz")
    assert len(circuit.parameters) > 0  # the test is about symbolic parameters
