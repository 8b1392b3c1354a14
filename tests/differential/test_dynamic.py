"""Dynamic circuits (measurements, resets, feed-forward) keep their outcome distribution.

Oracle: Aer samples of the input circuit (read from the OpenQASM text by
Qiskit) and of the emitted circuit (QPY via ``qiskit.qpy.load``; OpenQASM 3 via
``qiskit.qasm3.loads``) or Cirq's simulator (Cirq JSON), marginalised onto the
input's classical bits in program order. Statistical threshold: the two-sample
total-variation bound of :func:`._oracles.tvd_threshold` at false-alarm rate
``ALPHA = 1e-6`` per comparison (``DYNAMIC_SHOTS`` = 8000 samples each, over ``2^clbits``
outcomes); seeds are fixed, so every run gives the same verdict.

Register conditions (``if (c == 5)``, as ``random_circuit(conditional=True)``
writes them) cannot be exported by any qglm backend today (see FINDINGS.md,
"register conditions"): those cases check the CFG and then skip with that reason.
"""

from __future__ import annotations

import pytest

from ._checks import check_dynamic_all, summary
from ._cli import compile_all, device_label, device_spec
from ._corpus import feedforward_case, load_reference, random_dynamic_case
from ._profile import PROFILE, dynamic_pairs

pytest.importorskip("qiskit_aer", reason="the Aer oracle needs the aer extra (make test installs it)")

REGISTER_CONDITION = "a circuit condition must be a measured bit, its negation or a constant"


def _plan():
    cases = [random_dynamic_case(s, conditional=False) for s in range(PROFILE.dynamic_meas_reset)]
    cases += [feedforward_case(s) for s in range(PROFILE.dynamic_feedforward)]
    cases += [random_dynamic_case(s, conditional=True) for s in range(PROFILE.dynamic_regcond)]
    out = []
    for i, case in enumerate(cases):
        for lvl, dev in dynamic_pairs(i):
            out.append(pytest.param(case, lvl, dev, id=f"{case.name}-O{lvl}-{device_label(dev)}"))
    return out


@pytest.mark.parametrize("case,level,device", _plan())
def test_dynamic_distribution(case, level, device, tmp_path):
    src = tmp_path / "prog.qasm"
    src.write_text(case.qasm)
    reference = load_reference(case.qasm)
    baseline = compile_all(src, tmp_path / "baseline", 0)
    assert baseline.result.rc == 0, baseline.result.stderr
    c = compile_all(src, tmp_path / "out", level, device_spec(device, case.n_qubits))
    assert c.result.rc == 0, f"{c.command()} exited {c.result.rc}: {c.result.stderr}"
    verdicts = check_dynamic_all(reference, c, baseline, seed=level * 7 + len(case.name))
    skipped = c.skipped_reason("qiskit") or ""
    if REGISTER_CONDITION in skipped:
        assert verdicts["cfg"], verdicts["cfg"].reason
        pytest.skip(f"backends cannot export a register condition (FINDINGS.md F-regcond): {skipped}")
    bad = summary(verdicts)
    assert not bad, f"{bad}\n  reproduce: {c.command()}\n  input:\n{case.qasm}"
