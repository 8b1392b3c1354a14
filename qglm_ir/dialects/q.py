"""The ``q`` dialect: qubits, gates, measurement and kernels.

Qubit values are linear: every gate consumes its qubit operands and produces
fresh qubit results, positionally (result ``k`` is the wire of qubit operand
``k``). Gate operands are the gate's angles (``f64``) first, then its qubits.

Ops:
  q.alloc        () -> !q.qubit                     a fresh qubit in |0>
  q.dealloc      (!q.qubit) -> ()                   release a qubit
  q.<gate>       (f64 x P, !q.qubit x N) -> !q.qubit x N   every gate of the gate table
  q.unitary      (!q.qubit x N) -> !q.qubit x N     explicit 2^N x 2^N ``matrix`` property
  q.measure      (!q.qubit) -> (i1, !q.qubit)       Z-basis measurement, qubit survives
  q.reset        (!q.qubit) -> !q.qubit
  q.barrier      (!q.qubit x N) -> !q.qubit x N
  q.delay        (!q.qubit) -> !q.qubit             ``duration`` (float) and ``unit`` properties
  q.global_phase (f64) -> ()
  q.kernel       a function whose body is a quantum kernel (``sym_name``, ``function_type``)
"""

from __future__ import annotations

import numpy as np

from ..core.attributes import DenseArray
from ..core.ir import Operation
from ..core.opdef import (
    FUNCTION_LIKE,
    GATE,
    ISOLATED,
    QUANTUM,
    SYMBOL,
    OpDef,
    OpView,
    register,
)
from ..core.types import f64, i1, qubit
from . import _checks as c
from .func import verify_function_like
from .gates import GATES, GateSpec

DELAY_UNITS = ("dt", "ns", "us", "ms", "s")


def gate_op_name(gate: str) -> str:
    return "q." + gate


#: Gate-table entry by IR op name (``q.rz`` ...): one dict lookup per :func:`gate_spec` call
#: instead of a prefix test and a slice (it is asked about hundreds of thousands of times per
#: compile, e.g. by :func:`gate_params`/:func:`gate_qubits` in the rewrite patterns).
_SPEC_BY_OP: dict[str, GateSpec] = {spec.ir_name: spec for spec in GATES.values()}


def gate_spec(op: Operation) -> GateSpec | None:
    """The gate-table entry of a gate op, or ``None`` for any other op."""
    return _SPEC_BY_OP.get(op.name)


def gate_params(op: Operation) -> list:
    """The angle operands of a gate op."""
    spec = gate_spec(op)
    assert spec is not None
    return op.operands[: spec.num_params]


def gate_qubits(op: Operation) -> list:
    """The qubit operands of a gate or ``q.unitary`` / ``q.barrier`` op."""
    spec = gate_spec(op)
    if spec is None:
        return [v for v in op.operands if v.type.is_qubit]
    return op.operands[spec.num_params :]


class QubitOp(OpView):
    """An op whose one operand is a qubit (the views below name which op)."""

    OP = "q.<one qubit>"
    OPERANDS = ("qubit",)


class MeasureOp(QubitOp):
    """``q.measure``: the measured qubit (results: the bit, then the surviving qubit)."""

    OP = "q.measure"


class ResetOp(QubitOp):
    """``q.reset``: the qubit reset to |0>."""

    OP = "q.reset"


class DeallocOp(QubitOp):
    """``q.dealloc``: the qubit released."""

    OP = "q.dealloc"


class DelayOp(QubitOp):
    """``q.delay``: the idle qubit (``duration`` and ``unit`` are properties)."""

    OP = "q.delay"


class GlobalPhaseOp(OpView):
    """``q.global_phase``: the phase angle."""

    OP = "q.global_phase"
    OPERANDS = ("angle",)


def _make_gate_verifier(spec: GateSpec):
    want = (f64,) * spec.num_params + (qubit,) * spec.num_qubits
    nq = spec.num_qubits

    def verify(op: Operation) -> None:
        # The well-formed case (every gate of a verified program) in one pass over the
        # operands; anything else falls through to the checks that name what is wrong.
        ops = op.operands
        res = op.results
        if len(ops) == len(want) and len(res) == nq:
            for v, t in zip(ops, want):
                if v.type is not t and v.type != t:
                    break
            else:
                for r in res:
                    if r.type is not qubit and r.type != qubit:
                        break
                else:
                    return
        c.num_operands(op, spec.num_params + spec.num_qubits)
        c.num_results(op, spec.num_qubits)
        for i in range(spec.num_params):
            c.operand_type(op, i, f64, "angle operand")
        for i in range(spec.num_params, spec.num_params + spec.num_qubits):
            c.operand_type(op, i, qubit, "qubit operand")
        for r in op.results:
            if r.type != qubit:
                c.fail(f"results must be !q.qubit, got {r.type}")

    verify.__doc__ = f"Gate {spec.name}: {spec.num_params} angle(s), {spec.num_qubits} qubit(s)."
    return verify


for _spec in GATES.values():
    register(
        OpDef(
            gate_op_name(_spec.name),
            f"{_spec.name} gate ({_spec.num_qubits} qubit(s), {_spec.num_params} angle(s))",
            frozenset({GATE, QUANTUM}),
            _make_gate_verifier(_spec),
        )
    )


def _qubits_in_out(op: Operation) -> int:
    n = len(op.operands)
    c.num_results(op, n)
    for i, v in enumerate(op.operands):
        if v.type != qubit:
            c.fail(f"operand #{i} must be !q.qubit, got {v.type}")
    for r in op.results:
        if r.type != qubit:
            c.fail(f"results must be !q.qubit, got {r.type}")
    return n


def _verify_unitary(op: Operation) -> None:
    n = _qubits_in_out(op)
    if n == 0:
        c.fail("q.unitary needs at least one qubit")
    m = c.prop(op, "matrix", DenseArray)
    assert isinstance(m, DenseArray)
    dim = 1 << n
    if m.shape != (dim, dim):
        c.fail(f"matrix must be {dim}x{dim} for {n} qubit(s), got {'x'.join(map(str, m.shape))}")
    u = m.array.astype(np.complex128)
    if not np.allclose(u.conj().T @ u, np.eye(dim), atol=1e-8):
        c.fail("matrix is not unitary")


def _verify_alloc(op: Operation) -> None:
    c.num_operands(op, 0)
    c.num_results(op, 1)
    if op.results[0].type != qubit:
        c.fail("result must be !q.qubit")


def _verify_dealloc(op: Operation) -> None:
    c.num_operands(op, 1)
    c.num_results(op, 0)
    c.operand_type(op, 0, qubit)


def _verify_measure(op: Operation) -> None:
    c.num_operands(op, 1)
    c.operand_type(op, 0, qubit)
    c.num_results(op, 2)
    if op.results[0].type != i1 or op.results[1].type != qubit:
        c.fail("results must be (i1, !q.qubit)")


def _verify_reset(op: Operation) -> None:
    c.num_operands(op, 1)
    c.operand_type(op, 0, qubit)
    c.num_results(op, 1)
    if op.results[0].type != qubit:
        c.fail("result must be !q.qubit")


def _verify_barrier(op: Operation) -> None:
    _qubits_in_out(op)


def _verify_delay(op: Operation) -> None:
    _verify_reset(op)
    d = c.prop(op, "duration", (int, float))
    if d < 0:  # type: ignore[operator]
        c.fail("duration must be non-negative")
    unit = op.properties.get("unit", "dt")
    if unit not in DELAY_UNITS:
        c.fail(f"unit must be one of {', '.join(DELAY_UNITS)}, got {unit!r}")


def _verify_global_phase(op: Operation) -> None:
    c.num_operands(op, 1)
    c.operand_type(op, 0, f64)
    c.num_results(op, 0)


def _verify_kernel(op: Operation) -> None:
    verify_function_like(op)
    from .readout import contract_errors

    for problem in contract_errors(op):
        c.fail(problem)


for _name, _summary, _traits, _fn, _nreg in [
    ("q.alloc", "allocate a qubit in |0>", {QUANTUM}, _verify_alloc, 0),
    ("q.dealloc", "release a qubit", {QUANTUM}, _verify_dealloc, 0),
    ("q.unitary", "explicit unitary on N qubits", {QUANTUM}, _verify_unitary, 0),
    ("q.measure", "Z-basis measurement; the qubit survives", {QUANTUM}, _verify_measure, 0),
    ("q.reset", "reset a qubit to |0>", {QUANTUM}, _verify_reset, 0),
    ("q.barrier", "scheduling barrier over qubits", {QUANTUM}, _verify_barrier, 0),
    ("q.delay", "idle a qubit for a duration", {QUANTUM}, _verify_delay, 0),
    ("q.global_phase", "multiply the state by exp(i*angle)", {QUANTUM}, _verify_global_phase, 0),
    (
        "q.kernel",
        "a quantum kernel: function whose body holds qubit ops",
        {SYMBOL, FUNCTION_LIKE, ISOLATED},
        _verify_kernel,
        1,
    ),
]:
    register(OpDef(_name, _summary, frozenset(_traits), _fn, _nreg))
