from __future__ import annotations

import math

from qglm_ir.passes.optimize.angles import AngleFolder
from qglm_ir.passes.optimize.merge_rotations import MergeRotations, rotation_families

from ._circuits import kernel
from ._oracle import equivalent
from ._support import gate_ops, names, run


def _merge(k, basis=None):
    before = k.parent_op.clone().lookup("k")
    res = run(MergeRotations(), k.parent_op, basis)
    assert equivalent(before, k)
    return res


def test_families_are_derived_from_matrices():
    fam = rotation_families()
    assert fam["rz"][0] == fam["p"][0] == fam["s"][0] == fam["t"][0] == fam["z"][0]
    assert fam["s"][1] == math.pi / 2 and fam["cz"] == (fam["cp"][0], math.pi)
    assert fam["sx"][0] == fam["rx"][0] and fam["rx"][0] != fam["rz"][0]
    assert fam["crz"][0] != fam["cp"][0]  # crz(t) is not proportional to cp(t)


def test_constant_rotations_fold():
    def body(kb):
        kb.gate("rz", 0, params=[0.25])
        kb.gate("t", 0)
        kb.gate("rz", 0, params=[0.5])
        kb.gate("rx", 1, params=[1.0])
        kb.gate("rx", 1, params=[-1.0])
    k = kernel(2, body)
    _merge(k)
    (op,) = gate_ops(k)
    assert op.name == "q.rz"
    assert math.isclose(AngleFolder(k.parent_op).const(op.operands[0]), 0.75 + math.pi / 4)


def test_symbolic_sum_keeps_trainable_parameters():
    def body(kb):
        kb.gate("rz", 0, params=[kb.w0])
        kb.gate("cx", 0, 1)  # rz on the control commutes through
        kb.gate("rz", 0, params=[kb.w1])
    k = kernel(2, body)
    _merge(k)
    assert sorted(names(k)) == ["cx", "rz"]
    rz = next(op for op in gate_ops(k) if op.name == "q.rz")
    assert rz.operands[0].op.name == "arith.add"
    assert AngleFolder(k.parent_op).const(rz.operands[0]) is None  # trainable: stays symbolic


def test_frozen_parameters_fold():
    def body(kb):
        kb.gate("ry", 0, params=[kb.w0])
        kb.gate("ry", 0, params=[kb.w1])
    k = kernel(1, body, trainable=False)
    _merge(k)
    (op,) = gate_ops(k)
    assert op.operands[0].op.name == "arith.constant"
    assert math.isclose(op.operands[0].op.properties["value"], 1.4)


def test_controlled_phase_chain():
    def body(kb):
        kb.gate("cp", 0, 1, params=[0.3])
        kb.gate("cp", 1, 2, params=[0.2])
        kb.gate("cz", 1, 0)
        kb.gate("cp", 0, 1, params=[0.4])
    k = kernel(3, body)
    _merge(k)
    assert sorted(names(k)) == ["cp", "cp"]


def test_full_turn_is_removed():
    def body(kb):
        kb.gate("rx", 0, params=[math.pi])
        kb.gate("x", 0)
    k = kernel(1, body)
    _merge(k)
    assert names(k) == []


def test_basis_chooses_output_gate():
    def body(kb):
        kb.gate("s", 0)
        kb.gate("t", 0)
    k = kernel(1, body)
    _merge(k, basis=("cx", "p", "sx"))
    assert names(k) == ["p"]
