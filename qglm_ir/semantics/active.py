"""Restrict a kernel to the wires it touches, so a mapped kernel simulates at program size.

A kernel mapped onto a 127-qubit device has one wire per physical qubit, most
of them idle: ``%q = q.alloc`` released by ``q.dealloc %q`` with nothing in
between. Such a wire stays |0> and is uncorrelated with everything else, so
dropping it changes no readout of the other wires. :func:`restrict_to_active`
returns a copy of the kernel (in a copy of its module, so ``param.get`` still
resolves) without those wires, plus the original output-wire index of every
wire that remains, so a 10-qubit program on a 127-qubit device is simulated as
a ~12-qubit kernel.

Requires: a verified kernel inside a module. Guarantees: the original is not
modified; idle top-level allocs are removed unless listed in ``keep``; kernels
that return qubits are returned unchanged (their output order is not the
alloc order), with the identity wire map.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from ..core.ir import Operation
from ..dialects.kernel_wires import number_wires
from ..dialects.readout import num_output_wires
from .binding import resolve_kernel


def _idle_allocs(kernel: Operation) -> list[tuple[int, Operation]]:
    """``(wire, alloc op)`` of top-level allocs released with nothing in between (wires of
    :mod:`qglm_ir.dialects.kernel_wires`)."""
    kw = number_wires(kernel)
    body = kw.body
    out: list[tuple[int, Operation]] = []
    for w, op in kw.allocs.items():
        uses = op.results[0].uses
        if op.parent is body and len(uses) == 1 and uses[0].name == "q.dealloc" and uses[0].parent is body:
            out.append((w, op))
    return out


def restrict_to_active(kernel: Operation, keep: Iterable[int] = ()) -> tuple[Operation, list[int]]:
    """``(kernel', wires)``: ``kernel'`` without idle wires; ``wires[j]`` = old output wire of new wire ``j``.

    ``keep``: output wires to keep even when idle (e.g. a readout wire that is
    never touched still reads 0). Returns ``kernel`` itself when nothing is idle.
    """
    kernel, module = resolve_kernel(kernel)
    n = num_output_wires(kernel)
    ftype = kernel.properties.get("function_type")
    returns_qubits = any(t.is_qubit for t in getattr(ftype, "results", ()))
    keep_set = set(keep)
    idle = [(w, op) for w, op in _idle_allocs(kernel) if w not in keep_set]
    if not idle or returns_qubits or module is None:
        return kernel, list(range(n))
    drop = {w for w, _ in idle}
    position = next(i for i, op in enumerate(module.regions[0].blocks[0]) if op is kernel)
    copy = module.clone()
    twin = list(copy.regions[0].blocks[0])[position]
    twin_idle = {w: op for w, op in _idle_allocs(twin) if w in drop}
    for op in twin_idle.values():
        release = op.results[0].uses[0]
        release.erase()
        op.erase()
    twin.properties = MappingProxyType(
        {k: v for k, v in twin.properties.items()
         if k not in ("initial_layout", "final_layout", "readout", "readout_qubits")})
    return twin, [w for w in range(n) if w not in drop]
