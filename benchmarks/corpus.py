"""An independent benchmark corpus built from ``qiskit.circuit.library`` and ``networkx``.

39 circuits from 5 to 100 qubits, none of them written by qglm:

* QFT (``qiskit.synthesis.synth_qft_full``), 8-100 qubits;
* quantum volume (``quantum_volume``, seeded), 10-32 qubits;
* ``efficient_su2`` / ``real_amplitudes`` with full, linear and circular entanglement, 10-100 qubits;
* QAOA (``qaoa_ansatz``) of MaxCut on random 3-regular graphs (``networkx``), 10-100 qubits;
* Heisenberg and transverse-field Ising Trotter chains (``PauliEvolutionGate`` + ``LieTrotter``);
* adders (``CDKMRippleCarryAdder``, ``DraperQFTAdder``), multi-controlled X (``MCXGate``);
* random circuits (``qiskit.circuit.random.random_circuit``).

Parameterized circuits are bound to seeded random angles, and every circuit is flattened by
``transpile(..., optimization_level=0)`` to a common standard gate set, so every tool starts
from the same gates (the flattening is not timed). Circuits carry no measurements: every tool
must preserve the whole state (qglm's ``readout = "state"`` contract).

Usage::

    from corpus import corpus
    for name, qc in corpus(): ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

#: The gate set every circuit is flattened to before any tool sees it.
STANDARD_GATES = ["cx", "cz", "swap", "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx",
                  "rx", "ry", "rz", "p", "u", "cp", "ccx"]


def _bind(qc, seed: int):
    rng = np.random.default_rng(seed)
    if qc.parameters:
        qc = qc.assign_parameters(rng.uniform(-np.pi, np.pi, qc.num_parameters))
    return qc


def _flat(qc, seed: int = 11):
    from qiskit import transpile

    return transpile(_bind(qc, seed), basis_gates=STANDARD_GATES, optimization_level=0)


def qft(n: int):
    from qiskit.synthesis import synth_qft_full

    return synth_qft_full(n)


def quantum_volume(n: int):
    from qiskit.circuit.library import quantum_volume as qv

    return qv(n, seed=n)


def su2(n: int, entanglement: str, reps: int = 2):
    from qiskit.circuit.library import efficient_su2

    return efficient_su2(n, reps=reps, entanglement=entanglement)


def real_amp(n: int, entanglement: str, reps: int = 2):
    from qiskit.circuit.library import real_amplitudes

    return real_amplitudes(n, reps=reps, entanglement=entanglement)


def qaoa(n: int, reps: int = 2):
    import networkx as nx
    from qiskit.circuit.library import qaoa_ansatz
    from qiskit.quantum_info import SparsePauliOp

    graph = nx.random_regular_graph(3, n, seed=n)
    terms = [("ZZ", [a, b], 1.0) for a, b in sorted(graph.edges)]
    return qaoa_ansatz(SparsePauliOp.from_sparse_list(terms, num_qubits=n), reps=reps)


def trotter(n: int, model: str, steps: int = 2):
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import PauliEvolutionGate
    from qiskit.quantum_info import SparsePauliOp
    from qiskit.synthesis import LieTrotter

    if model == "heisenberg":
        terms = [(p + p, [i, i + 1], 1.0) for i in range(n - 1) for p in "XYZ"]
    else:  # transverse-field Ising
        terms = [("ZZ", [i, i + 1], 1.0) for i in range(n - 1)] + [("X", [i], 0.7) for i in range(n)]
    op = SparsePauliOp.from_sparse_list(terms, num_qubits=n)
    qc = QuantumCircuit(n)
    qc.append(PauliEvolutionGate(op, time=0.4, synthesis=LieTrotter(reps=steps)), range(n))
    return qc


def cdkm_adder(bits: int):
    from qiskit.circuit.library import CDKMRippleCarryAdder

    return CDKMRippleCarryAdder(bits)


def draper_adder(bits: int):
    from qiskit.circuit.library import DraperQFTAdder

    return DraperQFTAdder(bits)


def mcx(controls: int):
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import MCXGate

    qc = QuantumCircuit(controls + 1)
    qc.h(range(controls + 1))
    qc.append(MCXGate(controls), range(controls + 1))
    return qc


def random(n: int, depth: int):
    from qiskit.circuit.random import random_circuit

    return random_circuit(n, depth, max_operands=2, seed=n * 1000 + depth)


#: (name, builder) in a fixed order: families grouped, sizes ascending.
CORPUS: list[tuple[str, Callable[[], object]]] = [
    *[(f"qft_{n}", lambda n=n: qft(n)) for n in (8, 12, 20, 30, 50, 100)],
    *[(f"qv_{n}", lambda n=n: quantum_volume(n)) for n in (10, 16, 20, 32)],
    ("su2_full_10", lambda: su2(10, "full")),
    ("su2_full_20", lambda: su2(20, "full")),
    ("su2_full_50", lambda: su2(50, "full", reps=1)),
    ("su2_linear_50", lambda: su2(50, "linear")),
    ("su2_linear_100", lambda: su2(100, "linear")),
    ("su2_circular_100", lambda: su2(100, "circular")),
    ("ra_full_12", lambda: real_amp(12, "full")),
    ("ra_linear_20", lambda: real_amp(20, "linear")),
    ("ra_circular_50", lambda: real_amp(50, "circular")),
    ("ra_linear_100", lambda: real_amp(100, "linear")),
    ("ra_circular_100", lambda: real_amp(100, "circular")),
    *[(f"qaoa_{n}", lambda n=n: qaoa(n)) for n in (10, 20, 50, 100)],
    ("heisenberg_10", lambda: trotter(10, "heisenberg")),
    ("heisenberg_50", lambda: trotter(50, "heisenberg")),
    ("heisenberg_100", lambda: trotter(100, "heisenberg")),
    ("ising_20", lambda: trotter(20, "ising")),
    ("ising_100", lambda: trotter(100, "ising")),
    ("adder_cdkm_4", lambda: cdkm_adder(4)),
    ("adder_cdkm_8", lambda: cdkm_adder(8)),
    ("adder_draper_8", lambda: draper_adder(8)),
    ("mcx_6", lambda: mcx(6)),
    ("mcx_10", lambda: mcx(10)),
    ("random_5_d20", lambda: random(5, 20)),
    ("random_10_d20", lambda: random(10, 20)),
    ("random_20_d20", lambda: random(20, 20)),
    ("random_50_d10", lambda: random(50, 10)),
]

#: A smaller subset for quick runs (one or two members per family, <= 20 qubits).
QUICK = ["qft_12", "qft_20", "qv_10", "su2_full_10", "ra_linear_20", "qaoa_10", "heisenberg_10",
         "ising_20", "adder_cdkm_4", "mcx_6", "random_10_d20"]


def family(name: str) -> str:
    """The circuit family of a corpus name (``su2_linear_100`` -> ``su2_linear``)."""
    head, _, tail = name.rpartition("_")
    if name.startswith("random_"):
        return "random"
    return head if tail.isdigit() else name


def corpus(names: list[str] | None = None, max_qubits: int | None = None) -> Iterator[tuple[str, object]]:
    """``(name, flattened QuantumCircuit)`` for each selected corpus member, in corpus order."""
    wanted = set(names) if names else None
    for name, build in CORPUS:
        if wanted is not None and name not in wanted:
            continue
        qc = _flat(build())
        if max_qubits is not None and qc.num_qubits > max_qubits:
            continue
        yield name, qc


if __name__ == "__main__":
    for nm, circ in corpus():
        n2 = sum(1 for i in circ.data if i.operation.num_qubits == 2)
        print(f"{nm:<20} {circ.num_qubits:>4} qubits {len(circ.data):>7} gates {n2:>6} 2q")
