"""Partner searches the local patterns skip: the last gate of its chain set (no partner can
follow it) and ``merge-rotations``' search replayed from ``cancel``'s lost one on the same
gate (:func:`qglm_ir.passes.optimize.peephole.replay_partner`). Each skip must give exactly
the IR the full searches give."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from qglm_ir.core.eraser import Eraser
from qglm_ir.passes.optimize import merge_rotations as merge_mod
from qglm_ir.passes.optimize import peephole
from qglm_ir.passes.optimize.angles import AngleFolder
from qglm_ir.passes.optimize.fixpoint import local_patterns
from qglm_ir.passes.optimize.local import run_local_patterns
from qglm_ir.passes.optimize.peephole import PartnerFilter
from qglm_ir.passes.optimize.wires import WireIds, gates_in_order
from qglm_ir.testing import kernels as kernel_strategy
from qglm_ir.text import print_module

from ._circuits import kernel
from ._oracle import equivalent

_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_last_gate_of_its_chain_set_has_no_partner():
    def body(kb):
        kb.gate("cx", 0, 1)
        kb.gate("rz", 1, params=[0.3])
        kb.gate("cx", 0, 1)  # a partner of the first cx could only come after it: none after this one

    k = kernel(2, body)
    first, rz, second = gates_in_order(k)
    filt = PartnerFilter([first, rz, second], WireIds())
    assert filt.may_have_partner(first)
    assert not filt.may_have_partner(second)
    assert not filt.may_have_partner(rz)  # alone on its chain anyway
    # A gate added on the same wires afterwards may follow it: searched again.
    def more(kb):
        kb.gate("cx", 0, 1)
        kb.gate("cx", 0, 1)
    k2 = kernel(2, more)
    a, b = gates_in_order(k2)
    filt2 = PartnerFilter([a], WireIds())
    assert not filt2.may_have_partner(a)
    filt2.add(b)
    assert filt2.may_have_partner(a)


def test_merge_search_replayed_from_the_lost_cancel_search(monkeypatch):
    # rz(0.3) has no inverse after it, so cancel's search walks past the cx control and
    # rz(0.5), then stops at sx; merge-rotations then takes rz(0.5) without walking again.
    def body(kb):
        kb.gate("rz", 0, params=[0.3])
        kb.gate("cx", 0, 1)
        kb.gate("rz", 0, params=[0.5])
        kb.gate("sx", 0)

    k = kernel(2, body)
    before = k.parent_op.clone().lookup("k")
    calls = []
    real = merge_mod.find_partner
    monkeypatch.setattr(merge_mod, "find_partner", lambda *a, **kw: calls.append(a[0].name) or real(*a, **kw))
    eraser = Eraser()
    res, _ = run_local_patterns(k, AngleFolder(k.parent_op), eraser, local_patterns)
    eraser.flush()
    assert res.by_pattern == {"merge-rotations": 1}
    assert [op.name for op in gates_in_order(k)] == ["q.cx", "q.rz", "q.sx"]
    assert calls == []  # every merge search was answered from cancel's
    assert equivalent(before, k)


def _local(module, k) -> str:
    eraser = Eraser()
    run_local_patterns(k, AngleFolder(module), eraser, local_patterns)
    eraser.flush()
    return print_module(module)


@settings(max_examples=120, **_SETTINGS)
@given(kernel=kernel_strategy(min_qubits=1, max_qubits=4, max_ops=30, measurements=True, control_flow=False,
                              symbolic=True, qubit_args=True,
                              gates=("h", "x", "s", "sdg", "t", "sx", "rz", "rx", "p", "cx", "cz", "cp", "rzz",
                                     "crz", "swap")))
def test_skipped_searches_give_the_ir_of_full_searches(kernel) -> None:
    module = kernel.parent_op
    full_mod = module.clone()
    fast = _local(module, kernel)
    # The same patterns with every search made in full: no replay, no last-gate skip.
    import pytest

    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(merge_mod, "replay_partner", lambda *a: peephole.REWALK)
        mp.setattr(PartnerFilter, "may_have_partner",
                   lambda self, g: self.counts.get(self.keys.get(g) or self.key(g), 0) > 1)
        slow = _local(full_mod, full_mod.lookup("k"))
    finally:
        mp.undo()
    assert fast == slow


def _reach_back_reference(op, cap=peephole.REACH_BACK_CAP):
    """reach_back's contract written out with plain sets and :func:`commutes` per pair."""
    from qglm_ir.core.ir import OpResult
    from qglm_ir.dialects.gates import GATES
    from qglm_ir.passes.optimize.commutation import commutes
    from qglm_ir.passes.optimize.wires import SPECS

    one_q = {n for n, s in GATES.items() if s.num_qubits == 1}
    out = []
    for v in op.operands:
        if not isinstance(v, OpResult):
            continue
        passed: list[tuple[str, tuple[int, ...]]] = []
        found = []
        cur = v
        for _ in range(cap):
            if not isinstance(cur, OpResult) or cur.op.name not in SPECS:
                break
            g, gs, idx = cur.op, SPECS[cur.op.name], cur.index
            ok = {n for n in one_q if all(commutes(n, name, pat) for name, pat in passed)}
            if gs.num_qubits == 1 and gs.name in ok:
                found.append(g)
            passed.append((gs.name, tuple(0 if i == idx else -1 for i in range(gs.num_qubits))))
            if not {n for n in ok if commutes(n, *passed[-1])}:
                break
            cur = g.operands[gs.num_params + idx]
        out.extend(reversed(found))
    return out


@settings(max_examples=60, **_SETTINGS)
@given(kernel=kernel_strategy(min_qubits=1, max_qubits=3, max_ops=24, measurements=True, control_flow=False,
                              symbolic=True, qubit_args=True))
def test_reach_back_bitmask_walk_matches_its_contract(kernel) -> None:
    for g in gates_in_order(kernel):
        assert peephole.reach_back(g) == _reach_back_reference(g)
