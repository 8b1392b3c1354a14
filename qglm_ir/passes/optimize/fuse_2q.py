"""``fuse-2q``: collect two-qubit blocks and resynthesize each with KAK when cheaper."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from ...core.eraser import Eraser
from ...core.ir import Operation, OpResult, Value
from ...core.module import Module
from ...dialects.gates import GATES
from ..base import Pass, PassContext, PassResult
from .angles import AngleFolder, ConstPool
from .fuse_1q import target_basis
from .synthesis import const_matrix as _matrix
from .synthesis import euler_basis, num_2q_needed, plain_2q_counts, synth_2q, two_qubit_target
from .wires import SPECS, gates_in_order, kernels, replace_gates, sweep_dead_classical

_I2 = np.eye(2, dtype=np.complex128)


@dataclass(frozen=True)
class Fuse2Q(Pass):
    """Collect maximal two-qubit blocks, contract each to a 4x4 unitary, resynthesize with KAK.

    A block starts at a 2q gate with constant angles and grows over the
    constant 1q gates before it on both wires and, forward, over constant 1q
    gates on either wire and 2q gates on exactly the same pair, until each wire
    meets another op (a gate touching a third wire, a symbolic gate, a
    measurement, a region op...). Its unitary is resynthesized by Qiskit's
    ``TwoQubitBasisDecomposer`` (KAK; at most 3 target gates, the optimum for any
    block) into the target 2q gate (the first of cx, cz, ecr, iswap in
    ``ctx.basis`` or the device's native gates; cx without a target) and the
    target's 1q Euler basis. The result replaces the block only when it is
    cheaper: fewer 2q gates, or as many and fewer gates in total. Without a
    target, 2q gates are counted as they are; with one, each 2q gate outside
    the target counts what it costs in target gates (its own KAK count, e.g.
    ``swap`` = 3 ``cx``), since it will be translated anyway.

    Requires: a verified module; a target with a KAK-able 2q gate and a
    universal 1q set (else :class:`PassError`). Guarantees: tensor networks
    unchanged up to global phase; the 2q-gate count never grows (with a
    target: counted in target gates, as above); nothing crosses
    a non-gate op or region boundary; symbolic gates are never touched; linear
    time (one Qiskit call per block).
    """

    name: ClassVar[str] = "fuse-2q"
    skip_when_clean: ClassVar[bool] = True

    #: Resynthesize as Qiskit's decomposer does, snapping a block within 1e-9 average gate
    #: infidelity of a special Weyl class onto it (a near-identity block becomes 1q gates):
    #: the approximation Qiskit O3's post-routing resynthesis makes. Off (exact) by default.
    snap: bool = False

    @property
    def preserves(self) -> str:  # type: ignore[override]
        return "approximation" if self.snap else "unitary"

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        basis = target_basis(ctx)
        euler = euler_basis(basis)
        target = two_qubit_target(basis)
        folder = AngleFolder(module)
        eraser = Eraser()
        blocks = saved = 0
        for kernel in kernels(module):
            b, s = fuse_kernel(kernel, folder, eraser, target, euler, basis is not None, not self.snap)
            blocks += b
            saved += s
            if b:
                sweep_dead_classical(kernel, eraser)
        eraser.flush()
        return PassResult(blocks > 0, {"blocks_resynthesized": blocks, "two_qubit_saved": saved})


_SWAP_PERM = np.array([0, 2, 1, 3])


def kron2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.kron`` of two 2x2 matrices without its generic-shape overhead (about 10x faster)."""
    return (a[:, None, :, None] * b[None, :, None, :]).reshape(4, 4)


def block_unitary(ops: Sequence[tuple[object, np.ndarray, tuple[int, ...]]]) -> np.ndarray:
    """The 4x4 little-endian unitary of a block given as ``(op, matrix, local positions)``.

    Requires: ``ops`` in an order that respects each wire's order. Single-qubit
    factors are multiplied per wire and folded into the product only when a
    two-qubit gate (or the end) needs them, so a block costs one 4x4 product
    per 2q gate instead of one Kronecker product per gate.
    """
    pend: list[np.ndarray | None] = [None, None]
    u: np.ndarray | None = None
    for _, m, pos in ops:
        if len(pos) == 1:
            k = pos[0]
            p = pend[k]
            pend[k] = m if p is None else m @ p
            continue
        # the qubit-swapped matrix (an exact permutation of entries; ``take`` is ~8x cheaper than ``np.ix_``)
        g = m if pos == (0, 1) else m.take(_SWAP_PERM, 0).take(_SWAP_PERM, 1)
        if pend[0] is not None or pend[1] is not None:
            loc = kron2(_I2 if pend[1] is None else pend[1], _I2 if pend[0] is None else pend[0])
            u = loc if u is None else loc @ u
            pend = [None, None]
        u = g if u is None else g @ u
    if pend[0] is not None or pend[1] is not None:
        loc = kron2(_I2 if pend[1] is None else pend[1], _I2 if pend[0] is None else pend[0])
        u = loc if u is None else loc @ u
    return np.eye(4, dtype=np.complex128) if u is None else u


GateKey = tuple[str, tuple[float, ...]]
"""A constant gate by content: its gate-table name and folded angles."""
BlockKey = tuple[tuple[str, tuple[float, ...], tuple[int, ...]], ...]
"""A block by content: ``(gate, angles, local positions)`` in a wire-respecting order."""


_POS1: tuple[tuple[int, ...], ...] = ((0,), (1,))


def _key(op: Operation, nq: int, consts) -> GateKey | None:
    """``(name, angles)`` of an ``nq``-qubit gate whose angles fold (``consts`` is the
    folder's), else ``None`` (not a gate, another width, a symbolic angle)."""
    spec = SPECS.get(op.name)
    if spec is None or spec.num_qubits != nq:
        return None
    np_ = spec.num_params
    if np_ == 0:
        return spec.name, ()
    vals = consts(op.operands[:np_])
    return None if vals is None else (spec.name, tuple(vals))


_MISS = object()


def _collect(
    g: Operation, gk: GateKey, gnp: int, consts, claimed: set[Operation], known
) -> tuple[list[tuple[Operation, GateKey, tuple[int, ...]]], list[Value], list[Value], int]:
    """The block grown from 2q gate ``g`` (``gnp`` angle operands): (ops with content and local
    positions, inputs, outputs, #2q). Only unclaimed gates with constant angles join.
    ``consts`` and ``known`` are the folder's :meth:`.AngleFolder.consts` and
    ``constants.get`` (answers already known, read first)."""
    ops: list[tuple[Operation, GateKey, tuple[int, ...]]] = []
    ins: list[Value] = []
    operands = g.operands
    specs = SPECS
    for k in (0, 1):
        # 1q gates before g on wire k (not claimed by an earlier block), oldest first.
        pre: list[tuple[Operation, GateKey, tuple[int, ...]]] = []
        pos = _POS1[k]
        v = operands[gnp + k]
        while isinstance(v, OpResult):
            op = v.op
            if op in claimed:
                break
            spec = specs.get(op.name)
            if spec is None or spec.num_qubits != 1:
                break
            np_ = spec.num_params
            if np_ == 0:
                pre.append((op, (spec.name, ()), pos))
            elif np_ == 1 and (x := known(op.operands[np_ - 1], _MISS)) is not _MISS:
                # a folded constant angle (most rotations): the run's table, no call
                if x is None:
                    break
                pre.append((op, (spec.name, (x,)), pos))
            else:
                vals = consts(op.operands[:np_])
                if vals is None:
                    break
                pre.append((op, (spec.name, tuple(vals)), pos))
            v = op.operands[np_]
        ins.append(v)
        if pre:
            pre.reverse()
            ops.extend(pre)
    ops.append((g, gk, (0, 1)))
    n2 = 1
    res = g.results
    cur = [res[0], res[1]]
    blocked = [False, False]
    progress = True
    while progress:
        progress = False
        for k in (0, 1):
            if blocked[k]:
                continue
            uses = cur[k].uses
            if not uses:
                blocked[k] = True
                continue
            u = uses[0]
            spec = specs.get(u.name)
            if spec is None or u in claimed:
                blocked[k] = True
                continue
            np_ = spec.num_params
            if spec.num_qubits == 1:
                if np_ == 0:
                    kk: GateKey | None = (spec.name, ())
                elif np_ == 1 and (x := known(u.operands[np_ - 1], _MISS)) is not _MISS:
                    kk = None if x is None else (spec.name, (x,))
                else:
                    vals = consts(u.operands[:np_])
                    kk = None if vals is None else (spec.name, tuple(vals))
                if kk is None:  # a symbolic 1q gate ends the wire
                    blocked[k] = True
                    continue
                ops.append((u, kk, _POS1[k]))
                cur[k] = u.results[0]
                progress = True
                continue
            if spec.num_qubits != 2:
                blocked[k] = True
                continue
            uops = u.operands
            q0 = uops[np_]
            q1 = uops[np_ + 1]
            other = cur[1 - k]
            if q0 is other or q1 is other:
                kk = _key(u, 2, consts)
                if kk is None:  # a symbolic gate on the pair ends the block on both wires
                    blocked[0] = blocked[1] = True
                    continue
                r = u.results
                if q0 is cur[0]:
                    ops.append((u, kk, (0, 1)))
                    cur[0], cur[1] = r[0], r[1]
                else:
                    ops.append((u, kk, (1, 0)))
                    cur[1], cur[0] = r[0], r[1]
                n2 += 1
                progress = True
            elif blocked[1 - k]:
                blocked[k] = True
            # else: the other wire may still reach ``u`` after more 1q gates; wait.
    return ops, ins, cur, n2


@lru_cache(maxsize=1 << 14)
def block_matrix(block: BlockKey) -> np.ndarray:
    """:func:`block_unitary` of a block given by content (never mutate the result).

    Cached apart from what the passes decide from it (:func:`resynthesis`,
    :func:`.near_local.local_replacement`): those are cached per target and option, and
    ``-O3`` asks both about the same unchanged blocks (``drop-near-local``, then the
    fixed point's first round), so the product is computed once per block."""
    return block_unitary([(None, _matrix(name, angles), pos) for name, angles, pos in block])


@lru_cache(maxsize=4096)
def _gate_cost(name: str, angles: tuple[float, ...], target: str, euler: str) -> int:
    """How many ``target`` gates gate ``name`` needs on its own (KAK optimum)."""
    if name == target:
        return 1
    return num_2q_needed(GATES[name].matrix(*angles), target, euler)


@lru_cache(maxsize=1 << 14)
def resynthesis(block: BlockKey, target: str, euler: str, translate: bool,
                exact: bool = True) -> tuple[tuple, int] | None:
    """The cheaper replacement of a block, by content: ``(gates, 2q gates saved)``, or ``None``.

    A pure function of the block's gates and angles and the target, so it is
    cached: ``-O3`` meets the same unchanged blocks in every round of its fixed
    point and pays a dictionary lookup for each, not a unitary product and a
    KAK count. The replacement is taken only when it is cheaper: fewer 2q gates,
    or as many and fewer gates in total (see :class:`Fuse2Q`).
    """
    u = block_matrix(block)
    if translate:
        # With a target basis every 2q gate will cost its translation: compare in target gates.
        n2 = sum(_gate_cost(name, angles, target, euler) for name, angles, pos in block if len(pos) == 2)
    else:
        n2 = sum(1 for _, _, pos in block if len(pos) == 2)
    k = num_2q_needed(u, target, euler)
    if k > n2 or (k == n2 and len(block) <= k + 2):
        return None  # cannot get cheaper (the synthesis has >= k gates)
    plain, plain_2q = plain_2q_counts(u, target, euler)
    if plain_2q > n2 or (plain_2q == n2 and plain >= len(block)):
        # Rejected below anyway, found without building the gate list or checking it (most
        # syntheses of a first compile end here): where the synthesis must avoid a snap it
        # uses more 2q gates than the decomposer (see synth_2q), never fewer.
        return None
    new = synth_2q(u, target, euler, exact)
    new_2q = sum(1 for _, _, q in new if len(q) == 2)
    if new_2q > n2 or (new_2q == n2 and len(new) >= len(block)):
        return None
    return tuple(new), n2 - new_2q


def two_qubit_blocks(kernel: Operation, folder: AngleFolder) -> Iterator[tuple[Operation, list, list, list, int]]:
    """Each maximal block of constant gates on a qubit pair, in program order, as
    ``(first 2q gate, ops, inputs, outputs, 2q gate count)`` (``ops`` as ``(op, key, local
    positions)``); a gate belongs to one block only. The caller may replace a block (with
    :func:`.wires.replace_gates` at its first 2q gate) before taking the next one."""
    claimed: set[Operation] = set()
    consts = folder.consts
    known = folder.constants.get
    specs = SPECS
    for g in gates_in_order(kernel):
        spec = specs[g.name]
        if spec.num_qubits != 2 or g.parent is None or g in claimed:
            continue
        gk = _key(g, 2, consts)
        if gk is None:
            continue
        ops, ins, outs, n2 = _collect(g, gk, spec.num_params, consts, claimed, known)
        claimed.update([op for op, _, _ in ops])
        yield g, ops, ins, outs, n2


def block_key(ops: list) -> BlockKey:
    """A collected block by content (what the content-keyed caches take)."""
    return tuple((name, angles, pos) for _, (name, angles), pos in ops)


def fuse_kernel(
    kernel: Operation, folder: AngleFolder, eraser: Eraser, target: str, euler: str, translate: bool,
    exact: bool = True, pool: ConstPool | None = None, created: list[Operation] | None = None,
) -> tuple[int, int]:
    """Resynthesize the blocks of ``kernel`` that get cheaper; returns (blocks replaced, 2q
    gates saved). New gates are appended to ``created`` when given."""
    blocks = saved = 0
    if pool is None:
        pool = ConstPool(kernel)
    for g, ops, ins, outs, n2 in two_qubit_blocks(kernel, folder):
        if n2 < 2:
            # One 2q gate: KAK could only win by needing none, i.e. the gate is a
            # local (1q x 1q) unitary; gate-table gates are not, except at
            # identity angles, which cancel/merge-rotations remove.
            continue
        hit = resynthesis(block_key(ops), target, euler, translate, exact)
        if hit is None:
            continue
        new, s = hit
        # Insert before the first 2q gate: every block input is defined before it
        # and every output is used after it (see DESIGN of replace_gates).
        replace_gates(g, [op for op, _, _ in ops], ins, new, outs, eraser, pool, created)
        blocks += 1
        saved += s
    return blocks, saved
