"""Round trips: text -> IR -> text is the identity on printed text, and
IR -> text -> IR is structurally the identity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qglm_ir.builder import ModuleBuilder, param_ref
from qglm_ir.core.types import f64, i64, tensor
from qglm_ir.testing import kernels, modules
from qglm_ir.text import parse_module, print_module, structural_diff
from qglm_ir.verify import verify

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.qglmir"))


def _strip_comments(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("//"))


def assert_round_trip(module) -> str:
    """print -> parse gives a structurally equal module, and re-printing is byte-identical."""
    text = print_module(module)
    parsed = parse_module(text)
    diff = structural_diff(module, parsed)
    assert diff is None, diff
    assert print_module(parsed) == text
    generic = print_module(module, generic=True)
    from_generic = parse_module(generic)
    diff = structural_diff(module, from_generic)
    assert diff is None, diff
    assert print_module(from_generic) == text
    return text


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_round_trip_and_verify(path: Path):
    text = path.read_text()
    module = parse_module(text, str(path))
    verify(module)
    assert print_module(module) == _strip_comments(text)
    assert_round_trip(module)


def _builder_module():
    mb = ModuleBuilder("demo")
    w = mb.param("w", tensor(2, 3), trainable=False, init=np.arange(6.0).reshape(2, 3) / 7)
    kb = mb.kernel("k", num_qubits=3, inputs=[("theta", f64), ("n", i64)])
    wv = param_ref(kb.b, w)
    t = kb.extract(wv, 1, 2)
    kb.gate("u", 0, params=[kb.input("theta"), t, 0.25])
    kb.gate("ccx", 0, 1, 2)
    bit = kb.measure(1)
    with kb.if_(bit):
        kb.gate("x", 2)
    with kb.else_():
        kb.gate("h", 0)
    with kb.for_(0, kb.input("n")) as i:
        kb.gate("rzz", 0, 2, params=[kb.arith("mul", kb.input("theta"), 2.0)])
        del i
    kb.unitary(np.array([[0, 1j], [1j, 0]]), 1)
    kb.barrier()
    kb.reset(2)
    kb.delay(0, 12.5, "ns")
    kb.global_phase(np.pi)
    kb.finish([bit])
    return mb.module


def test_builder_module_round_trips_and_is_deterministic():
    m = _builder_module()
    verify(m)
    text = assert_round_trip(m)
    assert print_module(m) == text
    assert print_module(_builder_module()) == text  # same construction, same bytes
    assert "q.u(%theta, %" in text
    assert "dense<2x2xc128 [(0.0, 0.0), (0.0, 1.0), (0.0, 1.0), (0.0, 0.0)]>" in text


def test_parsed_module_verifies_and_keeps_locations():
    text = print_module(_builder_module())
    m = parse_module(text, "demo.qglmir")
    verify(m)
    lines = text.splitlines()
    for op in m.walk():
        assert op.loc is not None and op.loc.file == "demo.qglmir"
        line = lines[op.loc.line - 1]
        spelled = line[op.loc.col - 1 : op.loc.col - 1 + op.loc.length]
        assert spelled.strip('"') in (op.name, "module"), (op.name, spelled)


@settings(max_examples=1000)
@given(modules(max_kernels=2, max_ops=12))
def test_random_modules_round_trip(module):
    text = print_module(module)
    parsed = parse_module(text)
    diff = structural_diff(module, parsed)
    assert diff is None, diff
    assert print_module(parsed) == text


@settings(max_examples=100)
@given(kernels(max_ops=25, max_depth=3))
def test_random_kernels_round_trip_in_both_forms(kernel):
    assert_round_trip(kernel.parent_op)


@settings(max_examples=50)
@given(modules(max_kernels=2, max_ops=10), st.randoms(use_true_random=False))
def test_name_hints_do_not_change_structure(module, rnd):
    """Random (valid, invalid, duplicate) name hints change the names, never the IR."""
    pool = ["q", "a", "x1", "theta", "0bad", "with space", "", "%p", "m.n", "é"]
    for op in module.walk():
        for r in op.results:
            r.name_hint = rnd.choice(pool + [None])
        for reg in op.regions:
            for b in reg.blocks:
                for a in b.args:
                    a.name_hint = rnd.choice(pool + [None])
    text = print_module(module)
    parsed = parse_module(text)
    assert structural_diff(module, parsed) is None
    assert print_module(parsed) == text
