"""Parser details and the lowering rules of the ``.qglm`` language."""

from __future__ import annotations

import numpy as np
import pytest

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core.types import TensorType, f64, i1, i64
from qglm_ir.frontends.dsl import ast as A
from qglm_ir.frontends.dsl import compile_source, parse
from qglm_ir.semantics import equivalent, statevector


def _syms(module) -> dict:
    return {op.properties.get("sym_name"): op for op in module}


def _names(op) -> list[str]:
    return [o.name for o in op.walk()]


# ------------------------------------------------------------------ parser
def test_spans_and_statement_separators() -> None:
    prog = parse("const a = 1; const b = 2\n\n// comment\n/* block\ncomment */ const c = a +\n    b\n", "f.qglm")
    assert [type(i).__name__ for i in prog.items] == ["ConstDecl"] * 3
    c = prog.items[2]
    assert isinstance(c, A.ConstDecl) and (c.span.line, c.span.col) == (5, 12)
    assert isinstance(c.value, A.BinOp) and c.value.op == "+"
    assert (c.value.op_span.line, c.value.op_span.col) == (5, 24)


def test_newlines_inside_calls_and_else_on_next_line() -> None:
    src = """
model m(x: f64,
        c: bool) -> f64 {
    let y = x
    if c {
        y = sin(
            x)
    }
    else {
        y = cos(x)
    }
    return y
}
"""
    fn = _syms(compile_source(src))["m"]
    assert "scf.if" in _names(fn) and "arith.sin" in _names(fn) and "arith.cos" in _names(fn)


def test_empty_file() -> None:
    assert list(compile_source("// nothing here\n")) == []


# ------------------------------------------------------------------ loops
def test_loop_over_qubits_is_unrolled_other_loops_stay() -> None:
    src = """
const n = 3
kernel k(w: f64[2, 3]) {
    qubit q[n]
    for l in 0..2 {
        for i in 0..n {
            ry(w[l, i]) q[i]
        }
        repeat 2 {
            cz q[0], q[2]
        }
    }
}
"""
    k = _syms(compile_source(src))["k"]
    fors = [o for o in k.walk() if o.name == "scf.for"]
    assert len(fors) == 2  # the l loop and the repeat; the i loop was unrolled
    assert _names(k).count("q.ry") == 3
    outer = fors[0]
    # Only the wires the body touches are carried, and the induction variable indexes w.
    assert len(outer.results) == 3
    extracts = [o for o in k.walk() if o.name == "tensor.extract"]
    assert all(o.operands[1] is outer.regions[0].block.args[0] for o in extracts)


def test_unroll_through_let_dependency() -> None:
    src = """
kernel k() {
    qubit q[4]
    for i in 0..4 {
        let j = (i + 1) % 4
        cx q[i], q[j]
    }
}
"""
    k = _syms(compile_source(src))["k"]
    assert "scf.for" not in _names(k) and _names(k).count("q.cx") == 4


def test_loop_matches_builder_semantics() -> None:
    src = """
kernel k(t: f64) {
    qubit q[2]
    h q[0]
    repeat 3 {
        rz(t * 2.0) q[0]
        cx q[0], q[1]
    }
}
"""
    k = _syms(compile_source(src))["k"]
    mb = ModuleBuilder()
    kb = mb.kernel("ref", 2, inputs=[("t", f64)])
    kb.gate("h", 0)
    for _ in range(3):
        kb.gate("rz", 0, params=[kb.arith("mul", kb.input("t"), 2.0)])
        kb.gate("cx", 0, 1)
    kb.finish()
    assert equivalent(k, kb.op, inputs=[0.37])


def test_host_loop_carries_assigned_variables() -> None:
    src = """
model m(x: f64[4]) -> f64 {
    let acc = 0.0
    let unused = 1.0
    for i in 0..4 {
        acc = acc + x[i]
    }
    return acc
}
"""
    m = _syms(compile_source(src))["m"]
    (loop,) = [o for o in m.walk() if o.name == "scf.for"]
    assert [r.type for r in loop.results] == [f64]
    body = loop.regions[0].block
    assert [a.type for a in body.args] == [i64, f64]


# ------------------------------------------------------------------ if
def test_static_if_selects_branch_at_compile_time() -> None:
    src = """
const quantum = true
model m(x: f64) -> f64 {
    let y = x
    if quantum and x > 0.0 {
        y = x * 2.0
    }
    if not quantum {
        y = sin(y)
    }
    return y
}
"""
    m = _syms(compile_source(src))["m"]
    assert _names(m).count("scf.if") == 1 and "arith.sin" not in _names(m)
    m2 = _syms(compile_source(src, defines={"quantum": "false"}))["m"]
    assert "scf.if" not in _names(m2) and "arith.sin" in _names(m2)


def test_feed_forward_if_threads_qubits() -> None:
    src = """
kernel k() -> (bit) {
    qubit q[3]
    h q[0]
    let m = measure q[0]
    if m {
        x q[2]
    } else {
        h q[1]
    }
    return m
}
"""
    k = _syms(compile_source(src))["k"]
    (op,) = [o for o in k.walk() if o.name == "scf.if"]
    assert op.operands[0].type == i1 and len(op.results) == 2
    assert k.properties["function_type"].results == (i1,)


# ------------------------------------------------------------------ values
def test_constant_folding_and_hoisting() -> None:
    src = """
const a = 3
const b = a * 2 + 1
kernel k() {
    qubit q[1]
    rx(pi / b) q[0]
    rx(pi / b) q[0]
}
"""
    k = _syms(compile_source(src))["k"]
    consts = [o for o in k.walk() if o.name == "arith.constant"]
    assert len(consts) == 1 and consts[0].properties["value"] == pytest.approx(np.pi / 7)
    assert k.regions[0].block.first is consts[0]


def test_register_broadcast_and_single_qubits() -> None:
    src = """
kernel k() {
    qubit a[3]
    qubit b[3]
    qubit c
    h a
    cx a, b
    cx c, b[0]
    barrier
}
"""
    k = _syms(compile_source(src))["k"]
    names = _names(k)
    assert names.count("q.h") == 3 and names.count("q.cx") == 4 and names.count("q.alloc") == 7
    sv = statevector(k)
    assert sv.shape == (128,)


def test_param_initializers() -> None:
    src = """
param a: f64[2, 3] frozen = 0.5
param b: f64[3] = [1.0, 2, 3]
param c: f64[4, 4] = glorot(seed=2)
param d: f64
param e: i64[2] = [1, 2]
"""
    syms = _syms(compile_source(src))
    np.testing.assert_array_equal(syms["a"].properties["init"].array, np.full((2, 3), 0.5))
    assert syms["a"].properties["trainable"] is False
    np.testing.assert_array_equal(syms["b"].properties["init"].array, [1.0, 2.0, 3.0])
    c = syms["c"].properties["init"].array
    assert c.shape == (4, 4) and np.all(np.abs(c) <= np.sqrt(6 / 8))
    assert "init" not in syms["d"].properties
    assert syms["e"].properties["type"] == TensorType((2,), i64)


def test_imports_are_loaded_once(tmp_path) -> None:
    (tmp_path / "base.qglm").write_text("const n = 2\n")
    (tmp_path / "left.qglm").write_text('import "base.qglm"\nconst l = n\n')
    (tmp_path / "right.qglm").write_text('import "base.qglm"\nconst r = n\n')
    (tmp_path / "main.qglm").write_text(
        'import "left.qglm"\nimport "right.qglm"\nkernel k() {\n    qubit q[l + r]\n}\n'
    )
    from qglm_ir.frontends.dsl import compile_file

    k = _syms(compile_file(str(tmp_path / "main.qglm")))["k"]
    assert _names(k).count("q.alloc") == 4


def test_locations_point_at_source() -> None:
    src = "kernel k() {\n    qubit q[1]\n    h q[0]\n}\n"
    k = _syms(compile_source(src, "loc.qglm"))["k"]
    (h,) = [o for o in k.walk() if o.name == "q.h"]
    assert h.loc is not None and (h.loc.file, h.loc.line, h.loc.col) == ("loc.qglm", 3, 5)
