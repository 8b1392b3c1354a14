"""Break gates on three qubits into one- and two-qubit gates before mapping.

Routing places two-qubit gates on couplers; a gate on three qubits has no
coupler. ``ccx`` uses the standard exact 6-``cx`` circuit (Nielsen & Chuang
Fig. 4.9, no global phase) and ``cswap`` is ``cx(b, a) ccx(c, a, b) cx(b, a)``.
A ``q.unitary`` on three or more qubits is refused (run ``to-basis`` first);
barriers of any width are fine, they need no coupler.
"""

from __future__ import annotations

from ...core.errors import PassError
from ...core.ir import Block, Operation, Value
from ...core.types import qubit
from .wires import kernel_body, walk_gates

# (gate, positions) over (a, b, c) = (control 1, control 2, target).
_CCX_SEQ: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("h", (2,)), ("cx", (1, 2)), ("tdg", (2,)), ("cx", (0, 2)), ("t", (2,)), ("cx", (1, 2)),
    ("tdg", (2,)), ("cx", (0, 2)), ("t", (1,)), ("t", (2,)), ("h", (2,)), ("cx", (0, 1)),
    ("t", (0,)), ("tdg", (1,)), ("cx", (0, 1)),
)
# cswap(c, a, b) over (c, a, b): cx(b, a) ccx(c, a, b) cx(b, a).
_CSWAP_SEQ: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("cx", (2, 1)),
    *((g, tuple((0, 1, 2)[p] for p in qs)) for g, qs in _CCX_SEQ),
    ("cx", (2, 1)),
)

SEQUENCES = {"ccx": _CCX_SEQ, "cswap": _CSWAP_SEQ}


def _expand(op: Operation, seq: tuple[tuple[str, tuple[int, ...]], ...]) -> None:
    block = op.parent
    assert isinstance(block, Block)
    cur: list[Value] = list(op.operands)
    for gate, qs in seq:
        new = Operation("q." + gate, [cur[q] for q in qs], [qubit] * len(qs), loc=op.loc)
        block.insert_before(new, op)
        for q, r in zip(qs, new.results):
            cur[q] = r
    for old, new_v in zip(op.results, cur):
        old.replace_all_uses_with(new_v)
    op.erase()


def decompose_wide_gates(kernel: Operation) -> int:
    """Rewrite every 3-qubit gate of ``kernel`` into 1q/2q gates; returns how many.

    Guarantees: afterwards every gate and ``q.unitary`` acts on at most two
    qubits; the kernel's unitary is unchanged exactly (no global phase).
    Raises :class:`PassError` for a ``q.unitary`` on three or more qubits.
    """
    todo = []
    for op in walk_gates(kernel_body(kernel)):
        if op.name in ("q.ccx", "q.cswap"):
            todo.append(op)
        elif op.name == "q.unitary" and len(op.operands) > 2:
            raise PassError(
                f"q.unitary on {len(op.operands)} qubits cannot be routed",
                op.loc,
                help="run 'to-basis' before mapping to synthesize it into 1q and 2q gates",
            )
    for op in todo:
        _expand(op, SEQUENCES[op.name[2:]])
    return len(todo)
