"""The ``scf`` dialect: structured control flow with regions.

Qubits never cross a region boundary implicitly: they enter through operands
(bound to the region's block arguments) and leave through ``scf.yield`` (the
op's results). Classical values defined above may be used inside regions.
This keeps every region a closed tensor network and makes linearity local.

Ops:
  scf.for    (lb: i64, ub: i64, step: i64, inits...) -> (types of inits)
             one region, block args (iv: i64, iter...), ends in scf.yield(iter types)
  scf.if     (cond: i1, inputs...) -> (results...)
             two regions ("then", "else"), each with block args = input types,
             each ending in scf.yield(result types)
  scf.while  (inits...) -> (results...)
             region "before": block args = init types, ends in scf.condition(i1, results...)
             region "after":  block args = result types, ends in scf.yield(init types)
  scf.yield      terminator of scf regions
  scf.condition  terminator of the "before" region of scf.while
"""

from __future__ import annotations

from ..core.ir import Operation, Value
from ..core.opdef import TERMINATOR, OpDef, OpView, register
from ..core.types import i1, i64
from . import _checks as c


class ForOp(OpView):
    """``scf.for``: bounds, loop-carried values, one body (block args: iv, then iter_args)."""

    OP = "scf.for"
    OPERANDS = ("lb", "ub", "step", "*iter_args")
    REGIONS = ("body",)
    #: Block arguments of ``body`` before the ones bound to ``iter_args`` (the induction variable).
    ARG_OFFSET = 1

    @property
    def bounds(self) -> list[Value]:
        """``[lb, ub, step]``."""
        return self.op.operands[: ForOp.offset("iter_args")]


class IfOp(OpView):
    """``scf.if``: a condition and the inputs bound to both regions' block arguments."""

    OP = "scf.if"
    OPERANDS = ("cond", "*inputs")
    REGIONS = ("then", "else_")
    ARG_OFFSET = 0


class WhileOp(OpView):
    """``scf.while``: initial values bound to ``before``'s block arguments."""

    OP = "scf.while"
    OPERANDS = ("*inits",)
    REGIONS = ("before", "after")
    ARG_OFFSET = 0


class ConditionOp(OpView):
    """``scf.condition``: the continue flag and the values passed on."""

    OP = "scf.condition"
    OPERANDS = ("cond", "*values")


class YieldOp(OpView):
    """``scf.yield``: the values a region passes back."""

    OP = "scf.yield"
    OPERANDS = ("*values",)


#: The region ops whose operands are bound to their regions' block arguments, by name.
REGION_OPS: dict[str, type[ForOp] | type[IfOp] | type[WhileOp]] = {
    "scf.for": ForOp,
    "scf.if": IfOp,
    "scf.while": WhileOp,
}
#: Name of each region op's carried-operand group.
CARRIED: dict[str, str] = {"scf.for": "iter_args", "scf.if": "inputs", "scf.while": "inits"}


def carried(op: Operation) -> list[Value]:
    """The operands of region op ``op`` bound to its regions' block arguments (and, for
    ``scf.for``/``scf.while``, the loop-carried values its results continue)."""
    return getattr(REGION_OPS[op.name](op), CARRIED[op.name])


def carried_offset(op_name: str) -> int:
    """Index of the first carried operand of region op ``op_name``."""
    return REGION_OPS[op_name].offset(CARRIED[op_name])


def terminator_values(term: Operation) -> list[Value]:
    """The values a region terminator passes on (``scf.condition`` drops its flag)."""
    if term.name == "scf.condition":
        return ConditionOp(term).values
    return list(term.operands)


def _verify_for(op: Operation) -> None:
    if len(op.operands) < ForOp.min_operands():
        c.fail("scf.for needs lower bound, upper bound and step operands")
    for v, what in zip(ForOp(op).bounds, ("lower bound", "upper bound", "step")):
        if v.type != i64:
            c.fail(f"{what} must be i64, got {v.type}")
    inits = [v.type for v in ForOp(op).iter_args]
    c.types_match([r.type for r in op.results], inits, "results vs. iter_args")
    body = c.single_block(op, 0)
    c.block_args(body, [i64, *inits], "body block arguments (induction variable, iter_args)")
    y = c.terminator(body, ("scf.yield",), "scf.for body")
    c.types_match([v.type for v in y.operands], inits, "yielded values vs. iter_args")


def _verify_if(op: Operation) -> None:
    if not op.operands:
        c.fail("scf.if needs a condition operand")
    c.operand_type(op, 0, i1, "condition")
    inputs = [v.type for v in IfOp(op).inputs]
    results = [r.type for r in op.results]
    for k, name in enumerate(("then", "else")):
        body = c.single_block(op, k)
        c.block_args(body, inputs, f"{name} block arguments vs. inputs")
        y = c.terminator(body, ("scf.yield",), f"{name} region")
        c.types_match([v.type for v in y.operands], results, f"{name} yield vs. results")


def _verify_while(op: Operation) -> None:
    inits = [v.type for v in WhileOp(op).inits]
    results = [r.type for r in op.results]
    before = c.single_block(op, 0)
    after = c.single_block(op, 1)
    c.block_args(before, inits, "before block arguments vs. inits")
    cond = c.terminator(before, ("scf.condition",), "before region")
    if not cond.operands or cond.operands[0].type != i1:
        c.fail("scf.condition needs an i1 condition first")
    c.types_match([v.type for v in ConditionOp(cond).values], results, "scf.condition values vs. results")
    c.block_args(after, results, "after block arguments vs. results")
    y = c.terminator(after, ("scf.yield",), "after region")
    c.types_match([v.type for v in y.operands], inits, "after yield vs. inits")


def _verify_yield(op: Operation) -> None:
    c.num_results(op, 0)
    p = op.parent_op
    if p is None or p.name not in ("scf.for", "scf.if", "scf.while"):
        c.fail("scf.yield must be directly inside scf.for, scf.if or scf.while")


def _verify_condition(op: Operation) -> None:
    c.num_results(op, 0)
    p = op.parent_op
    if p is None or p.name != "scf.while":
        c.fail("scf.condition must be directly inside scf.while")


_T = frozenset({TERMINATOR})
register(OpDef("scf.for", "counted loop with static or dynamic bounds", frozenset(), _verify_for, 1))
register(OpDef("scf.if", "two-way branch", frozenset(), _verify_if, 2))
register(OpDef("scf.while", "loop while a condition holds", frozenset(), _verify_while, 2))
register(OpDef("scf.yield", "yield values from a region", _T, _verify_yield))
register(OpDef("scf.condition", "continue (true) or exit an scf.while", _T, _verify_condition))
