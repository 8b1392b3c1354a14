"""The differential corpus: seeded Qiskit circuits written as OpenQASM files for ``qglmc``.

Every case is built by Qiskit (``qiskit.circuit.random.random_circuit``,
``qiskit.circuit.library``), never by qglm, and handed to the CLI as the text
of an OpenQASM file. The oracle reads the *same text* with Qiskit's own
loader, so both sides start from one program.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LEVELS = (0, 1, 2, 3)
#: ``"line"`` is ``line:N`` with N = program width + 2 (see ``_cli.device_spec``)
DEVICES: tuple[str | None, ...] = (None, "line", "heavy-hex:3", "qiskit:fake_sherbrooke")


@dataclass(frozen=True)
class Case:
    """One input program: ``name`` is the readable test id, ``qasm`` the file text."""

    name: str
    qasm: str
    n_qubits: int
    n_clbits: int = 0


def _dump(qc, version: int = 3) -> str:
    import qiskit.qasm2
    import qiskit.qasm3

    return qiskit.qasm2.dumps(qc) if version == 2 else qiskit.qasm3.dumps(qc)


def load_reference(text: str):
    """Qiskit's own reading of an OpenQASM text (the oracle's copy of the input)."""
    import qiskit.qasm2
    import qiskit.qasm3

    if text.lstrip().startswith("OPENQASM 2"):
        return qiskit.qasm2.loads(text, custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    return qiskit.qasm3.loads(text)


# ------------------------------------------------------------ measurement-free
def issue_cases() -> list[Case]:
    """The two circuits issue 13 names explicitly."""
    head = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\n'
    return [
        Case("issue-h-cx-rz-t", head + "h q[0];\ncx q[0],q[1];\nrz(0.3) q[1];\nt q[0];\n", 2),
        Case("issue-ry-cx-ry", head + "ry(0.7) q[0];\ncx q[0],q[1];\nry(0.3) q[1];\n", 2),
    ]


def random_unitary_case(seed: int) -> Case:
    """A seeded ``random_circuit`` without measurements: 2-5 qubits, depth 2-8, gates up to 3 qubits."""
    from qiskit.circuit.random import random_circuit

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 6))
    depth = int(rng.integers(2, 9))
    qc = random_circuit(n, depth, max_operands=3, measure=False, seed=seed)
    # Alternate the two OpenQASM versions so both frontends are exercised.
    version = 2 if seed % 2 else 3
    return Case(f"rand{seed}-{n}q-d{depth}-qasm{version}", _dump(qc, version), n)


def _bind(qc, seed: int):
    rng = np.random.default_rng(seed)
    return qc.assign_parameters(rng.uniform(-math.pi, math.pi, qc.num_parameters))


def library_cases() -> list[Case]:
    """Families from ``qiskit.circuit.library`` and hand-built QAOA / GHZ, decomposed to standard gates."""
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import (
        DraperQFTAdder,
        QFTGate,
        efficient_su2,
        real_amplitudes,
    )

    cases: list[tuple[str, QuantumCircuit]] = []
    qft = QuantumCircuit(4)
    qft.append(QFTGate(4), range(4))
    cases.append(("qft4", qft.decompose(reps=3)))
    cases.append(("effsu2-4q-r2", _bind(efficient_su2(4, reps=2), 1).decompose(reps=2)))
    cases.append(("realamp-5q-r2-full", _bind(real_amplitudes(5, reps=2, entanglement="full"), 2).decompose(reps=2)))
    qaoa = QuantumCircuit(5)
    qaoa.h(range(5))
    rng = np.random.default_rng(3)
    for _ in range(2):  # two QAOA layers on a 5-ring plus a chord
        gamma, beta = rng.uniform(0, math.pi, 2)
        for a, b in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 2)]:
            qaoa.rzz(gamma, a, b)
        qaoa.rx(2 * beta, range(5))
    cases.append(("qaoa-ring5-p2", qaoa))
    ghz = QuantumCircuit(5)
    ghz.h(0)
    for i in range(4):
        ghz.cx(i, i + 1)
    cases.append(("ghz5", ghz))
    adder = DraperQFTAdder(2, kind="half")
    cases.append(("draper-adder-2", adder.decompose(reps=4)))
    return [Case(name, _dump(qc, 3), qc.num_qubits) for name, qc in cases]


# ------------------------------------------------------------------- dynamic
def random_dynamic_case(seed: int, conditional: bool) -> Case:
    """``random_circuit(..., measure=True, reset=True, conditional=...)``: final measurements, resets,
    and (``conditional``) ``if (c == k)`` register conditions."""
    from qiskit.circuit.random import random_circuit

    rng = np.random.default_rng(10_000 + seed)
    n = int(rng.integers(2, 5))
    depth = int(rng.integers(2, 7))
    qc = random_circuit(n, depth, max_operands=2, measure=True, conditional=conditional, reset=True, seed=seed)
    tag = "regcond" if conditional else "meas-reset"
    return Case(f"dyn-{tag}{seed}-{n}q-d{depth}", _dump(qc, 3), n, qc.num_clbits)


def feedforward_case(seed: int) -> Case:
    """Mid-circuit measurements, resets and single-bit ``if`` feed-forward around seeded random layers.

    ``random_circuit``'s own conditionals test a whole register (``c == k``);
    this family uses the one-bit conditions every backend can express.
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit.random import random_circuit

    rng = np.random.default_rng(20_000 + seed)
    n = int(rng.integers(2, 5))
    qc = QuantumCircuit(n, n)
    for layer in range(3):
        qc.compose(random_circuit(n, 2, max_operands=2, seed=seed * 10 + layer), inplace=True)
        q = int(rng.integers(n))
        c = int(rng.integers(n))
        qc.measure(q, c)
        if rng.random() < 0.5:
            qc.reset(q)
        target = int(rng.integers(n))
        value = int(rng.integers(2))
        with qc.if_test((qc.clbits[c], value)):
            kind = rng.integers(3)
            if kind == 0:
                qc.x(target)
            elif kind == 1:
                qc.ry(float(rng.uniform(0, math.pi)), target)
            else:
                qc.h(target)
    qc.measure(range(n), range(n))
    return Case(f"dyn-feedforward{seed}-{n}q", _dump(qc, 3), n, n)
