"""One Qiskit SABRE run serves layout's Qiskit start and route's first Qiskit candidate (#15):
both give Qiskit the same circuit (the kernel's 2q gates, program numbering) with the same seed
and effort, so :func:`.qiskit_starts.sabre_run` makes it once per compile. The compile keeps its
meaning and gives what recomputing the run would give."""

from __future__ import annotations

import numpy as np
import pytest
import qiskit.transpiler.passes as qiskit_passes
from qiskit.quantum_info import Operator

import qglm_ir
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.passes.mapping import qiskit_route, qiskit_starts
from qglm_ir.text.printer import print_module

from .conftest import random_module


def _recorded_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Record every SabreLayout run: (the circuit's 2q gates as qubit index pairs, seed,
    layout trials, swap trials, iterations)."""
    seen: list[tuple] = []
    real = qiskit_passes.SabreLayout.run

    def run(self, dag):
        gates = tuple(tuple(dag.find_bit(q).index for q in node.qargs) for node in dag.topological_op_nodes())
        seen.append((gates, self.seed, self.layout_trials, self.swap_trials, self.max_iterations))
        return real(self, dag)

    monkeypatch.setattr(qiskit_passes.SabreLayout, "run", run)
    return seen


def test_start_and_first_candidate_are_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    module = random_module(8, 60, 3, ("cx",))
    seen = _recorded_runs(monkeypatch)
    asked: list[tuple] = []
    real = qiskit_starts.sabre_run

    def counting(gates, *args):
        asked.append(gates)
        return real(gates, *args)

    monkeypatch.setattr(qiskit_starts, "sabre_run", counting)
    monkeypatch.setattr(qiskit_route, "sabre_run", counting)
    qglm_ir.compile(module, device="grid:3x3", optimization_level=3, seed=1)
    # layout's start and route's program-numbered candidate ask for the same circuit ...
    assert len(asked) >= 2 and asked[1] == asked[0]
    # ... and Qiskit runs it once (before: twice, with 16 trials and no routing, then 20)
    assert len(seen) == len(asked) - 1
    circuits = [s[0] for s in seen]
    assert len(set(circuits)) == len(circuits)
    assert len({s[2:] for s in seen}) == 1  # one effort for every run


def test_shared_run_gives_what_recomputing_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same IR as a compile whose SABRE runs are each computed afresh (no memo), and the
    routed circuit keeps the source's meaning (Qiskit's Operator through the emitted layout)."""
    module = random_module(8, 60, 3, ("cx",))
    shared = qglm_ir.compile(module, device="grid:3x3", optimization_level=3, seed=1)
    real = qiskit_starts.memoized
    fresh_calls: list[object] = []

    def fresh(key, compute):
        if key[0] == "qiskit-sabre":
            fresh_calls.append(key)
            return compute()
        return real(key, compute)

    monkeypatch.setattr(qiskit_starts, "memoized", fresh)
    again = qglm_ir.compile(module, device="grid:3x3", optimization_level=3, seed=1)
    assert len(fresh_calls) >= 2 and len(set(fresh_calls)) < len(fresh_calls)  # a run was shared
    assert print_module(again) == print_module(shared)
    qc_in, qc_out = to_qiskit(module), to_qiskit(shared)
    assert qc_out.layout is not None
    extra = qc_out.num_qubits - qc_in.num_qubits
    op_in = Operator(np.eye(2**extra)).tensor(Operator(qc_in))
    assert Operator.from_circuit(qc_out).equiv(op_in)

