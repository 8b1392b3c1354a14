"""The wire model of a ``q.kernel``: which wire every qubit value of it is.

The project's wire convention, in one place (every pass, backend, metric and
the semantics number wires through this module):

* **Input wires** are the kernel's qubit block arguments in order, then its
  ``q.alloc`` results in pre-order walk order (allocations inside regions
  included, each counted once however often a loop runs it).
* A qubit result continues a wire: result ``k`` of a gate-table op continues
  its qubit operand ``k``; ``q.measure``'s qubit result continues its operand;
  any other op's ``k``-th qubit result continues its ``k``-th qubit operand.
* An ``scf`` op's ``k``-th qubit result, and the ``k``-th qubit block argument
  of each of its regions, continue the wire of its ``k``-th carried qubit
  operand (:func:`qglm_ir.dialects.scf.carried`). Counting qubits only (not
  positions) matters for ``scf.if``, whose results need not line up with its
  inputs (it may yield extra ``i1`` values).
* **Output wires** are the returned qubits in return order, then every
  ``q.dealloc``'d wire by wire number (:meth:`KernelWires.outputs`).

**Program vs physical.** Before ``layout`` wire ``w`` is program qubit ``w``.
``layout`` gives a kernel one wire per device qubit and the property
``initial_layout``; from then on wire ``w`` *is* physical qubit ``w``
(:attr:`KernelWires.mapped`), and program qubit ``k`` is read from output wire
``final_layout[k]`` (see :mod:`qglm_ir.dialects.readout`).

:func:`number_wires` computes the model in one walk over the kernel. It is
linear in the kernel's size and runs many times per compile, so it avoids
per-op helper calls: gate-table ops (most of a kernel) take a fast path that
needs no type checks. A caller that keeps the kernel unchanged should keep and
reuse its :class:`KernelWires` rather than renumber.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.errors import PassError
from ..core.ir import Block, BlockArgument, Operation, Value
from ..core.types import QubitType
from .gates import GATES
from .q import DeallocOp, MeasureOp
from .scf import CARRIED, REGION_OPS, ConditionOp

#: Gate-table ops by IR name -> number of leading angle operands: their other operands are
#: qubits and their results continue those qubits in order (the gate table's contract).
_GATE_PARAMS: dict[str, int] = {spec.ir_name: spec.num_params for spec in GATES.values()}
#: Offset of the carried operands of each region op (its declared ``*iter_args``/``*inputs``/``*inits``).
_CARRIED_AT: dict[str, int] = {name: view.offset(CARRIED[name]) for name, view in REGION_OPS.items()}
_CONDITION_VALUES = ConditionOp.offset("values")  # scf.condition(cond, values...)
_TERMINATORS = frozenset(("func.return", "scf.yield", "scf.condition"))


@dataclass
class KernelWires:
    """The wire model of ``kernel`` (see the module docstring).

    ``wire_of`` maps every qubit value of the kernel (nested regions included) to
    its wire; ``inputs[w]`` is the value that starts wire ``w`` (a qubit argument
    or an alloc result); ``allocs``/``deallocs`` map a wire to the op that
    allocates/releases it; ``num_args`` wires are arguments, ``num_wires`` in all.
    """

    kernel: Operation
    wire_of: dict[Value, int] = field(default_factory=dict)
    inputs: list[Value] = field(default_factory=list)
    allocs: dict[int, Operation] = field(default_factory=dict)
    deallocs: dict[int, Operation] = field(default_factory=dict)
    num_wires: int = 0
    num_args: int = 0

    @property
    def body(self) -> Block:
        return self.kernel.regions[0].block

    @property
    def mapped(self) -> bool:
        """Whether ``layout`` placed this kernel (wire ``w`` is then physical qubit ``w``)."""
        return "initial_layout" in self.kernel.properties

    def op_wires(self, op: Operation) -> tuple[int, ...]:
        """Wires of the qubit operands of ``op``, in operand order."""
        wire_of = self.wire_of
        np_ = _GATE_PARAMS.get(op.name)
        if np_ is not None:
            return tuple([wire_of[v] for v in op.operands[np_:]])
        return tuple([wire_of[v] for v in op.operands if v.type.__class__ is QubitType])

    def outputs(self) -> list[Value]:
        """Final values of the output wires: returned qubits in order, then released wires by number."""
        term = self.body.last
        returned = [v for v in term.operands if v.type.__class__ is QubitType] if term is not None else []
        return returned + [DeallocOp(self.deallocs[w]).qubit for w in sorted(self.deallocs)]

    def output_wires(self) -> list[int]:
        """The wire of each output wire (``output_wires()[j]`` = input wire that ends as output ``j``)."""
        wire_of = self.wire_of
        return [wire_of[v] for v in self.outputs()]


def qubit_args(kernel: Operation) -> list[BlockArgument]:
    """The kernel's qubit block arguments (its first ``num_args`` wires), in order."""
    return [a for a in kernel.regions[0].block.args if a.type.__class__ is QubitType]


def count_wires(kernel: Operation) -> int:
    """``number_wires(kernel).num_wires`` without numbering: qubit arguments plus ``q.alloc`` ops."""
    return len(qubit_args(kernel)) + sum(1 for op in kernel.walk() if op.name == "q.alloc")


def number_wires(kernel: Operation, into: KernelWires | None = None, in_place_help: str | None = None,
                 strict: str | None = None) -> KernelWires:
    """Number the wires of ``kernel`` (see the module docstring), filling ``into`` if given.

    With ``in_place_help``, an ``scf`` region that yields a carried qubit from another
    wire (a permutation of qubits across the region) raises :class:`PassError` with
    that help text; without it such a region is numbered as carried, unchecked.

    With ``strict`` (the name of the client, e.g. ``"mapping"``), shapes whose wires
    cannot be followed op by op also raise :class:`PassError` naming the op and the
    client: ``q.alloc``/``q.dealloc`` inside a region, an op consuming a different
    number of qubits than it produces, a non-``scf`` op with regions carrying
    qubits, an ``scf.while`` whose results differ from its inits.
    """
    kw = into if into is not None else KernelWires(kernel)
    for a in kw.body.args:
        if a.type.__class__ is QubitType:
            kw.wire_of[a] = kw.num_wires
            kw.inputs.append(a)
            kw.num_wires += 1
    kw.num_args = kw.num_wires
    _walk(kw.body, kw, in_place_help, strict, True)
    return kw


def _walk(block: Block, kw: KernelWires, in_place_help: str | None, strict: str | None, top: bool) -> None:
    wire_of = kw.wire_of
    gate_params = _GATE_PARAMS
    op = block.first
    while op is not None:
        name = op.name
        np_ = gate_params.get(name)
        if np_ is not None:  # the hot path: most ops are gates
            ops = op.operands
            if np_ == 0 and len(ops) == 1:
                w = wire_of.get(ops[0])
                if w is not None:
                    wire_of[op.results[0]] = w
            else:
                for r, v in zip(op.results, ops[np_:]):
                    w = wire_of.get(v)
                    if w is not None:
                        wire_of[r] = w
        elif name == "q.measure":
            w = wire_of.get(MeasureOp(op).qubit)
            if w is not None:
                wire_of[op.results[1]] = w
        elif name == "q.alloc":
            if strict and not top:
                raise PassError(f"q.alloc inside a control-flow region is not supported by {strict}", op.loc,
                                help="allocate qubits at the top of the kernel")
            w = kw.num_wires
            kw.num_wires += 1
            r = op.results[0]
            wire_of[r] = w
            kw.inputs.append(r)
            kw.allocs[w] = op
        elif name == "q.dealloc":
            if strict and not top:
                raise PassError(f"q.dealloc inside a control-flow region is not supported by {strict}", op.loc)
            w = wire_of.get(DeallocOp(op).qubit)
            if w is not None:  # (a qubit from outside the model, e.g. a call result, has no wire)
                kw.deallocs[w] = op
        elif name in _CARRIED_AT:
            _walk_regions(op, kw, in_place_help, strict)
        elif name not in _TERMINATORS:
            _walk_other(op, wire_of, strict)
        op = op.next


def _walk_other(op: Operation, wire_of: dict[Value, int], strict: str | None) -> None:
    """Any op but gates, measure, alloc/dealloc, ``scf`` and terminators: ``k``-th qubit in, ``k``-th out."""
    qin = [v for v in op.operands if v.type.__class__ is QubitType]
    if not qin:
        if strict and op.regions and any(r.type.__class__ is QubitType for r in op.results):
            raise PassError(f"{op.name} with regions carrying qubits is not supported by {strict}", op.loc)
        return
    qout = [r for r in op.results if r.type.__class__ is QubitType]
    if strict:
        if len(qin) != len(qout):
            raise PassError(f"{op.name} consumes {len(qin)} and produces {len(qout)} qubits; {strict} cannot "
                            "follow its wires", op.loc)
        if op.regions:
            raise PassError(f"{op.name} with regions carrying qubits is not supported by {strict}", op.loc)
    for v, r in zip(qin, qout):
        w = wire_of.get(v)
        if w is not None:
            wire_of[r] = w


def _walk_regions(op: Operation, kw: KernelWires, in_place_help: str | None, strict: str | None) -> None:
    """An ``scf`` op: its results and its regions' block arguments continue its carried qubits."""
    wire_of = kw.wire_of
    name = op.name
    carried = op.operands[_CARRIED_AT[name]:]
    if strict and name == "scf.while" and [v.type for v in carried] != [r.type for r in op.results]:
        raise PassError(f"scf.while whose results differ from its inits is not supported by {strict}", op.loc)
    wires = [wire_of.get(v) for v in carried if v.type.__class__ is QubitType]
    k = 0
    for r in op.results:
        if r.type.__class__ is QubitType:
            if k < len(wires) and wires[k] is not None:
                wire_of[r] = wires[k]  # type: ignore[assignment]
            k += 1
    skip = REGION_OPS[name].ARG_OFFSET  # block arguments before the carried ones (scf.for's induction variable)
    for region in op.regions:
        for b in region.blocks:
            k = 0
            for a in b.args[skip:]:
                if a.type.__class__ is QubitType:
                    if k < len(wires) and wires[k] is not None:
                        wire_of[a] = wires[k]  # type: ignore[assignment]
                    k += 1
            _walk(b, kw, in_place_help, strict, False)
            term = b.last
            if in_place_help is None or term is None:
                continue
            values = term.operands[_CONDITION_VALUES:] if term.name == "scf.condition" else term.operands
            k = 0
            for v in values:
                if v.type.__class__ is QubitType:
                    got = wire_of.get(v)
                    want = wires[k] if k < len(wires) else None
                    if got != want:
                        raise PassError(
                            f"{name} region yields qubit of wire {got} where wire {want} is carried",
                            term.loc or op.loc, help=in_place_help)
                    k += 1
