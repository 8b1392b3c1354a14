from __future__ import annotations

import pytest

from qglm_ir.core.errors import PassError
from qglm_ir.passes.optimize.fuse_1q import Fuse1Q

from ._circuits import kernel
from ._oracle import equivalent
from ._support import CX_BASIS, names, run


def _fuse(k, basis=None):
    before = k.parent_op.clone().lookup("k")
    res = run(Fuse1Q(), k.parent_op, basis)
    assert equivalent(before, k)
    return res


def test_run_becomes_one_u_without_basis():
    def body(kb):
        kb.gate("h", 0)
        kb.gate("t", 0)
        kb.gate("sx", 0)
        kb.gate("ry", 0, params=[0.3])
        kb.gate("cx", 0, 1)
        kb.gate("h", 1)  # single gate: left alone
    k = kernel(2, body)
    _fuse(k)
    assert names(k) == ["u", "cx", "h"]


def test_zsx_basis_and_identity_runs_dropped():
    def body(kb):
        kb.gate("h", 0)
        kb.gate("s", 0)
        kb.gate("h", 0)
        kb.gate("h", 1)
        kb.gate("x", 1)
        kb.gate("h", 1)
        kb.gate("z", 1)  # identity up to phase
    k = kernel(2, body)
    _fuse(k, CX_BASIS)
    assert set(names(k)) <= set(CX_BASIS)
    assert len(names(k)) <= 3


def test_out_of_basis_single_gate_is_translated():
    k = kernel(1, lambda kb: kb.gate("h", 0) and None)
    _fuse(k, CX_BASIS)
    assert set(names(k)) <= {"rz", "sx"}


def test_symbolic_gates_split_runs():
    def body(kb):
        kb.gate("h", 0)
        kb.gate("h", 0)
        kb.gate("rz", 0, params=[kb.w0])
        kb.gate("x", 0)
        kb.gate("y", 0)
    k = kernel(1, body)
    _fuse(k)
    assert names(k) == ["rz", "u"]


def test_runs_inside_regions_and_across_measure():
    def body(kb):
        kb.gate("h", 0)
        kb.gate("t", 0)
        b = kb.measure(0)
        kb.gate("t", 0)
        kb.gate("h", 0)
        with kb.for_(0, 2):
            kb.gate("s", 0)
            kb.gate("h", 0)
        return [b]
    k = kernel(1, body)
    _fuse(k)
    assert names(k) == ["u", "u", "u"]


def test_incomplete_basis_is_an_error():
    k = kernel(1, lambda kb: kb.gate("h", 0) and None)
    with pytest.raises(PassError, match="single-qubit"):
        run(Fuse1Q(), k.parent_op, ("cx", "rz"))
