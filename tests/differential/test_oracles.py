"""The oracles themselves: they must say "not equivalent" when a circuit is wrong.

Hand-made cases on Qiskit-transpiled circuits (a real ``TranspileLayout`` with a
routing permutation), checked with both the Qiskit and the Cirq oracle: a
swapped ``cx``, a wrong final layout, an extra ``rz``, an ancilla left in |1>,
a permutation applied to the wrong qubits; plus the positive cases (global
phase, ancilla used as routing space and returned) that must pass.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.transpiler import CouplingMap

from ._oracles import (
    PhysicalLayout,
    cirq_equivalent_under_layout,
    equivalent_under_layout,
    tvd_threshold,
)


def _input() -> QuantumCircuit:
    """3 program qubits whose interaction graph is a triangle, so a line forces a swap."""
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 1)
    qc.cx(1, 2)
    qc.cx(0, 2)
    qc.rz(0.3, 2)
    qc.t(0)
    qc.ry(0.7, 1)
    return qc


def _routed() -> QuantumCircuit:
    out = transpile(_input(), coupling_map=CouplingMap.from_line(5), basis_gates=["cx", "rz", "sx", "x"],
                    optimization_level=1, seed_transpiler=11, initial_layout=[1, 2, 3])
    assert out.layout is not None and out.layout.routing_permutation() != list(range(5)), "needs a real swap"
    return out


def _to_cirq(qc: QuantumCircuit):
    """The same circuit in Cirq, gate by gate as ``cirq.MatrixGate`` on ``LineQubit(physical)``.

    A Qiskit matrix is little-endian over its qubits and a Cirq matrix big-endian,
    so each gate acts on its qubits in reverse order.
    """
    import cirq
    from qiskit.quantum_info import Operator

    ops = [cirq.global_phase_operation(np.exp(1j * float(qc.global_phase)))]
    for inst in qc.data:
        qubits = [cirq.LineQubit(qc.find_bit(q).index) for q in inst.qubits][::-1]
        ops.append(cirq.MatrixGate(Operator(inst.operation).data).on(*qubits))
    return cirq.Circuit(ops)


def _both(reference, emitted, layout: PhysicalLayout) -> tuple[bool, bool]:
    return bool(equivalent_under_layout(reference, emitted, layout)), bool(
        cirq_equivalent_under_layout(reference, _to_cirq(emitted), layout)
    )


def test_routed_circuit_is_equivalent_under_its_layout():
    out = _routed()
    layout = PhysicalLayout.of(out, 3)
    assert _both(_input(), out, layout) == (True, True)
    # A global phase is not a difference.
    out.global_phase += 1.234
    assert _both(_input(), out, layout) == (True, True)


def test_swapped_cx_is_caught():
    ref = QuantumCircuit(2)
    ref.h(0)
    ref.cx(0, 1)
    bad = QuantumCircuit(2)
    bad.h(0)
    bad.cx(1, 0)
    assert _both(ref, bad, PhysicalLayout.identity(2)) == (False, False)


def test_swapped_cx_that_preserves_zero_state_is_caught():
    """The issue's case: a swapped cx on a state that |0..0> cannot tell apart."""
    ref = QuantumCircuit(2)
    ref.cx(0, 1)
    bad = QuantumCircuit(2)
    bad.cx(1, 0)
    assert _both(ref, bad, PhysicalLayout.identity(2)) == (False, False)


def test_wrong_final_layout_is_caught():
    out = _routed()
    right = PhysicalLayout.of(out, 3)
    assert right.initial != right.final
    wrong = PhysicalLayout(right.initial, right.initial)  # "no routing permutation"
    assert _both(_input(), out, wrong) == (False, False)
    # A permutation of the final positions is also wrong.
    rotated = PhysicalLayout(right.initial, right.final[1:] + right.final[:1])
    assert _both(_input(), out, rotated) == (False, False)


def test_extra_rz_is_caught():
    out = _routed()
    layout = PhysicalLayout.of(out, 3)
    out.rz(1e-3, layout.final[1])
    assert _both(_input(), out, layout) == (False, False)


def test_angle_changed_by_1e_6_is_caught():
    ref = QuantumCircuit(1)
    ref.rz(0.3, 0)
    ref.h(0)
    bad = QuantumCircuit(1)
    bad.rz(0.3 + 1e-6, 0)
    bad.h(0)
    assert _both(ref, bad, PhysicalLayout.identity(1)) == (False, False)


def test_ancilla_left_excited_is_caught():
    ref = QuantumCircuit(1)
    ref.h(0)
    bad = QuantumCircuit(3)
    bad.h(1)
    bad.x(2)  # an ancilla that ends in |1>: the program is fine, the device state is not
    layout = PhysicalLayout((1,), (1,))
    assert _both(ref, bad, layout) == (False, False)


def test_ancilla_used_as_routing_space_and_returned_passes():
    """An ancilla may carry a program qubit for a while, as long as it ends in |0> again."""
    ref = QuantumCircuit(2)
    ref.h(0)
    ref.cx(0, 1)
    good = QuantumCircuit(3)  # program qubits on physical 0 and 2, ancilla 1 in between
    good.h(0)
    good.swap(0, 1)  # program qubit 0 moves onto the ancilla
    good.cx(1, 2)
    good.swap(1, 0)  # and back: the ancilla is |0> again
    assert _both(ref, good, PhysicalLayout((0, 2), (0, 2))) == (True, True)
    moved = QuantumCircuit(3)  # ends on the ancilla's position: the final layout must say so
    moved.h(0)
    moved.swap(0, 1)
    moved.cx(1, 2)
    assert _both(ref, moved, PhysicalLayout((0, 2), (1, 2))) == (True, True)
    assert _both(ref, moved, PhysicalLayout((0, 2), (0, 2))) == (False, False)


def test_qubits_outside_the_active_set_are_ignored_only_when_idle():
    ref = QuantumCircuit(1)
    ref.x(0)
    wide = QuantumCircuit(40)  # too wide to simulate whole: only the touched qubits count
    wide.x(17)
    assert bool(equivalent_under_layout(ref, wide, PhysicalLayout((17,), (17,))))
    assert not bool(equivalent_under_layout(ref, wide, PhysicalLayout((3,), (3,))))


@pytest.mark.parametrize("outcomes,shots", [(4, 20_000), (16, 20_000), (16, 4000)])
def test_tvd_threshold_false_alarm_rate(outcomes, shots):
    """Two samples of one distribution stay under the bound (the bound is conservative)."""
    rng = np.random.default_rng(outcomes * shots)
    p = rng.dirichlet(np.ones(outcomes))
    bound = tvd_threshold(outcomes, shots, 1e-6)
    worst = 0.0
    for _ in range(200):
        a = rng.multinomial(shots, p) / shots
        b = rng.multinomial(shots, p) / shots
        worst = max(worst, 0.5 * float(np.abs(a - b).sum()))
    assert worst < bound
    # and tight enough to see a real difference: move 1.5x the bound's mass between two outcomes
    q = p.copy()
    k = int(np.argmax(q))
    delta = 1.5 * bound
    assert q[k] > delta
    q[k] -= delta
    q[(k + 1) % outcomes] += delta
    a = rng.multinomial(shots, p) / shots
    b = rng.multinomial(shots, q) / shots
    assert 0.5 * float(np.abs(a - b).sum()) > bound
