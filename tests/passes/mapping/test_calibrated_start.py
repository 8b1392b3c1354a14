"""On a calibrated device the SABRE layout search makes no Qiskit start (#15,
:data:`.layout.CALIBRATED_QISKIT_START`); uncalibrated devices keep it."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Operator

import qglm_ir
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.passes.mapping import layout

from .conftest import random_module


def _count(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the Qiskit starts and the SABRE layout searches a compile makes."""
    calls = {"start": 0, "search": 0}
    real_start, real_search = layout.qiskit_sabre_start, layout.sabre_layout

    def start(*args, **kwargs):
        calls["start"] += 1
        return real_start(*args, **kwargs)

    def search(*args, **kwargs):
        calls["search"] += 1
        return real_search(*args, **kwargs)

    monkeypatch.setattr(layout, "qiskit_sabre_start", start)
    monkeypatch.setattr(layout, "sabre_layout", search)
    return calls


@pytest.mark.parametrize(("device", "starts"), [("qiskit:fake_sherbrooke", 0), ("grid:3x3", 1)])
def test_qiskit_start_only_on_uncalibrated_devices(monkeypatch: pytest.MonkeyPatch, device: str,
                                                    starts: int) -> None:
    module = random_module(8, 60, 3, ("cx",))  # dense: no swap-free placement, so SABRE searches
    calls = _count(monkeypatch)
    out = qglm_ir.compile(module, device=device, optimization_level=3, seed=1)
    assert calls["search"] == 1
    assert calls["start"] == starts
    qc_in, qc_out = to_qiskit(module), to_qiskit(out)
    assert qc_out.layout is not None
    extra = qc_out.num_qubits - qc_in.num_qubits
    if extra <= 4:  # the Operator of a 127-qubit output is out of reach; grid:3x3 checks meaning
        op_in = Operator(np.eye(2**extra)).tensor(Operator(qc_in))
        assert Operator.from_circuit(qc_out).equiv(op_in)
