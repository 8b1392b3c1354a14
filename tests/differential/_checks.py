"""Per-target checks of one ``--target all`` output against oracles qglm did not write.

Each ``check_*`` returns a :class:`~._oracles.Verdict`; the ``reason`` starts
with a short failure class (``not-equivalent``, ``not-emitted``, ``load-error``,
``schema``, ``check-rejects``, ``distribution``, ``width``...) that the campaign
script counts.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from ._cli import CFG_SCHEMA, Compiled, qglmc
from ._oracles import (
    PhysicalLayout,
    Verdict,
    aer_distribution,
    cirq_equivalent_under_layout,
    clbit_keys,
    equivalent_under_layout,
    tvd,
    tvd_threshold,
)

UNITARY_TARGETS = ("qiskit", "qasm3", "cirq", "cfg")  # OpenQASM 2 is not part of --target all
#: false-alarm rate of every sampled comparison, and the shots per sample
ALPHA = 1e-6
SHOTS = 20_000
#: dynamic circuits are sampled shot by shot by Aer: fewer shots, a wider (still stated) bound
DYNAMIC_SHOTS = 8_000


def _fail(kind: str, detail: str) -> Verdict:
    return Verdict(False, f"{kind}: {detail}", float("inf"))


def _not_emitted(c: Compiled, target: str) -> Verdict:
    return _fail("not-emitted", c.skipped_reason(target) or f"{c.path(target).name} missing")


def load_qpy(path: Path):
    import qiskit.qpy

    with open(path, "rb") as f:
        return qiskit.qpy.load(f)[0]


def emitted_layout(c: Compiled, n: int) -> PhysicalLayout:
    """The layout a user reads from the artifacts: the QPY ``TranspileLayout``, else the IR properties."""
    if c.has("qiskit"):
        return PhysicalLayout.of(load_qpy(c.path("qiskit")), n)
    ir = c.ir_layout()
    if ir is None:
        return PhysicalLayout.identity(n)
    return PhysicalLayout(tuple(ir[0]), tuple(ir[1]))


def _guard(fn):
    """Turn a crash while *loading or simulating an artifact* into a ``load-error`` verdict."""

    def wrapped(*a, **k) -> Verdict:
        try:
            return fn(*a, **k)
        except Exception as exc:  # noqa: BLE001 - every artifact failure is a finding, not a test crash
            return _fail("load-error", f"{type(exc).__name__}: {str(exc)[:300]}")

    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


# ------------------------------------------------------------- unitary checks
@_guard
def check_qiskit_unitary(reference, c: Compiled) -> Verdict:
    """QPY loaded with ``qiskit.qpy.load``; equivalence under its own ``TranspileLayout``."""
    if not c.has("qiskit"):
        return _not_emitted(c, "qiskit")
    qc = load_qpy(c.path("qiskit"))
    v = equivalent_under_layout(reference, qc)
    return v if v else _fail("not-equivalent", v.reason)


@_guard
def check_qasm_unitary(reference, c: Compiled, target: str) -> Verdict:
    """OpenQASM 3/2 loaded with Qiskit's loader; layout taken from the same compile's QPY."""
    from ._corpus import load_reference

    if not c.has(target):
        return _not_emitted(c, target)
    qc = load_reference(c.path(target).read_text())
    v = equivalent_under_layout(reference, qc, emitted_layout(c, reference.num_qubits))
    return v if v else _fail("not-equivalent", v.reason)


@_guard
def check_cirq_unitary(reference, c: Compiled) -> Verdict:
    """Cirq JSON loaded with ``cirq.read_json``; simulated with ``cirq.Simulator`` in layout order."""
    import cirq

    if not c.has("cirq"):
        return _not_emitted(c, "cirq")
    circuit = cirq.read_json(json_text=c.path("cirq").read_text())
    v = cirq_equivalent_under_layout(reference, circuit, emitted_layout(c, reference.num_qubits))
    return v if v else _fail("not-equivalent", v.reason)


@cache
def _schema() -> dict:
    return json.loads(CFG_SCHEMA.read_text())


@_guard
def check_cfg(c: Compiled, baseline: Compiled | None = None) -> Verdict:
    """The CFG JSON validates against ``cfg_schema.json``, ``qglmc check`` accepts the ``.qglmir``,
    and the host program's output types equal those of ``baseline`` (the same input at -O0, no device)."""
    import jsonschema

    if not c.has("cfg"):
        return _not_emitted(c, "cfg")
    cfg = json.loads(c.path("cfg").read_text())
    try:
        jsonschema.validate(cfg, _schema())
    except jsonschema.ValidationError as exc:
        return _fail("schema", exc.message[:300])
    chk = qglmc(["check", str(c.path("ir"))])
    if chk.rc != 0:
        return _fail("check-rejects", chk.stderr.strip().splitlines()[0][:300] if chk.stderr.strip() else f"rc={chk.rc}")
    if baseline is not None and baseline.has("cfg"):
        want = json.loads(baseline.path("cfg").read_text())["outputs"]
        if cfg["outputs"] != want:
            return _fail("width", f"host outputs {cfg['outputs']} != uncompiled program's {want}")
    return Verdict(True)


def check_unitary_all(reference, c: Compiled, baseline: Compiled | None) -> dict[str, Verdict]:
    """Every target of a measurement-free compile."""
    return {
        "qiskit": check_qiskit_unitary(reference, c),
        "qasm3": check_qasm_unitary(reference, c, "qasm3"),
        "cirq": check_cirq_unitary(reference, c),
        "cfg": check_cfg(c, baseline),
    }


@_guard
def check_engine_counts(reference, c: Compiled, seed: int = 0) -> Verdict:
    """``qglmc run OUT.qglmir -O0 --shots N`` (the compiled program as a user runs it) vs Qiskit
    ``Statevector(input).probabilities()``: width, then one-sample TV distance within the bound."""
    import numpy as np
    from qiskit.quantum_info import Statevector

    r = qglmc(["run", str(c.path("ir")), "-O0", "--shots", str(SHOTS), "--seed", str(seed)])
    if r.rc != 0:
        return _fail("run-error", (r.stderr.strip().splitlines() or [f"rc={r.rc}"])[-1][:300])
    counts = np.asarray(json.loads(r.stdout)["out0"], dtype=float)
    want = Statevector(reference).probabilities()
    if counts.shape != want.shape:
        return _fail("width", f"run returned {counts.size} outcomes, the program has {want.size}")
    got = counts / counts.sum()
    d = 0.5 * float(np.abs(got - want).sum())
    # one sample against an exact distribution: half of the two-sample bound
    bound = tvd_threshold(want.size, SHOTS, ALPHA) / 2
    if d > bound:
        return _fail("distribution", f"TV {d:.4f} > {bound:.4f}")
    return Verdict(True, "", d)


# ------------------------------------------------------------- dynamic checks
@_guard
def check_distribution(reference, emitted, seed: int) -> Verdict:
    """Aer samples of input and emitted circuit (``SHOTS`` each, different seeds), marginalised on the
    input's clbits in program order: two-sample TV distance below :func:`tvd_threshold` at ``ALPHA``."""
    order = clbit_keys(reference)
    want = aer_distribution(reference, order, DYNAMIC_SHOTS, seed)
    got = aer_distribution(emitted, order, DYNAMIC_SHOTS, seed + 1)
    d = tvd(want, got)
    bound = tvd_threshold(2 ** len(order), DYNAMIC_SHOTS, ALPHA)
    if d > bound:
        return _fail("distribution", f"TV {d:.4f} > {bound:.4f}")
    return Verdict(True, "", d)


@_guard
def check_dynamic_qiskit(reference, c: Compiled, seed: int) -> Verdict:
    if not c.has("qiskit"):
        return _not_emitted(c, "qiskit")
    return check_distribution(reference, load_qpy(c.path("qiskit")), seed)


@_guard
def check_dynamic_qasm3(reference, c: Compiled, seed: int) -> Verdict:
    from ._corpus import load_reference

    if not c.has("qasm3"):
        return _not_emitted(c, "qasm3")
    return check_distribution(reference, load_reference(c.path("qasm3").read_text()), seed)


@_guard
def check_dynamic_cirq(reference, c: Compiled, seed: int) -> Verdict:
    """Cirq JSON sampled by Cirq: ``cirq.defer_measurements`` turns mid-circuit measurements and
    classically controlled gates into coherent ones (Cirq's own transformer), so
    ``cirq.DensityMatrixSimulator`` samples all shots from one final state (resets stay channels).
    Keys ``<reg>_<i>`` name the clbits; the last record of a repeated key is the clbit's final value."""
    import cirq
    import numpy as np

    if not c.has("cirq"):
        return _not_emitted(c, "cirq")
    circuit = cirq.defer_measurements(cirq.read_json(json_text=c.path("cirq").read_text()))
    order = clbit_keys(reference)
    want = aer_distribution(reference, order, DYNAMIC_SHOTS, seed)
    # split_untangled_states=False: Cirq's product-state splitting fails on some deferred circuits
    sim = cirq.DensityMatrixSimulator(seed=seed + 2, split_untangled_states=False)
    result = sim.run(circuit, repetitions=DYNAMIC_SHOTS)
    records = result.records
    cols = []
    for reg, idx in order:
        key = f"{reg}_{idx}"
        if key not in records:
            return _fail("load-error", f"Cirq circuit has no measurement key {key!r} (keys {sorted(records)})")
        cols.append(np.asarray(records[key])[:, -1, 0])
    got: dict[str, float] = {}
    for row in zip(*cols):
        k = "".join(str(int(b)) for b in row)
        got[k] = got.get(k, 0.0) + 1 / DYNAMIC_SHOTS
    d = tvd(want, got)
    bound = tvd_threshold(2 ** len(order), DYNAMIC_SHOTS, ALPHA)
    if d > bound:
        return _fail("distribution", f"TV {d:.4f} > {bound:.4f}")
    return Verdict(True, "", d)


def check_dynamic_all(reference, c: Compiled, baseline: Compiled | None, seed: int) -> dict[str, Verdict]:
    return {
        "qiskit": check_dynamic_qiskit(reference, c, seed),
        "qasm3": check_dynamic_qasm3(reference, c, seed),
        "cirq": check_dynamic_cirq(reference, c, seed),
        "cfg": check_cfg(c, baseline),
    }


def summary(verdicts: dict[str, Verdict]) -> str:
    return "; ".join(f"{t}: {v.reason}" for t, v in verdicts.items() if not v)
