"""The ``inline`` pass: kernel-to-kernel calls disappear, semantics stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from qglm_ir.core.errors import PassError
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.lower.inline import Inline
from qglm_ir.semantics import outcome_distribution
from qglm_ir.text import parse_module, print_module
from qglm_ir.verify import verify

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

NESTED = """
module {
  q.kernel @flip(%q: !q.qubit) -> (!q.qubit) {
    %x = q.x %q
    func.return %x : !q.qubit
  }
  q.kernel @twice(%q: !q.qubit, %t: f64) -> (!q.qubit) {
    %a = func.call @flip(%q) : (!q.qubit) -> (!q.qubit)
    %b = q.ry(%t) %a
    %c = func.call @flip(%b) : (!q.qubit) -> (!q.qubit)
    func.return %c : !q.qubit
  }
  q.kernel @main() -> (i1, i1) {
    %t = arith.constant 0.75 : f64
    %q0 = q.alloc
    %q1 = q.alloc
    %a = func.call @twice(%q0, %t) : (!q.qubit, f64) -> (!q.qubit)
    %h = q.h %q1
    %m0, %r0 = q.measure %a
    %m1, %r1 = q.measure %h
    q.dealloc %r0
    q.dealloc %r1
    func.return %m0, %m1 : i1, i1
  }
}
"""


def _kernel(module, name):
    return module.lookup(name)


def _calls_in(kernel) -> int:
    return sum(1 for op in kernel.walk() if op.name == "func.call")


def test_nested_calls_are_inlined_and_distribution_is_kept() -> None:
    module = parse_module(NESTED)
    before = outcome_distribution(_kernel(module, "main"))
    result = Inline().run(module, PassContext())
    verify(module)
    assert result.changed and result.stats["inlined"] == 3
    assert _calls_in(_kernel(module, "main")) == 0 and _calls_in(_kernel(module, "twice")) == 0
    after = outcome_distribution(_kernel(module, "main"))
    assert before.keys() == after.keys()
    for k in before:
        assert after[k] == pytest.approx(before[k], abs=1e-12)
    # Inlining again is a no-op and prints the same module.
    text = print_module(module)
    assert not Inline().run(module, PassContext()).changed
    assert print_module(module) == text


def test_host_call_example_inlines_and_keeps_host_calls() -> None:
    module = parse_module((EXAMPLES / "host_call.qglmir").read_text())
    before = outcome_distribution(_kernel(module, "run"), inputs={"angle": 0.3})
    Inline().run(module, PassContext())
    verify(module)
    run = _kernel(module, "run")
    assert _calls_in(run) == 0
    after = outcome_distribution(run, inputs={"angle": 0.3})
    assert {k: round(v, 12) for k, v in before.items()} == {k: round(v, 12) for k, v in after.items()}
    # the host function still calls the kernel
    assert _calls_in(_kernel(module, "main")) == 1


def test_recursion_is_a_pass_error() -> None:
    text = """
module {
  q.kernel @a(%q: !q.qubit) -> (!q.qubit) {
    %r = func.call @b(%q) : (!q.qubit) -> (!q.qubit)
    func.return %r : !q.qubit
  }
  q.kernel @b(%q: !q.qubit) -> (!q.qubit) {
    %r = func.call @a(%q) : (!q.qubit) -> (!q.qubit)
    func.return %r : !q.qubit
  }
}
"""
    module = parse_module(text)
    with pytest.raises(PassError, match="recursive"):
        Inline().run(module, PassContext())
