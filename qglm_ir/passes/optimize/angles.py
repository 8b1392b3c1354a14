"""Angle folding and emission for the optimization passes.

An *angle* is an ``f64`` SSA value feeding a gate. :class:`AngleFolder`
decides whether it is a compile-time constant; :class:`AngleEmitter` builds new
angle values (constants and ``arith`` sums) at an insertion point.

Folding rule (documented contract of every optimization pass): a value is
constant when it is computed only from ``arith.constant``, ``arith.pi``,
scalar ``arith`` arithmetic (add, sub, mul, div, neg, sin, cos, cast,
select), and ``tensor.extract`` with constant indices from a constant tensor
or from ``param.get`` of a **frozen** parameter (``trainable = false``) that
has an ``init`` value. Trainable parameters, kernel inputs, loop induction
variables and measurement results are never folded, so a program compiles once
and binds many times.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from ...core.attributes import DenseArray, SymbolRef
from ...core.ir import Operation, OpResult, Value
from ...core.module import Module
from ...core.types import f64
from ...dialects.arith import UnaryOp

Angle = float | Value
"""A gate angle: a folded constant or a symbolic SSA value."""

_BINARY = {
    "arith.add": lambda a, b: a + b,
    "arith.sub": lambda a, b: a - b,
    "arith.mul": lambda a, b: a * b,
}
_UNARY = {"arith.neg": lambda a: -a, "arith.sin": math.sin, "arith.cos": math.cos}


_UNSEEN = object()

#: Folded ``arith.constant`` angles shared by every :class:`AngleFolder` of one pipeline run
#: (:func:`constant_angles_scope`), or ``None`` outside one. An ``arith.constant``'s value is
#: its ``value`` property, which no pass changes, so the answer for its result holds for the
#: whole run; each pass used to fold every angle of the circuit again (a QV-32 compile: 45k
#: folds of 9.7k constants). Answers for other values depend on their operands, which rewrites
#: redirect, and stay per folder.
_RUN_CONSTANTS: contextvars.ContextVar[dict[Value, float | None] | None] = contextvars.ContextVar(
    "qglm_constant_angles", default=None)


@contextmanager
def constant_angles_scope() -> Iterator[None]:
    """Share the folded ``arith.constant`` angles among the folders made inside (a pass
    manager's run); a nested scope shares the outer one. Nothing is kept after the scope."""
    if _RUN_CONSTANTS.get() is not None:
        yield
        return
    token = _RUN_CONSTANTS.set({})
    try:
        yield
    finally:
        _RUN_CONSTANTS.reset(token)


class AngleFolder:
    """Folds scalar classical values to Python floats, memoized per run.

    Requires: ``module`` is the module whose kernels are being optimized (it
    supplies the ``param.decl`` ops). Guarantees: :meth:`const` returns a
    finite float only for values that are constant under the folding rule of
    this module's docstring, ``None`` otherwise; it never mutates the IR.
    """

    def __init__(self, module: Module | Operation):
        self._frozen: dict[str, object] = {}
        for op in module.regions[0].block:
            if op.name == "param.decl" and op.properties.get("trainable") is False:
                init = op.properties.get("init")
                if init is not None:
                    self._frozen[str(op.properties["sym_name"])] = init
        self._memo: dict[Value, object] = {}
        # const()'s answers: the passes ask about the same angle values over and over
        # (every partner search, every block key), so each is folded and checked once.
        # ``arith.constant`` results go to the run's shared table when there is one.
        self._consts: dict[Value, float | None] = {}
        shared = _RUN_CONSTANTS.get()
        #: the folded ``arith.constant`` results (the run's shared table, else ``_consts``):
        #: hot loops may read it before calling :meth:`const` (a miss is not an answer)
        self.constants: dict[Value, float | None] = self._consts if shared is None else shared

    def const(self, v: Value) -> float | None:
        """The value of scalar ``v`` as a float, or ``None`` if it is not constant."""
        out = self.constants.get(v, _UNSEEN)  # most angles are constants
        if out is _UNSEEN:
            out = self._consts.get(v, _UNSEEN)
        if out is not _UNSEEN:  # (not try/except: a miss, each angle's first question, would raise)
            return out  # type: ignore[return-value]
        if isinstance(v, OpResult) and v.op.name == "arith.constant":
            # Most angles are pooled constants: what _eval would say, without the
            # post-order machinery.
            x = v.op.properties.get("value") if v.index == 0 else None
            if not isinstance(x, (int, float)):
                x = None  # a dense tensor constant is not a scalar angle
            cache = self.constants
        else:
            x = self._scalar(v)
            cache = self._consts
        if x is None or isinstance(x, np.ndarray):
            out = None
        else:
            x = float(x)
            out = x if math.isfinite(x) else None
        cache[v] = out
        return out

    def consts(self, values: Sequence[Value]) -> list[float] | None:
        """All values folded, or ``None`` if any of them is symbolic."""
        out = []
        constants = self.constants
        cache = self._consts
        for v in values:
            x = constants.get(v, _UNSEEN)
            if x is _UNSEEN:
                x = cache.get(v, _UNSEEN)
                if x is _UNSEEN:
                    x = self.const(v)
            if x is None:
                return None
            out.append(x)
        return out

    # The memo keeps the cost linear: shared subexpressions fold once.
    def _scalar(self, v: Value) -> object:
        memo = self._memo
        if v in memo:
            return memo[v]
        # Iterative post-order evaluation: angle expressions can be deep
        # (e.g. accumulated sums), recursion could overflow.
        stack = [v]
        while stack:
            cur = stack[-1]
            if cur in memo:
                stack.pop()
                continue
            if not isinstance(cur, OpResult):
                memo[cur] = None
                stack.pop()
                continue
            pending = [o for o in cur.op.operands if o not in memo]
            if pending and _foldable(cur.op):
                stack.extend(pending)
                continue
            memo[cur] = self._eval(cur.op, cur.index)
            stack.pop()
        return memo[v]

    def _eval(self, op: Operation, index: int) -> object:
        name = op.name
        if index != 0:
            return None
        if name == "arith.constant":
            val = op.properties.get("value")
            if isinstance(val, DenseArray):
                return val.array
            return val if isinstance(val, (int, float)) else None
        if name == "arith.pi":
            return math.pi
        if name == "param.get":
            ref = op.properties.get("name")
            init = self._frozen.get(ref.name) if isinstance(ref, SymbolRef) else None
            if isinstance(init, DenseArray):
                return init.array
            return init if isinstance(init, (int, float)) else None
        if not _foldable(op):
            return None
        args = [self._memo.get(o) for o in op.operands]
        if any(a is None for a in args):
            return None
        try:
            if name == "tensor.extract":
                arr = args[0]
                if not isinstance(arr, np.ndarray):
                    return None
                return arr[tuple(int(i) for i in args[1:])].item()  # type: ignore[arg-type]
            if any(isinstance(a, np.ndarray) for a in args):
                return None
            if name in _BINARY:
                return _BINARY[name](*args)
            if name == "arith.div":
                return None if args[1] == 0 else args[0] / args[1]  # type: ignore[operator]
            if name in _UNARY:
                return _UNARY[name](*args)
            if name == "arith.cast":
                return float(args[0]) if op.results[0].type == f64 else None  # type: ignore[arg-type]
            if name == "arith.select":
                return args[1] if args[0] else args[2]
        except (IndexError, OverflowError, ValueError, TypeError):
            return None
        return None


_FOLDABLE = frozenset(
    {*_BINARY, *_UNARY, "arith.div", "arith.cast", "arith.select", "tensor.extract"}
)


def _foldable(op: Operation) -> bool:
    return op.name in _FOLDABLE


class ConstPool:
    """Shared ``f64`` constants of one kernel, placed at the top of its body.

    A constant at the top of the kernel body dominates every op of the kernel,
    nested regions included, so one op per distinct value serves all
    rewrites (a million translated gates do not create a million constants).
    """

    __slots__ = ("block", "last", "values")

    def __init__(self, kernel: Operation):
        self.block = kernel.regions[0].blocks[0]
        self.last: Operation | None = None
        self.values: dict[float, Value] = {}

    def get(self, x: float) -> Value:
        x = float(x) + 0.0  # fold -0.0 into 0.0
        v = self.values.get(x)
        if v is None:
            op = Operation("arith.constant", (), [f64], {"value": x})
            if self.last is None:
                self.block.insert_before(op, self.block.first)
            else:
                self.block.insert_after(op, self.last)
            self.last = op
            v = self.values[x] = op.results[0]
        return v


class AngleEmitter:
    """Creates angle values right before ``anchor`` (an op in a block).

    Guarantees: every value it returns dominates ``anchor`` provided the
    symbolic inputs do; constants come from ``pool`` (top of the kernel) when
    given, else are fresh ``arith.constant`` ops right before ``anchor``.
    """

    __slots__ = ("anchor", "pool")

    def __init__(self, anchor: Operation, pool: ConstPool | None = None):
        self.anchor = anchor
        self.pool = pool

    def _insert(self, op: Operation) -> Value:
        block = self.anchor.parent
        assert block is not None
        block.insert_before(op, self.anchor)
        op.loc = self.anchor.loc
        return op.results[0]

    def value(self, a: Angle) -> Value:
        """``a`` as an SSA value (a float becomes a new constant)."""
        if isinstance(a, Value):
            return a
        if self.pool is not None:
            return self.pool.get(a)
        return self._insert(Operation("arith.constant", (), [f64], {"value": float(a)}))

    def add(self, a: Angle, b: Angle) -> Angle:
        """``a + b``; folded when both are floats, zero terms dropped."""
        if not isinstance(a, Value) and not isinstance(b, Value):
            return a + b
        if not isinstance(a, Value) and a == 0.0:
            return b
        if not isinstance(b, Value) and b == 0.0:
            return a
        return self._insert(Operation("arith.add", [self.value(a), self.value(b)], [f64]))

    def scale(self, a: Angle, k: float) -> Angle:
        """``k * a`` (``arith.neg`` for -1)."""
        if not isinstance(a, Value):
            return a * k
        if k == 1.0:
            return a
        if k == -1.0:
            return self._insert(Operation("arith.neg", [a], [f64]))
        return self._insert(Operation("arith.mul", [self.value(k), a], [f64]))


def same_angle(a: Angle, b: Angle, sign: float = 1.0) -> bool:
    """Whether ``b == sign * a`` is known symbolically or numerically (within 1e-12).

    Symbolic equality is syntactic: the same SSA value, or one is the
    ``arith.neg`` of the other when ``sign == -1``.
    """
    if not isinstance(a, Value) and not isinstance(b, Value):
        return abs(b - sign * a) <= 1e-12
    if isinstance(a, Value) and isinstance(b, Value):
        if sign == 1.0:
            return a is b
        return _neg_of(a, b) or _neg_of(b, a)
    return False


def _neg_of(x: Value, y: Value) -> bool:
    return isinstance(y, OpResult) and y.op.name == "arith.neg" and UnaryOp(y.op).input is x
