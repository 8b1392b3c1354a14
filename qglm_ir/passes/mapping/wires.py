"""Wire analysis of a kernel: which input wire every qubit SSA value belongs to.

Follows the project's wire convention: a kernel's input wires are its qubit
block arguments in order, then its ``q.alloc`` results in program order; a
qubit result of any op continues the wire of the qubit operand at the same
position (result ``k`` of a gate is the new value of qubit operand ``k``;
``scf`` results continue the wire of the matching operand, region block
arguments the wire of the operand they are bound to).

The mapping passes support kernels in one of two shapes (:class:`KernelWires`
``mode``): ``"args"`` (qubits are block arguments and all are returned) or
``"alloc"`` (qubits are ``q.alloc``'d and ``q.dealloc``'d in the kernel's top
block). Both are what the builders and frontends produce. Anything else (an
``alloc`` inside a region, a kernel mixing both, an ``scf`` region whose yield
permutes qubits) raises :class:`PassError` naming the offending op.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ...core.errors import Location, PassError
from ...core.ir import Block, Operation, Value
from ...core.types import FunctionType, QubitType
from ...dialects.scf import REGION_OPS, ConditionOp, YieldOp, carried_offset

#: Positions of carried values in ``(operands, block args, terminator operands)`` of scf ops,
#: derived from the ops' declared fields (:mod:`qglm_ir.dialects.scf`).
SCF_OFFSETS: dict[str, tuple[int, int, int]] = {
    name: (carried_offset(name), view.ARG_OFFSET, YieldOp.offset("values")) for name, view in REGION_OPS.items()
}


def term_offset(region_index: int, op: Operation) -> int:
    """Offset of the carried values in the terminator of region ``region_index`` of ``op``."""
    if op.name == "scf.while" and region_index == 0:
        return ConditionOp.offset("values")  # scf.condition(cond, values...)
    return SCF_OFFSETS[op.name][2]


def _loc(op: Operation) -> Location | None:
    return op.loc


def kernel_name(kernel: Operation) -> str:
    return str(kernel.properties.get("sym_name", "?"))


@dataclass
class KernelWires:
    """The wires of a kernel (see the module docstring).

    ``vid`` maps every qubit value in the kernel, nested regions included, to
    its input-wire index; ``outputs`` lists the output wires' final values in
    output order and ``out_vids`` their input-wire indices.
    """

    kernel: Operation
    mode: str  # "args" | "alloc" | "none"
    inputs: list[Value]
    vid: dict[Value, int] = field(default_factory=dict)
    outputs: list[Value] = field(default_factory=list)
    out_vids: list[int] = field(default_factory=list)
    allocs: list[Operation] = field(default_factory=list)
    deallocs: list[Operation] = field(default_factory=list)

    @property
    def num_wires(self) -> int:
        return len(self.inputs)


def kernel_body(kernel: Operation) -> Block:
    return kernel.regions[0].block


def qubit_operands(op: Operation) -> list[Value]:
    return [v for v in op.operands if v.type.is_qubit]


def qubit_results(op: Operation) -> list[Value]:
    return [r for r in op.results if r.type.is_qubit]


def analyze(kernel: Operation) -> KernelWires:
    """Assign every qubit value of ``kernel`` to its input wire; check the supported shape."""
    body = kernel_body(kernel)
    arg_qubits = [a for a in body.args if a.type.is_qubit]
    allocs: list[Operation] = []
    deallocs: list[Operation] = []
    for op in body:
        if op.name == "q.alloc":
            allocs.append(op)
        elif op.name == "q.dealloc":
            deallocs.append(op)
    if arg_qubits and allocs:
        raise PassError(
            f"kernel @{kernel_name(kernel)} both takes qubit arguments and allocates qubits; "
            "mapping supports one or the other",
            _loc(allocs[0]),
            help="allocate every qubit with q.alloc, or pass every qubit as an argument",
        )
    mode = "args" if arg_qubits else ("alloc" if allocs else "none")
    inputs: list[Value] = list(arg_qubits) + [a.results[0] for a in allocs]
    kw = KernelWires(kernel, mode, inputs, allocs=allocs, deallocs=deallocs)
    for i, v in enumerate(inputs):
        kw.vid[v] = i
    _assign_block(body, kw, top=True)
    ret = body.terminator
    returned = [v for v in ret.operands if v.type.is_qubit] if ret is not None else []
    if mode == "alloc" and returned:
        raise PassError(
            f"kernel @{kernel_name(kernel)} allocates qubits but returns some; mapping needs every "
            "allocated qubit deallocated",
            _loc(ret) if ret is not None else None,
        )
    if mode == "args" and deallocs:
        raise PassError(f"kernel @{kernel_name(kernel)} deallocates an argument qubit; not supported by mapping",
                        _loc(deallocs[0]))
    kw.outputs = returned + sorted((d.operands[0] for d in deallocs), key=lambda v: kw.vid[v])
    kw.out_vids = [kw.vid[v] for v in kw.outputs]
    if sorted(kw.out_vids) != list(range(len(inputs))):
        raise PassError(f"kernel @{kernel_name(kernel)}: every qubit wire must end in a return or a dealloc",
                        _loc(kernel))
    return kw


_TERMINATORS = frozenset(("func.return", "scf.yield", "scf.condition"))


def _assign_block(block: Block, kw: KernelWires, top: bool) -> None:
    vid = kw.vid
    for op in block:
        name = op.name
        if name == "q.alloc":
            if not top:
                raise PassError("q.alloc inside a control-flow region is not supported by mapping", _loc(op),
                                help="allocate qubits at the top of the kernel")
            continue
        if name == "q.dealloc":
            if not top:
                raise PassError("q.dealloc inside a control-flow region is not supported by mapping", _loc(op))
            continue
        if name in _TERMINATORS:
            continue
        # ``type(...) is QubitType`` is ``.is_qubit`` without a property call per value (this
        # loop runs over every op, a dozen times per mapped compile)
        qin = [v for v in op.operands if v.type.__class__ is QubitType]
        qout = [r for r in op.results if r.type.__class__ is QubitType]
        if not qin and not qout:
            continue
        if len(qin) != len(qout):
            raise PassError(f"{name} consumes {len(qin)} and produces {len(qout)} qubits; mapping cannot "
                            "follow its wires", _loc(op))
        for a, r in zip(qin, qout):
            vid[r] = vid[a]
        if op.regions:
            _assign_regions(op, kw)


def _assign_regions(op: Operation, kw: KernelWires) -> None:
    if op.name not in SCF_OFFSETS:
        raise PassError(f"{op.name} with regions carrying qubits is not supported by mapping", _loc(op))
    op_off, arg_off, _ = SCF_OFFSETS[op.name]
    carried = op.operands[op_off:]
    if op.name == "scf.while" and [v.type for v in carried] != [r.type for r in op.results]:
        raise PassError("scf.while whose results differ from its inits is not supported by mapping", _loc(op))
    vid = kw.vid
    for ri, region in enumerate(op.regions):
        block = region.block
        args = block.args[arg_off:]
        for a, v in zip(args, carried):
            if v.type.is_qubit:
                vid[a] = vid[v]
        _assign_block(block, kw, top=False)
        term = block.terminator
        if term is None:
            continue
        toff = term_offset(ri, op)
        for k, (y, v) in enumerate(zip(term.operands[toff:], carried)):
            if v.type.is_qubit and vid.get(y) != vid[v]:
                raise PassError(
                    f"{op.name} region yields qubit position {k} from another wire (a relabeling of "
                    "qubits across the region); mapping needs each carried qubit yielded in place",
                    _loc(term) or _loc(op),
                )


def walk_gates(block: Block) -> Iterator[Operation]:
    """Every op in ``block`` and nested regions (pre-order)."""
    for op in block:
        yield op
        for r in op.regions:
            for b in r.blocks:
                yield from walk_gates(b)


def set_function_results(kernel: Operation) -> None:
    """Make the kernel's ``function_type`` match its entry block and its return."""
    body = kernel_body(kernel)
    ftype = kernel.properties["function_type"]
    assert isinstance(ftype, FunctionType)
    ret = body.terminator
    results = tuple(v.type for v in ret.operands) if ret is not None else ()
    kernel.set_property("function_type", FunctionType(tuple(a.type for a in body.args), results))


def kernels_of(module: Operation) -> list[Operation]:
    """The ``q.kernel`` ops of a module, in order."""
    return [op for op in module.regions[0].block if op.name == "q.kernel"]
