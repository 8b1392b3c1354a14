"""Elide a kernel's own ``q.swap`` gates into its layout (used by ``layout``).

In the SSA qubit IR a swap is bookkeeping: ``%c, %d = q.swap %a, %b`` can be erased by letting
the users of ``%c`` use ``%b`` and the users of ``%d`` use ``%a``. The wires (SSA chains) then
cross, so the program computes the same states with its output wires permuted. A mapped
kernel records that permutation in ``final_layout`` instead of paying three CX per swap (like
Qiskit's ``ElidePermutations`` at O3; the corpus QFTs end in ``n/2`` swaps).

Only swaps directly in the body of a kernel whose qubits are allocated and deallocated (no
qubit arguments or results) go; regions fix their wire order in their yields.
"""

from __future__ import annotations

from ...core.ir import Operation
from ...dialects.q import gate_qubits
from .wires import KernelWires, kernel_body


def elide_swaps(kernel: Operation, kw: KernelWires) -> list[int] | None:
    """Erase the body swaps of an alloc-mode ``kernel``; ``kw`` is its wire analysis from
    *before* the call. Returns None when nothing was erased, else ``perm``: the state program
    wire ``k`` ends in now ends on wire ``perm[k]`` of the re-analysed kernel (wires keep
    their input numbering: wire ``k`` still starts at the ``k``-th allocation)."""
    if kw.mode != "alloc" or len(kw.deallocs) != kw.num_wires:
        return None
    swaps = [op for op in kernel_body(kernel) if op.name == "q.swap"]
    if not swaps:
        return None
    # Program lines entering each swap, read before any rewiring (a swap result continues
    # the line of the operand in the same position).
    lines = [tuple(kw.vid[q] for q in gate_qubits(op)) for op in swaps]
    cur = list(range(kw.num_wires))  # cur[line]: the rewired chain carrying that line's state
    for op, (i, j) in zip(swaps, lines):
        cur[i], cur[j] = cur[j], cur[i]
        a, b = op.operands
        c, d = op.results
        c.replace_all_uses_with(b)
        d.replace_all_uses_with(a)
        op.erase()
    return cur
