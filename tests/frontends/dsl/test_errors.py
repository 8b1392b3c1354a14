"""The malformed-program corpus: every bad program gives a located diagnostic.

Each case marks the token the caret must point at with ``@@`` (removed before
compiling) and gives a substring of the expected message. The test checks the
line, the column, the message and the rendered form (source line + caret),
and that nothing but a :class:`ParseError` escapes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qglm_ir.core.errors import ParseError
from qglm_ir.frontends.dsl import UNROLL_LIMIT, compile_file, compile_source

K = "kernel k() {\n    qubit q[2]\n"  # a kernel prelude; cases append statements and "}"

CASES: list[tuple[str, str, str]] = [
    # ---- syntax
    ("missing_brace", "kernel k() {\n    qubit q[2]\n    h q[0]@@\n", "unexpected end of file"),
    ("bad_char", "const a = 1 @@$ 2", "unexpected character '$'"),
    ("unexpected_token", "const a = @@= 2", "unexpected '='"),
    ("two_statements_one_line", K + "    h q[0] @@x q[1]\n}", "unexpected 'x'"),
    ("missing_register_bracket", K + "    h q[0\n@@}", "unexpected '}'; expected ']'"),
    ("bad_param_mode", "param w: f64 @@learnable", "unexpected 'learnable'"),
    ("keyword_as_name", "const @@kernel = 3", "unexpected 'kernel'"),
    ("unterminated_call", "model m(x: f64) -> f64 {\n    return sin(x@@}\n}", "unexpected '}'"),
    ("else_without_if", K + "    @@else { h q[0] }\n}", "unexpected 'else'"),
    # ---- names and scopes
    ("undefined_name", "model m(x: f64) -> f64 {\n    return x + @@y\n}", "undefined name 'y'"),
    ("undefined_function", "model m(x: f64) -> f64 {\n    return @@sinh(x)\n}", "undefined function 'sinh'"),
    ("undefined_register", K + "    h @@r[0]\n}", "undefined qubit register 'r'"),
    ("unknown_gate", K + "    @@hadamard q[0]\n}", "unknown gate 'hadamard'"),
    ("unknown_type", "model m(x: @@f32) -> f64 {\n    return 1.0\n}", "unknown type 'f32'"),
    ("duplicate_global", "const a = 1\nkernel @@a() {\n}", "'a' is already defined"),
    ("duplicate_let", "model m(x: f64) -> f64 {\n    let y = x\n    let @@y = 2.0\n    return y\n}",
     "already defined in this scope"),
    ("assign_undefined", "model m(x: f64) -> f64 {\n    @@z = 1.0\n    return x\n}", "assignment to undefined variable 'z'"),
    ("assign_const", "const c = 1\nmodel m(x: f64) -> f64 {\n    @@c = 2\n    return x\n}", "cannot assign to const 'c'"),
    ("assign_loop_var", "model m(x: f64) -> f64 {\n    for i in 0..3 {\n        @@i = 2\n    }\n    return x\n}",
     "cannot assign to loop variable 'i'"),
    ("let_out_of_scope", "model m(x: f64, c: bool) -> f64 {\n    if c {\n        let t = 1.0\n    }\n    return @@t\n}",
     "undefined name 't'"),
    ("register_as_value", K + "    let v = @@q\n}", "qubit register 'q' cannot be used as a value"),
    ("redefine_builtin", "layer @@softmax = dense(2, 2)", "built-in function"),
    ("unknown_layer_kind", "layer l = @@conv(2, 2)", "unknown layer kind 'conv'"),
    ("unknown_noise", K + "    noise @@bitflip(0.1) q[0]\n}", "unknown noise channel 'bitflip'"),
    # ---- placement
    ("gate_in_host", "model m(x: f64) -> f64 {\n    @@h q[0]\n    return x\n}", "can only be used inside a kernel"),
    ("qubit_in_loop", "kernel k() {\n    for i in 0..2 {\n        @@qubit a\n    }\n}", "top level of a kernel"),
    ("return_not_last", "model m(x: f64) -> f64 {\n    @@return x\n    let y = x\n}", "must be the last statement"),
    ("dense_in_kernel", "kernel k(x: f64[2]) {\n    qubit q[1]\n    ry(@@sum(x)) q[0]\n}", "only be called from host code"),
    ("kernel_called_directly", "kernel k() {\n    qubit q[1]\n}\nmodel m(x: f64) -> f64 {\n    let z = @@k()\n    return x\n}",
     "must be run through expval"),
    ("stats_of_non_kernel", "model m(x: f64) -> f64[1] {\n    return expval(@@sin(x))\n}", "is not a kernel"),
    ("measure_in_host", "model m(x: f64) -> f64 {\n    let b = @@measure q[0]\n    return x\n}", "only be used inside a kernel"),
    ("param_in_const", "param p: f64\nconst c = @@p + 1", "not a compile-time constant"),
    # ---- types and shapes
    ("dense_shape", "layer enc = dense(8, 4)\nmodel m(x: f64[6]) -> f64[4] {\n    return enc(@@x)\n}",
     "expects f64[8]"),
    ("return_type", "model m(x: f64[2]) -> f64[3] {\n    return @@x\n}", "must be f64[3], got f64[2]"),
    ("shape_mismatch", "model m(a: f64[2], b: f64[3]) -> f64[2] {\n    return a @@+ b\n}", "shape mismatch"),
    ("bool_arith", "model m(a: bool) -> f64 {\n    let y = a @@* 2.0\n    return y\n}", "does not apply to bool"),
    ("angle_not_number", "kernel k(b: bool) {\n    qubit q[1]\n    rx(@@b) q[0]\n}", "gate angle must be f64, got bool"),
    ("gate_arity", K + "    @@cx q[0]\n}", "acts on 2 qubit(s), got 1"),
    ("gate_angles", K + "    @@rx q[0]\n}", "takes 1 angle(s), got 0"),
    ("init_shape", "param w: f64[2] = @@[1.0, 2.0, 3.0]", "initializer has shape [3]"),
    ("index_out_of_range", "model m(x: f64[2]) -> f64 {\n    return x[@@2]\n}", "out of range"),
    ("kernel_arg_type", "kernel k(t: f64[2]) {\n    qubit q[1]\n}\nmodel m(x: f64[3]) -> f64[1] {\n    return expval(k(@@x))\n}",
     "argument 1 of kernel 'k' must be f64[2], got f64[3]"),
    ("branch_types", "model m(c: bool) -> f64 {\n    let y = 1.0\n    @@if c {\n        y = [1.0]\n    }\n    return y\n}",
     "after the then-branch"),
    ("loop_carried_type", "model m(x: f64) -> i64 {\n    let n = 0\n    @@for i in 0..3 {\n        n = n + 0.5\n    }\n    return n\n}",
     "loop-carried 'n' must be i64, got f64"),
    ("missing_return", "model m(x: f64) -> f64 {\n    let y = x\n@@}", "missing 'return'"),
    ("kernel_returns_float", "kernel k(t: f64) {\n    qubit q[1]\n    return @@t\n}", "can only return measured bits"),
    # ---- qubits
    ("qubit_out_of_range", K + "    h q[@@2]\n}", "qubit index 2 is out of range for register 'q' of size 2"),
    ("qubit_index_dynamic", "kernel k(i: i64) {\n    qubit q[2]\n    h q[@@i]\n}", "must be known at compile time"),
    ("qubit_repeated", K + "    @@cx q[1], q[1]\n}", "more than once"),
    ("use_after_consume", K + "    let b = consume q[0]\n    @@h q[0]\n}", "used after it was consumed at line 3"),
    ("measure_after_free", K + "    free q[1]\n    let b = @@measure q[1]\n}", "used after it was consumed"),
    ("free_in_loop", K + "    repeat 2 {\n        @@free q[0]\n    }\n}", "cannot release a qubit inside"),
    ("noise_probability", K + "    noise bit_flip(@@1.5) q[0]\n}", "must be in [0, 1]"),
    # ---- loops
    ("unroll_limit", "kernel k() {\n    qubit q[2]\n    @@for i in 0..1000000 {\n        h q[i % 2]\n    }\n}",
     f"past the limit of {UNROLL_LIMIT}"),
    ("unroll_dynamic_bound", "kernel k(n: i64) {\n    qubit q[4]\n    for i in 0..@@n {\n        h q[i]\n    }\n}",
     "loop bounds must be compile-time integers"),
    ("zero_step", "model m(x: f64) -> f64 {\n    for i in 0..4 step @@0 {\n    }\n    return x\n}", "step must be positive"),
    ("recursion", "fn f(x: f64) -> f64 {\n    return @@f(x)\n}", "recursive call: f -> f"),
]


def _split(marked: str) -> tuple[str, int, int]:
    pos = marked.index("@@")
    text = marked.replace("@@", "", 1)
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return text, line, col


@pytest.mark.parametrize("name,marked,message", CASES, ids=[c[0] for c in CASES])
def test_malformed_program(name: str, marked: str, message: str) -> None:
    text, line, col = _split(marked)
    with pytest.raises(ParseError) as info:
        compile_source(text, "bad.qglm")
    err = info.value
    assert message in err.message, err.render()
    assert err.loc is not None
    assert (err.loc.file, err.loc.line, err.loc.col) == ("bad.qglm", line, col), err.render()
    rendered = err.render().splitlines()
    assert rendered[0].startswith(f"bad.qglm:{line}:{col}: error: ")
    src_line = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
    assert rendered[1] == "  " + src_line
    assert rendered[2].index("^") == col + 1


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


def test_import_cycle(tmp_path) -> None:
    (tmp_path / "a.qglm").write_text('import "b.qglm"\nconst a = 1\n')
    (tmp_path / "b.qglm").write_text('const b = 2\nimport "c.qglm"\n')
    (tmp_path / "c.qglm").write_text('import "a.qglm"\n')
    with pytest.raises(ParseError) as info:
        compile_file(str(tmp_path / "a.qglm"))
    err = info.value
    assert "import cycle: a.qglm -> b.qglm -> c.qglm -> a.qglm" in err.message
    assert err.loc is not None and err.loc.file.endswith("c.qglm")
    assert (err.loc.line, err.loc.col) == (1, 1)


def test_self_import(tmp_path) -> None:
    (tmp_path / "s.qglm").write_text('const x = 1\nimport "s.qglm"\n')
    with pytest.raises(ParseError, match="import cycle: s.qglm -> s.qglm") as info:
        compile_file(str(tmp_path / "s.qglm"))
    assert info.value.loc is not None and info.value.loc.line == 2


def test_missing_import(tmp_path) -> None:
    (tmp_path / "m.qglm").write_text('import "nope.qglm"\n')
    with pytest.raises(ParseError, match="cannot find imported file 'nope.qglm'") as info:
        compile_file(str(tmp_path / "m.qglm"))
    assert info.value.loc is not None and (info.value.loc.line, info.value.loc.col) == (1, 1)


def test_error_in_imported_file_names_that_file(tmp_path) -> None:
    (tmp_path / "lib.qglm").write_text("const a = 1\nconst b = a +\n")
    (tmp_path / "main.qglm").write_text('import "lib.qglm"\n')
    with pytest.raises(ParseError) as info:
        compile_file(str(tmp_path / "main.qglm"))
    assert info.value.loc is not None and info.value.loc.file.endswith("lib.qglm")


def test_duplicate_across_import(tmp_path) -> None:
    (tmp_path / "lib.qglm").write_text("const n = 1\n")
    (tmp_path / "main.qglm").write_text('import "lib.qglm"\nconst n = 2\n')
    with pytest.raises(ParseError, match="'n' is already defined") as info:
        compile_file(str(tmp_path / "main.qglm"))
    assert info.value.help is not None and "lib.qglm:1:7" in info.value.help


def test_unknown_define() -> None:
    with pytest.raises(ParseError, match="no constant named 'depth'") as info:
        compile_source("const layers = 2\n", defines={"depth": "3"})
    assert info.value.loc is not None and info.value.loc.file == "<command line>"


def test_bad_define_value() -> None:
    with pytest.raises(ParseError, match="not a number or bool"):
        compile_source("const layers = 2\n", defines={"layers": "many"})


def test_missing_npy(tmp_path) -> None:
    path = tmp_path / "p.qglm"
    path.write_text('param w: f64[2] = load("w.npy")\n')
    with pytest.raises(ParseError, match="cannot find 'w.npy'") as info:
        compile_file(str(path))
    assert info.value.loc is not None and (info.value.loc.line, info.value.loc.col) == (1, 24)


def test_bad_string_escape() -> None:
    with pytest.raises(ParseError, match="invalid escape sequence") as info:
        compile_source('import "a\\x.qglm"\n', "bad.qglm")
    assert info.value.loc is not None and (info.value.loc.line, info.value.loc.col) == (1, 8)


_EXAMPLE = (Path(__file__).resolve().parents[3] / "examples" / "fallback.qglm").read_text()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_programs_never_crash(data: st.DataObject) -> None:
    """Deleting, duplicating or inserting text anywhere gives a module or a located ParseError."""
    text = _EXAMPLE
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 12)))
        kind = data.draw(st.sampled_from(["delete", "dup", "insert"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "dup":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i] + data.draw(st.sampled_from(list("{}()[],;:=+-*/%.\n\"") + ["q[9]", "if", "let", "0.5"])) + text[i:]
    try:
        compile_source(text, "mutant.qglm")
    except ParseError as err:
        assert err.loc is not None
        assert err.render().startswith(f"{err.loc.file}:{err.loc.line}:{err.loc.col}: error: ")


def test_bad_initializer_bounds() -> None:
    with pytest.raises(ParseError, match="low <= high") as info:
        compile_source("param w: f64[2] = uniform(1.0, 0.0)\n", "bad.qglm")
    assert info.value.loc is not None and info.value.loc.col == 19
