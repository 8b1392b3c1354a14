"""``qglm_ir.transpile`` and ``compile(device=<Qiskit/Cirq object>)`` checked by Qiskit's ``Operator``.

The oracle (:mod:`._layout_oracle`) restricts the 127-qubit output to its
active qubits with ancillas in |0> and uses ``circuit.layout``'s initial and
final index layouts, so a wrong ``TranspileLayout`` fails as surely as a wrong
gate.
"""

from __future__ import annotations

import pytest

pytest.importorskip("qiskit_ibm_runtime")

from qiskit import QuantumCircuit  # noqa: E402
from qiskit.circuit import Parameter  # noqa: E402
from qiskit.circuit.random import random_circuit  # noqa: E402
from qiskit.transpiler import CouplingMap, TranspileLayout  # noqa: E402
from qiskit_ibm_runtime.fake_provider import FakeSherbrooke  # noqa: E402

import qglm_ir  # noqa: E402
from qglm_ir.core.errors import DeviceError  # noqa: E402

from ._layout_oracle import equivalent_up_to_final_diagonal, layout_equivalent  # noqa: E402

N_CIRCUITS = 20


def _circuit(i: int) -> QuantumCircuit:
    return random_circuit(3 + i % 4, 4 + i % 3, max_operands=3, measure=False, seed=100 + i)


@pytest.fixture(scope="module")
def backend() -> FakeSherbrooke:
    return FakeSherbrooke()


def _check(src: QuantumCircuit, out: QuantumCircuit, level: int) -> None:
    assert isinstance(out.layout, TranspileLayout)
    if layout_equivalent(src, out):
        return
    if level >= 2 and equivalent_up_to_final_diagonal(src, out):
        # Known bug owned by the lead (issue 13): remove-dead drops trailing diagonal gates
        # of measurement-free kernels at -O2/-O3. The check above still fails any other error.
        pytest.xfail("remove-dead dropped a trailing diagonal (issue 13)")
    raise AssertionError("transpiled circuit is not equivalent to its input (with its layout)")


@pytest.mark.parametrize("kind", ["backend", "target", "coupling_map"])
@pytest.mark.parametrize("i", range(N_CIRCUITS))
def test_transpile_equivalent_on_sherbrooke(backend, kind: str, i: int) -> None:
    src = _circuit(i)
    before = src.copy()
    kwargs = {
        "backend": {"backend": backend},
        "target": {"target": backend.target},
        "coupling_map": {"coupling_map": backend.coupling_map, "basis_gates": list(backend.operation_names)},
    }[kind]
    out = qglm_ir.transpile(src, seed_transpiler=i, **kwargs)
    assert src == before  # never mutates the input
    assert out.num_qubits == 127
    assert set(out.count_ops()) <= {"ecr", "rz", "sx", "x", "id"}
    _check(src, out, 2)


@pytest.mark.parametrize("i", range(N_CIRCUITS))
def test_transpile_level1_exact(backend, i: int) -> None:
    # -O1 runs no remove-dead, so equivalence is exact even before the issue-13 fix.
    src = _circuit(i)
    out = qglm_ir.transpile(src, backend=backend, optimization_level=1, seed_transpiler=i)
    assert layout_equivalent(src, out)


def test_transpile_list_keeps_names_and_parameters() -> None:
    theta = Parameter("theta")
    a = QuantumCircuit(3, name="alpha")
    a.h(0)
    a.cx(0, 2)
    a.rz(theta, 2)
    a.cx(1, 2)
    b = QuantumCircuit(2, name="beta")
    b.cx(1, 0)
    outs = qglm_ir.transpile([a, b], coupling_map=CouplingMap.from_line(4), basis_gates=["cx", "u3"],
                             optimization_level=1)
    assert isinstance(outs, list) and [o.name for o in outs] == ["alpha", "beta"]
    assert set(outs[0].count_ops()) <= {"cx", "u"}
    assert theta in outs[0].parameters  # the caller's own Parameter object
    bound_src = a.assign_parameters({theta: 0.7})
    bound_out = outs[0].assign_parameters({theta: 0.7})
    assert layout_equivalent(bound_src, bound_out)
    assert layout_equivalent(b, outs[1])


def test_transpile_coupling_map_list_and_basis_only() -> None:
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 2)
    qc.cx(2, 1)
    out = qglm_ir.transpile(qc, coupling_map=[[0, 1], [1, 2]], optimization_level=1)
    assert out.num_qubits == 3 and layout_equivalent(qc, out)
    plain = qglm_ir.transpile(qc, basis_gates=["cz", "rx", "rz"], optimization_level=1)
    assert set(plain.count_ops()) <= {"cz", "rx", "rz"}
    from qiskit.quantum_info import Operator

    assert Operator(plain).equiv(Operator(qc))


def test_transpile_rejects_bad_arguments() -> None:
    qc = QuantumCircuit(1)
    with pytest.raises(DeviceError, match="unknown gate"):
        qglm_ir.transpile(qc, basis_gates=["cx", "frobnicate"])
    with pytest.raises(DeviceError, match="optimization_level"):
        qglm_ir.transpile(qc, optimization_level=7)
    with pytest.raises(DeviceError, match="cannot use a"):
        qglm_ir.compile(qc, device=3.5)


def test_compile_accepts_backend_target_and_cirq_device(backend) -> None:
    import cirq

    from qglm_ir.backends.qiskit import to_qiskit

    src = _circuit(3)
    for dev in (backend, backend.target):
        out = to_qiskit(qglm_ir.compile(src, device=dev, optimization_level=1, seed=3))
        assert out.num_qubits == 127 and layout_equivalent(src, out)
    grid = cirq.testing.construct_grid_device(3, 3)
    out = to_qiskit(qglm_ir.compile(src, device=grid, optimization_level=1, seed=3))
    assert out.num_qubits == 9 and layout_equivalent(src, out)
    assert set(out.count_ops()) <= {"cz", "rz", "rx", "ry"}


def test_transpile_keeps_classical_registers_and_counts() -> None:
    from qiskit import ClassicalRegister, QuantumRegister
    from qiskit_aer import AerSimulator

    q, a, b = QuantumRegister(3, "q"), ClassicalRegister(2, "a"), ClassicalRegister(1, "b")
    qc = QuantumCircuit(q, a, b)
    qc.h(0)
    qc.measure(0, a[0])
    with qc.if_test((a[0], 1)):
        qc.x(2)
    qc.cx(0, 1)
    qc.measure(1, a[1])
    qc.measure(2, b[0])
    out = qglm_ir.transpile(qc, coupling_map=CouplingMap.from_line(4), basis_gates=["cx", "rz", "sx", "x"])
    assert [(r.name, r.size) for r in out.cregs] == [("a", 2), ("b", 1)]
    got = AerSimulator(seed_simulator=3).run(out, shots=400).result().get_counts()
    assert set(got) == {"1 11", "0 00"}  # the caller's register layout in the keys
