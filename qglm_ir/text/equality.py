"""Structural equality of IR: same ops, same wiring, same types and attribute bits.

Two ops are structurally equal when they have the same name, result types,
properties and (by default) attributes, and their operands, regions, blocks
and block arguments correspond one to one. Value identity is compared through
a bijection built during the walk, so names (``name_hint``) and locations do
not matter, but the wiring does. Attribute values compare exactly: ``1``,
``1.0`` and ``True`` differ, floats compare by their bits (``nan`` equals the
same ``nan``, ``0.0`` differs from ``-0.0``), dense arrays by dtype, shape and
bytes. Linear in the size of the IR.
"""

from __future__ import annotations

import struct

from ..core.attributes import DenseArray
from ..core.ir import Block, Operation, Value

__all__ = ["attr_equal", "structural_diff", "structurally_equal"]


def attr_equal(a: object, b: object) -> bool:
    """Exact equality of attribute values (type-strict, bitwise for floats)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)  # type: ignore[arg-type]
    if isinstance(a, tuple):
        return len(a) == len(b) and all(attr_equal(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    if isinstance(a, DenseArray):
        assert isinstance(b, DenseArray)
        return (
            a.array.dtype == b.array.dtype
            and a.array.shape == b.array.shape
            and a.array.tobytes() == b.array.tobytes()
        )
    return a == b


class _Diff(Exception):
    pass


class _Matcher:
    def __init__(self, attributes: bool):
        self.attributes = attributes
        self.fwd: dict[Value, Value] = {}
        self.bwd: dict[Value, Value] = {}

    def bind(self, a: Value, b: Value, where: str) -> None:
        """Record that ``a`` corresponds to ``b`` (or check it already does)."""
        if a.type != b.type:
            raise _Diff(f"{where}: type {a.type} vs {b.type}")
        fa, fb = self.fwd.get(a), self.bwd.get(b)
        if fa is None and fb is None:
            self.fwd[a] = b
            self.bwd[b] = a
        elif fa is not b or fb is not a:
            raise _Diff(f"{where}: values are wired differently")

    def dicts(self, a, b, what: str, where: str) -> None:
        if set(a) != set(b):
            raise _Diff(f"{where}: {what} keys {sorted(a)} vs {sorted(b)}")
        for k in a:
            if not attr_equal(a[k], b[k]):
                raise _Diff(f"{where}: {what} '{k}' differs: {a[k]!r} vs {b[k]!r}")

    def op(self, a: Operation, b: Operation, path: str) -> None:
        where = f"{path} ({a.name})"
        if a.name != b.name:
            raise _Diff(f"{path}: op {a.name} vs {b.name}")
        if len(a.operands) != len(b.operands):
            raise _Diff(f"{where}: {len(a.operands)} vs {len(b.operands)} operands")
        for i, (x, y) in enumerate(zip(a.operands, b.operands)):
            self.bind(x, y, f"{where} operand #{i}")
        if len(a.results) != len(b.results):
            raise _Diff(f"{where}: {len(a.results)} vs {len(b.results)} results")
        self.dicts(a.properties, b.properties, "property", where)
        if self.attributes:
            self.dicts(a.attributes, b.attributes, "attribute", where)
        if len(a.regions) != len(b.regions):
            raise _Diff(f"{where}: {len(a.regions)} vs {len(b.regions)} regions")
        for ri, (ra, rb) in enumerate(zip(a.regions, b.regions)):
            if len(ra.blocks) != len(rb.blocks):
                raise _Diff(f"{where} region #{ri}: {len(ra.blocks)} vs {len(rb.blocks)} blocks")
            for bi, (ba, bb) in enumerate(zip(ra.blocks, rb.blocks)):
                self.block(ba, bb, f"{where} region #{ri} block #{bi}")
        for i, (x, y) in enumerate(zip(a.results, b.results)):
            self.bind(x, y, f"{where} result #{i}")

    def block(self, a: Block, b: Block, where: str) -> None:
        if len(a.args) != len(b.args):
            raise _Diff(f"{where}: {len(a.args)} vs {len(b.args)} arguments")
        for i, (x, y) in enumerate(zip(a.args, b.args)):
            self.bind(x, y, f"{where} argument #{i}")
        if len(a) != len(b):
            raise _Diff(f"{where}: {len(a)} vs {len(b)} ops")
        oa, ob = a.first, b.first
        k = 0
        while oa is not None and ob is not None:
            self.op(oa, ob, f"{where} op #{k}")
            oa, ob, k = oa.next, ob.next, k + 1


def structural_diff(a: Operation, b: Operation, *, attributes: bool = True) -> str | None:
    """``None`` if ``a`` and ``b`` are structurally equal, else where they first differ.

    ``attributes=False`` ignores discardable attributes (properties always count).
    """
    try:
        _Matcher(attributes).op(a, b, "top")
    except _Diff as e:
        return str(e)
    return None


def structurally_equal(a: Operation, b: Operation, *, attributes: bool = True) -> bool:
    """True if ``a`` and ``b`` are the same IR up to value names and locations."""
    return structural_diff(a, b, attributes=attributes) is None
