"""Random circuits built twice: as qglm IR (KernelBuilder) and as a Qiskit QuantumCircuit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from qiskit import QuantumCircuit

from qglm_ir import ModuleBuilder
from qglm_ir.core.ir import Operation
from qglm_ir.dialects.gates import GATES

GateCall = tuple[str, tuple[int, ...], tuple[float, ...]]

angles = st.floats(min_value=-2 * np.pi, max_value=2 * np.pi, allow_nan=False, allow_infinity=False)


@st.composite
def gate_calls(draw: st.DrawFn, max_qubits: int = 12, max_gates: int = 40) -> tuple[int, list[GateCall]]:
    """``(num_qubits, [(gate, qubits, params), ...])`` over every gate of the table that fits."""
    n = draw(st.integers(min_value=1, max_value=max_qubits))
    names = sorted(g for g, spec in GATES.items() if spec.num_qubits <= n)
    calls: list[GateCall] = []
    for _ in range(draw(st.integers(min_value=0, max_value=max_gates))):
        spec = GATES[draw(st.sampled_from(names))]
        qubits = draw(st.permutations(range(n)))[: spec.num_qubits]
        params = tuple(draw(angles) for _ in range(spec.num_params))
        calls.append((spec.name, tuple(qubits), params))
    return n, calls


def random_calls(n: int, num_gates: int, seed: int, max_arity: int = 3) -> list[GateCall]:
    """Seeded random gate list (for tests that do not need shrinking)."""
    rng = np.random.default_rng(seed)
    names = sorted(g for g, spec in GATES.items() if spec.num_qubits <= min(n, max_arity))
    calls: list[GateCall] = []
    for _ in range(num_gates):
        spec = GATES[names[int(rng.integers(len(names)))]]
        qubits = tuple(int(q) for q in rng.choice(n, spec.num_qubits, replace=False))
        calls.append((spec.name, qubits, tuple(float(x) for x in rng.uniform(-np.pi, np.pi, spec.num_params))))
    return calls


def brickwork_calls(n: int, layers: int, seed: int) -> list[GateCall]:
    """A shallow circuit: per layer a random rotation on every qubit, then a brick of CXs."""
    rng = np.random.default_rng(seed)
    calls: list[GateCall] = []
    for layer in range(layers):
        for q in range(n):
            calls.append((("rx", "ry", "rz")[(layer + q) % 3], (q,), (float(rng.uniform(-np.pi, np.pi)),)))
        for q in range(layer % 2, n - 1, 2):
            calls.append(("cx", (q, q + 1), ()))
    return calls


def build_kernel(n: int, calls: Sequence[GateCall], qubit_args: bool = False, name: str = "k") -> Operation:
    """A kernel applying ``calls`` (alloc'd wires unless ``qubit_args``)."""
    mb = ModuleBuilder("m")
    kb = mb.kernel(name, n, qubit_args=qubit_args)
    for g, qubits, params in calls:
        kb.gate(g, *qubits, params=list(params))
    return kb.finish()


def build_qiskit(n: int, calls: Sequence[GateCall]) -> QuantumCircuit:
    qc = QuantumCircuit(n)
    for g, qubits, params in calls:
        getattr(qc, GATES[g].qiskit_name)(*params, *qubits)
    return qc
