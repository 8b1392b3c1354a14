"""The wire-tracking KernelBuilder produces linear, well-typed IR."""

from __future__ import annotations

import pytest

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core import f64, qubit


def _qubit_values_used_once(module) -> None:
    for op in module.walk():
        for r in op.results:
            if r.type == qubit:
                assert len(r.uses) == 1, op.name
        for reg in op.regions:
            for blk in reg.blocks:
                for a in blk.args:
                    if a.type == qubit:
                        assert len(a.uses) == 1, op.name


def test_if_else_collects_the_wires_each_branch_touches() -> None:
    mb = ModuleBuilder()
    kb = mb.kernel("k", 3)
    bit = kb.measure(0)
    with kb.if_(bit):
        kb.gate("x", 2)
    with kb.else_():
        kb.gate("h", 1)
        kb.gate("cx", 1, 2)
    kb.finish([bit])
    (if_op,) = [op for op in mb.module.walk() if op.name == "scf.if"]
    # wires 2 (then) and 1 (else): both blocks take both, in one order.
    assert len(if_op.operands) == 3 and len(if_op.results) == 2
    then, els = (r.block for r in if_op.regions)
    assert len(then.args) == len(els.args) == 2
    assert then.last.name == els.last.name == "scf.yield"
    _qubit_values_used_once(mb.module)


def test_for_loop_threads_wires_as_iter_args() -> None:
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2, inputs=[("a", f64)])
    with kb.for_(0, 4) as i:
        x = kb.b.create("arith.cast", [i], [f64]).result
        kb.gate("rz", 1, params=[kb.arith("mul", x, kb.input("a"))])
        with kb.for_(0, 2):
            kb.gate("cx", 1, 0)
    kb.finish()
    loops = [op for op in mb.module.walk() if op.name == "scf.for"]
    assert len(loops) == 2
    outer = loops[0]
    assert [str(v.type) for v in outer.operands[3:]] == ["!q.qubit", "!q.qubit"]
    _qubit_values_used_once(mb.module)


def test_constants_are_hoisted_and_shared() -> None:
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1)
    for _ in range(10):
        kb.gate("rx", 0, params=[0.25])
    kb.finish()
    consts = [op for op in mb.module.walk() if op.name == "arith.constant"]
    assert len(consts) == 1 and consts[0].parent.first is consts[0]


def test_bad_gate_use_is_rejected_early() -> None:
    kb = ModuleBuilder().kernel("k", 2)
    with pytest.raises(ValueError):
        kb.gate("cx", 0, 0)
    with pytest.raises(ValueError):
        kb.gate("rx", 0)
    with pytest.raises(IndexError):
        kb.gate("x", 5)
    with pytest.raises(KeyError):
        kb.gate("nope", 0)
