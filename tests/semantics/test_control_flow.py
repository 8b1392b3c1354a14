"""Classical evaluation and control flow: scf.for unrolling, scf.if/while, params, inputs, calls."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Statevector

from qglm_ir import ModuleBuilder
from qglm_ir import semantics as S
from qglm_ir.builder import param_ref
from qglm_ir.core.attributes import SymbolRef
from qglm_ir.core.errors import SemanticsError
from qglm_ir.core.types import f64, i1, i64, qubit, tensor
from qglm_ir.semantics import interpreter

from ._ir import cast, const, kernel_op, while_counter

ATOL = 1e-10


def test_scf_for_is_unrolled_with_induction_variable():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2)
    with kb.for_(0, 5) as i:
        angle = kb.arith("mul", cast(kb.b, i, f64), 0.3)
        kb.gate("rx", 0, params=[angle])
        kb.gate("cx", 0, 1)
    kb.finish()
    qc = QuantumCircuit(2)
    for i in range(5):
        qc.rx(0.3 * i, 0)
        qc.cx(0, 1)
    np.testing.assert_allclose(S.statevector(kb.op), Statevector(qc).data, atol=ATOL)
    assert len(S.trace(kb.op).ops) == 10


def test_scf_for_with_step_and_input_bound():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1, inputs=[("n", i64)])
    with kb.for_(1, kb.input("n"), 2):
        kb.gate("x", 0)
    kb.finish()
    # iterations 1, 3, 5 for n = 6 -> odd count -> |1>
    assert abs(S.statevector(kb.op, inputs={"n": 6})[1]) == pytest.approx(1.0)
    assert abs(S.statevector(kb.op, inputs=[5])[0]) == pytest.approx(1.0)  # 1, 3 -> even


def test_scf_if_on_classical_input_picks_branch():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1, inputs=[("flag", i1)])
    with kb.if_(kb.input("flag")):
        kb.gate("x", 0)
    with kb.else_():
        kb.gate("h", 0)
    kb.finish()
    np.testing.assert_allclose(S.statevector(kb.op, inputs={"flag": True}), [0, 1], atol=ATOL)
    np.testing.assert_allclose(S.statevector(kb.op, inputs={"flag": False}), [2**-0.5, 2**-0.5], atol=ATOL)


def test_scf_while_with_classical_condition():
    k = kernel_op("w", [i64], lambda b, args: [while_counter(b, b.create("q.alloc", [], [qubit]).result, args[0])])
    k.regions[0].blocks[0].args[0].name_hint = "count"
    for count in range(4):
        sv = S.statevector(k, inputs={"count": count})
        assert abs(sv[count % 2]) == pytest.approx(1.0)


def test_scf_while_iteration_cap(monkeypatch):
    def body(b, args):
        q = b.create("q.alloc", [], [qubit]).result
        huge = const(b, 10**9, i64)
        return [while_counter(b, q, huge)]

    k = kernel_op("w", [], body)
    monkeypatch.setattr(interpreter, "MAX_ITERATIONS", 100)
    with pytest.raises(SemanticsError, match="did not terminate within 100 iterations"):
        S.statevector(k)


def test_params_from_init_and_override():
    mb = ModuleBuilder()
    mb.param("w", tensor(2), trainable=True, init=np.array([0.4, 1.1]))
    decl = mb.param("frozen", f64, trainable=False, init=0.25)
    kb = mb.kernel("k", 1)
    w = param_ref(kb.b, mb.module.lookup("w"))
    kb.gate("ry", 0, params=[kb.extract(w, 1)])
    kb.gate("rz", 0, params=[param_ref(kb.b, decl)])
    kb.finish()
    qc = QuantumCircuit(1)
    qc.ry(1.1, 0)
    qc.rz(0.25, 0)
    np.testing.assert_allclose(S.statevector(kb.op), Statevector(qc).data, atol=ATOL)
    qc2 = QuantumCircuit(1)
    qc2.ry(-0.5, 0)
    qc2.rz(0.25, 0)
    got = S.statevector(kb.op, params={"w": [9.0, -0.5]})
    np.testing.assert_allclose(got, Statevector(qc2).data, atol=ATOL)


def test_tensor_input_and_arith_chain():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2, inputs=[("x", tensor(3)), ("s", f64)])
    x = kb.input("x")
    a = kb.arith("add", kb.extract(x, 0), kb.extract(x, 2))
    a = kb.arith("mul", a, kb.input("s"))
    kb.gate("rx", 0, params=[kb.b.create("arith.sin", [a], [f64]).result])
    kb.gate("crz", 0, 1, params=[kb.arith("div", a, 2.0)])
    kb.finish()
    x_val = np.array([0.3, 7.0, -1.2])
    s = 1.7
    a_val = (0.3 - 1.2) * s
    qc = QuantumCircuit(2)
    qc.rx(np.sin(a_val), 0)
    qc.crz(a_val / 2, 0, 1)
    np.testing.assert_allclose(S.statevector(kb.op, inputs={"x": x_val, "s": s}), Statevector(qc).data, atol=ATOL)


def test_func_call_of_a_kernel_is_inlined():
    mb = ModuleBuilder()
    sub = mb.kernel("sub", 2, qubit_args=True, inputs=[("t", f64)])
    sub.gate("ry", 0, params=[sub.input("t")])
    sub.gate("cx", 0, 1)
    sub.finish()
    main = mb.kernel("main", 2)
    q0, q1 = main.wire_value(0), main.wire_value(1)
    t = main.const(0.8)
    call = main.b.create("func.call", [q0, q1, t], [qubit, qubit], {"callee": SymbolRef("sub")})
    main._scope.values[0], main._scope.values[1] = call.results
    main.gate("h", 1)
    main.finish()
    qc = QuantumCircuit(2)
    qc.ry(0.8, 0)
    qc.cx(0, 1)
    qc.h(1)
    np.testing.assert_allclose(S.statevector(main.op), Statevector(qc).data, atol=ATOL)


def test_classical_returns_are_reported():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1, inputs=[("a", i64)])
    doubled = kb.b.create("arith.add", [kb.input("a"), kb.input("a")], [i64]).result
    kb.finish([doubled])
    assert S.trace(kb.op, inputs={"a": 21}).returns == [42]
    assert S.outcome_distribution(kb.op, inputs={"a": 4}) == {(8,): 1.0}


def test_alloc_inside_loop_gets_new_wires_in_execution_order():
    def body(b, args):
        q = b.create("q.alloc", [], [qubit]).result
        q = b.create("q.x", [q], [qubit]).result
        b.create("q.dealloc", [q])
        r = b.create("q.alloc", [], [qubit]).result
        b.create("q.dealloc", [r])
        return []

    k = kernel_op("k", [], body)
    sv = S.statevector(k)
    assert abs(sv[0b01]) == pytest.approx(1.0)  # wire 0 = first alloc (flipped), wire 1 = second
