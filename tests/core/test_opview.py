"""Declared op fields (``OpView``): names instead of operand offsets."""

from __future__ import annotations

import pytest

from qglm_ir.core.ir import Block, Operation, Region
from qglm_ir.core.opdef import OpView
from qglm_ir.core.types import f64, i1, i64, qubit
from qglm_ir.dialects.scf import ConditionOp, ForOp, IfOp, WhileOp, carried, carried_offset


def _values(*types):
    return [Operation("test.src", (), [t]).results[0] for t in types]


def test_scf_for_fields_by_name() -> None:
    lb, ub, step, q, x = _values(i64, i64, i64, qubit, f64)
    body = Block([i64, qubit, f64])
    op = Operation("scf.for", [lb, ub, step, q, x], [qubit, f64], regions=[Region([body])])
    f = ForOp(op)
    assert (f.lb, f.ub, f.step) == (lb, ub, step)
    assert f.bounds == [lb, ub, step]
    assert f.iter_args == [q, x] == carried(op)
    assert f.body.blocks[0] is body
    assert ForOp.offset("iter_args") == carried_offset("scf.for") == 3
    assert ForOp.min_operands() == 3


def test_if_while_condition_fields() -> None:
    c, q = _values(i1, qubit)
    op = Operation("scf.if", [c, q], [qubit], regions=[Region([Block([qubit])]), Region([Block([qubit])])])
    assert IfOp(op).cond is c and IfOp(op).inputs == [q]
    assert IfOp(op).else_ is op.regions[1]
    w = Operation("scf.while", [q], [qubit], regions=[Region([Block([qubit])]), Region([Block([qubit])])])
    assert WhileOp(w).inits == [q] and carried_offset("scf.while") == 0
    cond = Operation("scf.condition", [c, q])
    assert ConditionOp(cond).cond is c and ConditionOp(cond).values == [q]


def test_groups_after_a_variadic_one_count_from_the_end() -> None:
    class Mid(OpView):
        OP = "test.mid"
        OPERANDS = ("head", "*middle", "tail")

    a, b, c, d = _values(f64, f64, f64, f64)
    m = Mid(Operation("test.mid", [a, b, c, d]))
    assert (m.head, m.middle, m.tail) == (a, [b, c], d)
    assert Mid(Operation("test.mid", [a, d])).middle == []
    with pytest.raises(ValueError):
        Mid.offset("tail")
    with pytest.raises(TypeError):
        type("Two", (OpView,), {"OPERANDS": ("*a", "*b")})


def test_quantum_op_fields_match_their_verifiers() -> None:
    """The declared fields of the q/noise/embed/arith views name the operands the verifiers check."""
    from qglm_ir.core.opdef import get_opdef
    from qglm_ir.core.types import tensor
    from qglm_ir.dialects.arith import UnaryOp
    from qglm_ir.dialects.embed import AnglesOp, StateOp
    from qglm_ir.dialects.noise import ChannelOp
    from qglm_ir.dialects.q import DeallocOp, DelayOp, GlobalPhaseOp, MeasureOp, ResetOp

    q0, q1, angle, n = _values(qubit, qubit, f64, i64)
    cases = [
        (MeasureOp, Operation("q.measure", [q0], [i1, qubit]), "qubit", q0),
        (ResetOp, Operation("q.reset", [q0], [qubit]), "qubit", q0),
        (DeallocOp, Operation("q.dealloc", [q0]), "qubit", q0),
        (DelayOp, Operation("q.delay", [q0], [qubit], {"duration": 10.0, "unit": "ns"}), "qubit", q0),
        (GlobalPhaseOp, Operation("q.global_phase", [angle]), "angle", angle),
        (ChannelOp, Operation("noise.bit_flip", [q0], [qubit], {"p": 0.1}), "qubit", q0),
        (UnaryOp, Operation("arith.cast", [n], [f64]), "input", n),
    ]
    for view, op, field, expected in cases:
        opdef = get_opdef(op.name)
        assert opdef is not None and opdef.verify is not None
        opdef.verify(op)  # the op the view reads is one the dialect accepts
        assert getattr(view(op), field) is expected, (view.__name__, op.name)
    (angles,) = _values(tensor(3))
    state = StateOp(Operation("q.amplitude", [angles, q0, q1], [qubit, qubit], {"mode": "real"}))
    assert state.angles is angles and state.qubits == [q0, q1]
    (data,) = _values(tensor(4))
    assert AnglesOp(Operation("embed.amplitude_angles", [data], [tensor(3)])).data is data
