"""Wire-level helpers on linear-SSA qubit chains, shared by the optimization passes.

A qubit value has exactly one user, so the next op on a wire is
``value.uses[0]`` and the previous one is the op defining the value: walking
a wire costs O(1) per op and needs no side tables. Region ops (``scf.*``),
measurements, resets, barriers, delays, yields and returns end a chain, which
is how every pass respects feed-forward and region boundaries without
special cases: only gate-table ops are ever looked through.

Erasing many ops is done through :class:`Eraser`, which defers pruning the use
lists of classical operands (a shared constant can have a million uses, and
pruning them one erase at a time would be quadratic).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from ...core.eraser import Eraser
from ...core.ir import Operation, OpResult, Value
from ...core.module import Module
from ...core.opdef import PURE, QUANTUM, get_opdef
from ...core.types import qubit
from ...dialects.gates import GATES, GateSpec
from .angles import Angle, AngleEmitter, ConstPool

SPECS: dict[str, GateSpec] = {spec.ir_name: spec for spec in GATES.values()}
"""Gate-table entry by IR op name (``q.rz`` ...); hot loops call ``SPECS.get`` directly."""


def spec_of(op: Operation) -> GateSpec | None:
    """The gate-table entry of a gate op, else ``None``."""
    return SPECS.get(op.name)


class WireIds:
    """Numbers the gate chains of a kernel: two qubit values get the same id iff one
    follows the other through gate-table ops only.

    Ids are assigned lazily (walking back to the nearest numbered value or to
    the chain's start: a block argument or a non-gate op's result) and
    memoized, so numbering every value costs O(1) amortized. Requires: rewrites
    made while the object is in use keep every value on its wire (result ``k``
    of a gate continues its qubit operand ``k``), which all gate rewrites of
    the optimization passes do; only gates are added or removed.
    """

    __slots__ = ("ids", "count")

    def __init__(self) -> None:
        self.ids: dict[Value, int] = {}
        self.count = 0

    def of(self, v: Value) -> int:
        """The chain id of qubit value ``v``."""
        ids = self.ids
        x = ids.get(v)
        if x is not None:
            return x
        if v.__class__ is OpResult:
            # One step back first: numbering gates in program order (the partner filter), a
            # gate's input is the previous gate's result, whose own input is numbered already.
            op = v.op  # type: ignore[attr-defined]
            s = SPECS.get(op.name)
            if s is not None:
                x = ids.get(op.operands[s.num_params + v.index])  # type: ignore[attr-defined]
                if x is not None:
                    ids[v] = x
                    return x
        path = [v]
        while True:
            if isinstance(v, OpResult):
                op = v.op
                s = SPECS.get(op.name)
                if s is not None:
                    v = op.operands[s.num_params + v.index]
                    x = ids.get(v)
                    if x is not None:
                        break
                    path.append(v)
                    continue
            x = self.count
            self.count += 1
            break
        for p in path:
            ids[p] = x
        return x

def kernels(module: Module | Operation) -> Iterator[Operation]:
    """Every ``q.kernel`` op at the top level of ``module``."""
    for op in module.regions[0].block:
        if op.name == "q.kernel":
            yield op

def gates_in_order(kernel: Operation) -> list[Operation]:
    """Every gate op of ``kernel`` in pre-order (program order inside each block)."""
    out: list[Operation] = []
    # The linked lists followed directly: the same order as ``kernel.walk()`` (gates
    # have no regions), without two generator frames per op; every pass run starts here.
    _collect_gates(kernel, SPECS, out)
    return out


def _collect_gates(parent: Operation, specs: dict[str, GateSpec], out: list[Operation]) -> None:
    append = out.append
    for r in parent.regions:
        for b in r.blocks:
            op = b.first
            while op is not None:
                if op.name in specs:
                    append(op)
                elif op.regions:
                    _collect_gates(op, specs, out)
                op = op.next

def qubit_index(op: Operation, v: Value, num_params: int) -> int:
    """Position of qubit operand ``v`` among ``op``'s qubit operands."""
    ops = op.operands
    for i in range(num_params, len(ops)):
        if ops[i] is v:
            return i - num_params
    raise ValueError("value is not an operand of op")

def prev_gate(v: Value) -> Operation | None:
    """The gate that produced qubit value ``v`` (``None`` for block args / non-gates)."""
    if isinstance(v, OpResult) and spec_of(v.op) is not None:
        return v.op
    return None

def remove_gate(op: Operation, spec: GateSpec, eraser: Eraser) -> None:
    """Delete gate ``op``, wiring each input qubit straight to the matching output's user."""
    np_ = spec.num_params
    for k, r in enumerate(op.results):
        r.replace_all_uses_with(op.operands[np_ + k])
    eraser.erase(op)

def replace_gates(
    first: Operation,
    old: Sequence[Operation],
    wires: Sequence[Value],
    new: Iterable[tuple[str, Sequence[Angle], Sequence[int]]],
    outputs: Sequence[Value],
    eraser: Eraser,
    pool: ConstPool | None = None,
    created: list[Operation] | None = None,
) -> int:
    """Replace the gates ``old`` (a convex piece of a block acting on ``wires``) by ``new``.

    ``wires[i]`` is the qubit value entering the piece on local wire ``i`` and
    ``outputs[i]`` the value leaving it (a result of some op in ``old``, or
    ``wires[i]`` itself). ``new`` yields ``(gate, angles, local wires)``; the
    new gates are inserted before ``first`` (which must precede every op of
    ``old`` in the block), and appended to ``created`` when given. Returns the number of
    gates inserted.
    """
    cur = list(wires)
    n = 0
    block = first.parent
    assert block is not None
    # What AngleEmitter(first, pool).value does, inlined (this loop builds every gate the
    # resynthesis and translation passes emit): a pooled constant per float angle.
    value = pool.get if pool is not None else AngleEmitter(first).value
    insert = block.insert_before
    loc = first.loc
    for name, angles, qs in new:
        ir_name, rtypes = _NEW_GATE[name]
        operands = [a if isinstance(a, Value) else value(a) for a in angles] if angles else []
        for q in qs:
            operands.append(cur[q])
        op = Operation.plain(ir_name, operands, rtypes, loc)
        insert(op, first)
        if created is not None:
            created.append(op)
        res = op.results
        if len(qs) == 1:
            cur[qs[0]] = res[0]
        else:
            for q, r in zip(qs, res):
                cur[q] = r
        n += 1
    # Detach the outputs' users first so the old piece ends up unused.
    for i, out in enumerate(outputs):
        if out is not cur[i]:
            out.replace_all_uses_with(cur[i])
    # Erase from the back: ``old`` is in a valid order, so by the time an op
    # goes every user of its results (a later op of ``old``) is gone already.
    for op in reversed(old):
        eraser.erase(op)
    return n

#: ``_QUBITS[n]``: the result types of an ``n``-qubit gate (read-only, shared).
_QUBITS: tuple[tuple, ...] = tuple((qubit,) * n for n in range(max(s.num_qubits for s in GATES.values()) + 1))
#: ``_NEW_GATE[name]``: the IR op name and result types of gate-table gate ``name``.
_NEW_GATE: dict[str, tuple[str, tuple]] = {name: (spec.ir_name, _QUBITS[spec.num_qubits])
                                           for name, spec in GATES.items()}


def sweep_dead_classical(kernel: Operation, eraser: Eraser) -> int:
    """Erase pure, non-quantum ops of ``kernel`` whose results are unused; returns how many.

    Linear: a worklist seeded with every unused pure op, following operands
    whose live use count drops to zero.
    """
    counts: dict[Value, int] = {}
    work: list[Operation] = []
    _seed_unused(kernel, SPECS, work)
    removed = 0
    while work:
        op = work.pop()
        if op.parent is None:
            continue
        operands = list(op.operands)
        eraser.erase(op)
        removed += 1
        for v in dict.fromkeys(operands):
            c = counts.get(v)
            if c is None:
                c = eraser.live_uses(v)  # already excludes the erased op
            else:
                c -= operands.count(v)
            counts[v] = c
            if c == 0 and isinstance(v, OpResult) and _removable(v.op):
                if all((counts.get(r, eraser.live_uses(r)) == 0) for r in v.op.results):
                    work.append(v.op)
    return removed

def _seed_unused(parent: Operation, specs: dict[str, GateSpec], work: list[Operation]) -> None:
    """Append each removable op nested in ``parent`` whose results are all unused, in
    pre-order (``parent.walk()``'s order), following the block lists directly."""
    for region in parent.regions:
        for b in region.blocks:
            op = b.first
            while op is not None:
                # the cheap tests first: most ops are gates (quantum, never removed here),
                # and almost every other op has a used result; a region op is never removable
                if op.name not in specs:
                    if op.regions:
                        _seed_unused(op, specs, work)
                    else:
                        for r in op.results:
                            if r.uses:
                                break
                        else:
                            if _removable(op):
                                work.append(op)
                op = op.next


def _removable(op: Operation) -> bool:
    d = get_opdef(op.name)
    return d is not None and PURE in d.traits and QUANTUM not in d.traits and not op.regions
