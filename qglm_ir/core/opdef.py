"""Operation definitions: the registry that gives generic operations meaning.

A dialect registers one :class:`OpDef` per op name. The verifier asks the
registry for the op's traits and its ``verify`` hook; printers and passes ask
for traits (``TERMINATOR``, ``PURE``...). The core never imports a dialect:
dialects import the core and register themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import VerifyError
from .ir import Operation

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
