"""The property tests are only as good as their oracle: check that it catches broken rewrites."""

from __future__ import annotations

from hypothesis import given, settings

from qglm_ir.passes.optimize.wires import Eraser, remove_gate, spec_of
from qglm_ir.testing import kernels

from ._circuits import kernel
from ._oracle import equivalent
from ._support import gate_ops


def test_detects_dropped_gate_global_phase_insensitive():
    a = kernel(2, lambda kb: [kb.gate("h", 0), kb.gate("cx", 0, 1)] and None)
    b = kernel(2, lambda kb: [kb.gate("h", 0)] and None)
    c = kernel(2, lambda kb: [kb.gate("h", 0), kb.gate("cx", 0, 1), kb.gate("rz", 0, params=[6.283185307179586])]
               and None)
    assert not equivalent(a, b)
    assert equivalent(a, c)  # rz(2pi) = -I: a global phase


def test_distinguishes_outcome_distributions_and_feed_forward():
    def ff(flip):
        def body(kb):
            kb.gate("h", 0)
            bit = kb.measure(0)
            with kb.if_(bit):
                kb.gate("x" if flip else "z", 1)
            return [bit, kb.measure(1)]
        return body
    assert not equivalent(kernel(2, ff(True), qubit_args=False), kernel(2, ff(False), qubit_args=False))


@settings(max_examples=60, deadline=None)
@given(kernels(min_qubits=1, max_qubits=3, max_ops=10, measurements=False, control_flow=False,
               qubit_args=True, gates=("h", "x", "sx", "cx", "ry")))
def test_removing_a_non_identity_gate_is_detected(k):
    # h, x, sx and cx are never the identity, even up to phase (ry(0) would be)
    ops = [op for op in gate_ops(k) if op.name != "q.ry"]
    if not ops:
        return
    before = k.parent_op.clone().lookup("k")
    victim = ops[len(ops) // 2]
    remove_gate(victim, spec_of(victim), Eraser())
    assert not equivalent(before, k)
