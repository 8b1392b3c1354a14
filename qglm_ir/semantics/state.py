"""Quantum "sinks" the interpreter drives: a trace recorder and a statevector.

A sink owns the quantum state of one branch. Slots are wire numbers in
allocation order (kernel qubit arguments first, then ``q.alloc`` in execution
order), so slot ``i`` is input wire ``i`` of the wire convention
(:mod:`qglm_ir.dialects.kernel_wires`; slots are dynamic: an alloc a loop runs
``n`` times takes ``n`` slots, where the static model gives it one wire).

State tensors keep one axis per slot (axis ``i`` = slot ``i``) followed by
optional batch axes; :func:`to_little_endian` turns them into Qiskit-ordered
vectors. Gate matrices are little-endian over the gate's own qubit positions
(the gate table's convention), so a ``k``-qubit matrix reshaped to
``(2,)*2k`` has axes ``[out_{k-1}..out_0, in_{k-1}..in_0]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import SemanticsError
from ..core.ir import Operation

# Branches whose Born probability falls below this are dropped (they cannot
# change any reported probability by more than this).
PRUNE = 1e-14
# Widest state a StateSink builds (2^24 amplitudes = 256 MiB).
MAX_STATE_WIRES = 24


class NeedsBranching(SemanticsError):
    """A measurement or reset reached a sink that can only hold one pure state."""

    def __init__(self, op: Operation):
        super().__init__(
            f"kernel is not unitary: {op.name} needs branch enumeration",
            op.loc,
            help="use outcome_distribution() or probabilities() for kernels that measure or reset",
        )
        self.op = op


_EINSUM_2Q_MIN = 1 << 13


def gate_tensor(matrix: np.ndarray) -> np.ndarray:
    """A ``2^k x 2^k`` little-endian matrix as a ``(2,)*2k`` tensor (a view when possible)."""
    k = matrix.shape[0].bit_length() - 1
    return matrix.reshape((2,) * (2 * k))


def apply_gate(state: np.ndarray, matrix: np.ndarray, slots: Sequence[int]) -> np.ndarray:
    """Apply ``matrix`` (little-endian over ``slots``) to the slot axes of ``state``.

    Returns a new array; trailing batch axes are carried along untouched.
    The kernel is picked by measurement on a 2-core machine: a multithreaded
    BLAS call on a skinny ``2^k x 2^n`` operand can be 10-20x slower than
    numpy's single-threaded ``einsum`` loop once the state is large, while for
    small states and for 2-qubit gates on up to ~2^13 amplitudes ``tensordot``
    wins; 3+ qubit gates always use ``tensordot`` (einsum's naive loop loses).
    """
    k = len(slots)
    nd = state.ndim
    if k == 1:
        s0 = slots[0]
        res = list(range(nd))
        res[s0] = nd
        return np.einsum(matrix, [nd, s0], state, list(range(nd)), res)
    if k == 2 and state.size > _EINSUM_2Q_MIN:
        s0, s1 = slots
        res = list(range(nd))
        res[s1] = nd
        res[s0] = nd + 1
        return np.einsum(matrix.reshape(2, 2, 2, 2), [nd, nd + 1, s1, s0], state, list(range(nd)), res)
    rev = [slots[j] for j in range(k - 1, -1, -1)]
    mt = gate_tensor(matrix)
    out = np.tensordot(mt, state, axes=(list(range(k, 2 * k)), rev))
    return np.moveaxis(out, list(range(k)), rev)


def fuse_1q(ops: Sequence[tuple[np.ndarray, tuple[int, ...]]]) -> list[tuple[np.ndarray, tuple[int, ...]]]:
    """The same gate sequence with runs of 1q gates multiplied together.

    A run on a wire is absorbed into the next multi-qubit gate on that wire
    (``M @ (P_{k-1} x ... x P_0)``) or emitted at the end; O(len(ops)).
    """
    pend: dict[int, np.ndarray] = {}
    out: list[tuple[np.ndarray, tuple[int, ...]]] = []
    eye = np.eye(2, dtype=np.complex128)
    for m, slots in ops:
        if len(slots) == 1:
            s = slots[0]
            p = pend.get(s)
            pend[s] = m if p is None else m @ p
            continue
        if any(s in pend for s in slots):
            pre = np.ones((1, 1), dtype=np.complex128)
            for j in range(len(slots) - 1, -1, -1):
                pre = np.kron(pre, pend.pop(slots[j], eye))
            m = m @ pre
        out.append((m, slots))
    out.extend((p, (s,)) for s, p in sorted(pend.items()))
    return out


def to_little_endian(state: np.ndarray, order: Sequence[int], batch_dims: int = 0) -> np.ndarray:
    """Flatten the slot axes of ``state`` so wire ``j`` = slot ``order[j]`` is bit ``j``."""
    n = len(order)
    axes = [order[j] for j in range(n - 1, -1, -1)] + list(range(n, n + batch_dims))
    t = np.transpose(state, axes)
    return t.reshape((1 << n,) + t.shape[n:]) if n else t.reshape((1,) + t.shape)


def permutation_axes(perm: Sequence[int]) -> list[int]:
    """Transpose axes moving old slot ``i`` to new slot ``perm[i]``."""
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


_ZERO = np.array([1.0, 0.0], dtype=np.complex128)


@dataclass
class Trace:
    """A flat, measurement-free record of what a kernel does to its wires.

    ``ops`` holds ``(matrix, slots)`` in execution order (identities dropped);
    ``num_args`` slots are qubit arguments, the rest ``q.alloc``'d (starting in
    |0>); ``phase`` is the product of ``q.global_phase`` factors; ``outputs``
    lists the output wires' slots (returned qubits, then the rest ascending);
    ``returns`` the kernel's classical results.
    """

    num_args: int
    num_slots: int = 0
    ops: list[tuple[np.ndarray, tuple[int, ...]]] = field(default_factory=list)
    phase: complex = 1.0 + 0.0j
    outputs: list[int] = field(default_factory=list)
    returns: list = field(default_factory=list)


class TraceSink:
    """Records gates into a :class:`Trace`; cannot branch."""

    __slots__ = ("trace",)

    def __init__(self, num_args: int):
        self.trace = Trace(num_args, num_args)

    @property
    def n(self) -> int:
        return self.trace.num_slots

    def alloc(self) -> int:
        t = self.trace
        t.num_slots += 1
        return t.num_slots - 1

    def gate(self, matrix: np.ndarray, slots: tuple[int, ...]) -> None:
        self.trace.ops.append((matrix, slots))

    def phase(self, factor: complex) -> None:
        self.trace.phase *= factor

    def measure(self, slot: int, op: Operation) -> list[tuple[float, int, TraceSink]]:
        raise NeedsBranching(op)

    def reset(self, slot: int, op: Operation) -> list[tuple[float, TraceSink]]:
        raise NeedsBranching(op)

    def pad(self, n: int) -> None:  # pragma: no cover - a trace never diverges
        raise AssertionError("a trace cannot diverge")

    def permute(self, perm: Sequence[int]) -> None:  # pragma: no cover
        raise AssertionError("a trace cannot diverge")


class StateSink:
    """A normalised pure state of one branch, as a ``(2,)*n`` tensor."""

    __slots__ = ("state",)

    def __init__(self, state: np.ndarray):
        self.state = state

    @classmethod
    def product(cls, vectors: Sequence[np.ndarray]) -> StateSink:
        """The product state with ``vectors[i]`` on slot ``i`` (|0> of zero slots: scalar 1)."""
        st = np.ones((), dtype=np.complex128)
        for v in vectors:
            st = np.multiply.outer(st, np.asarray(v, dtype=np.complex128))
        return cls(st)

    @property
    def n(self) -> int:
        return self.state.ndim

    def alloc(self) -> int:
        if self.state.ndim >= MAX_STATE_WIRES:
            raise SemanticsError(
                f"branch enumeration needs a state vector of more than {MAX_STATE_WIRES} qubits",
                help="kernels that measure are simulated with dense state vectors",
            )
        self.state = np.multiply.outer(self.state, _ZERO)
        return self.state.ndim - 1

    def gate(self, matrix: np.ndarray, slots: tuple[int, ...]) -> None:
        self.state = apply_gate(self.state, matrix, slots)

    def phase(self, factor: complex) -> None:
        self.state = self.state * factor

    def _split(self, slot: int) -> tuple[np.ndarray, np.ndarray, float, float]:
        s0 = np.take(self.state, 0, axis=slot)
        s1 = np.take(self.state, 1, axis=slot)
        p0 = float(np.vdot(s0, s0).real)
        p1 = float(np.vdot(s1, s1).real)
        tot = p0 + p1
        return s0, s1, p0 / tot, p1 / tot

    def measure(self, slot: int, op: Operation) -> list[tuple[float, int, StateSink]]:
        """Born-rule split: ``(probability, bit, post-measurement sink)`` per possible outcome."""
        s0, s1, p0, p1 = self._split(slot)
        out: list[tuple[float, int, StateSink]] = []
        for bit, part, p in ((0, s0, p0), (1, s1, p1)):
            if p <= PRUNE:
                continue
            st = np.zeros_like(self.state)
            idx: list[object] = [slice(None)] * self.state.ndim
            idx[slot] = bit
            st[tuple(idx)] = part / np.sqrt(p)
            out.append((p, bit, StateSink(st)))
        return out

    def reset(self, slot: int, op: Operation) -> list[tuple[float, StateSink]]:
        """Reset to |0>: a non-selective measurement followed by X on outcome 1."""
        s0, s1, p0, p1 = self._split(slot)
        out: list[tuple[float, StateSink]] = []
        idx: list[object] = [slice(None)] * self.state.ndim
        idx[slot] = 0
        for part, p in ((s0, p0), (s1, p1)):
            if p <= PRUNE:
                continue
            st = np.zeros_like(self.state)
            st[tuple(idx)] = part / np.sqrt(p)
            out.append((p, StateSink(st)))
        return out

    def pad(self, n: int) -> None:
        while self.state.ndim < n:
            self.alloc()

    def permute(self, perm: Sequence[int]) -> None:
        self.state = np.transpose(self.state, permutation_axes(perm))
