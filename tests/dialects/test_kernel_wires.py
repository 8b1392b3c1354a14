"""The one wire model of a kernel (qglm_ir.dialects.kernel_wires), numbered by hand here."""

from __future__ import annotations

import pytest

from qglm_ir.api import compile
from qglm_ir.core.errors import PassError
from qglm_ir.dialects.kernel_wires import count_wires, number_wires
from qglm_ir.dialects.readout import num_output_wires
from qglm_ir.metrics import wire_indices
from qglm_ir.passes.mapping.wires import analyze as mapping_analyze
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


# Allocations in an scf.if branch, in an scf.for body and after both; the scf.if yields an
# i1 *before* its qubit, so its qubit result is its first qubit result but its second result.
REGION_ALLOCS = """
module {
  q.kernel @k(%p: !q.qubit, %theta: f64) -> (!q.qubit, i1) {
    %0 = arith.constant 0 : i64
    %1 = arith.constant 1 : i64
    %2 = arith.constant 2 : i64
    %a = q.alloc
    %m, %a1 = q.measure %a
    %bit, %pp = scf.if %m (%t = %p) -> (i1, !q.qubit) {
      %s = q.alloc
      %s1 = q.h %s
      %t1, %s2 = q.cx %t, %s1
      %sm, %s3 = q.measure %s2
      q.dealloc %s3
      scf.yield %sm, %t1
    } else (%e) {
      %f = arith.constant false : i1
      scf.yield %f, %e
    }
    %out, %a2 = scf.for %l = %0 to %2 step %1 iter_args(%x = %pp, %y = %a1) -> (!q.qubit, !q.qubit) {
      %r = q.alloc
      %x1, %r1 = q.cx %x, %r
      %y1 = q.ry(%theta) %y
      q.dealloc %r1
      scf.yield %x1, %y1
    }
    %late = q.alloc
    %late1 = q.x %late
    q.dealloc %late1
    q.dealloc %a2
    func.return %out, %bit : !q.qubit, i1
  }
}
"""

REGION_ALLOCS_WIRES = {
    "p": 0, "t": 0, "e": 0, "t1": 0, "pp": 0, "x": 0, "x1": 0, "out": 0,
    "a": 1, "a1": 1, "y": 1, "y1": 1, "a2": 1,
    "s": 2, "s1": 2, "s2": 2, "s3": 2,
    "r": 3, "r1": 3,
    "late": 4, "late1": 4,
}


def test_golden_numbering_with_allocs_inside_regions() -> None:
    k = _kernel(REGION_ALLOCS)
    kw = number_wires(k, in_place_help="in place")
    v = _by_name(k)
    assert {name: kw.wire_of[v[name]] for name in REGION_ALLOCS_WIRES} == REGION_ALLOCS_WIRES
    assert [x.name_hint for x in kw.inputs] == ["p", "a", "s", "r", "late"]
    assert (kw.num_wires, kw.num_args, sorted(kw.allocs), sorted(kw.deallocs)) == (5, 1, [1, 2, 3, 4], [1, 2, 3, 4])
    assert [x.name_hint for x in kw.outputs()] == ["out", "a2", "s3", "r1", "late1"]
    assert kw.output_wires() == [0, 1, 2, 3, 4]
    cx_in_if = v["t1"].op
    assert kw.op_wires(cx_in_if) == (0, 2)
    assert kw.op_wires(v["y1"].op) == (1,)  # the angle operand is not a wire
    assert not kw.mapped
    assert count_wires(k) == num_output_wires(k) == 5
    assert wire_indices(k) == kw.wire_of


# Allocated in one order, first used in another: wire numbers follow allocation, not use.
USE_ORDER = """
module {
  q.kernel @k() {
    %a = q.alloc
    %b = q.alloc
    %c = q.alloc
    %c1 = q.x %c
    %b1, %c2 = q.cx %b, %c1
    %b2 = q.h %b1
    q.dealloc %b2
    q.dealloc %c2
    q.dealloc %a
    func.return
  }
}
"""


def test_after_layout_wire_w_is_physical_qubit_w() -> None:
    from qglm_ir.targets import load_device
    from qglm_ir.text import print_module

    src = parse_module(USE_ORDER, filename="t.qglmir")
    out = compile(src, device=load_device("line:5"), passes="layout{strategy=trivial}")
    k = next(op for op in out.body if op.name == "q.kernel")
    kw = number_wires(k)
    assert kw.mapped and kw.num_wires == 5 and k.properties["initial_layout"] == (0, 1, 2)
    gates = [op for op in k.walk() if op.name in ("q.x", "q.cx", "q.h")]
    # program qubit 2 (the x), then 1 -> 2 (the cx), then 1 (the h), on their physical qubits
    assert [kw.op_wires(g) for g in gates] == [(2,), (1, 2), (1,)], print_module(out)
    assert kw.output_wires() == list(range(5))


def test_mapping_analysis_is_the_model() -> None:
    for text in (USE_ORDER, SWAPPING_LOOP.replace("scf.yield %d, %c", "scf.yield %c, %d")):
        k = _kernel(text)
        kw = mapping_analyze(k)
        ref = number_wires(k)
        assert kw.vid == ref.wire_of and kw.inputs == ref.inputs and kw.out_vids == ref.output_wires()
    v = _by_name(_kernel(USE_ORDER))
    k = v["a"].op.parent_op
    assert [mapping_analyze(k).vid[v[n]] for n in ("a", "b", "c", "c1", "b2")] == [0, 1, 2, 2, 1]
    with pytest.raises(PassError, match="q.alloc inside a control-flow region is not supported by mapping"):
        mapping_analyze(_kernel(ARG_THEN_INNER_ALLOC))
    with pytest.raises(PassError, match="yields qubit of wire 1 where wire 0 is carried"):
        mapping_analyze(_kernel(SWAPPING_LOOP))


def test_qec_wires_are_the_model() -> None:
    k = _kernel(REGION_ALLOCS)
    kw = qec_analyze(k)
    assert kw.wire_of == number_wires(k).wire_of
    v = _by_name(k)
    assert kw.op_wires(v["x1"].op) == (0, 3)


def test_backend_lines_are_wires() -> None:
    """Every exporter's circuit line of a gate is the wire the model gives its operands."""
    from qglm_ir.backends._kernel_view import Gate, build_view, walk_instrs

    src = parse_module(USE_ORDER, filename="t.qglmir")
    k = next(op for op in src.body if op.name == "q.kernel")
    view = build_view(src, k)
    kw = number_wires(k)
    want = [kw.op_wires(op) for op in k.walk() if op.name in ("q.x", "q.cx", "q.h")]
    assert [g.qubits for g in walk_instrs(view.body) if isinstance(g, Gate)] == want == [(2,), (1, 2), (1,)]
    assert view.num_qubits == kw.num_wires

    src = parse_module(ARG_THEN_INNER_ALLOC, filename="t.qglmir")
    k = next(op for op in src.body if op.name == "q.kernel")
    view = build_view(src, k)
    kw = number_wires(k)
    gates = [g for g in walk_instrs(view.body) if isinstance(g, Gate)]
    assert [g.qubits for g in gates[:2]] == [kw.op_wires(op) for op in k.walk() if op.name in ("q.h", "q.cx")]
    assert gates[1].qubits == (0, 1) and view.num_qubits == 2


def test_semantics_state_is_little_endian_over_the_model_wires() -> None:
    """X on the *second* allocated qubit, used first: basis state 1 << 1 (checked by hand)."""
    import numpy as np

    from qglm_ir.semantics import statevector
    from qglm_ir.semantics.active import restrict_to_active

    text = """
module {
  q.kernel @k() {
    %a = q.alloc
    %b = q.alloc
    %idle = q.alloc
    %b1 = q.x %b
    %a1 = q.h %a
    q.dealloc %a1
    q.dealloc %b1
    q.dealloc %idle
    func.return
  }
}
"""
    src = parse_module(text, filename="t.qglmir")
    k = next(op for op in src.body if op.name == "q.kernel")
    psi = statevector(k)
    want = np.zeros(8, dtype=complex)
    want[0b010] = want[0b011] = 2 ** -0.5  # wire 1 is |1>, wire 0 is |+>, wire 2 is |0>
    assert np.allclose(psi, want)
    small, wires = restrict_to_active(k)
    assert wires == [0, 1]  # the idle one is wire 2 of the model
    assert number_wires(k).allocs[2].results[0].name_hint == "idle"
    assert np.allclose(statevector(small), want[:4])
