"""The one wire model of a kernel (qglm_ir.dialects.kernel_wires), numbered by hand here."""

from __future__ import annotations

import pytest

from qglm_ir.core.errors import PassError
from qglm_ir.dialects.kernel_wires import number_wires
from qglm_ir.metrics import wire_indices
from qglm_ir.passes.qec.wires import analyze as qec_analyze
from qglm_ir.text import parse_module

SWAPPING_LOOP = """
module {
  q.kernel @k(%t: tensor<3xf64>) {
    %0 = arith.constant 0 : i64
    %1 = arith.constant 1 : i64
    %3 = arith.constant 3 : i64
    %q0 = q.alloc
    %q1 = q.alloc
    %a, %b = scf.for %l = %0 to %3 step %1 iter_args(%x = %q0, %y = %q1) -> (!q.qubit, !q.qubit) {
      %th = tensor.extract %t, %l : f64
      %r = q.ry(%th) %x
      %c, %d = q.cx %r, %y
      scf.yield %d, %c
    }
    q.dealloc %a
    q.dealloc %b
    func.return
  }
}
"""

ARG_THEN_INNER_ALLOC = """
module {
  q.kernel @k(%p: !q.qubit) -> (!q.qubit) {
    %0 = arith.constant 0 : i64
    %1 = arith.constant 1 : i64
    %2 = arith.constant 2 : i64
    %out = scf.for %l = %0 to %2 step %1 iter_args(%x = %p) -> (!q.qubit) {
      %s = q.alloc
      %h = q.h %s
      %c, %d = q.cx %x, %h
      q.dealloc %d
      scf.yield %c
    }
    func.return %out
  }
}
"""


def _kernel(text: str):
    return next(op for op in parse_module(text, filename="t.qglmir").body if op.name == "q.kernel")


def _by_name(kernel) -> dict[str, object]:
    """Every value of ``kernel`` by the name it had in the source text."""
    values = [v for op in kernel.walk() for v in op.results]
    values += [a for op in kernel.walk() for r in op.regions for b in r.blocks for a in b.args]
    return {v.name_hint: v for v in values if v.name_hint}


def test_carried_qubits_keep_their_wire_through_a_loop() -> None:
    k = _kernel(SWAPPING_LOOP)
    kw = number_wires(k)
    v = _by_name(k)
    expected = {"q0": 0, "q1": 1, "x": 0, "y": 1, "r": 0, "c": 0, "d": 1, "a": 0, "b": 1}
    assert {name: kw.wire_of[v[name]] for name in expected} == expected
    assert (kw.num_wires, kw.num_args, sorted(kw.allocs), sorted(kw.deallocs)) == (2, 0, [0, 1], [0, 1])
    assert wire_indices(k) == kw.wire_of  # the metric uses the same numbering


def test_a_yield_that_permutes_qubits_is_refused_only_when_asked() -> None:
    k = _kernel(SWAPPING_LOOP)
    with pytest.raises(PassError, match="yields qubit of wire 1 where wire 0 is carried"):
        number_wires(k, in_place_help="keep wires in place")
    with pytest.raises(PassError) as refused:
        qec_analyze(k)
    assert "keep each wire in place" in (refused.value.help or "")


def test_arguments_first_then_allocations_in_pre_order() -> None:
    k = _kernel(ARG_THEN_INNER_ALLOC)
    kw = number_wires(k, in_place_help="x")
    v = _by_name(k)
    expected = {"p": 0, "x": 0, "s": 1, "h": 1, "c": 0, "d": 1, "out": 0}
    assert {name: kw.wire_of[v[name]] for name in expected} == expected
    assert (kw.num_wires, kw.num_args, sorted(kw.allocs), sorted(kw.deallocs)) == (2, 1, [1], [1])
