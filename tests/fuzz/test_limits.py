"""qglm_ir.limits: current limits, flags, and the deep-recursion runner."""

from __future__ import annotations

import resource
import sys

import pytest

from qglm_ir import limits
from qglm_ir.core.errors import ParseError
from qglm_ir.frontends.dsl import compile_source


def test_using_changes_and_restores_the_limits() -> None:
    assert limits.current() == limits.DEFAULTS
    with limits.using(max_qubits=3) as lim:
        assert limits.current().max_qubits == 3 == lim.max_qubits
        with pytest.raises(ParseError, match="exceeds the limit of 3") as info:
            compile_source("kernel k() {\n qubit q[4]\n h q[0]\n}\n", "k.qglm")
        assert (info.value.loc.line, info.value.loc.col) == (2, 10)
        assert "--max-qubits" in (info.value.help or "")
    assert limits.current() == limits.DEFAULTS


def test_every_limit_has_a_flag() -> None:
    from qglm_ir.cli import build_parser

    fields = [f for f in limits.Limits.__dataclass_fields__ if f.startswith("max_")]
    assert sorted(fields) == sorted(limits.FLAGS)
    help_text = build_parser().parse_args(["check", "x.qglm"])  # the flags parse
    assert help_text.max_qubits is None


def test_deep_stack_restores_recursion_and_stack_limits() -> None:
    rec = sys.getrecursionlimit()
    stack = resource.getrlimit(resource.RLIMIT_STACK)
    seen = limits.call_with_deep_stack(sys.getrecursionlimit)
    can_grow = stack[1] == resource.RLIM_INFINITY or stack[1] >= limits.DEEP_STACK_BYTES
    assert (seen >= limits.DEEP_RECURSION) == can_grow
    assert sys.getrecursionlimit() == rec
    assert resource.getrlimit(resource.RLIMIT_STACK) == stack


def test_legal_deep_expression_compiles_in_process() -> None:
    # 900 nested unary minuses need more than Python's default 1000 frames through lark and lowering.
    module = compile_source("const a = " + "-" * 900 + "1\nkernel k() {\n qubit q[1]\n rx(a) q[0]\n}\n", "d.qglm")
    assert any(op.name == "q.kernel" for op in module)
