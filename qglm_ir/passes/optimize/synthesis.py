"""Unitary resynthesis: 1q Euler decompositions and 2q KAK, both from ``qiskit.synthesis``.

Nothing here decomposes by hand: one-qubit unitaries go through Qiskit's
Euler decomposer (its Rust gate-sequence entry point when present, which
skips building a ``QuantumCircuit`` per call, else the public
``OneQubitEulerDecomposer``) and two-qubit unitaries through
``TwoQubitBasisDecomposer`` (KAK, optimal: at most 3 uses of any
super-controlled gate). Every result is a list of ``(gate, angles, qubits)``
with gate-table names, correct up to global phase.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from ...core.errors import PassError
from ...dialects.gates import GATES

GateList = list[tuple[str, tuple[float, ...], tuple[int, ...]]]

#: (gates the target must have, Qiskit Euler basis) in order of preference.
_EULER: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"rz", "sx", "x"}), "ZSXX"),
    (frozenset({"rz", "sx"}), "ZSX"),
    (frozenset({"p", "sx"}), "PSX"),
    (frozenset({"u"}), "U"),
    (frozenset({"rz", "ry"}), "ZYZ"),
    (frozenset({"rz", "rx"}), "ZXZ"),
    (frozenset({"rx", "ry"}), "XYX"),
)

#: Two-qubit gates a KAK decomposition can target (all super-controlled).
TWO_QUBIT_TARGETS = ("cx", "cz", "ecr", "iswap")


def euler_basis(basis: Sequence[str] | None) -> str:
    """The Qiskit Euler basis for a target gate set (``"U"`` when there is none).

    Raises :class:`PassError` when ``basis`` has no complete 1q gate set.
    """
    if basis is None:
        return "U"
    names = frozenset(basis)
    for need, euler in _EULER:
        if need <= names:
            return euler
    raise PassError(
        f"the target basis {', '.join(basis)} has no universal single-qubit gate set",
        help="add e.g. rz+sx, u, or rz+ry to the basis",
    )


def two_qubit_target(basis: Sequence[str] | None) -> str:
    """The 2q gate KAK synthesis targets: the first of cx, cz, ecr, iswap in ``basis`` (cx if none)."""
    if basis is None:
        return "cx"
    for g in TWO_QUBIT_TARGETS:
        if g in basis:
            return g
    raise PassError(
        f"the target basis {', '.join(basis)} has no two-qubit gate that KAK synthesis can target",
        help=f"add one of {', '.join(TWO_QUBIT_TARGETS)}",
    )


# Direct constructors of the rotation gates met most in blocks (every ``rz`` of a translated
# circuit has its own angle, so these run once per gate): the same Python expressions as
# ``dialects.gates`` written into a preallocated array, so every entry is bit-for-bit what
# ``GATES[name].matrix`` gives (checked by ``tests/passes/optimize/test_blocks.py``), at about
# a quarter of the cost of building the array from nested lists and copying it.
_C128 = np.complex128


def _rz(theta: float) -> np.ndarray:
    e = cmath.exp(0.5j * theta)
    m = np.zeros((2, 2), _C128)
    m[0, 0] = e.conjugate()
    m[1, 1] = e
    return m


def _p(theta: float) -> np.ndarray:
    m = np.zeros((2, 2), _C128)
    m[0, 0] = 1
    m[1, 1] = cmath.exp(1j * theta)
    return m


def _rx(theta: float) -> np.ndarray:
    c = math.cos(theta / 2)
    s = math.sin(theta / 2)
    m = np.empty((2, 2), _C128)
    m[0, 0] = m[1, 1] = c
    m[0, 1] = m[1, 0] = -1j * s
    return m


def _ry(theta: float) -> np.ndarray:
    c = math.cos(theta / 2)
    s = math.sin(theta / 2)
    m = np.empty((2, 2), _C128)
    m[0, 0] = m[1, 1] = c
    m[0, 1] = -s
    m[1, 0] = s
    return m


def _u(theta: float, phi: float, lam: float) -> np.ndarray:
    c = math.cos(theta / 2)
    s = math.sin(theta / 2)
    m = np.empty((2, 2), _C128)
    m[0, 0] = c
    m[0, 1] = -cmath.exp(1j * lam) * s
    m[1, 0] = cmath.exp(1j * phi) * s
    m[1, 1] = cmath.exp(1j * (phi + lam)) * c
    return m


_DIRECT: dict[str, Callable[..., np.ndarray]] = {"rz": _rz, "p": _p, "rx": _rx, "ry": _ry, "u": _u}


@lru_cache(maxsize=1 << 14)
def const_matrix(name: str, angles: tuple[float, ...]) -> np.ndarray:
    """The (read-only, shared) matrix of gate-table gate ``name`` at constant ``angles``;
    cached because circuits repeat the same few (gate, angle) pairs. Equal bit for bit to
    ``GATES[name].matrix(*angles)``."""
    f = _DIRECT.get(name)
    m = f(*angles) if f is not None else np.array(GATES[name].matrix(*angles), dtype=_C128)
    m.setflags(write=False)
    return m


try:  # Qiskit's Rust Euler decomposer: ~50x faster than building a circuit per call.
    from qiskit._accelerate.euler_one_qubit_decomposer import (  # type: ignore[import-not-found]
        unitary_to_gate_sequence as _rust_sequence,
    )
except ImportError:  # pragma: no cover - depends on the Qiskit build
    _rust_sequence = None


@lru_cache(maxsize=16)
def _euler_decomposer(euler: str):
    from qiskit.synthesis import OneQubitEulerDecomposer

    return OneQubitEulerDecomposer(euler)


def synth_1q(u: np.ndarray, euler: str) -> GateList:
    """Gates in Euler basis ``euler`` equal to 2x2 unitary ``u`` up to global phase (may be empty)."""
    u = np.asarray(u, dtype=np.complex128)
    if _rust_sequence is not None:
        try:
            seq = _rust_sequence(u, [euler], 0, None, True, None)
        except (TypeError, ValueError):  # pragma: no cover - API drift
            seq = None
        if seq is not None:
            return [(g.name, tuple(float(p) for p in ps), (0,)) for g, ps in seq]
    circ = _euler_decomposer(euler)(u, simplify=True)
    return [(ins.operation.name, tuple(float(p) for p in ins.operation.params), (0,)) for ins in circ.data]


@lru_cache(maxsize=16)
def _kak(target: str, euler: str):
    from qiskit.circuit.library import CXGate, CZGate, ECRGate, iSwapGate
    from qiskit.synthesis import TwoQubitBasisDecomposer

    gate = {"cx": CXGate, "cz": CZGate, "ecr": ECRGate, "iswap": iSwapGate}[target]()
    return TwoQubitBasisDecomposer(gate, euler_basis=euler)


def num_2q_needed(u: np.ndarray, target: str, euler: str) -> int:
    """How many ``target`` gates an exact KAK synthesis of 4x4 ``u`` uses (0 to 3)."""
    return int(_kak(target, euler).num_basis_gates(np.asarray(u, dtype=np.complex128)))


#: Largest entry-wise difference (after the best global phase) of an exact two-qubit
#: synthesis from its unitary. An exact KAK synthesis is off by rounding only (about 1e-15);
#: Qiskit's decomposer first snaps a unitary within 1e-9 average infidelity of a special Weyl
#: class onto it (a 1e-5 rad XX rotation becomes the identity, entries off by 5e-6), whatever
#: the number of basis gates asked for.
EXACT_ATOL = 1e-11

def avg_infidelity(u: np.ndarray, v: np.ndarray) -> float:
    """``1 - F_avg`` of 4x4 ``v`` against ``u``, up to global phase."""
    tr = np.trace(v.conj().T @ u)
    return float(max(0.0, 1.0 - (4.0 + abs(tr) ** 2) / 20.0))


def phase_distance(u: np.ndarray, v: np.ndarray) -> float:
    """``max |u - e^{i phi} v|`` over the entries, for the global phase ``phi`` that best aligns them."""
    tr = np.trace(v.conj().T @ u)
    phase = tr / abs(tr) if abs(tr) > 1e-12 else 1.0
    return float(np.max(np.abs(u - phase * v)))


def gates_unitary(gates: GateList) -> np.ndarray:
    """The 4x4 little-endian unitary of a two-qubit gate list (``(name, angles, qubits)``)."""
    from .fuse_2q import block_unitary  # fuse_2q imports this module

    return block_unitary([(None, const_matrix(name, angles), qs) for name, angles, qs in gates])


def _local4(a: tuple, b: tuple) -> np.ndarray:
    """``b (x) a`` (``a`` on local qubit 0) of two 2x2 matrices given row-major as tuples."""
    a0, a1, a2, a3 = a
    b0, b1, b2, b3 = b
    return np.array((
        (b0 * a0, b0 * a1, b1 * a0, b1 * a1),
        (b0 * a2, b0 * a3, b1 * a2, b1 * a3),
        (b2 * a0, b2 * a1, b3 * a0, b3 * a1),
        (b2 * a2, b2 * a3, b3 * a2, b3 * a3),
    ), dtype=_C128)


_ID2 = (1 + 0j, 0j, 0j, 1 + 0j)


def _check_unitary(gates: Sequence[tuple[str, tuple[float, ...], tuple[int, ...]]]) -> np.ndarray:
    """The 4x4 little-endian unitary of a two-qubit gate list, for the exactness test of
    :func:`_synth_2q_exact` only: each wire's run of 1q gates is multiplied as Python complex
    numbers (four entries; numpy's per-call cost dominates 2x2 products), one numpy product
    per 2q gate. Agrees with :func:`gates_unitary` to rounding (about 1e-15), far below
    :data:`EXACT_ATOL`; the unitary a synthesis *starts from* is never computed here."""
    pend: list[tuple | None] = [None, None]
    u: np.ndarray | None = None
    for name, angles, qs in gates:
        if len(qs) == 1:
            m: tuple = tuple(const_matrix(name, angles).ravel().tolist())
            k = qs[0]
            p = pend[k]
            if p is None:
                pend[k] = m
            else:  # m @ p
                m0, m1, m2, m3 = m
                p0, p1, p2, p3 = p
                pend[k] = (m0 * p0 + m1 * p2, m0 * p1 + m1 * p3, m2 * p0 + m3 * p2, m2 * p1 + m3 * p3)
            continue
        g = const_matrix(name, angles)
        if qs != (0, 1):
            g = g.take(_SWAP_PERM, 0).take(_SWAP_PERM, 1)
        if pend[0] is not None or pend[1] is not None:
            loc = _local4(pend[0] or _ID2, pend[1] or _ID2)
            u = loc if u is None else loc @ u
            pend = [None, None]
        u = g if u is None else g @ u
    if pend[0] is not None or pend[1] is not None:
        loc = _local4(pend[0] or _ID2, pend[1] or _ID2)
        u = loc if u is None else loc @ u
    return np.eye(4, dtype=_C128) if u is None else u


_SWAP_PERM = np.array([0, 2, 1, 3])


@lru_cache(maxsize=1)
def _generic_w() -> np.ndarray:
    """A fixed two-qubit unitary far from every special Weyl class (coordinates 0.6, 0.4,
    0.2): ``u = (u @ W) @ W^-1`` synthesized as two generic halves is exact where ``u`` alone
    would be snapped. ``rxx``, ``ryy`` and ``rzz`` commute, so their product is that point."""
    return const_matrix("rxx", (1.2,)) @ const_matrix("ryy", (0.8,)) @ const_matrix("rzz", (0.4,))


def synth_2q(u: np.ndarray, target: str, euler: str, exact: bool = True) -> GateList:
    """Exact KAK synthesis of 4x4 little-endian ``u`` into ``target`` + Euler-basis 1q gates.

    ``exact=False`` returns Qiskit's decomposer as it is: a unitary within 1e-9 average gate
    infidelity of a special Weyl class is synthesized as that class (what Qiskit O3's
    resynthesis does); the caller declares the approximation.

    Guarantees: the gates equal ``u`` up to global phase within rounding
    (:data:`EXACT_ATOL`). Where Qiskit's decomposer would snap ``u`` onto a
    nearby special class (see :data:`EXACT_ATOL`), ``u`` is synthesized as
    ``W^-1`` followed by ``u @ W`` for a fixed generic ``W``: exact, at up to six
    ``target`` gates (a caller that compares costs, like ``fuse-2q``, then keeps
    what it had).

    Results are cached by the exact bytes of ``u``: an unchanged block met again
    (``-O3`` re-runs ``fuse-2q`` until a fixed point) costs a dictionary lookup,
    and the same input always gives the same gates, so output stays deterministic.
    """
    u = np.ascontiguousarray(u, dtype=np.complex128)
    if not exact:
        return list(_synth_2q_cached(u.tobytes(), target, euler))
    return list(_synth_2q_exact(u.tobytes(), target, euler))


def plain_2q_counts(u: np.ndarray, target: str, euler: str) -> tuple[int, int]:
    """``(gates, target gates)`` of Qiskit's decomposition of 4x4 ``u`` as it comes (what
    :func:`synth_2q` returns unless it must avoid a snap, when it returns a sequence with
    more ``target`` gates: see there), counted without converting the gates: a caller
    deciding whether a synthesis is cheaper than what it has can often stop here."""
    return _plain_counts(np.ascontiguousarray(u, dtype=np.complex128).tobytes(), target, euler)


@lru_cache(maxsize=1 << 14)
def _plain_counts(key: bytes, target: str, euler: str) -> tuple[int, int]:
    data, _ = _decompose(key, target, euler)
    return len(data), sum(1 for ins in data if ins.name == target)


@lru_cache(maxsize=8)
def _decompose(key: bytes, target: str, euler: str):
    """Qiskit's KAK decomposition of the 4x4 unitary with bytes ``key``, as it comes: its
    instructions and qubits (unconverted). The last few are kept: a block that
    :func:`plain_2q_counts` finds cheaper is synthesized (:func:`_synth_2q_cached`) right
    after, from the same decomposition."""
    u = np.frombuffer(key, dtype=np.complex128).reshape(4, 4)
    kak = _kak(target, euler)
    inner = getattr(kak, "_inner_decomposer", None)
    if inner is not None and hasattr(inner, "to_circuit"):
        # What TwoQubitBasisDecomposer.__call__ computes, without wrapping the
        # CircuitData in a QuantumCircuit (a quarter of the call).
        data = inner.to_circuit(u, None, False, _num_basis_uses=None)
        return data, data.qubits
    circ = kak(u, approximate=False)  # pragma: no cover - depends on the Qiskit build
    return circ.data, circ.qubits  # pragma: no cover


@lru_cache(maxsize=1 << 14)
def _synth_2q_exact(key: bytes, target: str, euler: str) -> tuple[tuple[str, tuple[float, ...], tuple[int, ...]], ...]:
    gates = _synth_2q_cached(key, target, euler)
    u = np.frombuffer(key, dtype=np.complex128).reshape(4, 4)
    if phase_distance(u, _check_unitary(gates)) <= EXACT_ATOL:
        return gates
    w = _generic_w()
    first = _synth_2q_cached(np.ascontiguousarray(w.conj().T).tobytes(), target, euler)
    second = _synth_2q_cached(np.ascontiguousarray(u @ w).tobytes(), target, euler)
    out = first + second
    if phase_distance(u, _check_unitary(out)) > EXACT_ATOL:  # pragma: no cover - u @ W snapped too
        raise PassError("two-qubit synthesis could not reproduce a unitary exactly",
                        help="report this unitary; it sits within 1e-9 of two special Weyl classes at once")
    return out


@lru_cache(maxsize=1 << 14)
def _synth_2q_cached(key: bytes, target: str, euler: str) -> tuple[tuple[str, tuple[float, ...], tuple[int, ...]], ...]:
    data, qubits = _decompose(key, target, euler)
    index = {q: i for i, q in enumerate(qubits)}
    out = []
    for ins in data:
        # ``CircuitInstruction.name``/``.params`` read the (Rust) standard gate directly;
        # ``ins.operation`` would build a Python gate object per instruction first.
        name = ins.name
        if name not in GATES:  # pragma: no cover - decomposer emitted an unknown gate
            raise PassError(f"2q synthesis produced unsupported gate {name!r}")
        qs = tuple(index[q] for q in ins.qubits)
        out.append((name, tuple(float(p) for p in ins.params), qs))
    return tuple(out)
