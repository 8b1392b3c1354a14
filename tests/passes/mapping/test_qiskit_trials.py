"""qiskit_starts.qiskit_trials: Qiskit's SABRE runs qglm makes (the layout start, route's
candidates) get their default trials on kernels up to LARGE_2Q routed 2q gates and
LARGE_TRIALS past it; the compile still maps and keeps its meaning."""

from __future__ import annotations

import numpy as np
import pytest
import qiskit.transpiler.passes as qiskit_passes
from qiskit.quantum_info import Operator

import qglm_ir
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.passes.mapping import qiskit_starts
from qglm_ir.passes.mapping.qiskit_starts import LARGE_2Q, LARGE_TRIALS, qiskit_trials

from .conftest import random_module


def test_trials_by_size() -> None:
    assert qiskit_trials(LARGE_2Q, 20) == 20
    assert qiskit_trials(LARGE_2Q + 1, 20) == LARGE_TRIALS
    assert qiskit_trials(LARGE_2Q + 1, 1) == 1  # never more than asked for


def _recorded_trials(monkeypatch: pytest.MonkeyPatch, module) -> tuple[list[tuple[int, int, bool]], object]:
    """Compile ``module`` to grid:3x3 at -O3, recording every SabreLayout construction's
    (layout_trials, swap_trials, skip_routing)."""
    seen: list[tuple[int, int, bool]] = []
    real = qiskit_passes.SabreLayout

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            seen.append((kwargs.get("layout_trials"), kwargs.get("swap_trials"), kwargs.get("skip_routing", False)))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(qiskit_passes, "SabreLayout", Recording)
    out = qglm_ir.compile(module, device="grid:3x3", optimization_level=3, seed=1)
    return seen, out


def test_small_kernel_keeps_the_default_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    seen, _ = _recorded_trials(monkeypatch, random_module(8, 60, 3, ("cx",)))
    assert seen, "a kernel needing swaps asks Qiskit for candidates"
    assert {t for t, _, skip in seen if skip} <= {16}  # the layout start
    assert {t for t, _, skip in seen if not skip} <= {20}  # route's joint runs
    assert all(t == s for t, s, _ in seen)


def test_large_kernel_gets_few_trials_and_keeps_its_meaning(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same path as a kernel past LARGE_2Q, on a kernel small enough to check with Operator.
    monkeypatch.setattr(qiskit_starts, "LARGE_2Q", 10)
    module = random_module(8, 60, 3, ("cx",))
    seen, out = _recorded_trials(monkeypatch, module)
    assert seen
    assert all(t == s == LARGE_TRIALS for t, s, _ in seen)
    # Independent oracle: Qiskit's Operator of the emitted circuit, through its TranspileLayout,
    # equals the source's (widened by the device's spare qubit).
    qc_in, qc_out = to_qiskit(module), to_qiskit(out)
    assert qc_out.layout is not None
    extra = qc_out.num_qubits - qc_in.num_qubits
    op_in = Operator(np.eye(2**extra)).tensor(Operator(qc_in))
    assert Operator.from_circuit(qc_out).equiv(op_in)
