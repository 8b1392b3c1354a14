"""Attribute values stored in an operation's properties and attributes.

An attribute value is one of: ``bool``, ``int``, ``float``, ``str``, ``None``,
a :class:`~qglm_ir.core.types.Type`, a :class:`SymbolRef`, a :class:`DenseArray`
or a ``tuple`` of attribute values. All are immutable and hashable, so
operations can be compared and hashed structurally (e.g. for CSE or path caches).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .types import Type


@dataclass(frozen=True, slots=True)
class SymbolRef:
    """A reference to a module-level symbol, printed ``@name``."""

    name: str

    def __str__(self) -> str:
        return f"@{self.name}"


class DenseArray:
    """An immutable numpy array (``float64``, ``int64``, ``bool`` or ``complex128``).

    Used for ``q.unitary`` matrices and for initial values of parameters.
    Equality is exact, element by element.
    """

    __slots__ = ("array", "_hash")

    DTYPES = {"f64": np.float64, "i64": np.int64, "i1": np.bool_, "c128": np.complex128}

    def __init__(self, array: object):
        arr = np.array(array)
        if arr.dtype.kind == "c":
            arr = arr.astype(np.complex128)
        elif arr.dtype.kind == "f":
            arr = arr.astype(np.float64)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
        elif arr.dtype.kind == "b":
            arr = arr.astype(np.bool_)
        else:
            raise TypeError(f"unsupported dense array dtype {arr.dtype}")
        arr.setflags(write=False)
        self.array = arr
        self._hash: int | None = None

    @property
    def dtype_name(self) -> str:
        for name, dt in self.DTYPES.items():
            if self.array.dtype == dt:
                return name
        raise AssertionError(self.array.dtype)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DenseArray)
            and self.array.dtype == other.array.dtype
            and self.array.shape == other.array.shape
            and bool(np.array_equal(self.array, other.array))
        )

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self.array.dtype.str, self.array.shape, self.array.tobytes()))
        return self._hash

    def __repr__(self) -> str:
        return f"DenseArray({self.array.tolist()!r})"


AttrValue = bool | int | float | str | None | Type | SymbolRef | DenseArray | tuple


def check_attr_value(value: object) -> AttrValue:
    """Return ``value`` if it is a valid attribute value (lists become tuples), else raise."""
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, tuple):
        return tuple(check_attr_value(v) for v in value)
    if isinstance(value, np.ndarray):
        return DenseArray(value)
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str, Type, SymbolRef, DenseArray)):
        return value
    raise TypeError(f"not a valid attribute value: {value!r} ({type(value).__name__})")
