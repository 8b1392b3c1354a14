"""Operation definitions: the registry that gives generic operations meaning.

A dialect registers one :class:`OpDef` per op name. The verifier asks the
registry for the op's traits and its ``verify`` hook; printers and passes ask
for traits (``TERMINATOR``, ``PURE``...). The core never imports a dialect:
dialects import the core and register themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from .errors import VerifyError
from .ir import Operation, Region, Value

# Traits --------------------------------------------------------------------
TERMINATOR = "terminator"  # must be the last op of its block
RETURN_LIKE = "return_like"  # a terminator that returns from a function/kernel
PURE = "pure"  # no side effects: removable when unused, CSE-able
SYMBOL = "symbol"  # defines a module-level symbol (``sym_name`` property)
FUNCTION_LIKE = "function_like"  # has ``sym_name``, ``function_type`` and one body region
ISOLATED = "isolated"  # regions may not capture values from above
NO_TERMINATOR = "no_terminator"  # regions need no terminator (e.g. module)
GATE = "gate"  # a unitary quantum gate from the gate table
QUANTUM = "quantum"  # touches qubits (gates, measure, reset, alloc ...)
CONSTANT_LIKE = "constant_like"  # result is a compile-time constant


@dataclass(frozen=True)
class OpDef:
    """What the IR knows about one op name.

    ``verify`` checks the op locally (counts, types, properties) and raises
    :class:`VerifyError`; it may assume operands and regions exist but not
    that nested ops were verified. ``num_regions`` is ``None`` when variadic.
    """

    name: str
    summary: str = ""
    traits: frozenset[str] = field(default_factory=frozenset)
    verify: Callable[[Operation], None] | None = None
    num_regions: int | None = 0

    def has(self, trait: str) -> bool:
        return trait in self.traits


class OpView:
    """Named access to the declared fields of one op kind, the way xDSL declares ops.

    A subclass names the op (``OP``), its operand groups in order
    (``OPERANDS``; at most one variadic group, written ``"*name"``) and its
    regions (``REGIONS``); every name becomes a read-only property of the view::

        class ForOp(OpView):
            OP = "scf.for"
            OPERANDS = ("lb", "ub", "step", "*iter_args")
            REGIONS = ("body",)

        ForOp(op).iter_args   # list[Value]: op.operands[3:]
        ForOp.offset("iter_args")  # 3, for code that rebuilds operand lists

    The declaration is the only place that knows operand positions; code
    outside it uses the names. A view is a thin wrapper (one slot), made per use.
    """

    __slots__ = ("op",)

    OP: ClassVar[str] = ""
    OPERANDS: ClassVar[tuple[str, ...]] = ()
    REGIONS: ClassVar[tuple[str, ...]] = ()
    _slices: ClassVar[dict[str, tuple[int, int | None, bool]]] = {}

    def __init__(self, op: Operation):
        self.op = op

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        names = cls.OPERANDS
        variadic = [i for i, n in enumerate(names) if n.startswith("*")]
        if len(variadic) > 1:
            raise TypeError(f"{cls.__name__}: at most one variadic operand group")
        slices: dict[str, tuple[int, int | None, bool]] = {}
        for i, n in enumerate(names):
            if n.startswith("*"):
                after = len(names) - 1 - i
                slices[n[1:]] = (i, -after if after else None, True)
            elif variadic and i > variadic[0]:
                slices[n] = (i - len(names), None, False)  # counted from the end
            else:
                slices[n] = (i, None, False)
        cls._slices = slices
        for name, (start, stop, many) in slices.items():
            setattr(cls, name, property(_group_getter(start, stop) if many else _single_getter(start),
                                        doc=f"operand {'group ' if many else ''}``{name}`` of ``{cls.OP}``"))
        for k, rname in enumerate(cls.REGIONS):
            setattr(cls, rname, property(_region_getter(k), doc=f"region ``{rname}`` of ``{cls.OP}``"))

    @classmethod
    def offset(cls, name: str) -> int:
        """Index of the first operand of group ``name`` (non-negative; requires a prefix group)."""
        start = cls._slices[name][0]
        if start < 0:
            raise ValueError(f"{cls.__name__}.{name} follows a variadic group: it has no fixed offset")
        return start

    @classmethod
    def min_operands(cls) -> int:
        """How many operands the op has at least (its non-variadic ones)."""
        return sum(1 for n in cls.OPERANDS if not n.startswith("*"))


def _single_getter(i: int) -> Callable[[OpView], Value]:
    return lambda self: self.op.operands[i]


def _group_getter(start: int, stop: int | None) -> Callable[[OpView], list[Value]]:
    return lambda self: self.op.operands[start:stop]


def _region_getter(k: int) -> Callable[[OpView], Region]:
    return lambda self: self.op.regions[k]


_REGISTRY: dict[str, OpDef] = {}


def register(opdef: OpDef) -> OpDef:
    """Register ``opdef``; re-registering the same name replaces it (for reloads)."""
    _REGISTRY[opdef.name] = opdef
    return opdef


def define(
    name: str,
    summary: str = "",
    traits: tuple[str, ...] | frozenset[str] = (),
    num_regions: int | None = 0,
) -> Callable[[Callable[[Operation], None]], Callable[[Operation], None]]:
    """Decorator form: ``@define("arith.add", traits=(PURE,))`` over a verify function."""

    def deco(fn: Callable[[Operation], None]) -> Callable[[Operation], None]:
        register(OpDef(name, summary or (fn.__doc__ or "").strip(), frozenset(traits), fn, num_regions))
        return fn

    return deco


def get_opdef(name: str) -> OpDef | None:
    return _REGISTRY.get(name)


def registered_ops() -> dict[str, OpDef]:
    """A copy of the registry (name -> OpDef)."""
    return dict(_REGISTRY)


def has_trait(op: Operation, trait: str) -> bool:
    d = _REGISTRY.get(op.name)
    return d is not None and trait in d.traits


def expect(cond: bool, message: str) -> None:
    """Raise :class:`VerifyError` with ``message`` unless ``cond``; for verify hooks."""
    if not cond:
        raise VerifyError(message)
