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

from collections.abc import Sequence
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


@lru_cache(maxsize=1 << 14)
def const_matrix(name: str, angles: tuple[float, ...]) -> np.ndarray:
    """The (read-only, shared) matrix of gate-table gate ``name`` at constant ``angles``;
    cached because circuits repeat the same few (gate, angle) pairs."""
    m = np.array(GATES[name].matrix(*angles), dtype=np.complex128)
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


@lru_cache(maxsize=1 << 14)
def _synth_2q_exact(key: bytes, target: str, euler: str) -> tuple[tuple[str, tuple[float, ...], tuple[int, ...]], ...]:
    gates = _synth_2q_cached(key, target, euler)
    u = np.frombuffer(key, dtype=np.complex128).reshape(4, 4)
    if phase_distance(u, gates_unitary(list(gates))) <= EXACT_ATOL:
        return gates
    w = _generic_w()
    first = _synth_2q_cached(np.ascontiguousarray(w.conj().T).tobytes(), target, euler)
    second = _synth_2q_cached(np.ascontiguousarray(u @ w).tobytes(), target, euler)
    out = first + second
    if phase_distance(u, gates_unitary(list(out))) > EXACT_ATOL:  # pragma: no cover - u @ W snapped too
        raise PassError("two-qubit synthesis could not reproduce a unitary exactly",
                        help="report this unitary; it sits within 1e-9 of two special Weyl classes at once")
    return out


@lru_cache(maxsize=1 << 14)
def _synth_2q_cached(key: bytes, target: str, euler: str) -> tuple[tuple[str, tuple[float, ...], tuple[int, ...]], ...]:
    u = np.frombuffer(key, dtype=np.complex128).reshape(4, 4)
    kak = _kak(target, euler)
    inner = getattr(kak, "_inner_decomposer", None)
    if inner is not None and hasattr(inner, "to_circuit"):
        # What TwoQubitBasisDecomposer.__call__ computes, without wrapping the
        # CircuitData in a QuantumCircuit (a quarter of the call).
        data = inner.to_circuit(u, None, False, _num_basis_uses=None)
        qubits = data.qubits
    else:  # pragma: no cover - depends on the Qiskit build
        circ = kak(u, approximate=False)
        data, qubits = circ.data, circ.qubits
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
