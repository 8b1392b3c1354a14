"""Rewrite ``q.amplitude`` / ``q.density`` into the gates of their fixed template.

Requires: a verified kernel. Guarantees: the op is replaced, at its position
and with its location, by the template circuit of
:func:`qglm_ir.embedding.synthesis.template` (``q.ry``/``q.rz`` reading angle
``i`` with ``tensor.extract``, ``q.cx``, one ``q.global_phase``), so its
semantics are unchanged. When the angles are a compile-time constant (an
``arith.constant`` tensor, or an angles op whose data is one), they are
evaluated here and each gate gets an ``f64`` constant: constant data folds, and
bad constant data is a located error at compile time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.attributes import DenseArray
from ..core.builder import Builder
from ..core.ir import Operation, OpResult, Value
from ..core.types import f64, i64, qubit
from ..dialects import embed
from .synthesis import bound_gates, template


def constant_angles(v: Value) -> np.ndarray | None:
    """The angles ``v`` holds if they are known at compile time, else ``None``.

    Raises :class:`SemanticsError` (located at the angles op) for constant data
    that cannot be embedded."""
    op = v.op if isinstance(v, OpResult) else None
    if op is None:
        return None
    if op.name == "arith.constant":
        val = op.properties.get("value")
        return val.array.astype(np.float64) if isinstance(val, DenseArray) else None
    if op.name in embed.ANGLE_OPS:
        src = embed.AnglesOp(op).data
        d = src.op if isinstance(src, OpResult) else None
        if d is not None and d.name == "arith.constant" and isinstance(d.properties.get("value"), DenseArray):
            return embed.angles_of(op, d.properties["value"].array)  # type: ignore[union-attr]
    return None


def expand_state_op(op: Operation) -> int:
    """Replace one state op by its template's gates; returns how many gate ops were emitted."""
    assert op.name in embed.STATE_OPS and op.parent is not None
    m = embed.state_op_qubits(op)
    t = template(m, embed.state_op_mode(op))
    angles = embed.StateOp(op).angles
    folded = constant_angles(angles)
    b = Builder(op.parent, op, loc=op.loc)
    wires: list[Value] = list(embed.StateOp(op).qubits)
    index_cache: dict[int, Value] = {}

    def angle(slot: int) -> Value:
        if folded is not None:
            return b.create("arith.constant", [], [f64], {"value": float(folded[slot])}).results[0]
        idx = index_cache.get(slot)
        if idx is None:
            idx = index_cache[slot] = b.create("arith.constant", [], [i64], {"value": slot}).results[0]
        return b.create("tensor.extract", [angles, idx], [f64]).results[0]

    count = 0
    for kind, qs, slot in t.instrs:
        if kind in ("ry", "rz"):
            a = angle(slot)
            g = b.create("q." + kind, [a, wires[qs[0]]], [qubit])
            wires[qs[0]] = g.results[0]
        elif kind == "cx":
            g = b.create("q.cx", [wires[qs[0]], wires[qs[1]]], [qubit, qubit])
            wires[qs[0]], wires[qs[1]] = g.results
        else:
            b.create("q.global_phase", [angle(slot)], [])
        count += 1
    for r, w in zip(op.results, wires):
        r.replace_all_uses_with(w)
    op.erase()
    return count


def expand_all(root: Operation) -> dict[str, Any]:
    """Expand every state op under ``root``; returns statistics for a pass report."""
    ops = [op for op in root.walk() if op.name in embed.STATE_OPS]
    gates = 0
    extra = 0
    for op in ops:
        if op.name == embed.DENSITY:
            extra += embed.state_op_qubits(op) // 2
        gates += expand_state_op(op)
    return {"embeddings": len(ops), "gates": gates, "purification_qubits": extra}


def template_gates(op: Operation, angles: Any) -> tuple[list[tuple[np.ndarray, tuple[int, ...]]], float]:
    """The meaning of a state op for the semantics: its template bound to concrete
    ``angles`` as ``[(matrix, local qubit indices)]`` plus the global phase."""
    t = template(embed.state_op_qubits(op), embed.state_op_mode(op))
    return bound_gates(t, np.asarray(angles, dtype=np.float64))
