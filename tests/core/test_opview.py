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
