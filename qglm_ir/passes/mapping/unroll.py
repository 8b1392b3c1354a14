"""``unroll-loops``: unroll small constant ``scf.for`` loops of kernels, peel the last iteration
of large ones, so routing leaves no dead layout-restoring swaps.

Why: ``route`` routes a loop body once and makes every iteration end in the layout it started
from (token swapping before the ``scf.yield``), so the body can repeat. After the *last*
iteration those restoring swaps do nothing useful: the program could simply end in the
permuted layout (``final_layout`` records it). Measured on ``examples/ansatz.qglm`` on
``heavy-hex:3``: the two-layer ring ansatz used 36-40 CX with the loop routed as a loop
against Qiskit O3's 28 on the unrolled circuit; unrolled, routing may also carry the layout
from one layer into the next.

Requires: kernels after ``inline``/``canonicalize`` (loop bounds folded to constants where
possible). Guarantees: an ``scf.for`` directly in a kernel body with constant bounds is
replaced by copies of its body, one per iteration (induction variable bound to a new
``arith.constant``, carried values threaded through), when ``trips * body ops <= max_ops``;
otherwise, with ``peel=True`` and at least two iterations, it keeps ``trips - 1`` iterations
and a copy of the last follows it at kernel level, where routing need not restore the layout.
Loops with non-constant bounds, nested loops and other regions are left alone. The program's
meaning is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...core.errors import PassError
from ...core.ir import Operation, Value
from ...core.module import Module
from ...dialects.arith import constant_int as _const
from ...dialects.scf import ForOp
from ..base import Pass, PassContext, PassResult
from .wires import kernel_body, kernels_of


def trip_count(loop: Operation) -> int | None:
    """Iterations of an ``scf.for`` with constant bounds and a positive step, else None."""
    lb, ub, st = (_const(v) for v in ForOp(loop).bounds)
    if lb is None or ub is None or st is None or st <= 0:
        return None
    return max(0, -(-(ub - lb) // st))


def _body_size(loop: Operation) -> int:
    n = 0
    for op in loop.regions[0].block:
        n += 1
        for r in op.regions:
            for b in r.blocks:
                n += sum(1 for _ in b)
    return n


def _emit_iteration(loop: Operation, iv_value: int, carried: list[Value], anchor: Operation | None) -> list[Value]:
    """Insert one copy of ``loop``'s body before ``anchor`` (None: at the block end) with the
    induction variable ``iv_value`` and carried inputs ``carried``; returns the yielded values."""
    body = loop.regions[0].block
    block = loop.parent
    assert block is not None
    iv = Operation("arith.constant", (), [body.args[0].type], {"value": iv_value}, loc=loop.loc)
    block.insert_before(iv, anchor)
    mapping: dict[Value, Value] = {body.args[0]: iv.results[0]}
    for arg, val in zip(body.args[1:], carried):
        mapping[arg] = val
    term = body.terminator
    for op in body:
        if op is term:
            break
        block.insert_before(op.clone(mapping), anchor)
    assert term is not None and term.name == "scf.yield"
    return [mapping.get(v, v) for v in term.operands]


def unroll_loop(loop: Operation, trips: int) -> None:
    """Replace ``loop`` (an ``scf.for`` with ``trips`` constant iterations) by its iterations."""
    view = ForOp(loop)
    lb, st = _const(view.lb), _const(view.step)
    assert lb is not None and st is not None
    carried = list(view.iter_args)
    for k in range(trips):
        carried = _emit_iteration(loop, lb + k * st, carried, loop)
    for res, val in zip(loop.results, carried):
        res.replace_all_uses_with(val)
    loop.erase()


def peel_last(loop: Operation, trips: int) -> None:
    """Run ``trips - 1`` iterations in ``loop`` and a copy of the last one after it."""
    view = ForOp(loop)
    lb, st = _const(view.lb), _const(view.step)
    assert lb is not None and st is not None and trips >= 2
    last = lb + (trips - 1) * st
    block = loop.parent
    assert block is not None
    new_ub = Operation("arith.constant", (), [view.ub.type], {"value": last}, loc=loop.loc)
    block.insert_before(new_ub, loop)
    loop.set_operand(ForOp.offset("ub"), new_ub.results[0])
    # Users of the loop's results move to the peeled iteration's results: park them on
    # placeholders first, so the peeled copy itself can read the loop's results.
    holders = [Value(r.type) for r in loop.results]
    for r, h in zip(loop.results, holders):
        r.replace_all_uses_with(h)
    anchor = loop.next
    outs = _emit_iteration(loop, last, list(loop.results), anchor)
    for h, v in zip(holders, outs):
        h.replace_all_uses_with(v)


@dataclass(frozen=True)
class UnrollLoops(Pass):
    """Unroll small constant ``scf.for`` loops of kernels and peel the last iteration of large
    ones (see the module docstring). Options: ``max_ops`` (unroll when iterations times body
    ops is at most this), ``peel`` (peel the last iteration of loops too large to unroll)."""

    name: ClassVar[str] = "unroll-loops"

    max_ops: int = 4096
    peel: bool = True

    def __post_init__(self) -> None:
        if self.max_ops < 0:
            raise ValueError("max-ops must be >= 0")

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        unrolled = peeled = 0
        for kernel in kernels_of(module):
            body = kernel_body(kernel)
            for op in [op for op in body if op.name == "scf.for"]:
                trips = trip_count(op)
                if trips is None or trips == 0:
                    continue
                try:
                    if trips * _body_size(op) <= self.max_ops:
                        unroll_loop(op, trips)
                        unrolled += 1
                    elif self.peel and trips >= 2:
                        peel_last(op, trips)
                        peeled += 1
                except AssertionError as exc:  # pragma: no cover - malformed scf.for
                    raise PassError(f"unroll-loops: malformed scf.for ({exc})", op.loc) from exc
        return PassResult(unrolled + peeled > 0, {"unrolled": unrolled, "peeled": peeled})
