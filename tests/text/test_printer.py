"""Golden tests of the printed forms, SSA naming, and the generic form of every op."""

from __future__ import annotations

import textwrap

import pytest

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core.attributes import SymbolRef
from qglm_ir.core.ir import Block, Operation, Region
from qglm_ir.core.module import Module
from qglm_ir.core.opdef import registered_ops
from qglm_ir.core.types import FunctionType, f64, i1, i64, qubit
from qglm_ir.text import parse_module, print_module, print_op, structural_diff


def _golden(text: str) -> None:
    """``text`` is canonical: it parses and prints back unchanged."""
    text = textwrap.dedent(text).lstrip("\n")
    assert print_module(parse_module(text)) == text


GOLDEN = {
    "custom forms": """
        module @m attributes {version = 2} {
          param.decl @w : tensor<2xf64> trainable = dense<2xf64 [0.5, -1.25]> {doc = "weights"}
          param.decl @s : f64 frozen
          q.kernel @k(%theta: f64, %n: i64) -> (i1, i1) attributes {shots = 100} {
            %c0 = arith.constant 0 : i64
            %c1 = arith.constant 1 : i64
            %t = arith.constant true : i1
            %w = param.get @w : tensor<2xf64>
            %x = tensor.extract %w, %c0 : f64
            %y = arith.cmp %x, %theta <{predicate = "lt"}> : i1
            %a = q.alloc
            %b = q.alloc
            %a1 = q.u(%theta, %x, %x) %a
            %a2, %b1 = q.crx(%x) %a1, %b {note = "entangle"}
            %a3, %b2 = q.barrier %a2, %b1
            %m, %a4 = q.measure %a3
            %r0, %r1 = scf.for %i = %c0 to %n step %c1 iter_args(%p = %a4, %q = %b2) -> (!q.qubit, !q.qubit) {
              %fi = arith.cast %i : f64
              %p1 = q.rz(%fi) %p
              scf.yield %p1, %q
            }
            %s = scf.if %y (%z = %r1) -> (!q.qubit) {
              %z1 = q.x %z
              scf.yield %z1
            } else (%z2) {
              scf.yield %z2
            }
            %d = q.delay %s <{duration = 20.0, unit = "ns"}>
            q.global_phase(%x)
            q.dealloc %r0
            q.dealloc %d
            func.return %m, %y : i1, i1
          }
          func.func @main() -> (i1, i1) {
            %theta = arith.constant 0.5 : f64
            %n = arith.constant 3 : i64
            %m, %y = func.call @k(%theta, %n) : (f64, i64) -> (i1, i1)
            scf.if %m {
            } else {
            }
            func.return %m, %y : i1, i1
          }
        }
        """,
    "generic forms": """
        module {
          "test.op"() : () -> ()
          %0, %1 = "test.op"() <{a = [1, 2.0, "s", @sym, none, true, f64, (i1) -> (i1)]}> : () -> (f64, i64)
          "test.regions"(%0) ({
          }, {
          ^bb0:
          }, {
          ^bb0:
            %2 = "test.inner"(%0, %1) : (f64, i64) -> (i1)
          ^bb1(%3: i1, %4: f64):
            "test.use"(%2, %3) : (i1, i1) -> ()
          }) {b = 1} : (f64) -> ()
          %5 = "scf.while"(%1) ({
          ^bb0(%6: i64):
            %7 = arith.constant false : i1
            scf.condition %7, %6
          }, {
          ^bb0(%8: i64):
            scf.yield %8
          }) : (i64) -> (i64)
        }
        """,
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden(name: str):
    _golden(GOLDEN[name])


def test_top_level_ops_without_module_are_wrapped():
    m = parse_module('"test.a"() : () -> ()\n"test.b"() : () -> ()\n')
    assert isinstance(m, Module) and m.sym_name is None
    assert [op.name for op in m.body] == ["test.a", "test.b"]
    assert print_module(parse_module("")) == "module {\n}\n"


def test_names_use_unique_valid_hints_else_numbers():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2)
    a = kb.gate("h", 0).result
    a.name_hint = "q"
    b = kb.gate("h", 1).result
    b.name_hint = "q"  # duplicate: both get numbers
    c = kb.gate("x", 0).result
    c.name_hint = "9lives"  # not an identifier: number
    d = kb.gate("x", 1).result
    d.name_hint = "fine_name"
    kb.finish()
    text = print_module(mb.module)
    assert "%2 = q.h %0" in text and "%3 = q.h %1" in text
    assert "%4 = q.x %2" in text and "%fine_name = q.x %3" in text
    assert "%q " not in text


def test_names_restart_per_isolated_op_and_hints_may_repeat_across_kernels():
    mb = ModuleBuilder()
    for name in ("a", "b"):
        kb = mb.kernel(name, 1, inputs=[("theta", f64)])
        kb.gate("ry", 0, params=[kb.input("theta")])
        kb.finish()
    text = print_module(mb.module)
    assert text.count("(%theta: f64)") == 2
    assert text.count("%1 = q.ry(%theta) %0") == 2


def test_ops_that_custom_forms_cannot_express_print_generically():
    m = Module()
    body = Block([f64])
    k = Operation(
        "q.kernel",
        properties={"sym_name": "k", "function_type": FunctionType((f64,), ()), "extra": 1},
        regions=[Region([body])],
    )
    m.append(k)
    # a gate whose result type is not a qubit, and a kernel body with a mismatched signature
    alloc = Operation("q.alloc", (), [qubit])
    body.append(alloc)
    body.append(Operation("q.h", [alloc.result], [f64]))
    body.append(Operation("func.return"))
    k2 = Operation(
        "func.func",
        properties={"sym_name": "f", "function_type": FunctionType((i64,), ())},
        regions=[Region([Block([f64])])],
    )
    k2.regions[0].blocks[0].append(Operation("func.return"))
    m.append(k2)
    m.append(Operation("param.decl", properties={"sym_name": "p", "type": f64, "trainable": True, "init": None}))
    m.append(Operation("func.call", properties={"callee": "not a symbol"}))
    text = print_module(m)
    assert '"q.kernel"() <{extra = 1, function_type = (f64) -> (), sym_name = "k"}> ({' in text
    assert '%2 = "q.h"(%1) : (!q.qubit) -> (f64)' in text
    assert '"func.func"() <{function_type = (i64) -> (), sym_name = "f"}> ({' in text
    assert '"param.decl"() <{init = none, sym_name = "p", trainable = true, type = f64}> : () -> ()' in text
    assert '"func.call"() <{callee = "not a symbol"}> : () -> ()' in text
    assert structural_diff(m, parse_module(text)) is None


def test_print_op_names_outside_values_and_has_no_trailing_newline():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2)
    op = kb.gate("cx", 0, 1)
    kb.finish()
    assert print_op(op) == "%2, %3 = q.cx %0, %1"
    assert print_op(kb.op).startswith("q.kernel @k() {\n  %0 = q.alloc\n")
    assert print_op(op, generic=True) == '%2, %3 = "q.cx"(%0, %1) : (!q.qubit, !q.qubit) -> (!q.qubit, !q.qubit)'


def _generic_samples(name: str) -> list[str]:
    """Generic-form texts with the op ``name`` in a few shapes (verify-valid or not)."""
    quoted = f'"{name}"'
    return [
        f"{quoted}() : () -> ()",
        f'%a, %b = {quoted}(%x, %q) <{{k = 1, callee = @f, sym_name = "s"}}> : (f64, !q.qubit) -> (f64, !q.qubit)',
        f"%r = {quoted}(%x) ({{\n^bb0(%y: f64):\n  {quoted}(%y) : (f64) -> ()\n}}) {{tag = true}} : (f64) -> (i1)",
    ]


@pytest.mark.parametrize("name", sorted(registered_ops()))
def test_generic_form_is_accepted_for_every_registered_op(name: str):
    for sample in _generic_samples(name):
        text = (
            "module {\n  %x = \"test.src\"() : () -> (f64)\n  %q = \"test.src\"() : () -> (!q.qubit)\n"
            + "\n".join("  " + line for line in sample.splitlines())
            + "\n}\n"
        )
        m = parse_module(text)
        ops = list(m.body)
        assert ops[2].name == name
        printed = print_module(m)  # custom form where it applies
        again = parse_module(printed)
        assert structural_diff(m, again) is None
        assert print_module(again) == printed
        assert structural_diff(m, parse_module(print_module(m, generic=True))) is None


def test_symbol_ops_keep_other_properties():
    m = Module()
    blk = m.body
    get = Operation("param.get", (), [f64], {"name": SymbolRef("w"), "cache": True})
    blk.append(get)
    blk.append(Operation("func.call", [get.result], [i1], {"callee": SymbolRef("f"), "tail": False}))
    text = print_module(m)
    assert "%0 = param.get @w <{cache = true}> : f64" in text
    assert "%1 = func.call @f(%0) <{tail = false}> : (f64) -> (i1)" in text
    assert structural_diff(m, parse_module(text)) is None
