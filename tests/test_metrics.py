"""Kernel metrics: counts and depth agree with Qiskit on straight-line circuits,
and follow the documented rules through scf regions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit

from qglm_ir import ModuleBuilder
from qglm_ir.dialects.gates import GATES
from qglm_ir.metrics import esp, kernel_metrics, module_metrics, summary, wire_indices

_GATES = sorted(n for n, g in GATES.items() if g.qiskit_name and g.num_params == 0 and g.num_qubits <= 3)


@st.composite
def circuits(draw):
    n = draw(st.integers(1, 5))
    ops = []
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(["gate", "gate", "gate", "measure", "barrier"]))
        if kind == "gate":
            g = draw(st.sampled_from([x for x in _GATES if GATES[x].num_qubits <= n]))
            qs = draw(st.permutations(range(n)))[: GATES[g].num_qubits]
            ops.append(("gate", g, tuple(qs)))
        elif kind == "measure":
            ops.append(("measure", None, (draw(st.integers(0, n - 1)),)))
        else:
            ops.append(("barrier", None, tuple(sorted(draw(st.sets(st.integers(0, n - 1), min_size=1))))))
    return n, ops


@settings(max_examples=60)
@given(circuits())
def test_counts_and_depth_match_qiskit(circ):
    n, ops = circ
    qc = QuantumCircuit(n, n)
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", n)
    bits = []
    for kind, g, qs in ops:
        if kind == "gate":
            getattr(qc, GATES[g].qiskit_name)(*qs)
            kb.gate(g, *qs)
        elif kind == "measure":
            # one classical bit per measurement keeps Qiskit's clbit sync out of the comparison
            qc = _grow_clbits(qc)
            qc.measure(qs[0], qc.num_clbits - 1)
            bits.append(kb.measure(qs[0]))
        else:
            qc.barrier(*qs)
            kb.barrier(*qs)
    kb.finish(bits)
    m = kernel_metrics(kb.op)
    assert m.qubits == n
    assert m.depth == qc.depth()
    assert m.gates == sum(1 for i in qc.data if i.operation.name not in ("measure", "barrier"))
    assert m.twoq == qc.num_nonlocal_gates()
    assert m.measurements == sum(1 for i in qc.data if i.operation.name == "measure")


def _grow_clbits(qc: QuantumCircuit) -> QuantumCircuit:
    from qiskit.circuit import ClassicalRegister

    qc.add_register(ClassicalRegister(1))
    return qc


def test_control_flow_rules():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 3)
    kb.gate("h", 0)  # wire0: 1
    kb.gate("cx", 0, 1)  # wires0,1: 2
    kb.gate("h", 2)  # wire2: 1
    b = kb.measure(1)  # wire1 + bit: 3
    with kb.if_(b):
        kb.gate("x", 2)  # starts at the condition's level: 4
    with kb.else_():
        kb.gate("y", 2)
        kb.gate("z", 2)  # larger branch: 5
    with kb.for_(0, 4):  # entry aligned at max(wire0=2, wire1=3) = 3; +4 x 2
        kb.gate("h", 0)
        kb.gate("cx", 0, 1)
    kb.finish([b])
    m = kernel_metrics(kb.op)
    assert m.depth == 11
    assert m.gates == 3 + 2 + 8  # h, cx, h; larger branch (2); loop body x 4
    assert m.twoq == 1 + 4
    assert m.measurements == 1
    assert m.ops["q.h"] == 2 + 4
    s = summary(module_metrics(mb.module))
    assert s == {"qubits": 3, "gates": 13, "twoq": 5, "depth": 11}


def test_dynamic_loop_counts_once_and_qubit_args():
    from qglm_ir.core.types import i64

    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2, inputs=[("n", i64)], qubit_args=True)
    with kb.for_(0, kb.input("n")):
        kb.gate("cx", 0, 1)
    kb.finish([])
    m = kernel_metrics(kb.op)
    assert (m.qubits, m.gates, m.twoq, m.depth) == (2, 1, 1, 1)


def test_wire_indices_and_esp():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 3)
    kb.gate("h", 0)
    with kb.for_(0, 2):
        kb.gate("cx", 2, 1)
    kb.measure(2)
    kb.finish([])
    wires = wire_indices(kb.op)
    cx = next(o for o in kb.op.walk() if o.name == "q.cx")
    assert [wires[v] for v in cx.operands] == [2, 1]
    assert sorted(set(wires.values())) == [0, 1, 2]
    seen = []

    def error(name, qubits):
        seen.append((name, qubits))
        return {"h": 0.01, "cx": 0.1, "measure": 0.05}.get(name)

    p = esp(kb.op, error)
    assert abs(p - 0.99 * 0.9**2 * 0.95) < 1e-12
    assert ("cx", (2, 1)) in seen and ("measure", (2,)) in seen
    p2 = esp(kb.op, lambda n, q: 0.5 if q == (7,) else None, physical=[7, 8, 9])
    assert p2 == 0.5
