"""Slide one-qubit gates across routing swaps so each swap meets the 2q gate next to it.

Why: 2q resynthesis (``fuse-2q``) merges a swap with a 2q gate on the same pair into one
block of at most three CX, which is what the router's cost estimate counts on
(:func:`.engine.routed_2q_cost`). A one-qubit gate between the two breaks the block when its
angle is symbolic (a trainable parameter, a runtime embedding angle): ``fuse-2q`` never
touches symbolic gates. Measured on ``examples/density_covariance.qglm`` on ``heavy-hex:3``:
both swaps sat behind a runtime ``ry`` and cost three CX each (17 CX against Qiskit's 13-15).

A swap exchanges the states of its two qubits, so ``swap . (g on a) = (g on b) . swap`` for
any one-qubit ``g``, symbolic or not: the gates are moved, never changed.

* Backward (preferred): when the one-qubit chains before the swap on both of its wires lead
  to the same two-qubit op ``G``, those gates move after the swap, each onto the other wire,
  in order, and the swap directly follows ``G``.
* Forward: otherwise, when the chains after the swap lead to the same two-qubit op ``H``,
  they move before the swap onto the other wire (only when every classical operand of a moved
  gate is defined before the swap), and the swap directly precedes ``H``.
"""

from __future__ import annotations

from ...core.ir import Block, Operation, OpResult, Value
from ...dialects.gates import GATES
from ...dialects.q import gate_qubits

_ONE_Q = {spec.ir_name: spec.num_params for spec in GATES.values() if spec.num_qubits == 1}


def _two_q(op: Operation | None) -> bool:
    if op is None or not op.name.startswith("q.") or op.regions:
        return False
    return sum(1 for v in op.operands if v.type.is_qubit) == 2


def _chain_back(v: Value, block: Block) -> tuple[list[Operation], Value]:
    """One-qubit gates producing ``v`` (nearest first) in ``block``, and the value they start from."""
    chain: list[Operation] = []
    while isinstance(v, OpResult) and v.op.parent is block and v.op.name in _ONE_Q:
        chain.append(v.op)
        v = v.op.operands[_ONE_Q[v.op.name]]
    return chain, v


def _chain_forward(v: Value, block: Block) -> tuple[list[Operation], Operation | None]:
    """One-qubit gates consuming ``v`` in order in ``block``, and the op after them."""
    chain: list[Operation] = []
    user = v.single_user
    while user is not None and user.parent is block and user.name in _ONE_Q:
        chain.append(user)
        user = user.results[0].single_user
    return chain, user


def _move_after(swap: Operation, side: int, chain: list[Operation], start: Value) -> None:
    """Move ``chain`` (nearest first, on swap operand ``side``, starting from ``start``) after
    the swap, onto the output that carries that state (result ``1 - side``)."""
    gates = chain[::-1]  # program order
    swap.set_operand(side, start)
    out = swap.results[1 - side]
    last = gates[-1].results[0]
    out.replace_all_uses_with(last)
    gates[0].set_operand(_ONE_Q[gates[0].name], out)
    anchor = swap
    block = swap.parent
    assert block is not None
    for g in gates:
        g.detach()
        block.insert_after(g, anchor)
        anchor = g


def _move_before(swap: Operation, side: int, chain: list[Operation]) -> None:
    """Move ``chain`` (program order, on swap result ``side``) before the swap, onto the
    input whose state it carries (operand ``1 - side``)."""
    inp = gate_qubits(swap)[1 - side]
    out = swap.results[side]
    last = chain[-1].results[0]
    last.replace_all_uses_with(out)
    chain[0].set_operand(_ONE_Q[chain[0].name], inp)
    swap.set_operand(1 - side, last)
    block = swap.parent
    assert block is not None
    for g in chain:
        g.detach()
        block.insert_before(g, swap)


def _defined_before(g: Operation, swap: Operation, pos: dict[Operation, int]) -> bool:
    for v in g.operands:
        if isinstance(v, OpResult) and not v.type.is_qubit and v.op.parent is swap.parent:
            if pos.get(v.op, len(pos)) >= pos[swap]:
                return False
    return True


def slide_swaps(kernel: Operation) -> int:
    """Slide one-qubit gates across every ``q.swap`` of ``kernel`` (see the module docstring).

    Requires: linear-SSA qubit values (every qubit value used once). Guarantees: the kernel's
    unitary is unchanged exactly (gates move across swaps onto the swapped wire, none is
    changed, added or removed); ops stay in their blocks. Returns how many swaps now meet a 2q
    gate on their pair that they did not meet before."""
    moved = 0
    blocks: dict[Block, dict[Operation, int]] = {}
    swaps = [op for op in kernel.walk() if op.name == "q.swap"]
    for s in swaps:
        block = s.parent
        assert block is not None
        q0, q1 = gate_qubits(s)
        c0, v0 = _chain_back(q0, block)
        c1, v1 = _chain_back(q1, block)
        if (c0 or c1) and isinstance(v0, OpResult) and isinstance(v1, OpResult) and v0.op is v1.op \
                and _two_q(v0.op):
            for side, chain, start in ((0, c0, v0), (1, c1, v1)):
                if chain:
                    _move_after(s, side, chain, start)
            moved += 1
            continue
        if isinstance(v0, OpResult) and v0.op is getattr(v1, "op", None) and _two_q(v0.op):
            continue  # already adjacent to the gate before it
        f0, h0 = _chain_forward(s.results[0], block)
        f1, h1 = _chain_forward(s.results[1], block)
        if not (f0 or f1) or h0 is None or h0 is not h1 or not _two_q(h0):
            continue
        pos = blocks.get(block)
        if pos is None:
            pos = blocks[block] = {op: i for i, op in enumerate(block)}
        if not all(_defined_before(g, s, pos) for g in (*f0, *f1)):
            continue
        for side, chain in ((0, f0), (1, f1)):
            if chain:
                _move_before(s, side, chain)
        moved += 1
    return moved
