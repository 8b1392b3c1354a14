"""The optimization hot path: chain ids, the partner pre-filter, cached 2q resynthesis."""

from __future__ import annotations

import numpy as np

from qglm_ir.passes.optimize import cancel as cancel_mod
from qglm_ir.passes.optimize import fuse_2q
from qglm_ir.passes.optimize.cancel import Cancel
from qglm_ir.passes.optimize.fuse_2q import Fuse2Q
from qglm_ir.passes.optimize.peephole import PartnerFilter
from qglm_ir.passes.optimize.wires import WireIds, gates_in_order

from ._circuits import kernel
from ._oracle import equivalent
from ._support import CX_BASIS, count_2q, run


def test_wire_ids_follow_gate_chains_only():
    def body(kb):
        kb.gate("h", 0)
        kb.gate("cx", 0, 1)
        kb.gate("rz", 1, params=[0.3])
        bit = kb.measure(0)
        kb.gate("x", 0)
        return [bit]

    k = kernel(2, body)
    h, cx, rz, x = gates_in_order(k)
    ids = WireIds()
    # Asked in reverse program order: the lazy walk back still numbers whole chains.
    assert ids.of(rz.results[0]) == ids.of(cx.results[1]) == ids.of(cx.operands[1])
    assert ids.of(cx.results[0]) == ids.of(h.operands[0])
    assert ids.of(cx.results[0]) != ids.of(cx.results[1])
    # A measurement starts a new chain: x's input is the measure's qubit result.
    assert ids.of(x.operands[0]) not in (ids.of(cx.results[0]), ids.of(cx.results[1]))


def test_partner_filter_skips_gates_alone_on_their_wires(monkeypatch):
    def body(kb):
        for a, b in ((0, 1), (1, 2), (0, 2)):
            kb.gate("cp", a, b, params=[0.4])
        kb.gate("cx", 0, 1)
        kb.gate("cx", 0, 1)

    k = kernel(3, body)
    gates = gates_in_order(k)
    filt = PartnerFilter(gates, WireIds())
    # the last cx: no gate on its wires follows it
    assert [filt.may_have_partner(g) for g in gates] == [True, False, False, True, False]
    calls = []
    real = cancel_mod.find_partner
    monkeypatch.setattr(cancel_mod, "find_partner", lambda *a, **kw: calls.append(a[0]) or real(*a, **kw))
    before = k.parent_op.clone().lookup("k")
    run(Cancel(), k.parent_op)
    assert equivalent(before, k)
    assert count_2q(k) == 3  # the cx pair cancelled
    # Only gates sharing their wire set with another gate were searched from.
    assert all(g.name in ("q.cp", "q.cx") for g in calls) and len(calls) <= 3


def test_unchanged_blocks_are_resynthesized_from_the_cache():
    rng = np.random.default_rng(3)

    def body(kb):
        for _ in range(6):
            kb.gate("cx", 0, 1)
            kb.gate("u", 0, params=list(rng.uniform(-3, 3, 3)))
            kb.gate("u", 1, params=list(rng.uniform(-3, 3, 3)))

    k1 = kernel(2, body)
    k2 = k1.parent_op.clone().lookup("k")
    fuse_2q.resynthesis.cache_clear()
    before = k1.parent_op.clone().lookup("k")
    run(Fuse2Q(), k1.parent_op, CX_BASIS)
    assert equivalent(before, k1) and count_2q(k1) == 3
    misses = fuse_2q.resynthesis.cache_info().misses
    run(Fuse2Q(), k2.parent_op, CX_BASIS)  # the same block again: a cache hit, same result
    info = fuse_2q.resynthesis.cache_info()
    assert info.misses == misses and info.hits >= 1
    assert [op.name for op in gates_in_order(k1)] == [op.name for op in gates_in_order(k2)]


def test_identity_up_to_phase_is_allclose_with_its_default_rtol():
    """The written-out check answers exactly as ``np.allclose(m, m[0,0] I, atol)`` (rtol 1e-5
    on the diagonal), on matrices straddling both tolerances."""
    from qglm_ir.passes.optimize.commutation import is_identity_up_to_phase

    rng = np.random.default_rng(4)
    yes = 0
    for d in (2, 4, 8):
        for _ in range(3000):
            ph = np.exp(1j * rng.uniform(0, 2 * np.pi)) * (1 + rng.choice([0, 1e-10, 3e-9]))
            noise = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
            m = ph * np.eye(d) + noise * 10 ** rng.uniform(-12, -4) * (rng.random((d, d)) < 0.5)
            want = abs(abs(m[0, 0]) - 1) <= 1e-9 and bool(np.allclose(m, m[0, 0] * np.eye(d), atol=1e-9))
            assert is_identity_up_to_phase(m) == want
            yes += want
    assert 1000 < yes < 8000  # both answers occur


def test_one_qubit_partner_search_walks_past_commuting_wider_gates():
    """``rz`` reaches its inverse through the controls of ``cx`` and ``ccx`` gates (it commutes
    with them there) but not through a target."""
    def body(kb):
        kb.gate("rz", 0, params=[0.4])
        kb.gate("cx", 0, 1)
        kb.gate("ccx", 2, 0, 1)
        kb.gate("rz", 0, params=[-0.4])
        kb.gate("rz", 1, params=[0.2])
        kb.gate("cx", 0, 1)
        kb.gate("rz", 1, params=[-0.2])
        return []

    k = kernel(3, body)
    before = k.parent_op.clone().lookup("k")
    res = run(Cancel(), k.parent_op)
    names = [g.name for g in gates_in_order(k)]
    assert res.stats["pairs_cancelled"] == 1
    assert names == ["q.cx", "q.ccx", "q.rz", "q.cx", "q.rz"]
    assert equivalent(before, k)


def test_one_qubit_runs_are_synthesized_once_per_content():
    """``fuse-1q`` keys runs by (gate, angles): the same run met again (another wire, the
    next ``-O3`` round) is a cache hit, with the same gates as the first time."""
    from qglm_ir.passes.optimize import fuse_1q
    from qglm_ir.passes.optimize.fuse_1q import Fuse1Q

    def body(kb):
        for q in (0, 1):
            kb.gate("h", q)
            kb.gate("rz", q, params=[0.25])
            kb.gate("h", q)
        return []

    fuse_1q._run_synthesis.cache_clear()
    k = kernel(2, body)
    before = k.parent_op.clone().lookup("k")
    run(Fuse1Q(), k.parent_op, CX_BASIS)
    info = fuse_1q._run_synthesis.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    assert equivalent(before, k)
    assert all(g.name[2:] in CX_BASIS for g in gates_in_order(k))


def test_diagonal_next_to_fixed_non_diagonal_skips_the_numeric_check(monkeypatch):
    """``rz(a)`` next to ``sx`` can never cancel (a diagonal inverse is diagonal): no matrix
    product is formed for it; ``rz`` next to ``rx`` still gets the numeric check."""
    from qglm_ir.passes.optimize.cancel import _never_inverse
    from qglm_ir.passes.optimize.commutation import always_diagonal

    assert always_diagonal("rz") and always_diagonal("cp") and not always_diagonal("rx")
    assert _never_inverse("rz", "sx") and _never_inverse("h", "t") and _never_inverse("cz", "cx")
    assert not _never_inverse("rz", "rx") and not _never_inverse("rz", "z") and not _never_inverse("x", "sx")

    def body(kb):
        kb.gate("rz", 0, params=[0.3])
        kb.gate("sx", 0)
        kb.gate("rz", 0, params=[0.7])
        kb.gate("rx", 0, params=[0.2])
        return []

    calls = []
    real = cancel_mod._numeric_inverse
    monkeypatch.setattr(cancel_mod, "_numeric_inverse", lambda *a: calls.append(a[::2]) or real(*a))
    k = kernel(1, body)
    run(Cancel(), k.parent_op)
    assert calls == [("rz", "rx", (0,))]
