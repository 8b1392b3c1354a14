"""The structural verifier: one hand-built bad module per rule, plus well-formed IR and scale."""

from __future__ import annotations

import sys

import pytest

from qglm_ir.builder import ModuleBuilder, param_ref
from qglm_ir.core import (
    Block,
    Builder,
    Location,
    Module,
    Operation,
    Region,
    SymbolRef,
    VerifyError,
    f64,
    i1,
    i64,
    qubit,
    tensor,
)
from qglm_ir.core.types import FunctionType, Type
from qglm_ir.verify import OpVerifyError, verify, verify_all

# ---------------------------------------------------------------- helpers


def shell(module: Module, name: str = "k", inputs: tuple[Type, ...] = (),
          results: tuple[Type, ...] = (), kind: str = "q.kernel") -> tuple[Operation, Builder]:
    """A kernel/function op with an empty body; returns it and a builder at its body."""
    body = Block(inputs)
    op = Operation(kind, properties={"sym_name": name, "function_type": FunctionType(inputs, results)},
                   regions=[Region([body])])
    module.append(op)
    return op, Builder.at_end(body)


def alloc(b: Builder) -> Operation:
    return b.create("q.alloc", (), [qubit])


def gate(b: Builder, name: str, *qs, params=()) -> Operation:
    return b.create("q." + name, [*params, *qs], [qubit] * len(qs))


def const(b: Builder, value: float) -> Operation:
    return b.create("arith.constant", (), [f64], {"value": value})


def ret(b: Builder, *vals) -> Operation:
    return b.create("func.return", list(vals))


def one_error(module: Operation) -> VerifyError:
    """Exactly one error, and verify() raises that same one."""
    errors = verify_all(module)
    assert len(errors) == 1, [e.message for e in errors]
    with pytest.raises(VerifyError) as info:
        verify(module)
    assert info.value.message == errors[0].message
    return errors[0]


def messages(module: Operation) -> list[str]:
    return [e.message for e in verify_all(module)]


# ---------------------------------------------------------------- well-formed IR


def well_formed_module() -> Module:
    """Params, a kernel with nested for/if/else/while, a func.func calling it."""
    mb = ModuleBuilder("ok")
    w = mb.param("w", f64, init=0.5)
    mb.param("t", tensor(2), trainable=False)
    kb = mb.kernel("ansatz", num_qubits=3, inputs=[("theta", f64)])
    th = kb.input("theta")
    kb.gate("h", 0)
    with kb.for_(0, 4) as i:
        kb.gate("ry", 1, params=[th])
        kb.gate("cx", 0, 1)
        with kb.for_(0, i):
            bit = kb.measure(2)
            with kb.if_(bit):
                kb.gate("x", 2)
                kb.gate("rz", 0, params=[kb.arith("mul", th, 2.0)])
            with kb.else_():
                kb.gate("cz", 1, 2)
    wv = param_ref(kb.b, w)
    kb.gate("rx", 2, params=[wv])
    out = kb.measure(1)
    kb.finish([out])
    _add_while_kernel(mb.module)
    fn, b = mb.func("host", [f64], [i1])
    call = b.create("func.call", [fn.regions[0].block.args[0]], [i1], {"callee": SymbolRef("ansatz")})
    b.create("func.return", [call.result])
    return mb.module


def _add_while_kernel(module: Module) -> None:
    _, b = shell(module, "until_one", (qubit,), (qubit,))
    q0 = b.block.args[0]
    before = Block([qubit])
    bb = Builder.at_end(before)
    m = bb.create("q.measure", [before.args[0]], [i1, qubit])
    bb.create("scf.condition", [m.results[0], m.results[1]])
    after = Block([qubit])
    ab = Builder.at_end(after)
    h = gate(ab, "h", after.args[0])
    ab.create("scf.yield", [h.result])
    loop = b.create("scf.while", [q0], [qubit], regions=[Region([before]), Region([after])])
    ret(b, loop.result)


def test_well_formed_module_with_nested_scf_verifies() -> None:
    module = well_formed_module()
    assert verify_all(module) == []
    verify(module)
    kernel = module.lookup("ansatz")
    assert kernel is not None
    verify(kernel)  # a sub-op verifies in context
    loop = next(op for op in kernel.walk() if op.name == "scf.for")
    verify(loop)


def test_verify_does_not_mutate() -> None:
    module = well_formed_module()
    before = [(op.name, len(op.operands), [len(r.uses) for r in op.results]) for op in module.walk()]
    verify_all(module)
    after = [(op.name, len(op.operands), [len(r.uses) for r in op.results]) for op in module.walk()]
    assert before == after


# ---------------------------------------------------------------- linearity


def test_double_use_of_a_qubit() -> None:
    m = Module()
    _, b = shell(m)
    q = alloc(b).result
    h = gate(b, "h", q)
    x = gate(b, "x", q)
    b.create("q.dealloc", [h.result])
    b.create("q.dealloc", [x.result])
    ret(b)
    err = one_error(m)
    assert err.message.startswith("'q.x' op (#")
    assert "qubit result #0 of q.alloc is used 2 times (by q.h and q.x)" in err.message
    assert isinstance(err, OpVerifyError) and err.op is x
    assert "returns the qubit as result #0 of q.h" in (err.help or "")


def test_same_qubit_twice_on_one_gate() -> None:
    m = Module()
    _, b = shell(m)
    q = alloc(b).result
    cx = gate(b, "cx", q, q)
    for r in cx.results:
        b.create("q.dealloc", [r])
    ret(b)
    err = one_error(m)
    assert "is used 2 times (by q.cx and q.cx)" in err.message


def test_use_after_measure_consumed_the_qubit() -> None:
    m = Module()
    _, b = shell(m)
    q = alloc(b).result
    q.name_hint = "q"
    meas = b.create("q.measure", [q], [i1, qubit])
    meas.results[1].name_hint = "q1"
    h = gate(b, "h", q)
    b.create("q.dealloc", [meas.results[1]])
    b.create("q.dealloc", [h.result])
    ret(b)
    err = one_error(m)
    assert "'q.h' op" in err.message
    assert "qubit %q is used 2 times (by q.measure and q.h)" in err.message
    assert err.help == "q.measure consumes %q and returns the qubit as %q1; use that value afterwards"


def test_unused_qubit() -> None:
    m = Module()
    _, b = shell(m)
    q = alloc(b).result
    h = gate(b, "h", q)
    h.result.name_hint = "q"
    ret(b)
    err = one_error(m)
    assert "qubit %q produced by q.h is never used" in err.message
    assert "consumed by a gate, measure, dealloc or return" in err.message
    assert err.op is h  # type: ignore[attr-defined]


def test_unused_qubit_block_argument() -> None:
    m = Module()
    _, b = shell(m, "sub", (qubit,), ())
    ret(b)
    err = one_error(m)
    assert err.message.startswith("'q.kernel' op @sub: qubit block argument #0 of region #0 is never used")


def test_qubit_captured_into_scf_if() -> None:
    m = Module()
    _, b = shell(m, inputs=(i1,))
    q = alloc(b).result
    then, els = Block(), Block()
    tb = Builder.at_end(then)
    x = gate(tb, "x", q)  # q is not an operand of the scf.if: captured
    tb.create("q.dealloc", [x.result])
    tb.create("scf.yield", [])
    Builder.at_end(els).create("scf.yield", [])
    b.create("scf.if", [b.block.args[0]], [], regions=[Region([then]), Region([els])])
    ret(b)
    err = one_error(m)
    assert err.op is x  # type: ignore[attr-defined]
    assert "'q.x' op" in err.message
    assert ("qubit value result #0 of q.alloc defined outside the region is used inside scf.if; "
            "pass it as an operand") in err.message


def test_qubit_captured_two_levels_deep_names_outermost_region() -> None:
    m = Module()
    _, b = shell(m)
    q = alloc(b).result
    c0 = b.create("arith.constant", (), [i64], {"value": 0}).result
    c1 = b.create("arith.constant", (), [i64], {"value": 1}).result
    inner = Block([i64])
    ib = Builder.at_end(inner)
    h = gate(ib, "h", q)
    ib.create("q.dealloc", [h.result])
    ib.create("scf.yield", [])
    outer = Block([i64])
    ob = Builder.at_end(outer)
    ob.create("scf.for", [c0, c1, c1], [], regions=[Region([inner])])
    ob.create("scf.yield", [])
    b.create("scf.for", [c0, c1, c1], [], regions=[Region([outer])])
    ret(b)
    err = one_error(m)
    assert "used inside scf.for; pass it as an operand" in err.message
    assert err.op is h  # type: ignore[attr-defined]


# ---------------------------------------------------------------- types and arity


def test_f64_where_qubit_expected() -> None:
    m = Module()
    _, b = shell(m)
    c = const(b, 1.0).result
    h = b.create("q.h", [c], [qubit])
    b.create("q.dealloc", [h.result])
    ret(b)
    err = one_error(m)
    assert "'q.h' op" in err.message and "qubit operand #0 must be !q.qubit, got f64" in err.message


def test_wrong_gate_arity() -> None:
    m = Module()
    _, b = shell(m)
    q = alloc(b).result
    cx = b.create("q.cx", [q], [qubit])
    b.create("q.dealloc", [cx.result])
    ret(b)
    err = one_error(m)
    assert "'q.cx' op" in err.message and "expects 2 operands, got 1" in err.message


def test_unregistered_op_and_region_count() -> None:
    m = Module()
    _, b = shell(m)
    b.create("q.frobnicate", [], [])
    b.create("scf.if", [b.create("arith.constant", (), [i1], {"value": True}).result], [])
    ret(b)
    msgs = messages(m)
    assert any("unregistered operation 'q.frobnicate'" in s for s in msgs)
    assert any("'scf.if' op" in s and "expects 2 region(s), got 0" in s for s in msgs)


def test_hook_crash_is_reported_not_raised() -> None:
    m = Module()
    _, b = shell(m)
    b.create("tensor.concat", [const(b, 1.0).result], [tensor(1)])
    ret(b)
    msgs = messages(m)
    assert len(msgs) == 1 and msgs[0].startswith("'tensor.concat' op")


# ---------------------------------------------------------------- terminators


def test_missing_terminator() -> None:
    m = Module()
    _, b = shell(m)
    q = alloc(b).result
    b.create("q.dealloc", [q])
    err = one_error(m)
    assert err.message.startswith("'q.kernel' op @k (#2 in walk order): ")
    assert "region #0 must end with a terminator, but its last op is q.dealloc" in err.message


def test_empty_block() -> None:
    m = Module()
    shell(m)
    assert "region #0 has an empty block" in one_error(m).message


def test_terminator_in_the_middle() -> None:
    m = Module()
    _, b = shell(m)
    c0 = b.create("arith.constant", (), [i64], {"value": 0}).result
    body = Block([i64])
    bb = Builder.at_end(body)
    y = bb.create("scf.yield", [])
    bb.create("arith.constant", (), [f64], {"value": 1.0})
    b.create("scf.for", [c0, c0, c0], [], regions=[Region([body])])
    ret(b)
    msgs = messages(m)
    assert any(s.startswith("'scf.for' op") and "must end with a terminator" in s for s in msgs)
    assert any(s.startswith("'scf.yield' op") and "a terminator must be the last op of its block, "
               "but arith.constant follows it" in s for s in msgs)
    assert all(e.op is not None for e in verify_all(m))  # type: ignore[attr-defined]
    del y


def test_return_in_kernel_middle() -> None:
    m = Module()
    _, b = shell(m)
    ret(b)
    ret(b)
    err = one_error(m)
    assert "'func.return' op" in err.message and "last op of its block" in err.message


# ---------------------------------------------------------------- symbols


def test_undefined_callee() -> None:
    mb = ModuleBuilder()
    kb = mb.kernel("ansatz", 1)
    kb.gate("h", 0)
    kb.finish()
    _, b = mb.func("host", [], [])
    b.create("func.call", [], [], {"callee": SymbolRef("ansats")})
    b.create("func.return", [])
    err = one_error(mb.module)
    assert "'func.call' op" in err.message and "callee @ansats does not name a symbol" in err.message
    assert err.help == "did you mean @ansatz?"


def test_callee_is_not_a_function() -> None:
    mb = ModuleBuilder()
    mb.param("w", f64)
    _, b = mb.func("host", [], [])
    b.create("func.call", [], [], {"callee": SymbolRef("w")})
    b.create("func.return", [])
    assert "callee @w is a param.decl, not a function or kernel" in one_error(mb.module).message


def test_call_with_wrong_arity_and_types() -> None:
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1, inputs=[("theta", f64)])
    kb.gate("rx", 0, params=[kb.input("theta")])
    kb.finish([kb.measure(0)])
    _, b = mb.func("host", [], [])
    c = b.create("arith.constant", (), [i64], {"value": 1}).result
    b.create("func.call", [c, c], [i1], {"callee": SymbolRef("k")})
    b.create("func.call", [c], [i1], {"callee": SymbolRef("k")})
    b.create("func.call", [], [f64], {"callee": SymbolRef("k")})
    b.create("func.return", [])
    msgs = messages(mb.module)
    assert len(msgs) == 4, msgs
    assert "@k takes 1 argument, but the call has 2" in msgs[0]
    assert "argument #0 of the call to @k has type i64, but @k expects f64" in msgs[1]
    assert "@k takes 1 argument, but the call has 0" in msgs[2]
    assert "result #0 of the call to @k has type f64, but @k expects i1" in msgs[3]
    assert verify_all(mb.module)[0].help == "callee @k has signature (f64) -> (i1)"


def test_duplicate_symbol() -> None:
    m = Module()
    _, b = shell(m, "k")
    ret(b)
    dup, b2 = shell(m, "k", kind="func.func")
    ret(b2)
    err = one_error(m)
    assert err.op is dup  # type: ignore[attr-defined]
    assert "symbol @k is already defined by q.kernel" in err.message


def test_symbol_not_at_module_level() -> None:
    m = Module()
    _, b = shell(m, "outer")
    inner = Block()
    Builder.at_end(inner).create("func.return", [])
    b.create("func.func", properties={"sym_name": "inner", "function_type": FunctionType((), ())},
             regions=[Region([inner])])
    ret(b)
    msgs = messages(m)
    assert any("'func.func' op @inner" in s and "symbols may only be defined at module level, "
               "not inside q.kernel" in s for s in msgs)


def test_bad_param_get_type() -> None:
    mb = ModuleBuilder()
    mb.param("w", tensor(2, 3))
    kb = mb.kernel("k", 1)
    kb.b.create("param.get", (), [f64], {"name": SymbolRef("w")})
    kb.finish()
    err = one_error(mb.module)
    assert "'param.get' op" in err.message
    assert "parameter @w is declared tensor<2x3xf64>, but param.get returns f64" in err.message


def test_param_get_of_a_kernel_and_unknown_param() -> None:
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1)
    kb.b.create("param.get", (), [f64], {"name": SymbolRef("k")})
    kb.b.create("param.get", (), [f64], {"name": SymbolRef("nope")})
    kb.finish()
    msgs = messages(mb.module)
    assert "@k is a q.kernel, not a param.decl" in msgs[0]
    assert "property 'name' @nope does not name a symbol of the module" in msgs[1]


def test_stats_op_with_unknown_callee_is_reported_once() -> None:
    pytest.importorskip("qglm_ir.dialects.stats")
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1)
    kb.finish([kb.measure(0)])
    _, b = mb.func("host", [], [])
    b.create("stats.expval", [], [tensor(1)], {"callee": SymbolRef("kk"), "shots": 10})
    b.create("stats.expval", [], [tensor(1)], {"callee": SymbolRef("k"), "shots": 10})
    b.create("func.return", [])
    err = one_error(mb.module)
    assert "'stats.expval' op" in err.message and "@kk" in err.message


# ---------------------------------------------------------------- dominance


def test_use_before_def_in_a_block() -> None:
    m = Module()
    _, b = shell(m)
    later = Operation("arith.constant", (), [f64], {"value": 1.0})
    add = b.create("arith.add", [later.result, later.result], [f64])
    b.insert(later)
    ret(b)
    err = one_error(m)
    assert err.op is add  # type: ignore[attr-defined]
    assert "operand result #0 of arith.constant is used before its definition" in err.message


def test_use_of_value_defined_after_enclosing_op() -> None:
    m = Module()
    _, b = shell(m)
    c0 = b.create("arith.constant", (), [i64], {"value": 0}).result
    body = Block([i64])
    later = Operation("arith.constant", (), [f64], {"value": 1.0})
    Builder.at_end(body).create("arith.neg", [later.result], [f64])
    Builder.at_end(body).create("scf.yield", [])
    b.create("scf.for", [c0, c0, c0], [], regions=[Region([body])])
    b.insert(later)
    ret(b)
    assert "is used before its definition" in one_error(m).message


def test_use_of_value_from_sibling_region() -> None:
    m = Module()
    _, b = shell(m, inputs=(i1,))
    then, els = Block(), Block()
    c = Builder.at_end(then).create("arith.constant", (), [f64], {"value": 1.0})
    Builder.at_end(then).create("scf.yield", [])
    Builder.at_end(els).create("arith.neg", [c.result], [f64])
    Builder.at_end(els).create("scf.yield", [])
    b.create("scf.if", [b.block.args[0]], [], regions=[Region([then]), Region([els])])
    ret(b)
    assert "does not dominate this use" in one_error(m).message


def test_own_result_and_undefined_operand() -> None:
    m = Module()
    _, b = shell(m)
    add = b.create("arith.add", [], [f64])
    add.set_operands([add.result, add.result])
    orphan = Operation("arith.constant", (), [f64], {"value": 1.0})
    b.create("arith.neg", [orphan.result], [f64])
    ret(b)
    msgs = messages(m)
    assert any("uses its own result" in s for s in msgs)
    assert any("is not defined: its defining arith.constant is not in any block" in s for s in msgs)


def test_capture_across_a_kernel_boundary() -> None:
    m = Module()
    _, a = shell(m, "a")
    c = const(a, 0.5).result
    c.name_hint = "angle"
    ret(a)
    _, b = shell(m, "b")
    q = alloc(b).result
    rx = gate(b, "rx", q, params=[c])
    b.create("q.dealloc", [rx.result])
    ret(b)
    err = one_error(m)
    assert "'q.rx' op" in err.message
    assert "value %angle defined in q.kernel @a (by arith.constant) is used inside q.kernel @b, " \
           "which is isolated from above" in err.message


def test_capture_of_module_level_value_into_kernel() -> None:
    m = Module()
    c = m.append(Operation("arith.constant", (), [f64], {"value": 0.5}))
    _, b = shell(m)
    b.create("arith.neg", [c.result], [f64])
    ret(b)
    assert "defined in builtin.module" in one_error(m).message


# ---------------------------------------------------------------- scf yields


def _for_with_yield(yield_type_f64: bool) -> Module:
    m = Module()
    _, b = shell(m)
    q = alloc(b).result
    c0 = b.create("arith.constant", (), [i64], {"value": 0}).result
    body = Block([i64, qubit])
    bb = Builder.at_end(body)
    if yield_type_f64:
        bb.create("q.dealloc", [body.args[1]])
        bb.create("scf.yield", [const(bb, 1.0).result])
    else:
        bb.create("scf.yield", [gate(bb, "h", body.args[1]).result])
    loop = b.create("scf.for", [c0, c0, c0, q], [qubit], regions=[Region([body])])
    b.create("q.dealloc", [loop.result])
    ret(b)
    return m


def test_scf_for_yield_types() -> None:
    assert verify_all(_for_with_yield(False)) == []
    err = one_error(_for_with_yield(True))
    assert "'scf.for' op" in err.message
    assert "yielded values vs. iter_args: value #0 has type f64, expected !q.qubit" in err.message


def test_scf_if_yield_types() -> None:
    m = Module()
    _, b = shell(m, inputs=(i1,))
    q = alloc(b).result
    then, els = Block([qubit]), Block([qubit])
    Builder.at_end(then).create("scf.yield", [then.args[0]])
    eb = Builder.at_end(els)
    eb.create("q.dealloc", [els.args[0]])
    eb.create("scf.yield", [])
    op = b.create("scf.if", [b.block.args[0], q], [qubit], regions=[Region([then]), Region([els])])
    b.create("q.dealloc", [op.result])
    ret(b)
    err = one_error(m)
    assert "'scf.if' op" in err.message and "else yield vs. results: expected 1 values, got 0" in err.message


def test_scf_while_yield_types() -> None:
    m = Module()
    _, b = shell(m)
    q = alloc(b).result
    before, after = Block([qubit]), Block([qubit])
    bb = Builder.at_end(before)
    meas = bb.create("q.measure", [before.args[0]], [i1, qubit])
    bb.create("scf.condition", [meas.results[0], meas.results[1]])
    ab = Builder.at_end(after)
    ab.create("q.dealloc", [after.args[0]])
    ab.create("scf.yield", [const(ab, 0.0).result])
    loop = b.create("scf.while", [q], [qubit], regions=[Region([before]), Region([after])])
    b.create("q.dealloc", [loop.result])
    ret(b)
    err = one_error(m)
    assert "'scf.while' op" in err.message and "after yield vs. inits" in err.message


# ---------------------------------------------------------------- diagnostics


def test_error_carries_location_and_renders_caret() -> None:
    src = "module {\n  q.kernel @k() {\n    %q = q.alloc : !q.qubit\n    func.return\n  }\n}\n"
    m = Module()
    _, b = shell(m)
    b.loc = Location("bell.qir", 3, 5, 22, src)
    a = alloc(b)
    a.result.name_hint = "q"
    b.loc = Location("bell.qir", 4, 5, 11, src)
    ret(b)
    err = one_error(m)
    assert err.loc is not None and (err.loc.line, err.loc.col) == (3, 5)
    assert err.message == ("'q.alloc' op: qubit %q produced by q.alloc at 3:5 is never used "
                           "(a qubit must be consumed by a gate, measure, dealloc or return)")
    lines = err.render().splitlines()
    assert lines[0].startswith("bell.qir:3:5: error: 'q.alloc' op: qubit %q")
    assert lines[1] == "      %q = q.alloc : !q.qubit"
    assert lines[2] == "      ^" + "~" * 21
    assert lines[3].startswith("help: ")


def test_verify_all_reports_every_error_in_walk_order() -> None:
    m = Module()
    _, b = shell(m, "a")
    alloc(b)
    ret(b)
    _, b2 = shell(m, "b")
    alloc(b2)
    b2.create("q.nope", [], [])
    ret(b2)
    errors = verify_all(m)
    assert [e.message.split(" op")[0] for e in errors] == ["'q.alloc'", "'q.alloc'", "'q.nope'"]
    assert "in @a" in errors[0].message and "in @b" in errors[1].message
    with pytest.raises(VerifyError) as info:
        verify(m)
    assert info.value.message == errors[0].message


def test_verify_sub_op_sees_enclosing_values() -> None:
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2, inputs=[("theta", f64)])
    with kb.for_(0, 3):
        kb.gate("rx", 0, params=[kb.input("theta")])
        kb.gate("cx", 0, 1)
    kb.finish()
    loop = next(op for op in mb.module.walk() if op.name == "scf.for")
    verify(loop)
    gate_op = next(op for op in loop.walk() if op.name == "q.rx")
    verify(gate_op)


# ---------------------------------------------------------------- depth and scale


def test_deep_nesting_does_not_recurse() -> None:
    """scf.for nested deeper than Python's recursion limit, a qubit threaded through."""
    depth = sys.getrecursionlimit() + 50
    m = Module()
    _, b = shell(m)
    c0 = b.create("arith.constant", (), [i64], {"value": 0}).result
    theta = const(b, 0.25).result
    bodies = [Block([i64, qubit]) for _ in range(depth)]
    innermost = Builder.at_end(bodies[-1])
    rx = gate(innermost, "rx", bodies[-1].args[1], params=[theta])  # classical capture is fine
    innermost.create("scf.yield", [rx.result])
    for outer, inner in zip(reversed(bodies[:-1]), reversed(bodies[1:])):
        ob = Builder.at_end(outer)
        loop = ob.create("scf.for", [c0, c0, c0, outer.args[1]], [qubit], regions=[Region([inner])])
        ob.create("scf.yield", [loop.result])
    q = alloc(b).result
    top = b.create("scf.for", [c0, c0, c0, q], [qubit], regions=[Region([bodies[0]])])
    b.create("q.dealloc", [top.result])
    ret(b)
    assert verify_all(m) == []
    # break linearity at the bottom: the error is still found and located
    innermost_op = rx
    extra = Operation("q.x", [innermost_op.operands[1]], [qubit])
    bodies[-1].insert_after(extra, innermost_op)
    msgs = messages(m)
    assert "is used 2 times (by q.rx and q.x)" in msgs[0]


def test_200k_gate_kernel_verifies() -> None:
    n_qubits, n = 50, 200_000
    mb = ModuleBuilder()
    kb = mb.kernel("big", n_qubits, inputs=[("theta", f64)])
    th = kb.input("theta")
    for i in range(n // 4):
        w = i % n_qubits
        kb.gate("h", w)
        kb.gate("rz", w, params=[th])
        kb.gate("cx", w, (w + 1) % n_qubits)
        kb.gate("sx", (w + 7) % n_qubits)
    kb.finish()
    assert verify_all(mb.module) == []
    # and a single linearity bug deep inside is found
    last_h = None
    for op in kb.body:
        if op.name == "q.h":
            last_h = op
    assert last_h is not None
    extra = Operation("q.x", [last_h.operands[0]], [qubit])
    kb.body.insert_after(extra, last_h)
    errors = verify_all(mb.module)
    assert len(errors) == 2  # the double use, and the new unused result
    assert "is used 2 times (by q.h and q.x)" in errors[0].message
    assert "never used" in errors[1].message


# ---------------------------------------------------------------- generated IR


def test_generated_modules_verify_and_mutations_are_caught() -> None:
    """Generated modules verify; re-using a qubit or dropping a q.dealloc in them never does."""
    strategies = pytest.importorskip("qglm_ir.testing.strategies")
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=25)
    @given(strategies.modules(), st.data())
    def check(module: Module, data) -> None:
        assert verify_all(module) == []
        users = [op for op in module.walk() if op.name.startswith("q.")
                 and any(v.type.is_qubit for v in op.operands)]
        if not users:
            return
        op = data.draw(st.sampled_from(users))
        if op.name == "q.dealloc":
            gone = op.operands[0]
            op.erase()
            msgs = messages(module)
            assert any("never used" in s for s in msgs), msgs
            assert gone.uses == []
        else:
            dup = Operation(op.name, op.operands, op.result_types, op.properties)
            assert op.parent is not None
            op.parent.insert_after(dup, op)
            msgs = messages(module)
            assert any(f"and {dup.name})" in s and "is used 2 times" in s for s in msgs), msgs

    check()


# ---------------------------------------------------------------- from text (line/col)


def _parse(text: str) -> Module:
    mod = pytest.importorskip("qglm_ir.text")
    if not hasattr(mod, "parse_module"):
        pytest.skip("qglm_ir.text.parse_module not available yet")
    return mod.parse_module(text, filename="t.qir")


def _line_col(err: VerifyError) -> tuple[int, int]:
    assert err.loc is not None and err.loc.file == "t.qir"
    return err.loc.line, err.loc.col


DOUBLE_USE = """\
module {
  q.kernel @k() {
    %q = q.alloc
    %a = q.h %q
    %b = q.x %q
    q.dealloc %a
    q.dealloc %b
    func.return
  }
}
"""


def test_text_double_use_points_at_second_use() -> None:
    err = one_error(_parse(DOUBLE_USE))
    line, col = _line_col(err)
    assert line == 5
    # the parser locates an op at its name
    h_col = DOUBLE_USE.splitlines()[3].index("q.h") + 1
    x_col = DOUBLE_USE.splitlines()[4].index("q.x") + 1
    assert col == x_col
    assert err.message == (f"'q.x' op: qubit %q is used 2 times (by q.h at 4:{h_col} and q.x at 5:{x_col})")
    rendered = err.render().splitlines()
    assert rendered[0].startswith(f"t.qir:5:{x_col}: error: 'q.x' op: qubit %q is used 2 times")
    assert rendered[1].strip() == "%b = q.x %q"
    assert rendered[2].strip().startswith("^")


UNUSED = """\
module {
  q.kernel @k() {
    %q = q.alloc
    %a = q.h %q
    func.return
  }
}
"""


def test_text_unused_qubit() -> None:
    err = one_error(_parse(UNUSED))
    line, col = _line_col(err)
    assert (line, col) == (4, UNUSED.splitlines()[3].index("q.h") + 1)
    assert err.message == (f"'q.h' op: qubit %a produced by q.h at 4:{col} is never used "
                           "(a qubit must be consumed by a gate, measure, dealloc or return)")


CAPTURED = """\
module {
  q.kernel @k(%c: i1) {
    %q = q.alloc
    scf.if %c {
      %a = q.x %q
      q.dealloc %a
      scf.yield
    } else {
      scf.yield
    }
    func.return
  }
}
"""


def test_text_qubit_captured_into_scf_if() -> None:
    err = one_error(_parse(CAPTURED))
    assert _line_col(err)[0] == 5
    assert err.message == ("'q.x' op: qubit value %q defined outside the region is used inside scf.if; "
                           "pass it as an operand")


SYMBOLS = """\
module {
  param.decl @w : tensor<2xf64> trainable
  q.kernel @k(%t: f64) -> (i1) {
    %w = param.get @w : f64
    %q = q.alloc
    %a = q.rx(%t) %q
    %m, %b = q.measure %a
    q.dealloc %b
    func.return %m : i1
  }
  func.func @host(%x: f64) {
    %r = func.call @kk(%x) : (f64) -> (i1)
    %s = func.call @k(%r) : (i1) -> (i1)
    func.return
  }
}
"""


def test_text_symbol_errors() -> None:
    errors = verify_all(_parse(SYMBOLS))
    got = [(e.loc.line if e.loc else None, e.message) for e in errors]
    assert [g[0] for g in got] == [4, 12, 13], got
    assert "parameter @w is declared tensor<2xf64>, but param.get returns f64" in got[0][1]
    assert "callee @kk does not name a symbol of the module" in got[1][1]
    assert errors[1].help == "did you mean @k?"
    assert "argument #0 of the call to @k has type i1, but @k expects f64" in got[2][1]


def test_text_round_trip_of_well_formed_module_verifies() -> None:
    text_mod = pytest.importorskip("qglm_ir.text")
    if not hasattr(text_mod, "parse_module"):
        pytest.skip("qglm_ir.text.parse_module not available yet")
    parsed = text_mod.parse_module(text_mod.print_module(well_formed_module()), filename="t.qir")
    assert verify_all(parsed) == []
