"""Small IR-rewriting helpers shared by the QEC passes."""

from __future__ import annotations

from collections.abc import Sequence

from ...core.builder import Builder
from ...core.errors import PassError
from ...core.ir import Operation, Value
from ...core.types import i1, i64, qubit
from ...targets.noise_model import NoiseModel, noise_model_of
from ..base import PassContext


def model_from_ctx(ctx: PassContext, pass_name: str) -> NoiseModel:
    """The noise model of the context's device; :class:`PassError` without a device."""
    if ctx.device is None:
        raise PassError(f"pass '{pass_name}' needs a calibrated device",
                        help="give --device (e.g. qiskit:fake_sherbrooke or a device JSON file)")
    return noise_model_of(ctx.device)


def gate_before(user: Operation, name: str, values: Sequence[Value], params: Sequence[Value] = ()) -> Operation:
    """Insert gate ``q.<name>`` on qubit ``values`` right before ``user`` (same block).

    Every use of ``values`` by ``user`` is redirected to the gate's results, so
    linearity holds. Requires ``user`` to be the single user of each value.
    """
    op = Builder.before_op(user).create("q." + name, [*params, *values], [qubit] * len(values))
    op.loc = user.loc
    for v, r in zip(values, op.results):
        for i, x in enumerate(user.operands):
            if x is v:
                user.set_operand(i, r)
    return op


def qubit_op_before(user: Operation, name: str, value: Value, props: dict | None = None,
                    extra_results: Sequence = ()) -> Operation:
    """Insert a one-qubit non-gate op (``q.delay``, ``q.measure``, ``q.reset``) before ``user``."""
    op = Builder.before_op(user).create(name, [value], [*extra_results, qubit], props)
    op.loc = user.loc
    new = op.results[-1]
    for i, x in enumerate(user.operands):
        if x is value:
            user.set_operand(i, new)
    return op


def constant(anchor: Operation, value: object, type_) -> Value:
    """An ``arith.constant`` inserted before ``anchor``."""
    return Builder.before_op(anchor).create("arith.constant", (), [type_], {"value": value}).result


def majority(anchor: Operation, bits: Sequence[Value]) -> Value:
    """``i1`` majority of an odd number of ``bits`` (arith ops inserted before ``anchor``)."""
    return at_least(anchor, bits, (len(bits) + 1) // 2)


def at_least(anchor: Operation, bits: Sequence[Value], k: int) -> Value:
    """``i1``: at least ``k`` of ``bits`` are set, built from arith ops before ``anchor``.

    Small cases use and/or (``2 of 2``: and; ``2 of 3``: ``(a & b) | (c & (a | b))``);
    others count with ``i64`` casts and compare with ``k``.
    """
    b = Builder.before_op(anchor)
    if k == 1 and len(bits) == 1:
        return bits[0]
    if k == 2 and len(bits) == 2:
        return b.create("arith.and", list(bits), [i1]).result
    if k == 2 and len(bits) == 3:
        x, y, z = bits
        ab = b.create("arith.and", [x, y], [i1]).result
        aob = b.create("arith.or", [x, y], [i1]).result
        c = b.create("arith.and", [z, aob], [i1]).result
        return b.create("arith.or", [ab, c], [i1]).result
    total = None
    for v in bits:
        n = b.create("arith.cast", [v], [i64]).result
        total = n if total is None else b.create("arith.add", [total, n], [i64]).result
    assert total is not None
    thr = b.create("arith.constant", (), [i64], {"value": k}).result
    return b.create("arith.cmp", [total, thr], [i1], {"predicate": "ge"}).result


def replace_uses_except(old: Value, new: Value, keep: set[Operation]) -> None:
    """Make every user of ``old`` except those in ``keep`` use ``new``."""
    for user in list(old.uses):
        if user in keep:
            continue
        for i, x in enumerate(user.operands):
            if x is old:
                user.set_operand(i, new)


def precedes(op: Operation, anchor: Operation) -> bool:
    """Whether ``op`` comes before ``anchor`` in the same block (linear in the distance)."""
    if op.parent is not anchor.parent:
        return False
    cur = op.next
    while cur is not None:
        if cur is anchor:
            return True
        cur = cur.next
    return False
