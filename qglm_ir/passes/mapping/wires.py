"""Wire analysis of a kernel for the mapping passes: the shapes they support.

The numbering is the kernel wire model of :mod:`qglm_ir.dialects.kernel_wires`
(input wires: qubit block arguments, then ``q.alloc`` results; every qubit
value continues the wire it was computed from); this module adds the checks
and the facts mapping needs on top of it.

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
from ...core.types import FunctionType
from ...dialects import kernel_wires
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
class KernelWires(kernel_wires.KernelWires):
    """The wire model of a kernel (:mod:`qglm_ir.dialects.kernel_wires`) with what mapping asks of it.

    ``mode`` is the kernel's shape (see the module docstring); ``vid`` is the
    model's ``wire_of``; ``out_vids`` are the input wires of the output wires, in
    output order (:meth:`~qglm_ir.dialects.kernel_wires.KernelWires.output_wires`).
    """

    mode: str = "none"  # "args" | "alloc" | "none"
    out_vids: list[int] = field(default_factory=list)

    @property
    def vid(self) -> dict[Value, int]:
        return self.wire_of


_IN_PLACE_HELP = "mapping needs each carried qubit yielded in place (no relabeling of qubits across the region)"


def kernel_body(kernel: Operation) -> Block:
    return kernel.regions[0].block


def analyze(kernel: Operation) -> KernelWires:
    """Number the wires of ``kernel`` (:func:`~qglm_ir.dialects.kernel_wires.number_wires`)
    and check the shape mapping supports (module docstring); raises :class:`PassError` otherwise."""
    kw = KernelWires(kernel)
    kernel_wires.number_wires(kernel, into=kw, in_place_help=_IN_PLACE_HELP, strict="mapping")
    if kw.num_args and kw.allocs:
        raise PassError(
            f"kernel @{kernel_name(kernel)} both takes qubit arguments and allocates qubits; "
            "mapping supports one or the other",
            _loc(kw.allocs[kw.num_args]),
            help="allocate every qubit with q.alloc, or pass every qubit as an argument",
        )
    kw.mode = "args" if kw.num_args else ("alloc" if kw.allocs else "none")
    outputs = kw.outputs()
    ndealloc = len(kw.deallocs)
    if kw.mode == "alloc" and len(outputs) > ndealloc:
        ret = kw.body.terminator
        raise PassError(
            f"kernel @{kernel_name(kernel)} allocates qubits but returns some; mapping needs every "
            "allocated qubit deallocated",
            _loc(ret) if ret is not None else None,
        )
    if kw.mode == "args" and ndealloc:
        first = kw.deallocs[min(kw.deallocs)]
        raise PassError(f"kernel @{kernel_name(kernel)} deallocates an argument qubit; not supported by mapping",
                        _loc(first))
    kw.out_vids = [kw.wire_of[v] for v in outputs]
    if sorted(kw.out_vids) != list(range(kw.num_wires)):
        raise PassError(f"kernel @{kernel_name(kernel)}: every qubit wire must end in a return or a dealloc",
                        _loc(kernel))
    return kw


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
