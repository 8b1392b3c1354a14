"""Invariants of the core data structure: use lists, linked-list blocks, cloning."""

from __future__ import annotations

import pytest

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core import Block, Builder, DenseArray, Module, Operation, Region, SymbolRef, f64, i64, qubit
from qglm_ir.core.attributes import check_attr_value
from qglm_ir.core.types import FunctionType, TensorType, tensor


def _ops(block: Block) -> list[str]:
    return [op.name for op in block]


def test_types_print_and_compare() -> None:
    assert str(qubit) == "!q.qubit"
    assert str(tensor(2, 8)) == "tensor<2x8xf64>"
    assert str(TensorType((3,), i64)) == "tensor<3xi64>"
    assert str(FunctionType((f64, qubit), (qubit,))) == "(f64, !q.qubit) -> (!q.qubit)"
    assert tensor(2, 8) == TensorType((2, 8), f64)
    with pytest.raises(ValueError):
        TensorType((2,), qubit)


def test_uses_track_operands_and_replacement() -> None:
    block = Block()
    b = Builder.at_end(block)
    c = b.create("arith.constant", [], [f64], {"value": 1.0}).result
    d = b.create("arith.constant", [], [f64], {"value": 2.0}).result
    add = b.create("arith.add", [c, c], [f64])
    assert c.uses == [add, add]
    c.replace_all_uses_with(d)
    assert c.uses == [] and d.uses == [add, add]
    assert add.operands == [d, d]
    add.set_operand(0, c)
    assert c.uses == [add] and d.uses == [add]
    with pytest.raises(ValueError):
        c.owner.erase()  # still used
    add.erase()
    assert c.uses == [] and d.uses == []
    assert _ops(block) == ["arith.constant", "arith.constant"]


def test_block_linked_list_insert_erase_and_safe_iteration() -> None:
    block = Block()
    ops = [block.append(Operation(f"t.op{i}")) for i in range(5)]
    block.insert_before(Operation("t.first"), ops[0])
    block.insert_after(Operation("t.last"), ops[4])
    block.insert_after(Operation("t.mid"), ops[1])
    assert _ops(block) == ["t.first", "t.op0", "t.op1", "t.mid", "t.op2", "t.op3", "t.op4", "t.last"]
    for op in block:  # erasing the current op while iterating is allowed
        if op.name in ("t.op0", "t.mid", "t.last"):
            op.erase()
    assert _ops(block) == ["t.first", "t.op1", "t.op2", "t.op3", "t.op4"]
    assert [op.name for op in reversed(block)] == list(reversed(_ops(block)))
    assert len(block) == 5


def test_moving_an_op_keeps_the_list_consistent() -> None:
    block = Block()
    a, b_, c = (block.append(Operation(n)) for n in ("t.a", "t.b", "t.c"))
    c.detach()
    block.insert_before(c, a)
    assert _ops(block) == ["t.c", "t.a", "t.b"]
    assert block.first is c and block.last is b_ and a.prev is c and c.prev is None


def test_clone_is_deep_and_independent() -> None:
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2)
    kb.gate("h", 0)
    bit = kb.measure(0)
    with kb.if_(bit):
        kb.gate("x", 1)
    kb.finish([bit])
    m = mb.module
    copy = m.clone()
    assert isinstance(copy, Module)
    names = [op.name for op in m.walk()]
    assert [op.name for op in copy.walk()] == names
    # No value or op is shared between original and copy.
    orig_values = {id(r) for op in m.walk() for r in op.results}
    assert not orig_values & {id(r) for op in copy.walk() for r in op.results}
    for op in copy.walk():
        for v in op.operands:
            assert id(v) not in orig_values
    # Mutating the copy leaves the original untouched.
    for op in list(copy.walk()):
        if op.name == "q.h":
            op.results[0].replace_all_uses_with(op.operands[0])
            op.erase()
    assert [op.name for op in m.walk()] == names


def test_attribute_values_are_checked_and_frozen() -> None:
    assert check_attr_value([1, [2.0, "a"]]) == (1, (2.0, "a"))
    d = DenseArray([[1, 0], [0, 1j]])
    assert d.dtype_name == "c128" and d == DenseArray([[1, 0], [0, 1j]]) and hash(d)
    with pytest.raises(ValueError):
        d.array[0, 0] = 2
    with pytest.raises(TypeError):
        check_attr_value(object())
    op = Operation("t.op", properties={"callee": SymbolRef("f")})
    with pytest.raises(TypeError):
        op.properties["x"] = 1  # type: ignore[index]
    op.set_property("x", 1)
    assert op.properties == {"callee": SymbolRef("f"), "x": 1}


def test_region_ownership_is_exclusive() -> None:
    r = Region([Block()])
    Operation("t.a", regions=[r])
    with pytest.raises(ValueError):
        Operation("t.b", regions=[r])
    blk = Block()
    blk.append(op := Operation("t.c"))
    with pytest.raises(ValueError):
        Block().append(op)


def test_symbol_table() -> None:
    mb = ModuleBuilder("m")
    mb.param("w", tensor(3))
    mb.kernel("k", 1).finish()
    table = mb.module.symbols()
    assert "w" in table and table.lookup("k").name == "q.kernel"
    assert mb.module.lookup("nope") is None


def test_plain_builds_what_init_builds() -> None:
    """``Operation.plain`` (the gate constructor of the rewrites) gives the op ``__init__`` gives:
    same fields, shared empty property maps, one use per operand, results owned."""
    block = Block([qubit, qubit])
    angle = Builder.at_end(block).create("arith.constant", [], [f64], {"value": 0.5}).result
    q0, q1 = block.args
    ref = Operation("q.rzz", [angle, q0, q1], [qubit, qubit])
    new = Operation.plain("q.rzz", [angle, q0, q1], [qubit, qubit])
    for op in (ref, new):
        assert (op.name, op.operands, op.regions, op.parent, op.prev, op.next, op.loc) == (
            "q.rzz", [angle, q0, q1], (), None, None, None, None)
        assert dict(op.properties) == {} and dict(op.attributes) == {}
        assert [(r.type, r.index, r.op) for r in op.results] == [(qubit, 0, op), (qubit, 1, op)]
    assert new.properties is ref.properties  # the shared empty map, no per-op allocation
    assert angle.uses == [ref, new] and q0.uses == [ref, new] and q1.uses == [ref, new]
    block.append(new)
    new.erase()
    assert angle.uses == [ref]
