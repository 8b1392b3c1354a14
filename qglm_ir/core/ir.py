"""SSA values, operations, blocks and regions.

The data structure is MLIR-shaped and built for million-op kernels:

* A :class:`Block` keeps its operations in an intrusive doubly linked list, so
  ordered iteration, insertion and erasure are O(1) per op and a rewrite never
  copies the block.
* Every :class:`Value` keeps the list of operations that use it (one entry per
  use), so a linear qubit value's single consumer is ``value.uses[0]`` in O(1).
* Operations with no properties, attributes or regions share immutable empty
  containers, which keeps a plain gate at a few hundred bytes.

Invariants maintained by the mutation methods (never assign the fields
directly): ``op in v.uses`` exactly as many times as ``v`` occurs in
``op.operands``; ``op.parent`` is the block whose list contains ``op``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

from .attributes import AttrValue, check_attr_value
from .errors import Location
from .types import Type

if TYPE_CHECKING:  # pragma: no cover
    pass

_EMPTY_MAP: Mapping[str, AttrValue] = MappingProxyType({})


class Value:
    """An SSA value: an operation result or a block argument."""

    __slots__ = ("type", "uses", "name_hint")

    def __init__(self, type: Type):
        self.type = type
        self.uses: list[Operation] = []
        self.name_hint: str | None = None

    @property
    def owner(self) -> Operation | Block:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def has_uses(self) -> bool:
        return bool(self.uses)

    @property
    def single_user(self) -> Operation | None:
        """The only user of this value, or ``None`` if it has zero or several uses."""
        uses = self.uses
        return uses[0] if len(uses) == 1 else None

    def replace_all_uses_with(self, new: Value) -> None:
        """Make every user of ``self`` use ``new`` instead."""
        if new is self:
            return
        for op in self.uses:
            ops = op.operands
            for i, v in enumerate(ops):
                if v is self:
                    ops[i] = new
                    new.uses.append(op)
        self.uses = []


class OpResult(Value):
    """Result number ``index`` of operation ``op``."""

    __slots__ = ("op", "index")

    def __init__(self, type: Type, op: Operation, index: int):
        # Value.__init__ written out: every gate a pass creates makes one of these per qubit.
        self.type = type
        self.uses: list[Operation] = []
        self.name_hint: str | None = None
        self.op = op
        self.index = index

    @property
    def owner(self) -> Operation:
        return self.op

    def __repr__(self) -> str:
        return f"<OpResult #{self.index} of {self.op.name} : {self.type}>"


class BlockArgument(Value):
    """Argument number ``index`` of ``block``."""

    __slots__ = ("block", "index")

    def __init__(self, type: Type, block: Block, index: int):
        Value.__init__(self, type)
        self.block = block
        self.index = index

    @property
    def owner(self) -> Block:
        return self.block

    def __repr__(self) -> str:
        return f"<BlockArgument #{self.index} : {self.type}>"


class Operation:
    """A generic operation.

    ``name`` is ``dialect.op``; ``operands`` is a list of values (mutate it only
    through :meth:`set_operand` / :meth:`set_operands`); ``results`` are owned
    :class:`OpResult` values; ``properties`` are semantic and never dropped by a
    pass; ``attributes`` are discardable annotations; ``regions`` are owned.
    """

    __slots__ = (
        "name",
        "operands",
        "results",
        "properties",
        "attributes",
        "regions",
        "parent",
        "prev",
        "next",
        "loc",
    )

    def __init__(
        self,
        name: str,
        operands: Sequence[Value] = (),
        result_types: Sequence[Type] = (),
        properties: Mapping[str, object] | None = None,
        attributes: Mapping[str, object] | None = None,
        regions: Sequence[Region] = (),
        loc: Location | None = None,
    ):
        self.name = name
        self.operands: list[Value] = list(operands)
        for v in self.operands:
            v.uses.append(self)
        self.results: list[OpResult] = [OpResult(t, self, i) for i, t in enumerate(result_types)]
        self.properties: Mapping[str, AttrValue] = _freeze_map(properties)
        self.attributes: Mapping[str, AttrValue] = _freeze_map(attributes)
        self.regions: tuple[Region, ...] = tuple(regions) if regions else ()
        for r in self.regions:
            if r.parent is not None:
                raise ValueError("region already belongs to an operation")
            r.parent = self
        self.parent: Block | None = None
        self.prev: Operation | None = None
        self.next: Operation | None = None
        self.loc = loc

    @classmethod
    def plain(cls, name: str, operands: list[Value], result_types: Sequence[Type],
              loc: Location | None = None) -> Operation:
        """``Operation(name, operands, result_types, loc=loc)`` for an op without properties,
        attributes or regions (a gate), with ``__init__``'s work written out: the rewrites
        that emit gates (resynthesis, translation) build one per gate.

        Requires: ``operands`` is a fresh list, which the op takes over (not copied).
        Guarantees: the same op ``__init__`` would build."""
        op = cls.__new__(cls)
        op.name = name
        op.operands = operands
        for v in operands:
            v.uses.append(op)
        op.results = [OpResult(t, op, i) for i, t in enumerate(result_types)]
        op.properties = _EMPTY_MAP
        op.attributes = _EMPTY_MAP
        op.regions = ()
        op.parent = None
        op.prev = None
        op.next = None
        op.loc = loc
        return op

    # ----------------------------------------------------------------- basics
    @property
    def dialect(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def result(self) -> OpResult:
        """The single result (raises if the op does not have exactly one)."""
        if len(self.results) != 1:
            raise ValueError(f"{self.name} has {len(self.results)} results, not 1")
        return self.results[0]

    @property
    def result_types(self) -> list[Type]:
        return [r.type for r in self.results]

    @property
    def operand_types(self) -> list[Type]:
        return [v.type for v in self.operands]

    def __repr__(self) -> str:
        return f"<Operation {self.name} ({len(self.operands)} operands, {len(self.results)} results)>"

    # ------------------------------------------------------------- mutation
    def set_operand(self, index: int, value: Value) -> None:
        old = self.operands[index]
        if old is value:
            return
        old.uses.remove(self)
        self.operands[index] = value
        value.uses.append(self)

    def set_operands(self, values: Sequence[Value]) -> None:
        for v in self.operands:
            v.uses.remove(self)
        self.operands = list(values)
        for v in self.operands:
            v.uses.append(self)

    def set_property(self, key: str, value: object) -> None:
        d = dict(self.properties)
        d[key] = check_attr_value(value)
        self.properties = MappingProxyType(d)

    def set_attribute(self, key: str, value: object) -> None:
        d = dict(self.attributes)
        d[key] = check_attr_value(value)
        self.attributes = MappingProxyType(d)

    def del_attribute(self, key: str) -> None:
        if key in self.attributes:
            d = dict(self.attributes)
            del d[key]
            self.attributes = _freeze_map(d)

    def drop_all_references(self) -> None:
        """Remove this op (and everything nested in it) from the use lists of its operands."""
        for v in self.operands:
            v.uses.remove(self)
        self.operands = []
        for r in self.regions:
            for b in r.blocks:
                for op in b:
                    op.drop_all_references()

    def detach(self) -> Operation:
        """Unlink this op from its block without touching uses; returns ``self``."""
        if self.parent is not None:
            self.parent._unlink(self)
        return self

    def erase(self) -> None:
        """Detach this op and drop its references. Its results must be unused; afterwards the
        op has no results (each result value still names its op)."""
        for r in self.results:
            if r.uses:
                raise ValueError(f"cannot erase {self.name}: result #{r.index} still has uses")
        self.detach()
        self.drop_all_references()
        # Cut the op <-> result cycle (as core.eraser does): the erased op is then freed by
        # reference counting, not left for the cyclic collector to find.
        self.results = []

    # ------------------------------------------------------------- structure
    @property
    def parent_op(self) -> Operation | None:
        b = self.parent
        if b is None or b.parent is None:
            return None
        return b.parent.parent

    def walk(self) -> Iterator[Operation]:
        """Pre-order walk: this op, then every op nested in its regions, in order."""
        yield self
        for r in self.regions:
            for b in r.blocks:
                # Block.__iter__ written out (one generator less per block walked): the next op
                # is read before yielding, so erasing the current op while walking stays safe.
                op = b.first
                while op is not None:
                    nxt = op.next
                    if op.regions:
                        yield from op.walk()
                    else:
                        yield op
                    op = nxt

    def is_ancestor_of(self, other: Operation) -> bool:
        cur: Operation | None = other
        while cur is not None:
            if cur is self:
                return True
            cur = cur.parent_op
        return False

    def clone(self, mapping: dict[Value, Value] | None = None) -> Operation:
        """Deep copy. Operands are looked up in ``mapping`` (defaulting to themselves);
        the clone's results and nested block arguments are added to ``mapping``."""
        if mapping is None:
            mapping = {}
        if not self.regions:
            return _copy_flat(self, mapping, mapping.get)
        # Regions first: their ops register their uses of outer values before this op does.
        new_regions = tuple(r.clone(mapping) for r in self.regions)
        new = _copy_flat(self, mapping, mapping.get)
        new.regions = new_regions
        for r in new_regions:
            r.parent = new
        return new


class Block:
    """A list of operations with typed arguments, owned by a :class:`Region`."""

    __slots__ = ("args", "first", "last", "_len", "parent")

    def __init__(self, arg_types: Iterable[Type] = ()):
        self.args: list[BlockArgument] = []
        self.first: Operation | None = None
        self.last: Operation | None = None
        self._len = 0
        self.parent: Region | None = None
        for t in arg_types:
            self.add_arg(t)

    def add_arg(self, type: Type) -> BlockArgument:
        a = BlockArgument(type, self, len(self.args))
        self.args.append(a)
        return a

    def erase_arg(self, index: int) -> None:
        """Remove an unused block argument."""
        arg = self.args[index]
        if arg.uses:
            raise ValueError("cannot erase a block argument that still has uses")
        del self.args[index]
        for i, a in enumerate(self.args):
            a.index = i

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Iterator[Operation]:
        """Iterate in order; erasing or moving the current op while iterating is safe."""
        op = self.first
        while op is not None:
            nxt = op.next
            yield op
            op = nxt

    def __reversed__(self) -> Iterator[Operation]:
        op = self.last
        while op is not None:
            prv = op.prev
            yield op
            op = prv

    @property
    def ops(self) -> Iterator[Operation]:
        return iter(self)

    @property
    def terminator(self) -> Operation | None:
        return self.last

    @property
    def parent_op(self) -> Operation | None:
        return self.parent.parent if self.parent is not None else None

    def append(self, op: Operation) -> Operation:
        if op.parent is not None:
            raise ValueError(f"{op.name} is already in a block")
        op.parent = self
        op.prev = self.last
        op.next = None
        if self.last is None:
            self.first = op
        else:
            self.last.next = op
        self.last = op
        self._len += 1
        return op

    def insert_before(self, op: Operation, anchor: Operation | None) -> Operation:
        """Insert ``op`` before ``anchor`` (at the end when ``anchor`` is None)."""
        if anchor is None:
            return self.append(op)
        if anchor.parent is not self:
            raise ValueError("anchor is not in this block")
        if op.parent is not None:
            raise ValueError(f"{op.name} is already in a block")
        op.parent = self
        op.next = anchor
        op.prev = anchor.prev
        if anchor.prev is None:
            self.first = op
        else:
            anchor.prev.next = op
        anchor.prev = op
        self._len += 1
        return op

    def insert_after(self, op: Operation, anchor: Operation) -> Operation:
        return self.insert_before(op, anchor.next) if anchor.next else self.append(op)

    def _unlink(self, op: Operation) -> None:
        if op.prev is None:
            self.first = op.next
        else:
            op.prev.next = op.next
        if op.next is None:
            self.last = op.prev
        else:
            op.next.prev = op.prev
        op.prev = op.next = None
        op.parent = None
        self._len -= 1

    def clone(self, mapping: dict[Value, Value]) -> Block:
        new = Block([a.type for a in self.args])
        for old_a, new_a in zip(self.args, new.args):
            new_a.name_hint = old_a.name_hint
            mapping[old_a] = new_a
        # The linked list is built here, not by ``append`` per op, and a region-less op (all
        # but a handful) goes straight to ``_copy_flat``: this loop copies every op of every
        # compile's input, and ``Operation.clone``'s generic path was a third of its time.
        get = mapping.get
        copy_flat = _copy_flat
        prev: Operation | None = None
        n = 0
        op = self.first
        while op is not None:
            c = op.clone(mapping) if op.regions else copy_flat(op, mapping, get)
            c.parent = new
            c.prev = prev
            c.next = None
            if prev is None:
                new.first = c
            else:
                prev.next = c
            prev = c
            n += 1
            op = op.next
        new.last = prev
        new._len = n
        return new


def _copy_flat(op: Operation, mapping: dict[Value, Value],
               get: Callable[[Value, Value], Value]) -> Operation:
    """``op`` copied without its regions (the caller clones and attaches those): operands
    looked up with ``get`` (``mapping.get``), results added to ``mapping``, unlinked. Written
    out rather than through ``__init__``: this is the bulk copy of every compile's input and
    of every routing candidate."""
    new = Operation.__new__(op.__class__)
    new.name = op.name
    operands = [get(v, v) for v in op.operands]
    new.operands = operands
    for v in operands:
        v.uses.append(new)
    results = []
    for i, old_r in enumerate(op.results):
        new_r = OpResult(old_r.type, new, i)
        new_r.name_hint = old_r.name_hint
        mapping[old_r] = new_r
        results.append(new_r)
    new.results = results
    new.properties = op.properties
    new.attributes = op.attributes
    new.regions = ()
    new.parent = None
    new.prev = None
    new.next = None
    new.loc = op.loc
    return new


class Region:
    """An ordered list of blocks owned by an operation (structured ops use one block)."""

    __slots__ = ("blocks", "parent")

    def __init__(self, blocks: Iterable[Block] = ()):
        self.blocks: list[Block] = []
        self.parent: Operation | None = None
        for b in blocks:
            self.add_block(b)

    def add_block(self, block: Block) -> Block:
        if block.parent is not None:
            raise ValueError("block already belongs to a region")
        block.parent = self
        self.blocks.append(block)
        return block

    @property
    def block(self) -> Block:
        """The single block of a single-block region."""
        if len(self.blocks) != 1:
            raise ValueError(f"region has {len(self.blocks)} blocks, not 1")
        return self.blocks[0]

    def clone(self, mapping: dict[Value, Value]) -> Region:
        return Region([b.clone(mapping) for b in self.blocks])


def _freeze_map(m: Mapping[str, object] | None) -> Mapping[str, AttrValue]:
    if not m:
        return _EMPTY_MAP
    return MappingProxyType({k: check_attr_value(v) for k, v in m.items()})
