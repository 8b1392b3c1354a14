"""Constructs outside the Python subset: a ParseError at the exact line and column, with help.

Each case gives a program, the text the caret must point at (its first
occurrence after the ``# here`` marker line, or in the whole file), a piece
of the message and a piece of the ``help:`` line.
"""

from __future__ import annotations

import textwrap

import pytest

from qglm_ir.core.errors import ParseError
from qglm_ir.frontends.python import compile_source

HEAD = "from qglm_ir.frontends.python.lang import *\n\nN = 2\n"


def kernel_src(body: str, args: str = "x: Angles[2]") -> str:
    return HEAD + f"\n\n@kernel\ndef k({args}):\n    q = qubits(2)\n" + textwrap.indent(textwrap.dedent(body), "    ")


def model_src(body: str, args: str = "x: Tensor[2]", ret: str = " -> Tensor[2]") -> str:
    return HEAD + f"\n\n@model\ndef m({args}){ret}:\n" + textwrap.indent(textwrap.dedent(body), "    ")


# (id, source, entry, caret text, message piece, help piece)
CASES = [
    ("while-true", kernel_src("while True:\n    h(q[0])\n"), "k", "while", "'while' loops are not supported", "range(N)"),
    ("while-cond", model_src("y = x\nwhile 1 < 2:\n    y = y\nreturn y\n"), "m", "while", "'while' loops", "for i in range(N)"),
    ("recursion-model", model_src("return m(x)\n"), "m", "m(x)", "recursive call", "cannot call themselves"),
    ("recursion-kernel", kernel_src("k(x)\n"), "k", "k(x)", "kernels do not call kernels", "expval(k(...)"),
    ("closure", model_src("def inner(y: float) -> float:\n    return y\nreturn x\n"), "m", "def inner", "nested functions", "@function"),
    ("eval", model_src("y = eval('x')\nreturn y\n"), "m", "eval", "eval() is not supported", "write the expression directly"),
    ("exec", model_src("exec('y = 1')\nreturn x\n"), "m", "exec", "exec() is not supported", "statements directly"),
    ("attribute-unknown", model_src("y = x.shape\nreturn x\n"), "m", "x.shape", "attribute access 'x.shape'", "math.pi"),
    ("attribute-foreign", "import torch\n" + model_src("y = torch.relu(x)\nreturn y\n"), "m", "torch.relu", "comes from module 'torch'", "math/numpy"),
    ("try", model_src("try:\n    y = x\nexcept Exception:\n    y = x\nreturn y\n"), "m", "try", "'try' is not supported", "remove the try"),
    ("with", model_src("with open('f') as f:\n    y = x\nreturn x\n"), "m", "with", "'with' blocks", "keep its body"),
    ("lambda", model_src("f = lambda v: v\nreturn x\n"), "m", "lambda v: v", "lambda functions", "@function"),
    ("list-comprehension", model_src("y = [v for v in x]\nreturn x\n"), "m", "[v for v in x]", "list comprehensions", "for i in range(N)"),
    ("generator", model_src("y = sum(v for v in x)\nreturn x\n"), "m", "(v for v in x)", "generator expressions", "for i in range(N)"),
    ("global", model_src("global N\nreturn x\n"), "m", "global", "'global' is not supported", "param(...)"),
    ("nonlocal", model_src("nonlocal y\nreturn x\n"), "m", "nonlocal", "'nonlocal'", "argument"),
    ("import-inside", model_src("import math\nreturn x\n"), "m", "import math", "'import' inside", "top of the file"),
    ("yield", model_src("yield x\n"), "m", "yield x", "'yield' is not supported", "return the values"),
    ("async", HEAD + "\n@model\nasync def m(x: Tensor[2]) -> Tensor[2]:\n    return x\n", "m", "async", "async functions", "remove 'async'"),
    ("await", model_src("y = await x\nreturn y\n"), "m", "await x", "'await'", "remove the 'await'"),
    ("starred-gate", kernel_src("ry(*x, q[0])\n"), "k", "*x", "starred arguments", "pass each argument"),
    ("starred-call", model_src("return softmax(*x)\n"), "m", "*x", "starred arguments", "explicitly"),
    ("gate-keyword", kernel_src("ry(0.1, q[0], ctrl=q[1])\n"), "k", "ctrl=q[1]", "gate 'ry' has no keyword argument 'ctrl'", "ry(theta, q[0])"),
    ("gate-arity", kernel_src("cx(q[0])\n"), "k", "cx", "takes 0 angle(s) and 2 qubit(s)", "cx(q[0], q[1])"),
    ("unknown-function", model_src("return zzqx(x)\n"), "m", "zzqx", "unknown function 'zzqx'", "call a gate"),
    ("unknown-function-typo", model_src("return sofmax(x)\n"), "m", "sofmax", "unknown function 'sofmax'", "did you mean 'softmax'"),
    ("aug-assign-qubit", kernel_src("q[0] += 1\n"), "k", "q[0]", "qubits cannot be updated", "x(q[0])"),
    ("assign-qubit", kernel_src("q[1] = q[0]\n"), "k", "q[1]", "qubits cannot be assigned", "through gates"),
    ("del", model_src("y = x\ndel y\nreturn x\n"), "m", "del", "'del' is not supported", "free(q[i])"),
    ("class", model_src("class Foo:\n    pass\nreturn x\n"), "m", "class", "class definitions", "@function"),
    ("break", kernel_src("for i in range(2):\n    break\n"), "k", "break", "'break'", "'if'"),
    ("raise", model_src("raise ValueError('no')\n"), "m", "raise", "'raise'", "host program"),
    ("assert", model_src("assert N == 2\nreturn x\n"), "m", "assert", "'assert'", "annotations"),
    ("print", model_src("print(x)\nreturn x\n"), "m", "print", "print() is not supported", ".ir()"),
    ("aug-pow", model_src("y = 2.0\ny **= 2.0\nreturn x\n"), "m", "**=", "augmented assignment with '**='", "+="),
    ("pow", model_src("return x ** 2\n"), "m", "**", "operator '**'", "x * x"),
    ("floordiv", model_src("y = N // 2\nreturn x\n"), "m", "//", "operator '//'", "int(a / b)"),
    ("chained-compare", model_src("y = 0 < N < 3\nreturn x\n"), "m", "0 < N < 3", "chained comparisons", "a < b and b < c"),
    ("is-operator", model_src("y = N is 2\nreturn x\n"), "m", "N is 2", "'is' is not supported", "=="),
    ("ifexp", model_src("y = x if N else x\nreturn y\n"), "m", "x if N else x", "conditional expressions", "if statement"),
    ("walrus", model_src("y = (z := x)\nreturn y\n"), "m", "z := x", "assignment expressions", "own line"),
    ("tuple-unpack", model_src("a, b = x, x\nreturn a\n"), "m", "a, b", "tuple unpacking", "own line"),
    ("for-over-data", model_src("for v in x:\n    y = v\nreturn x\n"), "m", "x:\n", "must iterate over range", "range(N)"),
    ("for-else", kernel_src("for i in range(2):\n    h(q[i])\nelse:\n    h(q[0])\n"), "k", "h(q[0])\n", "'for ... else'", "after the loop"),
    ("missing-annotation", HEAD + "\n@model\ndef m(x) -> Tensor[2]:\n    return x\n", "m", "x)", "needs a type annotation", "Angles[8]"),
    ("default-arg", HEAD + "\n@model\ndef m(x: float = 1.0) -> float:\n    return x\n", "m", "1.0", "default parameter values", "module-level constant"),
    ("varargs", HEAD + "\n@model\ndef m(*xs: float) -> float:\n    return 1.0\n", "m", "xs", "variadic parameters", "list every parameter"),
    ("bad-annotation", HEAD + "\n@model\ndef m(x: list) -> float:\n    return 1.0\n", "m", "list", "unsupported type annotation", "Angles[n]"),
    ("qubit-argument", HEAD + "\n@kernel\ndef k(q: Qubits[2]):\n    h(q[0])\n", "k", "Qubits[2]", "kernels take no qubit arguments", "q = qubits(n)"),
    ("block-local", model_src("if N > 1:\n    y = x\nreturn y\n"), "m", "y\n", "'y' is not defined here", "assign it before the block"),
    ("gate-as-value", kernel_src("v = h(q[0])\n"), "k", "h(q[0])", "is a statement and has no value", "its own line"),
    ("measure-discarded", kernel_src("measure(q[0])\n"), "k", "measure(q[0])", "must be used", "b = measure"),
    ("param-in-body", model_src("w = param(Tensor[2])\nreturn x\n"), "m", "param(Tensor[2])", "module-level parameter", "at module level"),
    ("opaque-global", HEAD + "import os\nM = int(os.environ['M'])\n\n@model\ndef m(x: Tensor[2]) -> float:\n    return 1.0 * M\n", "m", "os.environ", "'M' is not a compile-time value", "math/numpy"),
    ("opaque-loop-global", HEAD + "for _k in range(2):\n    M = _k\n\n@model\ndef m(x: Tensor[2]) -> float:\n    return 1.0 * M\n", "m", "M\n", "not a compile-time value", "literals"),
    ("plain-function", HEAD + "\ndef helper(v):\n    return v\n\n@model\ndef m(x: Tensor[2]) -> Tensor[2]:\n    return helper(x)\n", "m", "helper(x)", "plain Python function", "@function"),
    ("undecorated-entry", HEAD + "\ndef m(x):\n    return x\n", "m", "m(x)", "not decorated", "@model"),
    ("unknown-decorator", HEAD + "\nimport functools\n\n@functools.cache\n@model\ndef m(x: Tensor[2]) -> Tensor[2]:\n    return x\n", "m", "functools.cache", "unsupported decorator", "exactly one of"),
    ("bitwise", model_src("y = N & 1\nreturn x\n"), "m", "&", "operator '&'", "'and'"),
    ("slice-step", model_src("return x[0:2:1]\n"), "m", "1]", "slices with a step", "x[a:b]"),
    ("noise-unknown", kernel_src("noise.depolarise(0.1, q)\n"), "k", "noise.depolarise", "unknown noise channel", "did you mean 'depolarizing'"),
    ("syntax-error", HEAD + "\n@model\ndef m(x: Tensor[2]) -> Tensor[2]:\n    return x +\n", "m", "\n", "Python syntax error", "valid Python"),
]


def _position(src: str, text: str) -> tuple[int, int]:
    start = src.index("def ") if text != "\n" else 0
    at = src.index(text, start) if text in src[start:] else src.index(text)
    if text == "\n":  # a syntax error at the end of the bad line
        at = src.index("return x +") + len("return x +")
    line = src.count("\n", 0, at) + 1
    col = at - (src.rfind("\n", 0, at) + 1) + 1
    return line, col


@pytest.mark.parametrize(("src", "entry", "at", "msg", "help_"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_unsupported_construct(src: str, entry: str, at: str, msg: str, help_: str) -> None:
    with pytest.raises(ParseError) as info:
        compile_source(src, "model.py", entry)
    err = info.value
    rendered = err.render()
    assert msg in err.message if hasattr(err, "message") else msg in str(err), rendered
    assert err.help and help_ in err.help, rendered
    assert err.loc is not None and err.loc.file == "model.py"
    line, col = _position(src, at)
    if at == "\n":
        assert err.loc.line == line, rendered
    else:
        assert (err.loc.line, err.loc.col) == (line, col), rendered
    assert rendered.startswith(f"model.py:{err.loc.line}:{err.loc.col}: error: ")


def test_enough_cases() -> None:
    assert len(CASES) >= 25


def test_columns_count_characters_not_bytes() -> None:
    src = model_src("s = 'ééé'; y = eval('x')\nreturn x\n")
    with pytest.raises(ParseError) as info:
        compile_source(src, "model.py", "m")
    line_text = src.splitlines()[info.value.loc.line - 1]
    assert line_text[info.value.loc.col - 1 :].startswith("eval")


def test_errors_in_unreachable_functions_are_not_reported_with_an_entry() -> None:
    src = model_src("return x\n") + "\n\n@function\ndef broken(x: Tensor[2]) -> Tensor[2]:\n    while True:\n        pass\n"
    compile_source(src, "model.py", "m")  # only m and what it uses is compiled
    with pytest.raises(ParseError, match="'while' loops"):
        compile_source(src, "model.py")  # no entry: everything is
