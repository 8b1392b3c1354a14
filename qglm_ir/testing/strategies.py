"""Hypothesis strategies for random, well-formed qglm IR.

These are public: a framework that writes its own pass can property-test it
against the IR's tensor-network semantics::

    from hypothesis import given
    from qglm_ir.testing import kernels, assert_equivalent

    @given(kernels(max_qubits=4, measurements=False))
    def test_my_pass(kernel):
        before = kernel.parent_op.clone()
        my_pass(kernel.parent_op)
        assert_equivalent(before, kernel.parent_op)

Every generated module verifies, and every angle is evaluable without extra
bindings: symbolic angles come from ``param.decl`` ops that carry an ``init``
value (so a trainable parameter stays symbolic in the IR while the semantics
can still evaluate it), from arithmetic on them, and from loop induction
variables.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

from ..builder import KernelBuilder, ModuleBuilder, param_ref
from ..core.ir import Operation, Value
from ..core.module import Module
from ..core.types import f64, tensor
from ..dialects.gates import GATES

ALL_GATES: tuple[str, ...] = tuple(GATES)

_angles = st.floats(min_value=-2 * np.pi, max_value=2 * np.pi, allow_nan=False, width=64)


class _Ctx:
    """What the instruction generator can refer to while building one kernel."""

    def __init__(self, kb: KernelBuilder, params: list[Value], num_params: int):
        self.kb = kb
        self.params = params  # the tensor-valued param.get results
        self.num_params = num_params
        self.ivs: list[Value] = []  # induction variables of enclosing loops


def _angle(draw: st.DrawFn, ctx: _Ctx, symbolic: bool) -> Value | float:
    kinds = ["const"]
    if symbolic and ctx.params:
        kinds += ["param", "expr"]
    if symbolic and ctx.ivs:
        kinds.append("iv")
    kind = draw(st.sampled_from(kinds))
    kb = ctx.kb
    if kind == "const":
        return draw(_angles)
    if kind == "iv":
        iv = draw(st.sampled_from(ctx.ivs))
        x = kb.b.create("arith.cast", [iv], [f64]).result
        return kb.arith("mul", x, draw(_angles))
    p = draw(st.sampled_from(ctx.params))
    value = kb.extract(p, draw(st.integers(0, ctx.num_params - 1)))
    if kind == "param":
        return value
    op = draw(st.sampled_from(["add", "sub", "mul", "neg", "sin", "cos"]))
    if op in ("neg", "sin", "cos"):
        return kb.b.create("arith." + op, [value], [f64]).result
    return kb.arith(op, value, draw(_angles))


def _instructions(
    draw: st.DrawFn,
    ctx: _Ctx,
    num_qubits: int,
    budget: int,
    depth: int,
    gates: Sequence[str],
    measurements: bool,
    control_flow: bool,
    symbolic: bool,
    bits: list[Value],
) -> None:
    kb = ctx.kb
    usable = [g for g in gates if GATES[g].num_qubits <= num_qubits]
    n = draw(st.integers(0, budget))
    kinds = ["gate"] * 6
    if measurements:
        kinds += ["measure", "reset"]
    if control_flow and depth > 0:
        kinds += ["for", "if"]
        if measurements:
            kinds.append("feedforward")
    kinds += ["barrier"]
    for _ in range(n):
        kind = draw(st.sampled_from(kinds))
        if kind == "gate" and usable:
            g = GATES[draw(st.sampled_from(usable))]
            qs = draw(st.permutations(range(num_qubits)))[: g.num_qubits]
            params = [_angle(draw, ctx, symbolic) for _ in range(g.num_params)]
            kb.gate(g.name, *qs, params=params)
        elif kind == "measure":
            bits.append(kb.measure(draw(st.integers(0, num_qubits - 1))))
        elif kind == "reset":
            kb.reset(draw(st.integers(0, num_qubits - 1)))
        elif kind == "barrier":
            k = draw(st.integers(1, num_qubits))
            kb.barrier(*draw(st.permutations(range(num_qubits)))[:k])
        elif kind == "for":
            lo = draw(st.integers(0, 2))
            hi = lo + draw(st.integers(0, 3))
            with kb.for_(lo, hi) as iv:
                ctx.ivs.append(iv)
                _instructions(draw, ctx, num_qubits, max(1, budget // 3), depth - 1, gates, False,
                              control_flow, symbolic, [])
                ctx.ivs.pop()
        elif kind in ("if", "feedforward"):
            if kind == "feedforward" and bits:
                cond = draw(st.sampled_from(bits))
            else:
                cond = kb.const(draw(st.booleans()))
            inner_bits: list[Value] = []
            with kb.if_(cond):
                _instructions(draw, ctx, num_qubits, max(1, budget // 3), depth - 1, gates,
                              measurements, control_flow, symbolic, inner_bits)
            if draw(st.booleans()):
                with kb.else_():
                    _instructions(draw, ctx, num_qubits, max(1, budget // 3), depth - 1, gates,
                                  measurements, control_flow, symbolic, [])


def _build_kernel(
    draw: st.DrawFn,
    mb: ModuleBuilder,
    name: str,
    decl: Operation | None,
    num_params: int,
    min_qubits: int,
    max_qubits: int,
    max_ops: int,
    gates: Sequence[str],
    measurements: bool,
    control_flow: bool,
    symbolic: bool,
    qubit_args: bool | None,
    max_depth: int,
) -> Operation:
    num_qubits = draw(st.integers(min_qubits, max_qubits))
    if qubit_args is None:
        qubit_args = draw(st.booleans())
    kb = mb.kernel(name, num_qubits, qubit_args=qubit_args)
    params = [param_ref(kb.b, decl)] if decl is not None else []
    ctx = _Ctx(kb, params, num_params)
    bits: list[Value] = []
    _instructions(draw, ctx, num_qubits, max_ops, max_depth if control_flow else 0, gates,
                  measurements, control_flow, symbolic, bits)
    return kb.finish(bits)


def _declare_params(draw: st.DrawFn, mb: ModuleBuilder, symbolic: bool) -> tuple[Operation | None, int]:
    num_params = draw(st.integers(1, 4))
    if not symbolic:
        return None, num_params
    init = np.array(draw(st.lists(_angles, min_size=num_params, max_size=num_params)))
    return mb.param("theta", tensor(num_params), trainable=draw(st.booleans()), init=init), num_params


@st.composite
def kernels(
    draw: st.DrawFn,
    min_qubits: int = 1,
    max_qubits: int = 4,
    max_ops: int = 20,
    gates: Sequence[str] = ALL_GATES,
    measurements: bool = True,
    control_flow: bool = True,
    symbolic: bool = True,
    qubit_args: bool | None = None,
    max_depth: int = 2,
) -> Operation:
    """A random ``q.kernel`` op inside its own module (``kernel.parent_op``).

    ``measurements=False`` gives measurement- and reset-free kernels (a
    unitary or isometry); ``control_flow=False`` gives straight-line code;
    ``symbolic=False`` makes every angle a constant; ``qubit_args`` chooses
    qubits as block arguments (True), ``q.alloc`` (False) or either (None).
    Measured bits are returned, so the kernel's observable output is defined.
    """
    mb = ModuleBuilder("gen")
    decl, num_params = _declare_params(draw, mb, symbolic)
    return _build_kernel(draw, mb, "k", decl, num_params, min_qubits, max_qubits, max_ops, gates,
                         measurements, control_flow, symbolic, qubit_args, max_depth)


@st.composite
def modules(
    draw: st.DrawFn,
    max_kernels: int = 3,
    min_qubits: int = 1,
    max_qubits: int = 4,
    max_ops: int = 20,
    gates: Sequence[str] = ALL_GATES,
    measurements: bool = True,
    control_flow: bool = True,
    symbolic: bool = True,
    max_depth: int = 2,
) -> Module:
    """A random module: a parameter, one or more kernels and a host ``func.func @main``
    that calls every kernel taking no arguments."""
    mb = ModuleBuilder(draw(st.sampled_from(["gen", "model", "m0"])))
    decl, num_params = _declare_params(draw, mb, symbolic)
    for k in range(draw(st.integers(1, max_kernels))):
        _build_kernel(draw, mb, f"k{k}", decl, num_params, min_qubits, max_qubits, max_ops, gates,
                      measurements, control_flow, symbolic, None, max_depth)
    _add_host(mb.module)
    return mb.module


def _add_host(module: Module) -> None:
    """A ``func.func @main`` calling every kernel that takes no arguments."""
    from ..core.attributes import SymbolRef
    from ..core.builder import Builder
    from ..core.ir import Block, Region
    from ..core.types import FunctionType

    body = Block()
    b = Builder.at_end(body)
    results: list[Value] = []
    for op in list(module.body):
        if op.name != "q.kernel":
            continue
        ftype = op.properties["function_type"]
        assert isinstance(ftype, FunctionType)
        if ftype.inputs:
            continue
        call = b.create("func.call", [], list(ftype.results), {"callee": SymbolRef(str(op.properties["sym_name"]))})
        results += list(call.results)
    b.create("func.return", results)
    module.append(
        Operation(
            "func.func",
            properties={
                "sym_name": "main",
                "function_type": FunctionType((), tuple(v.type for v in results)),
            },
            regions=[Region([body])],
        )
    )
