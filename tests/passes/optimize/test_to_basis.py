from __future__ import annotations

import pytest

from qglm_ir.core.errors import PassError
from qglm_ir.dialects.gates import GATES
from qglm_ir.passes.optimize.angles import AngleFolder
from qglm_ir.passes.optimize.to_basis import ToBasis, template

from ._circuits import kernel
from ._oracle import equivalent
from ._support import CX_BASIS, gate_ops, names, run


def _translate(k, basis):
    before = k.parent_op.clone().lookup("k")
    res = run(ToBasis(), k.parent_op, basis)
    assert equivalent(before, k)
    assert set(names(k)) <= set(basis)
    return res


@pytest.mark.parametrize("gate", sorted(GATES))
@pytest.mark.parametrize("basis", [CX_BASIS, ("cz", "rz", "sx", "x"), ("cx", "u"), ("ecr", "rz", "sx", "x")])
def test_every_gate_translates_exactly(gate, basis):
    spec = GATES[gate]
    angles = [0.37, -1.2, 2.1][: spec.num_params]
    k = kernel(spec.num_qubits, lambda kb: kb.gate(gate, *range(spec.num_qubits), params=angles) and None)
    _translate(k, basis)


def test_symbolic_angles_stay_symbolic():
    def body(kb):
        kb.gate("rx", 0, params=[kb.w0])
        kb.gate("crz", 0, 1, params=[kb.w1])
    k = kernel(2, body)
    _translate(k, CX_BASIS)
    folder = AngleFolder(k.parent_op)
    rz = [op for op in gate_ops(k) if op.name == "q.rz"]
    assert any(folder.const(op.operands[0]) is None for op in rz)


def test_template_is_affine_and_cached():
    t = template("rx", CX_BASIS)
    assert template("rx", CX_BASIS) is t
    assert any(lin[1] for _, lins, _ in t for lin in lins)  # some angle depends on the input


def test_no_basis_is_a_no_op_and_bad_basis_errors():
    k = kernel(1, lambda kb: kb.gate("h", 0) and None)
    assert not run(ToBasis(), k.parent_op, None).changed
    with pytest.raises(PassError):
        run(ToBasis(), k.parent_op, ("cx", "rz"))


def test_unitary_ops_are_synthesized():
    from qiskit.quantum_info import random_unitary

    def body(kb):
        kb.unitary(random_unitary(2, seed=1).data, 0)
        kb.unitary(random_unitary(4, seed=2).data, 0, 1)
        kb.unitary(random_unitary(8, seed=3).data, 0, 1, 2)
    k = kernel(3, body)
    _translate(k, CX_BASIS)
    assert not [op for op in k.walk() if op.name == "q.unitary"]
    assert sum(1 for n in names(k) if n == "cx") >= 3
