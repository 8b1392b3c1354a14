"""effort.qiskit_effort: Qiskit's SABRE runs qglm makes (the layout start, route's
candidates) get their default trials and iterations on kernels up to LARGE_2Q routed 2q gates
and LARGE_TRIALS of auto_iterations past it; the compile still maps and keeps its meaning."""

from __future__ import annotations

import numpy as np
import pytest
import qiskit.transpiler.passes as qiskit_passes
from qiskit.quantum_info import Operator

import qglm_ir
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.passes.mapping import effort
from qglm_ir.passes.mapping.effort import (
    LARGE_2Q,
    LARGE_TRIALS,
    QISKIT_TRIALS,
    auto_iterations,
    qiskit_effort,
)

from .conftest import random_module


def test_effort_by_size() -> None:
    assert qiskit_effort(LARGE_2Q, 20) == (20, 4)
    assert qiskit_effort(LARGE_2Q + 1, 20) == (LARGE_TRIALS, 2)
    assert qiskit_effort(10_000, 20) == (LARGE_TRIALS, 1)
    assert qiskit_effort(LARGE_2Q + 1, 1) == (1, 2)  # never more trials than asked for
    assert [auto_iterations(n) for n in (2_000, 2_001, 5_000, 5_001)] == [4, 2, 2, 1]


def _recorded_trials(monkeypatch: pytest.MonkeyPatch, module) -> tuple[list[tuple[int, int, bool, int]], object]:
    """Compile ``module`` to grid:3x3 at -O3, recording every SabreLayout construction's
    (layout_trials, swap_trials, skip_routing, max_iterations)."""
    seen: list[tuple[int, int, bool, int]] = []
    real = qiskit_passes.SabreLayout

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            seen.append((kwargs.get("layout_trials"), kwargs.get("swap_trials"), kwargs.get("skip_routing", False),
                         kwargs.get("max_iterations")))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(qiskit_passes, "SabreLayout", Recording)
    out = qglm_ir.compile(module, device="grid:3x3", optimization_level=3, seed=1)
    return seen, out


def test_small_kernel_keeps_the_default_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    seen, _ = _recorded_trials(monkeypatch, random_module(8, 60, 3, ("cx",)))
    assert seen, "a kernel needing swaps asks Qiskit for candidates"
    # the layout start and route's joint runs: one effort (one run serves the start and a candidate)
    assert all(t == s == QISKIT_TRIALS and it == 4 and not skip for t, s, skip, it in seen)


def test_large_kernel_gets_few_trials_and_keeps_its_meaning(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same path as a kernel past LARGE_2Q, on a kernel small enough to check with Operator.
    monkeypatch.setattr(effort, "LARGE_2Q", 10)
    module = random_module(8, 60, 3, ("cx",))
    seen, out = _recorded_trials(monkeypatch, module)
    assert seen
    assert all(t == s == LARGE_TRIALS and it == 4 for t, s, _, it in seen)  # 60 gates: 4 iterations
    # Independent oracle: Qiskit's Operator of the emitted circuit, through its TranspileLayout,
    # equals the source's (widened by the device's spare qubit).
    qc_in, qc_out = to_qiskit(module), to_qiskit(out)
    assert qc_out.layout is not None
    extra = qc_out.num_qubits - qc_in.num_qubits
    op_in = Operator(np.eye(2**extra)).tensor(Operator(qc_in))
    assert Operator.from_circuit(qc_out).equiv(op_in)


def test_large_kernel_runs_one_qiskit_seed_per_numbering(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past select.SCORE_MAX_2Q routed 2q ops, automatic seeds on an uncalibrated device mean
    route.QISKIT_SEEDS_LARGE = 2: one seed (the compile's) in each wire numbering, never a
    second seed; the compiled circuit keeps its meaning (Qiskit's Operator through the layout)."""
    from qglm_ir.passes.mapping.route import QISKIT_SEEDS_LARGE

    assert QISKIT_SEEDS_LARGE == 2
    seeds: list[int] = []
    real_run = qiskit_passes.SabreLayout.run

    def run(self, dag):
        seeds.append(self.seed)
        return real_run(self, dag)

    monkeypatch.setattr(qiskit_passes.SabreLayout, "run", run)
    module = random_module(8, 450, 5, ("cx",))  # about 450 routed 2q ops on grid:3x3: a large kernel
    out = qglm_ir.compile(module, device="grid:3x3", optimization_level=3, seed=1)
    assert seeds and set(seeds) == {1}
    qc_in, qc_out = to_qiskit(module), to_qiskit(out)
    extra = qc_out.num_qubits - qc_in.num_qubits
    assert Operator.from_circuit(qc_out).equiv(Operator(np.eye(2**extra)).tensor(Operator(qc_in)))
