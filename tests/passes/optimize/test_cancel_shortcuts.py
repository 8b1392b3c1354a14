"""``cancel``'s name-level shortcuts: the inverse test skipped for gate pairs that can never
cancel, and ``u``'s identity test decided on one matrix entry. Each must give the answer the
full test gives (checked against matrices), and must actually skip the work."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qglm_ir.dialects.gates import GATES
from qglm_ir.passes.optimize import cancel as cancel_mod
from qglm_ir.passes.optimize.angles import AngleFolder
from qglm_ir.passes.optimize.cancel import _ENTRY00, Cancel, is_identity_gate, never_inverse_of
from qglm_ir.passes.optimize.commutation import embed, is_identity_up_to_phase
from qglm_ir.passes.optimize.wires import gates_in_order

from ._circuits import kernel
from ._oracle import equivalent
from ._support import names, run

_RNG = np.random.default_rng(7)


def _inverse_somewhere(a: str, b: str) -> bool:
    """Whether some angles (random, or ``b``'s = minus ``a``'s) and some placement make
    ``b·a`` the identity up to phase: the matrix question ``never_inverse_of`` answers no to."""
    sa, sb = GATES[a], GATES[b]
    n = sa.num_qubits
    tries = [(_RNG.uniform(-7, 7, sa.num_params), _RNG.uniform(-7, 7, sb.num_params)) for _ in range(3)]
    if sa.num_params == sb.num_params:
        x = _RNG.uniform(-7, 7, sa.num_params)
        tries.append((x, -x))
    for pat in itertools.permutations(range(n)):
        for xa, xb in tries:
            mb = embed(sb.matrix(*xb), pat, n)
            if is_identity_up_to_phase(mb @ sa.matrix(*xa)):
                return True
    return False


@pytest.mark.parametrize("a", sorted(GATES))
def test_never_inverse_names_are_never_inverse(a):
    """Soundness against matrices: no pair ``never_inverse_of`` names cancels, for the angles
    that would cancel a gate with itself (``b = -a``) nor for random ones, in any placement."""
    for b in never_inverse_of(a):
        if GATES[b].num_qubits == GATES[a].num_qubits:
            assert not _inverse_somewhere(a, b), (a, b)


def test_never_inverse_keeps_every_pair_that_can_cancel():
    assert {"sx", "h", "x", "cx", "rz", "z", "p", "rx"} & never_inverse_of("rz") == {"sx", "h", "x", "cx"}
    assert "rz" in never_inverse_of("sx") and "sxdg" not in never_inverse_of("sx")
    for a, b in (("rz", "rz"), ("rz", "p"), ("rz", "z"), ("x", "x"), ("s", "sdg"), ("sx", "sxdg"),
                 ("cx", "cx"), ("u", "u"), ("u", "rz"), ("rx", "x")):
        assert b not in never_inverse_of(a), (a, b)
        assert _inverse_somewhere(a, b) or GATES[a].num_params + GATES[b].num_params > 0, (a, b)


def test_cancel_asks_no_inverse_question_for_a_rz_sx_chain(monkeypatch):
    """``rz sx rz sx ...``: every search meets a partner it can never cancel with; the old
    code called ``is_inverse`` (folding both gates' angles) on each."""
    calls = []
    real = cancel_mod.is_inverse
    monkeypatch.setattr(cancel_mod, "is_inverse", lambda *a, **k: calls.append(a[0].name) or real(*a, **k))

    def body(kb):
        for i in range(4):
            kb.gate("rz", 0, params=[0.1 + i])
            kb.gate("sx", 0)
        kb.gate("sxdg", 0)  # cancels the last sx: the one inverse question worth asking
        return []

    k = kernel(1, body)
    before = kernel(1, body)
    run(Cancel(), k.parent_op)
    assert names(k) == ["rz", "sx", "rz", "sx", "rz", "sx", "rz"]
    assert calls == ["q.sx"]
    assert equivalent(before, k)


def test_u_entry00_is_the_gate_tables_entry():
    for _ in range(200):
        v = _RNG.uniform(-10, 10, 3)
        assert complex(_ENTRY00["u"](*v)) == complex(GATES["u"].matrix(*v)[0, 0])
    assert set(_ENTRY00) <= set(GATES)


@pytest.mark.parametrize("angles, identity", [
    ((0.0, 0.4, -0.4), True), ((4 * np.pi, 1.0, -1.0), True), ((2 * np.pi, 0.3, -0.3), True),
    ((0.0, 0.4, 0.4), False), ((1e-6, 0.0, 0.0), False), ((np.pi, 0.0, 0.0), False),
])
def test_u_identity_answer_unchanged(angles, identity):
    def body(kb):
        kb.gate("u", 0, params=list(angles))
        return []

    k = kernel(1, body)
    (g,) = gates_in_order(k)
    m = GATES["u"].matrix(*angles)
    assert is_identity_gate(g, GATES["u"], AngleFolder(k.parent_op)) is identity is is_identity_up_to_phase(m)


def test_u_far_from_identity_builds_no_matrix(monkeypatch):
    built = []
    spec = GATES["u"]
    real = type(spec).matrix
    monkeypatch.setattr(type(spec), "matrix", lambda self, *p: built.append(self.name) or real(self, *p))

    def body(kb):
        kb.gate("u", 0, params=[0.5, 0.1, 0.2])
        kb.gate("u", 0, params=[0.0, 0.1, 0.2])  # |m00| = 1: the full test decides
        return []

    k = kernel(1, body)
    a, b = gates_in_order(k)
    folder = AngleFolder(k.parent_op)
    assert not is_identity_gate(a, spec, folder) and built == []
    assert not is_identity_gate(b, spec, folder) and built == ["u"]


def test_drop_identity_is_offered_only_gates_that_can_be_the_identity():
    """Fixed gates other than ``id`` never are: the driver does not offer them."""
    from qglm_ir.passes.optimize.cancel import DropIdentity
    from qglm_ir.passes.optimize.local import LocalState
    from qglm_ir.passes.optimize.merge_rotations import family_roots

    k = kernel(1, lambda kb: [])
    st = LocalState(k, AngleFolder(k.parent_op), [])
    roots = DropIdentity(st).roots
    assert {"q.id", "q.rz", "q.u", "q.cp"} <= roots and not {"q.cx", "q.sx", "q.h", "q.x"} & roots
    fixed = [g for g in GATES.values() if g.num_params == 0 and g.name != "id"]
    assert all(not is_identity_up_to_phase(g.matrix()) for g in fixed)  # so nothing is lost
    assert DropIdentity(st, family_roots()).roots == family_roots() & roots


def test_merge_reuses_the_partner_filter_answer_of_cancel(monkeypatch):
    """In -O3's pattern list, ``merge-rotations`` runs right after ``cancel`` on the same gate:
    it does not ask the partner filter again (the old code asked twice per gate), and still
    merges and cancels what it should."""
    from qglm_ir.core.eraser import Eraser
    from qglm_ir.passes.optimize.fixpoint import local_patterns
    from qglm_ir.passes.optimize.local import run_local_patterns
    from qglm_ir.passes.optimize.peephole import PartnerFilter

    asked = []
    real = PartnerFilter.may_have_partner
    monkeypatch.setattr(PartnerFilter, "may_have_partner", lambda self, g: asked.append(g) or real(self, g))
    searched = []
    real_cancel = cancel_mod.CancelInverses.match_and_rewrite
    monkeypatch.setattr(cancel_mod.CancelInverses, "match_and_rewrite",
                        lambda self, a, rw: searched.append(a) or real_cancel(self, a, rw))

    def body(kb):
        kb.gate("rz", 0, params=[0.3])
        kb.gate("cx", 0, 1)
        kb.gate("rz", 0, params=[0.4])  # merges with the first through the cx control
        kb.gate("h", 1)
        kb.gate("h", 1)  # cancels
        kb.gate("rz", 1, params=[0.5])
        return []

    k = kernel(2, body)
    before = kernel(2, body)
    res, _ = run_local_patterns(k, AngleFolder(k.parent_op), Eraser(), local_patterns)
    assert names(k) == ["cx", "rz", "rz"] and res.rewrites == 2
    assert len(asked) == len(searched) > 0  # once per visit, by cancel; the old code asked again
    assert equivalent(before, k)


def test_one_step_dead_end_searches_no_further(monkeypatch):
    """A 1q gate followed by a 1q gate it can neither cancel nor pass (``rz`` then ``sx``) is
    decided without a partner search; the search still runs where the walk goes on (``rz``
    past a ``cx`` control to its inverse), and -O3's merge step still sees the candidate."""
    from qglm_ir.passes.optimize.fixpoint import OptimizeFixpoint

    calls = []
    real = cancel_mod.find_partner
    monkeypatch.setattr(cancel_mod, "find_partner", lambda a, *r: calls.append(a.name) or real(a, *r))

    def body(kb):
        kb.gate("rz", 0, params=[0.3])
        kb.gate("sx", 0)
        kb.gate("rz", 0, params=[0.5])
        kb.gate("cx", 0, 1)
        kb.gate("rz", 0, params=[-0.5])
        kb.gate("sx", 0)
        kb.gate("rz", 0, params=[0.2])
        return []

    k = kernel(2, body)
    before = kernel(2, body)
    run(Cancel(), k.parent_op)
    assert names(k) == ["rz", "sx", "cx", "sx", "rz"]
    # rz(0.5) (past the cx control), then the first sx once the pair is gone (its next gate
    # is now the cx); every other search stopped at its first step without one
    assert calls == ["q.rz", "q.sx"]
    assert equivalent(before, k)

    def merge_body(kb):
        kb.gate("rz", 0, params=[0.3])
        kb.gate("rz", 0, params=[0.4])  # merges (a candidate cancel refused, replayed by merge)
        kb.gate("sx", 0)
        kb.gate("x", 0)  # sx then x: they commute, so no dead end: the walk goes on
        kb.gate("sx", 0)
        return []

    k = kernel(1, merge_body)
    before = kernel(1, merge_body)
    run(OptimizeFixpoint(), k.parent_op, ("rz", "sx", "x", "cx"))
    assert equivalent(before, k)
    assert len(names(k)) < 5
