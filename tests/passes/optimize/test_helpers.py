"""Shared helpers: commutation table, angle folding, wire walking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

from qglm_ir.dialects.gates import GATES
from qglm_ir.passes.optimize.angles import AngleFolder, same_angle
from qglm_ir.passes.optimize.commutation import commutes, embed, period
from qglm_ir.passes.optimize.peephole import find_partner

from ._circuits import kernel
from ._support import gate_ops


@pytest.mark.parametrize("positions", [(0,), (2,), (0, 1), (2, 0), (1, 2, 0)])
def test_embed_matches_qiskit(positions):
    name = {1: "h", 2: "cx", 3: "ccx"}[len(positions)]
    qc = QuantumCircuit(3)
    getattr(qc, name)(*positions)
    assert np.allclose(embed(GATES[name].matrix(), positions, 3), Operator(qc).data)


def test_commutation_table_from_matrices():
    assert commutes("rz", "cx", (0, -1))       # Z on the control
    assert not commutes("rz", "cx", (-1, 0))   # Z on the target
    assert commutes("x", "cx", (-1, 0))        # X on the target
    assert commutes("cx", "cx", (0, -1))       # shared control
    assert commutes("cx", "cx", (-1, 1))       # shared target
    assert not commutes("cx", "cx", (1, 0))    # reversed
    assert commutes("cp", "rzz", (1, 0)) and commutes("h", "ry", (-1,))
    assert not commutes("rx", "rz", (0,))      # for generic angles


def test_periods():
    assert period("rz") == period("rx") == period("cp") == 2 * math.pi
    assert period("crz") == 4 * math.pi and period("u") is None


def test_folding_rule_frozen_vs_trainable():
    def body(kb):
        x = kb.arith("add", kb.w0, kb.arith("mul", kb.pi(), 0.5))
        kb.gate("rz", 0, params=[x])
    for trainable, expect in ((False, 0.3 + math.pi / 2), (True, None)):
        k = kernel(1, body, trainable=trainable)
        (op,) = gate_ops(k)
        got = AngleFolder(k.parent_op).const(op.operands[0])
        assert got == pytest.approx(expect) if expect is not None else got is None


def test_same_angle():
    assert same_angle(0.5, -0.5, -1.0) and not same_angle(0.5, 0.5, -1.0)


def test_partner_search_stops_at_measure_and_respects_cap():
    def body(kb):
        kb.gate("h", 0)
        for _ in range(40):
            kb.gate("cx", 0, 1)  # commutes with h? no: stops at once
        kb.gate("h", 0)
    k = kernel(2, body)
    h = gate_ops(k)[0]
    assert find_partner(h, GATES["h"], lambda *a: True) is None

    def body2(kb):
        kb.gate("rz", 0, params=[0.1])
        for _ in range(40):
            kb.gate("cx", 0, 1)  # commute with rz on the control
        kb.gate("rz", 0, params=[0.2])
    k = kernel(2, body2)
    rz = gate_ops(k)[0]
    assert find_partner(rz, GATES["rz"], lambda b, s, p: s.name == "rz", cap=64) is not None
    assert find_partner(rz, GATES["rz"], lambda b, s, p: s.name == "rz", cap=16) is None
