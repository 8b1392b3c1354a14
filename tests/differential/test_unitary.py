"""Measurement-free circuits keep their unitary through ``qglmc compile --target all``.

Oracle: Qiskit's ``Operator`` of the input (read from the very OpenQASM text
given to the CLI by Qiskit's loader) against the emitted circuit under its
emitted layout, on the subspace where ancillas start and end in |0>
(:func:`._oracles.equivalent_under_layout`), for the QPY (``qiskit.qpy.load``),
OpenQASM 3 and 2 (Qiskit's loaders) and Cirq JSON (``cirq.read_json`` and
``cirq.Simulator``). The CFG must validate against its schema, ``qglmc check``
must accept the emitted ``.qglmir``, and the host program must keep the output
types of the uncompiled program; every ``engine_every``-th compile also runs the
emitted ``.qglmir`` with ``qglmc run`` and compares the sampled counts with
``Statevector(input).probabilities()``.

Test ids: ``<circuit>-O<level>-<device>``; the failure message names every
failing target, its failure class, and the command that reproduces it.
"""

from __future__ import annotations

import pytest

from ._checks import check_engine_counts, check_unitary_all, summary
from ._cli import compile_all, device_label, device_spec
from ._corpus import DEVICES, LEVELS, Case, issue_cases, library_cases, load_reference, random_unitary_case
from ._profile import PROFILE, random_unitary_plan


def _run(case: Case, level: int, device: str | None, tmp_path, engine: bool) -> None:
    src = tmp_path / "prog.qasm"
    src.write_text(case.qasm)
    reference = load_reference(case.qasm)
    baseline = compile_all(src, tmp_path / "baseline", 0)
    assert baseline.result.rc == 0, baseline.result.stderr
    c = compile_all(src, tmp_path / "out", level, device_spec(device, case.n_qubits))
    assert c.result.rc == 0, f"{c.command()} exited {c.result.rc}: {c.result.stderr}"
    verdicts = check_unitary_all(reference, c, baseline)
    if engine:
        verdicts["run"] = check_engine_counts(reference, c)
    bad = summary(verdicts)
    assert not bad, f"{bad}\n  reproduce: {c.command()}\n  input:\n{case.qasm}"


def _combos():
    return [(lvl, dev) for dev in DEVICES for lvl in LEVELS]


@pytest.mark.parametrize(
    "case,level,device",
    [pytest.param(c, lvl, dev, id=f"{c.name}-O{lvl}-{device_label(dev)}") for c in issue_cases() for lvl, dev in _combos()],
)
def test_issue_circuit_unitary(case, level, device, tmp_path):
    """The two circuits issue 13 quotes keep their unitary at every level and device."""
    _run(case, level, device, tmp_path, engine=True)


@pytest.mark.parametrize(
    "case,level,device",
    [
        pytest.param(c, lvl, dev, id=f"{c.name}-O{lvl}-{device_label(dev)}")
        for c in library_cases()
        for lvl, dev in _combos()
        if lvl in PROFILE.library_levels
    ],
)
def test_library_circuit_unitary(case, level, device, tmp_path):
    """QFT, EfficientSU2, RealAmplitudes, QAOA, GHZ and a Draper adder keep their unitary."""
    _run(case, level, device, tmp_path, engine=(level == 3))


@pytest.mark.parametrize(
    "seed,level,device",
    [pytest.param(s, lvl, dev, id=f"rand{s}-O{lvl}-{device_label(dev)}") for s, lvl, dev in random_unitary_plan()],
)
def test_random_circuit_unitary(seed, level, device, tmp_path):
    """Seeded ``random_circuit`` (no measurements) keeps its unitary; the profile covers all 16 pairs."""
    _run(random_unitary_case(seed), level, device, tmp_path, engine=(seed % PROFILE.engine_every == 0))
