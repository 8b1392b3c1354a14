"""``drop-near-local``: two-qubit blocks within ``1e-9`` of a product of 1q gates lose their 2q gates.

Why: Qiskit O3's post-routing loop resynthesizes every 2q block with
``TwoQubitPeepholeOptimization``, whose KAK synthesis (``TwoQubitWeylDecomposition``,
default ``fidelity = 1 - 1e-9``) treats a block that close to a local unitary as local and
emits no 2q gate for it, even at ``approximation_degree=1.0``. A QFT's controlled phases
``cp(pi / 2**k)`` for ``k`` from about 15 to 20 are such blocks: above ``drop-negligible``'s
``1e-12`` cutoff, so both tools route them, but Qiskit then drops the ones its routing left
alone in a block, and qglm's exact ``fuse-2q`` kept their two CX each (measured on Qiskit's
own routing of QFT-20 on ``heavy-hex:7``: Qiskit's loop 643 CX, qglm's 649; Qiskit's
peephole on qglm's result 643, the difference being those blocks).

This is an approximation, chosen explicitly and bounded per block: a block is replaced only
when the product of 1q gates put in its place has average gate infidelity
``1 - (4 + |Tr(V^dag U)|^2) / 20 < tolerance`` against the block's unitary ``U`` (up to global
phase; the fidelity Qiskit's specialization uses). ``-O3`` runs it only after the circuit is
in the target basis (after routing with a device), where Qiskit O3 does the same;
``tolerance=0`` keeps every block (exact compilation).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from ...core.eraser import Eraser
from ...core.module import Module
from ..base import ApproximatingPass, PassContext, PassResult
from .angles import AngleFolder, ConstPool
from .fuse_1q import target_basis
from .fuse_2q import BlockKey, block_key, block_matrix, block_unitary, two_qubit_blocks
from .synthesis import _kak, avg_infidelity, const_matrix, euler_basis, two_qubit_target
from .wires import kernels, replace_gates, sweep_dead_classical

#: Qiskit's ``TwoQubitWeylDecomposition`` default specialization cutoff (``1 - fidelity``).
DEFAULT_TOLERANCE = 1e-9

#: Cheap pre-test: the operator-Schmidt coefficients of a block ``tolerance``-close to local
#: have ``s2 / s1`` of order ``sqrt(tolerance)`` (3e-5 at the default); anything past this
#: is far from local and skips the synthesis call.
_PRETEST = 1e-2


def local_ratio(u: np.ndarray) -> float:
    """``s2 / s1`` of the operator-Schmidt (realignment) singular values of 4x4 ``u``: 0 for
    a product ``A (x) B``, growing with the entangling part."""
    r = u.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)
    s = np.linalg.svd(r, compute_uv=False)
    return float(s[1] / s[0])


@lru_cache(maxsize=4096)
def gate_far_from_local(name: str, angles: tuple[float, ...]) -> bool:
    """Whether 2q gate ``name(angles)`` fails :data:`_PRETEST` (``local_ratio > _PRETEST``).

    The operator-Schmidt coefficients are invariant under local unitaries, so a block with
    a single 2q gate has the gate's ratio whatever 1q gates surround it: the block is
    decided by this per-gate (cached) test alone, without its unitary or an SVD. A ``cx``
    (ratio 1) can never be near local, nor can a block with one.
    """
    return local_ratio(const_matrix(name, angles)) > _PRETEST


def far_from_local(ops: list) -> bool:
    """Cheap "cannot be near local" test of a collected block (``ops`` as
    :func:`.fuse_2q.two_qubit_blocks` gives them): true only for a block with one 2q gate
    that fails the pre-test (see :func:`gate_far_from_local`); ``False`` means "unknown"."""
    two = None
    for _, key, pos in ops:
        if len(pos) == 2:
            if two is not None:
                return False
            two = key
    return two is not None and gate_far_from_local(*two)


@lru_cache(maxsize=1 << 14)
def local_replacement(block: BlockKey, target: str, euler: str,
                      tolerance: float) -> tuple[tuple[tuple[str, tuple[float, ...], tuple[int, ...]], ...], float] | None:
    """The 1q gates replacing ``block`` (``(gates, infidelity)``) when Qiskit's synthesis of its
    unitary needs no 2q gate and the product is within ``tolerance``; else None. Cached by
    content, like :func:`.fuse_2q.resynthesis` (``-O3`` meets unchanged blocks every round)."""
    u = block_matrix(block)
    if local_ratio(u) > _PRETEST:
        return None
    circ = _kak(target, euler)(u, approximate=True)  # Qiskit's own near-local rule (see module doc)
    index = {q: i for i, q in enumerate(circ.qubits)}
    gates = []
    for ins in circ.data:
        if ins.operation.num_qubits != 1:
            return None
        gates.append((ins.operation.name, tuple(float(p) for p in ins.operation.params), (index[ins.qubits[0]],)))
    v = block_unitary([(None, const_matrix(n, a), q) for n, a, q in gates])
    bad = avg_infidelity(u, v)
    if bad >= tolerance:
        return None
    return tuple(gates), bad


@dataclass(frozen=True)
class DropNearLocal(ApproximatingPass):
    """Replace each two-qubit block (as ``fuse-2q`` collects them) whose unitary is within
    ``tolerance`` average gate infidelity of a product of 1q gates by those 1q gates.

    Requires: a verified module; a target with a KAK-able 2q gate and a universal 1q set (as
    ``fuse-2q``). Guarantees: only blocks of constant gates change, each one to 1q gates in
    the target's Euler basis within ``tolerance`` of it (up to global phase); no 2q gate is
    added; nothing crosses a non-gate op or region boundary. Statistics: ``blocks`` replaced,
    ``two_qubit_removed`` and, when some block was replaced, ``max_infidelity``. Translation
    validation treats it as an approximation (``preserves = "approximation"``).
    """

    name: ClassVar[str] = "drop-near-local"
    tolerance: float = DEFAULT_TOLERANCE

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        if self.tolerance == 0.0:
            return PassResult(False, {"blocks": 0, "two_qubit_removed": 0})
        basis = target_basis(ctx)
        euler = euler_basis(basis)
        target = two_qubit_target(basis)
        folder = AngleFolder(module)
        eraser = Eraser()
        blocks = removed = 0
        worst = 0.0
        for kernel in kernels(module):
            pool = ConstPool(kernel)
            here = 0
            for g, ops, ins, outs, n2 in two_qubit_blocks(kernel, folder):
                if n2 == 1 and far_from_local(ops):
                    continue  # what local_replacement's pre-test says, from the gate alone
                hit = local_replacement(block_key(ops), target, euler, self.tolerance)
                if hit is None:
                    continue
                new, bad = hit
                replace_gates(g, [op for op, _, _ in ops], ins, new, outs, eraser, pool)
                here += 1
                removed += n2
                worst = max(worst, bad)
            if here:
                sweep_dead_classical(kernel, eraser)
            blocks += here
        eraser.flush()
        stats: dict[str, object] = {"blocks": blocks, "two_qubit_removed": removed}
        if blocks:
            stats["max_infidelity"] = worst
        return PassResult(blocks > 0, stats)
