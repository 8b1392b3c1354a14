"""IR types: ``!q.qubit``, ``i1``, ``i64``, ``f64``, ``tensor<AxBxT>`` and function types.

Types are immutable, hashable value objects; the common ones are module-level
singletons (:data:`qubit`, :data:`i1`, :data:`i64`, :data:`f64`) so that
identity comparison is cheap, but equality is structural.
"""

from __future__ import annotations

from dataclasses import dataclass


class Type:
    """Base of all IR types. ``str(t)`` is the textual spelling."""

    __slots__ = ()

    @property
    def is_qubit(self) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class QubitType(Type):
    """A linear qubit value: each one must be used exactly once."""

    def __str__(self) -> str:
        return "!q.qubit"

    @property
    def is_qubit(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class IntegerType(Type):
    """Signless integer of ``width`` bits; ``i1`` is a classical bit."""

    width: int

    def __str__(self) -> str:
        return f"i{self.width}"


@dataclass(frozen=True, slots=True)
class FloatType(Type):
    """IEEE float of ``width`` bits (only 64 is used)."""

    width: int = 64

    def __str__(self) -> str:
        return f"f{self.width}"


@dataclass(frozen=True, slots=True)
class TensorType(Type):
    """A statically shaped tensor of scalars, e.g. ``tensor<2x8xf64>``."""

    shape: tuple[int, ...]
    element: Type

    def __post_init__(self) -> None:
        if not isinstance(self.element, (IntegerType, FloatType)):
            raise ValueError(f"tensor element type must be a scalar, got {self.element}")
        if any((not isinstance(d, int)) or d < 0 for d in self.shape):
            raise ValueError(f"tensor dimensions must be non-negative integers, got {self.shape}")

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __str__(self) -> str:
        dims = "".join(f"{d}x" for d in self.shape)
        return f"tensor<{dims}{self.element}>"


@dataclass(frozen=True, slots=True)
class FunctionType(Type):
    """Signature of a function or kernel: ``(inputs) -> (results)``."""

    inputs: tuple[Type, ...]
    results: tuple[Type, ...]

    def __str__(self) -> str:
        ins = ", ".join(map(str, self.inputs))
        outs = ", ".join(map(str, self.results))
        return f"({ins}) -> ({outs})"


qubit = QubitType()
i1 = IntegerType(1)
i64 = IntegerType(64)
f64 = FloatType(64)


def tensor(*shape: int, element: Type = f64) -> TensorType:
    """Shorthand: ``tensor(2, 8)`` is ``tensor<2x8xf64>``."""
    return TensorType(tuple(shape), element)


def is_scalar(t: Type) -> bool:
    return isinstance(t, (IntegerType, FloatType))


def is_classical(t: Type) -> bool:
    return isinstance(t, (IntegerType, FloatType, TensorType))
