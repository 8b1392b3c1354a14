"""Random valid ``.qglm`` kernels agree with the same kernel built by ``KernelBuilder``.

A hypothesis strategy draws an instruction list (gates with literal, input
and computed angles; unrolled loops over qubits; ``repeat`` loops that stay
loops; mid-circuit measurement with feed-forward ``if``; reset; barrier;
noise-free). It is rendered twice: as DSL text and as builder calls. The DSL
text must parse, verify and round-trip through the textual IR, and its
kernel's tensor-network semantics must equal the builder kernel's.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qglm_ir.builder import KernelBuilder, ModuleBuilder
from qglm_ir.core.types import tensor
from qglm_ir.dialects.gates import GATES
from qglm_ir.frontends.dsl import compile_source
from qglm_ir.semantics import probabilities, statevector
from qglm_ir.text import parse_module, print_module, structurally_equal
from qglm_ir.verify import verify

N_THETA = 4
_GATE_NAMES = sorted(GATES)


@st.composite
def _angle(draw: st.DrawFn) -> tuple:
    kind = draw(st.sampled_from(["lit", "input", "expr"]))
    if kind == "lit":
        return ("lit", draw(st.floats(-3.0, 3.0, allow_nan=False).map(lambda x: round(x, 6))))
    k = draw(st.integers(0, N_THETA - 1))
    if kind == "input":
        return ("input", k)
    return ("expr", k, draw(st.sampled_from([0.5, 2.0, -1.25])))


@st.composite
def _gate(draw: st.DrawFn, n: int) -> tuple:
    name = draw(st.sampled_from([g for g in _GATE_NAMES if GATES[g].num_qubits <= n]))
    spec = GATES[name]
    qubits = draw(st.permutations(range(n)))[: spec.num_qubits]
    angles = [draw(_angle()) for _ in range(spec.num_params)]
    return ("gate", name, tuple(qubits), angles)


@st.composite
def _instr(draw: st.DrawFn, n: int, depth: int, measure: bool) -> tuple:
    kinds = ["gate", "gate", "gate", "bcast"]
    if depth < 2:
        kinds += ["repeat", "unrolled"]
    if measure:
        kinds += ["feedforward", "reset"]
    kind = draw(st.sampled_from(kinds))
    if kind == "gate":
        return draw(_gate(n))
    if kind == "bcast":
        return ("bcast", draw(st.sampled_from(["h", "x", "s", "t"])))
    if kind == "repeat":
        body = draw(st.lists(_instr(n, depth + 1, False), min_size=1, max_size=3))
        return ("repeat", draw(st.integers(0, 3)), body)
    if kind == "unrolled":
        return ("unrolled", draw(st.sampled_from(["ry", "rz"])), draw(_angle()))
    if kind == "reset":
        return ("reset", draw(st.integers(0, n - 1)))
    a, b = draw(st.permutations(range(n)))[:2] if n > 1 else (0, 0)
    return ("ff", a, b, draw(st.sampled_from(["x", "z", "h"])))


@st.composite
def programs(draw: st.DrawFn, measure: bool) -> tuple[int, list]:
    n = draw(st.integers(2 if measure else 1, 4))
    body = draw(st.lists(_instr(n, 0, measure), min_size=1, max_size=12))
    return n, body


# ----------------------------------------------------------------- rendering
def _angle_text(a: tuple) -> str:
    if a[0] == "lit":
        return repr(float(a[1]))
    if a[0] == "input":
        return f"theta[{a[1]}]"
    return f"theta[{a[1]}] * {a[2]!r} + 0.5"


def _render(body: list, indent: str, counter: list[int]) -> list[str]:
    out: list[str] = []
    for ins in body:
        kind = ins[0]
        if kind == "gate":
            _, name, qubits, angles = ins
            params = f"({', '.join(_angle_text(a) for a in angles)})" if angles else ""
            out.append(f"{indent}{name}{params} " + ", ".join(f"q[{q}]" for q in qubits))
        elif kind == "bcast":
            out.append(f"{indent}{ins[1]} q")
        elif kind == "repeat":
            out.append(f"{indent}repeat {ins[1]} {{")
            out += _render(ins[2], indent + "    ", counter)
            out.append(f"{indent}}}")
        elif kind == "unrolled":
            out.append(f"{indent}for i in 0..n {{")
            out.append(f"{indent}    {ins[1]}({_angle_text(ins[2])} + i) q[i]")
            out.append(f"{indent}}}")
        elif kind == "reset":
            out.append(f"{indent}reset q[{ins[1]}]")
        else:
            _, a, b, g = ins
            counter[0] += 1
            m = f"m{counter[0]}"
            out.append(f"{indent}let {m} = measure q[{a}]")
            out.append(f"{indent}if {m} {{")
            out.append(f"{indent}    {g} q[{b}]")
            out.append(f"{indent}}}")
    return out


def to_text(n: int, body: list) -> str:
    lines = [f"const n = {n}", f"kernel k(theta: f64[{N_THETA}]) {{", "    qubit q[n]"]
    lines += _render(body, "    ", [0])
    lines.append("}")
    return "\n".join(lines) + "\n"


def _builder_angle(kb: KernelBuilder, a: tuple):
    if a[0] == "lit":
        return kb.const(float(a[1]))
    if a[0] == "input":
        return kb.extract(kb.input("theta"), a[1])
    return kb.arith("add", kb.arith("mul", kb.extract(kb.input("theta"), a[1]), a[2]), 0.5)


def _build(kb: KernelBuilder, n: int, body: list) -> None:
    for ins in body:
        kind = ins[0]
        if kind == "gate":
            _, name, qubits, angles = ins
            kb.gate(name, *qubits, params=[_builder_angle(kb, a) for a in angles])
        elif kind == "bcast":
            for q in range(n):
                kb.gate(ins[1], q)
        elif kind == "repeat":
            with kb.for_(0, ins[1]):
                _build(kb, n, ins[2])
        elif kind == "unrolled":
            for i in range(n):
                base = _builder_angle(kb, ins[2])
                kb.gate(ins[1], i, params=[kb.arith("add", base, float(i))])
        elif kind == "reset":
            kb.reset(ins[1])
        else:
            _, a, b, g = ins
            bit = kb.measure(a)
            with kb.if_(bit):
                kb.gate(g, b)


def build(n: int, body: list):
    mb = ModuleBuilder()
    kb = mb.kernel("k", n, inputs=[("theta", tensor(N_THETA))])
    _build(kb, n, body)
    kb.finish()
    return kb.op


THETA = np.array([0.3, -1.1, 2.2, 0.7])


def _check(n: int, body: list, measure: bool) -> None:
    text = to_text(n, body)
    module = compile_source(text, "random.qglm")
    verify(module)
    printed = print_module(module)
    assert structurally_equal(parse_module(printed), module), printed
    kernel = next(iter(module))
    reference = build(n, body)
    if measure:
        got = probabilities(kernel, inputs=[THETA])
        want = probabilities(reference, inputs=[THETA])
    else:
        got = statevector(kernel, inputs=[THETA])
        want = statevector(reference, inputs=[THETA])
    np.testing.assert_allclose(got, want, atol=1e-9, err_msg=text)


@settings(max_examples=60, deadline=None)
@given(programs(measure=False))
def test_unitary_programs_match_builder(prog: tuple[int, list]) -> None:
    _check(*prog, measure=False)


@settings(max_examples=40, deadline=None)
@given(programs(measure=True))
def test_measuring_programs_match_builder(prog: tuple[int, list]) -> None:
    _check(*prog, measure=True)


def test_checker_catches_a_wrong_reference() -> None:
    """The comparison is not vacuous: a different angle gives a different state."""
    n, body = 2, [("gate", "ry", (0,), [("input", 1)]), ("gate", "cx", (0, 1), [])]
    kernel = next(iter(compile_source(to_text(n, body))))
    other = build(n, [("gate", "ry", (0,), [("input", 2)]), ("gate", "cx", (0, 1), [])])
    assert not np.allclose(statevector(kernel, inputs=[THETA]), statevector(other, inputs=[THETA]))
