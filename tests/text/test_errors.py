"""Malformed input raises ParseError at the exact token, with a readable message."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qglm_ir.core.errors import ParseError
from qglm_ir.text import parse_module, print_module

from .test_roundtrip import EXAMPLES


def _kernel(*body: str) -> str:
    lines = ["module {", "  q.kernel @k() {", *("    " + b for b in body), "    func.return", "  }", "}", ""]
    return "\n".join(lines)


# (text, line, col, length, message fragment); line/col of the offending token.
CASES = {
    "undefined value": (_kernel("%a = q.h %q"), 3, 14, 2, "use of undefined value %q"),
    "undefined second operand": (_kernel("%q = q.alloc", "%a, %b = q.cx %q, %zz"), 4, 23, 3, "undefined value %zz"),
    "forward reference": (_kernel("%a = q.h %b", "%b = q.alloc"), 3, 14, 2, "undefined value %b"),
    "redefinition": (_kernel("%q = q.alloc", "%q = q.alloc"), 4, 5, 2, "redefinition of value %q"),
    "redefinition in a list": (_kernel("%q = q.alloc", "%m, %q = q.measure %q"), 4, 9, 2, "redefinition of value %q"),
    "too few result names": (_kernel("%q = q.alloc", "%p = q.alloc", "%a = q.cx %q, %p"), 5, 5, 2,
                             "'q.cx' has 2 results but 1 name is given"),
    "missing result names": (_kernel("q.alloc"), 3, 5, 7, "'q.alloc' has 1 result but no result names"),
    "wrong qubit count": (_kernel("%q = q.alloc", "%a = q.h %q, %q"), 4, 14, 6, "'q.h' takes 1 qubit, got 2"),
    "missing angle": (_kernel("%q = q.alloc", "%a = q.ry %q"), 4, 10, 4, "'q.ry' takes 1 angle and 1 qubit"),
    "angle on a fixed gate": (_kernel("%q = q.alloc", "%a = q.h(%q) %q"), 4, 13, 4, "'q.h' takes no angles"),
    "types on a gate": (_kernel("%q = q.alloc", "%a = q.h %q : !q.qubit"), 4, 10, 3, "takes no type list"),
    "unknown op in custom form": (_kernel("%a = foo.bar : f64"), 3, 10, 7, "unknown operation 'foo.bar'"),
    "bad tensor type": ("module {\n  q.kernel @k(%a: tensor<2x3>) {\n    func.return\n  }\n}\n", 2, 19, 11,
                        "bad tensor type"),
    "bad tensor dim": ("module {\n  q.kernel @k(%a: tensor<?x3xf64>) {\n    func.return\n  }\n}\n", 2, 19, 15,
                       "dimensions must be non-negative integers"),
    "unknown ! type": ("module {\n  q.kernel @k(%a: !q.bit) {\n    func.return\n  }\n}\n", 2, 19, 6, "unknown type '!q.bit'"),
    "not a type": ("module {\n  q.kernel @k(%a: float) {\n    func.return\n  }\n}\n", 2, 19, 5,
                   "unexpected 'float'; expected one of a type"),
    "typo in keyword": ("module {\n  param.decl @w : f64 trainabl\n}\n", 2, 23, 8, "expected 'trainable' or 'frozen'"),
    "missing comma": (_kernel("%q = q.alloc", "%p = q.alloc", "%a, %b = q.cx %q %p"), 5, 22, 2, "unexpected '%p'"),
    "stray character": (_kernel("%q = q.alloc # comment"), 3, 18, 1, "unexpected character '#'"),
    "unterminated module": ("module {\n  q.kernel @k() {\n    func.return\n  }\n", 4, 4, 1,
                            "unexpected end of input; expected one of an operation, '}'"),
    "dense too short": ("module {\n  param.decl @w : tensor<2xf64> trainable = dense<2xf64 [1.0]>\n}\n", 2, 45, 18,
                        "needs 2 element(s), got 1"),
    "dense bad element": ("module {\n  param.decl @w : tensor<2xf64> trainable = dense<2xf64 [1.0, x]>\n}\n", 2, 63, 1,
                          "'x' is not a valid f64 element"),
    "dense bad dtype": ("module {\n  param.decl @w : tensor<2xf64> trainable = dense<2xf32 [1.0, 2.0]>\n}\n", 2, 51, 5,
                        "bad dense element type 'f32'"),
    "duplicate key": ("module {\n  param.decl @w : f64 trainable {a = 1, a = 2}\n}\n", 2, 41, 1, "duplicate key 'a'"),
    "bad escape": ('module {\n  param.decl @w : f64 trainable {a = "\\q"}\n}\n', 2, 39, 3, "invalid string literal"),
    "generic operand types": (_kernel("%q = q.alloc", '%a = "q.h"(%q) : (f64) -> (!q.qubit)'), 4, 10, 5,
                              "operand types (!q.qubit) do not match the signature's inputs (f64)"),
    "generic result names": (_kernel("%q = q.alloc", '%a, %b = "q.h"(%q) : (!q.qubit) -> (!q.qubit)'), 4, 5, 6,
                             "'q.h' has 1 result but 2 names are given"),
    "return types": (_kernel("%c = arith.constant true : i1", "func.return %c : f64").replace(
        "    func.return\n  }", "  }"), 4, 5, 11, "returned values have types (i1), not (f64)"),
    "call signature": (_kernel("%x = arith.constant 1.0 : f64", "%r = func.call @f(%x) : (i64) -> (i1)"), 4, 10, 9,
                       "call operands have types (f64) but the signature says (i64)"),
    "call without signature": (_kernel("%x = arith.constant 1.0 : f64", "func.call @f(%x)"), 4, 5, 9,
                               "func.call needs its signature"),
    "else arguments": (_kernel("%c = arith.constant true : i1", "%q = q.alloc",
                               "%r = scf.if %c (%x = %q) -> (!q.qubit) {", "  scf.yield %x", "} else {",
                               "  scf.yield %x", "}"), 5, 10, 6, "the else region needs 1 argument name(s)"),
    "else names are scoped": (_kernel("%c = arith.constant true : i1", "%q = q.alloc",
                                      "%r = scf.if %c (%x = %q) -> (!q.qubit) {", "  scf.yield %x", "} else (%y) {",
                                      "  scf.yield %x", "}"), 8, 17, 2, "undefined value %x"),
    "loop names are scoped": (_kernel("%c = arith.constant 0 : i64", "scf.for %i = %c to %c step %c {", "  scf.yield",
                                      "}", "%j = arith.add %i, %i : i64"), 7, 20, 2, "undefined value %i"),
    "kernels are isolated": ("module {\n  q.kernel @a() {\n    %b = q.alloc\n    func.return\n  }\n"
                             "  q.kernel @j() {\n    %a = q.h %b\n    func.return\n  }\n}\n", 7, 14, 2,
                             "use of undefined value %b"),
    "result types without names": (_kernel("%c = arith.constant true : i1", "scf.condition %c : i1"), 4, 5, 13,
                                   "'scf.condition' is given result types (i1) but no result names"),
    "symbol on a plain op": (_kernel("%x = arith.constant 1.0 : f64", "%y = arith.neg @x %x : f64"), 4, 20, 2,
                             "'arith.neg' takes no @symbol"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_parse_error_location_and_message(name: str):
    text, line, col, length, fragment = CASES[name]
    with pytest.raises(ParseError) as info:
        parse_module(text, "bad.qglmir")
    err = info.value
    assert fragment in err.message, err.render()
    assert err.loc is not None
    assert (err.loc.file, err.loc.line, err.loc.col, err.loc.length) == ("bad.qglmir", line, col, length), err.render()
    rendered = err.render()
    assert rendered.startswith(f"bad.qglmir:{line}:{col}: error: ")
    if err.loc.source_line() is not None:
        assert "^" in rendered


def test_render_points_at_the_token():
    with pytest.raises(ParseError) as info:
        parse_module(_kernel("%q = q.alloc", "%a = q.h %nope"), "f.qglmir")
    assert info.value.render().splitlines() == [
        "f.qglmir:4:14: error: use of undefined value %nope",
        "      %a = q.h %nope",
        "               ^~~~~",
    ]


def _mutations(texts: list[str]):
    text = st.sampled_from(texts)
    pieces = st.sampled_from(["%", "{", "}", "(", ")", ",", "=", ":", "<{", "}>", "@", '"', "^bb0:", "dense<",
                              "tensor<", "q.h", "%q", "-> (", "\n", " ", "0x", "1.5e", "[", "]", "scf.if"])

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        t = draw(text)
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(t)))
            j = draw(st.integers(i, min(len(t), i + 8)))
            t = t[:i] + draw(st.one_of(st.just(""), pieces)) + t[j:]
        return t

    return mutate()


@settings(max_examples=300)
@given(_mutations([p.read_text() for p in EXAMPLES]))
def test_mutated_text_parses_or_raises_parse_error(text: str):
    """Fuzzing: whatever the input, the parser returns a module or raises ParseError."""
    try:
        module = parse_module(text, "fuzz.qglmir")
    except ParseError as e:
        assert e.loc is not None and e.loc.file == "fuzz.qglmir"
        assert 1 <= e.loc.line <= text.count("\n") + 1
        e.render()
    else:
        again = print_module(module)
        assert print_module(parse_module(again)) == again
