"""``gates_in_order`` (the list every pass run starts from) and the dead-classical sweep
on kernels with nested regions: the linked-list walk must agree with ``Operation.walk``."""

from __future__ import annotations

from pathlib import Path

from qglm_ir.core.eraser import Eraser
from qglm_ir.passes.optimize.wires import SPECS, gates_in_order, kernels, sweep_dead_classical
from qglm_ir.text import parse_module

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "bell_feedforward.qglmir"

NESTED = """
module @m {
  q.kernel @k(%theta: f64) -> (i1) {
    %q0 = q.alloc
    %a0 = q.h %q0
    %m0, %c0 = q.measure %a0
    %unused = arith.constant 1.5 : f64
    %r = scf.if %m0 (%t = %c0) -> (!q.qubit) {
      %x = q.x %t
      %y = q.rz(%theta) %x
      scf.yield %y
    } else (%e) {
      %z = q.sx %e
      scf.yield %z
    }
    %w = q.h %r
    q.dealloc %w
    func.return %m0 : i1
  }
}
"""


def test_gates_in_order_matches_walk_with_regions():
    for text in (NESTED, EXAMPLE.read_text()):
        (k,) = kernels(parse_module(text))
        expected = [op for op in k.walk() if op.name in SPECS]
        got = gates_in_order(k)
        assert got == expected
        assert any(op.parent is not k.regions[0].blocks[0] for op in got)  # nested gates found


def test_sweep_removes_only_unused_classical_ops():
    (k,) = kernels(parse_module(NESTED))
    before = [op.name for op in k.walk()]
    eraser = Eraser()
    assert sweep_dead_classical(k, eraser) == 1  # the unused constant; gates and uses stay
    eraser.flush()
    after = [op.name for op in k.walk()]
    assert before.count("arith.constant") == 1 and "arith.constant" not in after
    assert [n for n in before if n != "arith.constant"] == after
