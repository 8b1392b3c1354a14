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


def test_wires_of_a_kernel_without_classical_results_are_read() -> None:
    """A kernel returning nothing is read through the Z readout of its wires (stats
    ops), so only diagonal gates before its deallocs are dead."""
    import numpy as np

    from qglm_ir.semantics import probabilities

    def body(kb):
        kb.gate("h", 0)
        kb.gate("cx", 0, 1)
        kb.gate("ry", 1, params=[0.4])
        kb.gate("t", 0)  # diagonal, right before the release: unobservable in Z
        kb.gate("rz", 1, params=[0.3])
        return []

    k = kernel(2, body, qubit_args=False)
    before = k.parent_op.clone().lookup("k")
    run(RemoveDead(), k.parent_op)
    assert names(k) == ["h", "cx", "ry"]
    assert np.allclose(probabilities(before), probabilities(k))
