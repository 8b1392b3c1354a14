"""A dialect-agnostic builder: an insertion point plus ``create``.

Dialect-aware conveniences (gates, arithmetic, kernels with wire tracking)
live in :mod:`qglm_ir.builder`, which is built on this one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from .errors import Location
from .ir import Block, Operation, Region, Value
from .types import Type


class Builder:
    """Inserts new operations into ``block`` before ``before`` (or at the end)."""

    __slots__ = ("block", "before", "loc")

    def __init__(self, block: Block, before: Operation | None = None, loc: Location | None = None):
        self.block = block
        self.before = before
        self.loc = loc

    @classmethod
    def at_end(cls, block: Block) -> Builder:
        return cls(block, None)

    @classmethod
    def before_op(cls, op: Operation) -> Builder:
        if op.parent is None:
            raise ValueError("op is not in a block")
        return cls(op.parent, op)

    @classmethod
    def after_op(cls, op: Operation) -> Builder:
        if op.parent is None:
            raise ValueError("op is not in a block")
        return cls(op.parent, op.next)

    def insert(self, op: Operation) -> Operation:
        if op.loc is None:
            op.loc = self.loc
        if self.before is None:
            return self.block.append(op)
        return self.block.insert_before(op, self.before)

    def create(
        self,
        name: str,
        operands: Sequence[Value] = (),
        result_types: Sequence[Type] = (),
        properties: Mapping[str, object] | None = None,
        attributes: Mapping[str, object] | None = None,
        regions: Sequence[Region] = (),
    ) -> Operation:
        """Create an operation and insert it at the insertion point."""
        return self.insert(
            Operation(name, operands, result_types, properties, attributes, regions, self.loc)
        )

    @contextmanager
    def at(self, block: Block, before: Operation | None = None) -> Iterator[Builder]:
        """Temporarily move the insertion point (e.g. into a region being filled)."""
        saved = (self.block, self.before)
        self.block, self.before = block, before
        try:
            yield self
        finally:
            self.block, self.before = saved
