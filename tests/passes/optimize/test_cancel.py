from __future__ import annotations

from qglm_ir.passes.optimize.cancel import Cancel

from ._circuits import kernel
from ._oracle import equivalent
from ._support import count_gates, names, run


def _cancel(k):
    before = k.parent_op.clone().lookup("k")
    res = run(Cancel(), k.parent_op)
    assert equivalent(before, k)
    return res


def test_adjacent_inverse_pairs():
    def body(kb):
        kb.gate("h", 0)
        kb.gate("h", 0)
        kb.gate("s", 1)
        kb.gate("sdg", 1)
        kb.gate("cx", 0, 1)
        kb.gate("cx", 0, 1)
        kb.gate("rz", 0, params=[0.7])
        kb.gate("rz", 0, params=[-0.7])
        kb.gate("iswap", 0, 1)
        kb.gate("z", 0)
        kb.gate("iswap", 0, 1)
        kb.gate("z", 0)
    k = kernel(2, body)
    res = _cancel(k)
    # iswap . z . iswap . z is not a pair pattern: only the four pairs go
    assert names(k) == ["iswap", "z", "iswap", "z"]
    assert res.stats["pairs_cancelled"] == 4


def test_nested_pairs_collapse():
    def body(kb):
        kb.gate("x", 0)
        kb.gate("h", 0)
        kb.gate("t", 0)
        kb.gate("tdg", 0)
        kb.gate("h", 0)
        kb.gate("x", 0)
    k = kernel(1, body)
    _cancel(k)
    assert count_gates(k) == 0


def test_cancels_across_commuting_gates():
    def body(kb):
        kb.gate("cx", 0, 1)
        kb.gate("rz", 0, params=[0.4])  # diagonal on the control: commutes
        kb.gate("x", 1)                 # X on the target: commutes
        kb.gate("cx", 0, 2)             # shares the control: commutes
        kb.gate("cx", 0, 1)
    k = kernel(3, body)
    _cancel(k)
    assert sorted(names(k)) == ["cx", "rz", "x"]


def test_does_not_cancel_across_non_commuting_gate():
    def body(kb):
        kb.gate("cx", 0, 1)
        kb.gate("h", 1)
        kb.gate("cx", 0, 1)
        kb.gate("cx", 0, 1)
        kb.gate("cx", 1, 0)  # reversed cx is not the inverse
    k = kernel(2, body)
    _cancel(k)
    # cx h (cx cx) cx(1,0) -> cx h cx(1,0)
    assert names(k) == ["cx", "h", "cx"]


def test_symbolic_negated_angle_cancels():
    def body(kb):
        kb.gate("rx", 0, params=[kb.w0])
        kb.gate("rx", 0, params=[kb.arith("neg", kb.w0)])
        kb.gate("rx", 0, params=[kb.w1])
    k = kernel(1, body)
    _cancel(k)
    assert names(k) == ["rx"]


def test_never_crosses_measurement_or_region():
    def body(kb):
        kb.gate("h", 0)
        b = kb.measure(0)
        kb.gate("h", 0)
        kb.gate("x", 1)
        with kb.if_(b):
            kb.gate("x", 1)
        return [b]
    k = kernel(2, body)
    _cancel(k)
    assert count_gates(k) == 4


def test_identity_gates_removed():
    def body(kb):
        kb.gate("id", 0)
        kb.gate("rz", 0, params=[0.0])
        kb.gate("rx", 0, params=[6.283185307179586])
        kb.gate("crz", 0, 1, params=[6.283185307179586])  # crz(2pi) = Z on the control: kept
    k = kernel(2, body)
    _cancel(k)
    assert names(k) == ["crz"]
