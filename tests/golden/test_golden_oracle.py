"""An oracle for the golden files: does each ``.expected.qglmir`` compute what its input does?

A golden file only records what a pass did. Here both the input and the
expected output of every case are exported with the Qiskit backend and
compared by Qiskit, which qglm did not write:

* kernels without measurements: ``Operator`` equivalence up to global phase;
  a mapped output is read through its ``TranspileLayout``
  (``Operator.from_circuit``), the input widened with identity on the ancillas;
* kernels whose measurements are all final: the exact distribution of the
  classical bits, from ``Statevector`` of the circuit without its measurements.

Kernels the exporter cannot express as a plain circuit (majority votes computed
with ``arith`` ops on measured bits) and host code are outside this oracle; the
README lists how those cases were checked by hand. Symbolic angles are bound to
fixed values first.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import Measure
from qiskit.quantum_info import Operator, Statevector

from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.core.errors import BackendError
from qglm_ir.text import parse_module

from ._golden import cases

CASES = [c for c in cases() if c.expected.exists()]


def _kernels(module) -> list[str]:
    return [op.properties["sym_name"] for op in module.walk() if op.name == "q.kernel"]


def _bind(qc):
    values = {p: 0.3 + 0.41 * i for i, p in enumerate(sorted(qc.parameters, key=lambda p: p.name))}
    return qc.assign_parameters(values) if values else qc


def _bit_distribution(qc) -> dict[tuple[int, ...], float] | None:
    """Exact distribution of the clbits when every measurement is final, else None."""
    body = qc.remove_final_measurements(inplace=False)
    if any(isinstance(ci.operation, Measure) for ci in body.data):
        return None  # a mid-circuit measurement
    measured = {qc.find_bit(ci.clbits[0]).index: qc.find_bit(ci.qubits[0]).index
                for ci in qc.data if isinstance(ci.operation, Measure)}
    probs = Statevector(body).probabilities()
    out: dict[tuple[int, ...], float] = {}
    for index, p in enumerate(probs):
        if p < 1e-12:
            continue
        key = tuple((index >> measured[c]) & 1 if c in measured else 0 for c in range(qc.num_clbits))
        out[key] = out.get(key, 0.0) + float(p)
    return out


def _has_measurements(qc) -> bool:
    return any(isinstance(ci.operation, Measure) for ci in qc.data)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_expected_output_is_equivalent_to_input(case) -> None:
    before = parse_module(case.path.read_text())
    after = parse_module(case.expected.read_text())
    checked, reasons = 0, []
    for name in _kernels(before):
        if name not in _kernels(after):
            continue
        try:
            qc_in = _bind(to_qiskit(before, kernel=name))
            qc_out = _bind(to_qiskit(after, kernel=name))
        except BackendError as exc:  # a kernel call, or a vote computed on measured bits
            reasons.append(f"@{name}: {exc.message}")
            continue
        if not _has_measurements(qc_in) and not _has_measurements(qc_out):
            if qc_out.layout is not None:
                op_out = Operator.from_circuit(qc_out)
                extra = op_out.num_qubits - qc_in.num_qubits
                op_in = Operator(np.eye(2**extra)).tensor(Operator(qc_in)) if extra else Operator(qc_in)
            else:
                op_out, op_in = Operator(qc_out), Operator(qc_in)
            assert op_in.equiv(op_out), f"{case.id}: kernel {name} changed its unitary"
        else:
            d_in, d_out = _bit_distribution(qc_in), _bit_distribution(qc_out)
            if d_in is None or d_out is None:
                continue
            keys = set(d_in) | set(d_out)
            assert all(abs(d_in.get(k, 0) - d_out.get(k, 0)) < 1e-9 for k in keys), (case.id, d_in, d_out)
        checked += 1
    if checked == 0:
        pytest.skip("not a plain circuit, checked by hand (README.md): " + "; ".join(reasons))
