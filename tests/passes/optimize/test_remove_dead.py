from __future__ import annotations

from qglm_ir.passes.optimize.remove_dead import RemoveDead

from ._circuits import kernel
from ._oracle import equivalent
from ._support import names, run


def _dead(k):
    before = k.parent_op.clone().lookup("k")
    res = run(RemoveDead(), k.parent_op)
    assert equivalent(before, k, observable=True)
    return res, before


def test_gates_before_reset_and_release_go():
    def body(kb):
        kb.gate("h", 0)
        kb.gate("t", 0)
        kb.reset(0)
        kb.gate("cx", 0, 1)
        kb.gate("h", 1)  # wire 1 is released unmeasured at the end
        kb.gate("x", 0)
        return [kb.measure(0)]
    k = kernel(2, body, qubit_args=False)
    _, before = _dead(k)
    # h, t before the reset go; the tail on wire 1 (h, then cx whose wire 0 is
    # measured) goes only where every wire ends in a sink: h(1) goes, cx stays
    assert names(k) == ["cx", "x"]
    # the full unitary did change, only observables are kept
    from ._oracle import equivalent as eq
    assert not eq(before, k, observable=False)


def test_diagonal_gates_before_measurement_go():
    def body(kb):
        kb.gate("h", 0)
        kb.gate("h", 1)
        kb.gate("cz", 0, 1)
        kb.gate("rz", 0, params=[0.4])
        kb.gate("t", 1)
        return [kb.measure(0), kb.measure(1)]
    k = kernel(2, body)
    _dead(k)
    assert names(k) == ["h", "h"]


def test_returned_qubits_are_observable():
    def body(kb):
        kb.gate("h", 0)
        kb.gate("rz", 0, params=[0.4])
    k = kernel(1, body)  # qubit_args: the qubit is returned
    res, _ = _dead(k)
    assert names(k) == ["h", "rz"] and not res.changed


def test_unread_measurement_before_release_goes():
    def body(kb):
        kb.gate("h", 0)
        kb.measure(0)
        kb.gate("h", 1)
        return [kb.measure(1)]
    k = kernel(2, body, qubit_args=False)
    res, _ = _dead(k)
    assert res.stats["measurements_removed"] == 1
    assert names(k) == ["h"]


def test_region_yield_is_observable():
    def body(kb):
        with kb.for_(0, 2):
            kb.gate("h", 0)
        return [kb.measure(0)]
    k = kernel(1, body, qubit_args=False)
    _dead(k)
    assert names(k) == ["h"]


def _trailing_diagonals(kb):
    kb.gate("h", 0)
    kb.gate("cx", 0, 1)
    kb.gate("ry", 1, params=[0.4])
    kb.gate("t", 0)  # diagonal, right before the release
    kb.gate("rz", 1, params=[0.3])
    return []


def test_a_measurement_free_kernel_keeps_its_unitary() -> None:
    """Readout contract "state" (the default without returned bits): the caller sees the
    whole final state, so a trailing diagonal gate is not dead (issue: `h; cx; rz; t`
    compiled to `h; cx` at -O2)."""
    k = kernel(2, _trailing_diagonals, qubit_args=False)
    run(RemoveDead(), k.parent_op)
    assert names(k) == ["h", "cx", "ry", "t", "rz"]


def test_a_declared_z_readout_makes_trailing_diagonals_dead() -> None:
    """Readout contract "z" over both qubits: the caller reads Z at the end, so only
    diagonal gates before the releases are dead; the readout distribution is kept."""
    import numpy as np

    from qglm_ir.semantics import readout_probabilities

    k = kernel(2, _trailing_diagonals, qubit_args=False)
    k.set_property("readout", "z")
    k.set_property("readout_qubits", (0, 1))
    before = k.parent_op.clone().lookup("k")
    run(RemoveDead(), k.parent_op)
    assert names(k) == ["h", "cx", "ry"]
    assert np.allclose(readout_probabilities(before), readout_probabilities(k))


def test_a_z_readout_of_one_qubit_discards_the_other() -> None:
    k = kernel(2, _trailing_diagonals, qubit_args=False)
    k.set_property("readout", "z")
    k.set_property("readout_qubits", (1,))
    run(RemoveDead(), k.parent_op)
    assert names(k) == ["h", "cx", "ry"]  # t on the unread qubit 0 goes, rz before the Z read too


def test_only_gates_next_to_a_sink_are_examined(monkeypatch):
    """The search starts at the gates feeding a release, reset or measurement and follows what
    each removal exposes, instead of asking every gate of the kernel."""
    from qglm_ir.passes.optimize import remove_dead

    def body(kb):
        for _ in range(20):
            kb.gate("h", 0)
            kb.gate("cx", 0, 1)
        kb.gate("z", 1)
        kb.gate("s", 1)
        return [kb.measure(0)]

    calls = []
    real = remove_dead._sink
    monkeypatch.setattr(remove_dead, "_sink", lambda *a: calls.append(a[0]) or real(*a))
    k = kernel(2, body, qubit_args=False)
    _dead(k)
    # z, s (released unmeasured on wire 1) go; the 40-gate body is looked at only where exposed
    assert names(k).count("cx") == 20 and "s" not in names(k) and "z" not in names(k)
    assert len(calls) < 10


# --- release meanings of a kernel that reads every wire -------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402

from qglm_ir.core.errors import PassError  # noqa: E402
from qglm_ir.dialects.q import DeallocOp  # noqa: E402
from qglm_ir.dialects.readout import readout_of, reads_every_wire  # noqa: E402
from qglm_ir.passes.mapping.wires import analyze  # noqa: E402
from qglm_ir.passes.optimize import remove_dead  # noqa: E402
from qglm_ir.testing import kernels as kernel_strategy  # noqa: E402


def _meanings_by_numbering(k) -> dict:
    """The release meanings from numbering the wires (the general rule), as observed: a
    dealloc missing from the answer counts as ``"state"``."""
    deallocs = [op for op in k.regions[0].block if op.name == "q.dealloc"]
    readout = readout_of(k)
    try:
        kw = analyze(k)
    except PassError:
        return {d: "state" for d in deallocs}
    read = set(readout.wires)
    return {d: ("state" if kw.vid[DeallocOp(d).qubit] in read else "discard") for d in deallocs}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(k=kernel_strategy(max_qubits=4, max_ops=16, qubit_args=False))
def test_state_readout_of_an_unmapped_kernel_observes_every_release(k) -> None:
    if not reads_every_wire(k):
        return
    got = remove_dead.release_meanings(k)
    want = _meanings_by_numbering(k)
    assert {d: got.get(d, "state") for d in want} == want


def test_every_wire_read_needs_no_wire_numbering(monkeypatch):
    def body(kb):
        kb.gate("h", 0)
        kb.gate("cx", 0, 1)
    k = kernel(2, body, qubit_args=False)  # returns no bits: the state of both wires is read
    assert reads_every_wire(k)

    def numbered(kernel):
        raise AssertionError("wires numbered")
    monkeypatch.setattr(remove_dead, "analyze", numbered)
    meanings = remove_dead.release_meanings(k)
    assert sorted(meanings.values()) == ["state", "state"]
    # a mapped kernel (a layout property) still numbers its wires
    mapped = k.parent_op.clone().lookup("k")
    mapped.properties = {**mapped.properties, "final_layout": [1, 0]}
    assert not reads_every_wire(mapped)
