"""optimize-fixpoint re-fuses only the 1q runs near a change after a dead-gate removal.

A dead-gate removal changes the IR only at the wire ends right after the ops feeding the
removed gates (:func:`.remove_dead.remove_dead_kernel`'s ``exposed``), so the next fuse-1q
looks at the runs near those ops and the other changes, not at the whole kernel; the
result must be what fusing every run gives.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from qglm_ir.core.eraser import Eraser
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.optimize import fixpoint
from qglm_ir.passes.optimize.fixpoint import OptimizeFixpoint
from qglm_ir.passes.optimize.remove_dead import remove_dead_kernel
from qglm_ir.testing import kernels as kernel_strategy
from qglm_ir.text import print_module

from ._circuits import kernel
from ._oracle import equivalent
from ._support import CX_BASIS, names


def _tail_kernel():
    def body(kb):
        kb.gate("h", 0)
        kb.gate("cx", 0, 1)
        kb.gate("h", 1)  # wire 1 is released unmeasured: h goes, exposing the cx
        kb.gate("t", 1)
        kb.gate("x", 0)
        return [kb.measure(0)]
    return kernel(2, body, qubit_args=False)


def test_remove_dead_reports_the_ops_its_removals_expose():
    k = _tail_kernel()
    exposed: list = []
    eraser = Eraser()
    g, _ = remove_dead_kernel(k, eraser, exposed=exposed)
    eraser.flush()
    assert g == 2 and names(k) == ["h", "cx", "x"]
    live = [op for op in exposed if op.parent is not None]
    # the t fed by h (removed too) and the cx feeding h: only the cx is left
    assert [op.name for op in live] == ["q.cx"]


def _fixpoint_calls(module, monkeypatch, full: bool, basis=CX_BASIS):
    """Run optimize-fixpoint on ``module``, recording fuse-1q's ``only_near`` arguments;
    ``full``: make every fuse-1q look at all runs (the reference)."""
    calls: list = []
    real = fixpoint.fuse_1q_kernel

    def spy(*args, **kw):
        near = args[7] if len(args) > 7 else kw.get("only_near")
        calls.append(near)
        if full:
            args = args[:7]
            kw.pop("only_near", None)
        return real(*args, **kw)

    monkeypatch.setattr(fixpoint, "fuse_1q_kernel", spy)
    res = OptimizeFixpoint().run(module, PassContext(basis=basis))
    monkeypatch.setattr(fixpoint, "fuse_1q_kernel", real)
    return calls, res


def test_fuse_1q_after_a_dead_removal_looks_near_the_changes_only(monkeypatch):
    k = _tail_kernel()
    module = k.parent_op
    before = module.clone().lookup("k")
    calls, res = _fixpoint_calls(module, monkeypatch, full=False)
    assert res.stats["dead_removed"] >= 1 and res.stats["rounds"] >= 2
    assert calls[0] is None  # the first fusion looks at every run
    assert all(near is not None for near in calls[1:])  # before: None again after a removal
    assert equivalent(before, k, observable=True)


_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@settings(max_examples=80, **_SETTINGS)
@given(kernel=kernel_strategy(max_qubits=3, max_ops=16))
def test_near_fusion_gives_what_fusing_every_run_gives(kernel, monkeypatch) -> None:
    # measurements, releases, loops, symbolic angles: the same IR as a fuse-1q over all runs
    ref = kernel.parent_op.clone()
    _fixpoint_calls(ref, monkeypatch, full=True, basis=None)
    _fixpoint_calls(kernel.parent_op, monkeypatch, full=False, basis=None)
    assert print_module(kernel.parent_op) == print_module(ref)
