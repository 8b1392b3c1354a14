"""The two-qubit block collector as it was before the per-run gate-info memo (80978c2),
kept verbatim as the reference the fast collector in ``fuse_2q`` is compared against."""

from __future__ import annotations

from collections.abc import Iterator

from qglm_ir.core.ir import Operation, OpResult, Value
from qglm_ir.dialects.q import gate_qubits
from qglm_ir.passes.optimize.angles import AngleFolder
from qglm_ir.passes.optimize.fuse_2q import GateKey
from qglm_ir.passes.optimize.wires import SPECS, gates_in_order


def _gate_key(op: Operation | None, folder: AngleFolder, claimed: set[Operation], nq: int) -> GateKey | None:
    """``(name, angles)`` of an unclaimed ``nq``-qubit gate whose angles fold, else ``None``."""
    if op is None or op in claimed:
        return None
    spec = SPECS.get(op.name)
    if spec is None or spec.num_qubits != nq:
        return None
    if spec.num_params == 0:
        return spec.name, ()
    vals = folder.consts(op.operands[: spec.num_params])
    return None if vals is None else (spec.name, tuple(vals))


def _collect(
    g: Operation, gk: GateKey, folder: AngleFolder, claimed: set[Operation]
) -> tuple[list[tuple[Operation, GateKey, tuple[int, ...]]], list[Value], list[Value], int]:
    """The block grown from 2q gate ``g``: (ops with content and local positions, inputs, outputs, #2q)."""
    ops: list[tuple[Operation, GateKey, tuple[int, ...]]] = []
    ins: list[Value] = []
    for k in (0, 1):
        # 1q gates before g on wire k (not claimed by an earlier block), oldest first.
        pre: list[tuple[Operation, GateKey, tuple[int, ...]]] = []
        v = gate_qubits(g)[k]
        while isinstance(v, OpResult):
            kk = _gate_key(v.op, folder, claimed, 1)
            if kk is None:
                break
            pre.append((v.op, kk, (k,)))
            v = gate_qubits(v.op)[0]
        ins.append(v)
        ops.extend(reversed(pre))
    ops.append((g, gk, (0, 1)))
    n2 = 1
    cur = list(g.results)
    blocked = [False, False]
    progress = True
    while progress:
        progress = False
        for k in (0, 1):
            if blocked[k]:
                continue
            u = cur[k].uses[0] if cur[k].uses else None
            kk = _gate_key(u, folder, claimed, 1)
            if kk is not None:
                assert u is not None
                ops.append((u, kk, (k,)))
                cur[k] = u.results[0]
                progress = True
                continue
            spec = SPECS.get(u.name) if u is not None else None
            if u is None or spec is None or spec.num_qubits != 2 or u in claimed:
                blocked[k] = True
                continue
            qs = u.operands[spec.num_params :]
            other = cur[1 - k]
            if qs[0] is other or qs[1] is other:
                k2 = _gate_key(u, folder, claimed, 2)
                if k2 is None:  # a symbolic gate on the pair ends the block on both wires
                    blocked[0] = blocked[1] = True
                    continue
                pos = (0, 1) if qs[0] is cur[0] else (1, 0)
                ops.append((u, k2, pos))
                for j, p in enumerate(pos):
                    cur[p] = u.results[j]
                n2 += 1
                progress = True
            elif blocked[1 - k]:
                blocked[k] = True
            # else: the other wire may still reach ``u`` after more 1q gates; wait.
    return ops, ins, cur, n2


def two_qubit_blocks(kernel: Operation, folder: AngleFolder) -> Iterator[tuple[Operation, list, list, list, int]]:
    claimed: set[Operation] = set()
    for g in gates_in_order(kernel):
        if g.parent is None or g in claimed:
            continue
        gk = _gate_key(g, folder, claimed, 2)
        if gk is None:
            continue
        ops, ins, outs, n2 = _collect(g, gk, folder, claimed)
        claimed.update(op for op, _, _ in ops)
        yield g, ops, ins, outs, n2

