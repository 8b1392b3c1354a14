"""Single source of truth for the quantum gate set of the ``q`` dialect.

Every gate the IR knows about is described by one :class:`GateSpec` in :data:`GATES`.  The IR
operation for a gate is ``"q." + spec.name`` (e.g. ``q.cx``).

Bit-order convention
--------------------
All matrices use **Qiskit's little-endian order**: for a gate acting on qubit positions
``(0, 1, ..., n-1)`` the basis index of a computational basis state is
``sum(b_k << k)``, i.e. qubit position 0 is the *least* significant bit.  Consequently
``spec.matrix(...)`` equals ``qiskit.circuit.library``'s ``Gate(...).to_matrix()`` exactly
(same formulas, not merely up to global phase).  Cirq uses the opposite (big-endian) order;
reverse the qubit axes when comparing with ``cirq.unitary``.

Qubit positions of controlled gates: the control(s) come first, as in ``qc.cx(ctrl, tgt)``;
see :func:`controls_and_targets`.

Matrices are computed with numpy only (no Qiskit at runtime).  Matrices of parameter-free
gates are precomputed once and returned as shared **read-only** arrays; copy them before
mutating.  Parametric gates return a fresh array on every call.

``cirq_name`` spelling
----------------------
``cirq_name`` is either a top-level attribute of the ``cirq`` module (``"CNOT"``, ``"rx"``,
``"ZPowGate"``, ``"MatrixGate"``, ...) or such an attribute followed by ``**<exponent>``, in
cirq's own repr style (``"S**-1"``, ``"X**0.5"``).  For parameter-free gates the resolved object
is a cirq gate with exactly the same unitary (up to the bit-order reversal).  For parametric
gates, and for gates cirq lacks (``ch``, ``ecr``, ``u``), it names the cirq factory / gate class
to build from:

* ``rx``/``ry``/``rz``: ``cirq.rx(theta)`` etc.
* ``p``: ``cirq.ZPowGate(exponent=theta/pi)``; ``cp``: ``cirq.CZPowGate(exponent=theta/pi)``
* ``rxx``/``ryy``/``rzz``: ``cirq.XXPowGate(exponent=theta/pi, global_shift=-0.5)`` etc.
* ``ch``/``crx``/``cry``/``crz``: ``cirq.ControlledGate(<target gate>)``
* ``u``/``ecr``: ``cirq.MatrixGate(<big-endian matrix>)``
"""

from __future__ import annotations

import cmath
import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "GATES",
    "GateSpec",
    "InverseTerm",
    "controls_and_targets",
    "gate",
    "gate_matrix",
    "is_gate",
]

ComplexMatrix = NDArray[np.complex128]


@dataclass(frozen=True, slots=True)
class InverseTerm:
    """One factor of a gate's inverse.

    ``params[i] = (index, sign)`` means the term's i-th parameter is
    ``sign * original_params[index]``; ``qubits`` lists the positions (within the original
    gate's qubits) that the term acts on, in the term's own qubit order.
    """

    gate: str
    params: tuple[tuple[int, float], ...]
    qubits: tuple[int, ...]

    def resolve_params(self, original: Sequence[float]) -> tuple[float, ...]:
        """Concrete parameters of this term given the original gate's parameters."""
        return tuple(sign * original[index] for index, sign in self.params)


@dataclass(frozen=True, slots=True)
class GateSpec:
    """Static description of one gate of the ``q`` dialect (see module docstring)."""

    name: str
    num_qubits: int
    num_params: int
    param_names: tuple[str, ...]
    qiskit_name: str
    cirq_name: str
    qasm3_name: str
    qasm2_name: str
    hermitian: bool
    diagonal: bool
    symmetric: bool
    inverse: tuple[InverseTerm, ...]

    @property
    def ir_name(self) -> str:
        """Name of the IR operation, e.g. ``"q.cx"``."""
        return "q." + self.name

    def matrix(self, *params: float) -> ComplexMatrix:
        """Unitary of the gate (complex128, little-endian, identical to Qiskit's).

        Parameter-free gates return a shared read-only array.
        """
        if len(params) != self.num_params:
            raise ValueError(
                f"gate {self.name!r} takes {self.num_params} parameter(s) "
                f"{self.param_names}, got {len(params)}"
            )
        return _MATRIX_FNS[self.name](*params)


# ---------------------------------------------------------------------------------------------
# Matrices
# ---------------------------------------------------------------------------------------------

_SQRT1_2 = 1.0 / math.sqrt(2.0)


def _frozen(rows: object) -> ComplexMatrix:
    arr = np.array(rows, dtype=np.complex128)
    arr.setflags(write=False)
    return arr


def _controlled(target: ComplexMatrix) -> ComplexMatrix:
    """Little-endian matrix of ``target`` (1 qubit) controlled by qubit position 0."""
    out = np.eye(4, dtype=np.complex128)
    # Control set <=> index bit 0 set: indices 1 (target 0) and 3 (target 1).
    out[np.ix_([1, 3], [1, 3])] = target
    out.setflags(write=False)
    return out


_I = _frozen([[1, 0], [0, 1]])
_X = _frozen([[0, 1], [1, 0]])
_Y = _frozen([[0, -1j], [1j, 0]])
_Z = _frozen([[1, 0], [0, -1]])
_H = _frozen([[_SQRT1_2, _SQRT1_2], [_SQRT1_2, -_SQRT1_2]])
_S = _frozen([[1, 0], [0, 1j]])
_SDG = _frozen([[1, 0], [0, -1j]])
_T = _frozen([[1, 0], [0, (1 + 1j) * _SQRT1_2]])
_TDG = _frozen([[1, 0], [0, (1 - 1j) * _SQRT1_2]])
_SX = _frozen([[0.5 + 0.5j, 0.5 - 0.5j], [0.5 - 0.5j, 0.5 + 0.5j]])
_SXDG = _frozen([[0.5 - 0.5j, 0.5 + 0.5j], [0.5 + 0.5j, 0.5 - 0.5j]])

_CX = _controlled(_X)
_CY = _controlled(_Y)
_CZ = _controlled(_Z)
_CH = _controlled(_H)
_SWAP = _frozen([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
_ISWAP = _frozen([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]])
_ECR = _frozen(
    [
        [0, _SQRT1_2, 0, 1j * _SQRT1_2],
        [_SQRT1_2, 0, -1j * _SQRT1_2, 0],
        [0, 1j * _SQRT1_2, 0, _SQRT1_2],
        [-1j * _SQRT1_2, 0, _SQRT1_2, 0],
    ]
)


def _perm_matrix(perm: Sequence[int]) -> ComplexMatrix:
    """Permutation matrix mapping basis state ``j`` to ``perm[j]``."""
    out = np.zeros((len(perm), len(perm)), dtype=np.complex128)
    out[list(perm), list(range(len(perm)))] = 1.0
    out.setflags(write=False)
    return out


# ccx: controls q0, q1 (index bits 0, 1), target q2 -> swap |011> (3) and |111> (7).
_CCX = _perm_matrix([0, 1, 2, 7, 4, 5, 6, 3])
# cswap: control q0, swap q1 <-> q2 -> swap |0 1 1> (q2q1q0 = 011 = 3) and 101 (5).
_CSWAP = _perm_matrix([0, 1, 2, 5, 4, 3, 6, 7])


def _rx(theta: float) -> ComplexMatrix:
    c = math.cos(theta / 2)
    s = math.sin(theta / 2)
    return np.array([[c, -1j * s], [-1j * s, c]], dtype=np.complex128)


def _ry(theta: float) -> ComplexMatrix:
    c = math.cos(theta / 2)
    s = math.sin(theta / 2)
    return np.array([[c, -s], [s, c]], dtype=np.complex128)


def _rz(theta: float) -> ComplexMatrix:
    e = cmath.exp(0.5j * theta)
    return np.array([[e.conjugate(), 0], [0, e]], dtype=np.complex128)


def _p(theta: float) -> ComplexMatrix:
    return np.array([[1, 0], [0, cmath.exp(1j * theta)]], dtype=np.complex128)


def _u(theta: float, phi: float, lam: float) -> ComplexMatrix:
    c = math.cos(theta / 2)
    s = math.sin(theta / 2)
    return np.array(
        [
            [c, -cmath.exp(1j * lam) * s],
            [cmath.exp(1j * phi) * s, cmath.exp(1j * (phi + lam)) * c],
        ],
        dtype=np.complex128,
    )


def _rxx(theta: float) -> ComplexMatrix:
    c = math.cos(theta / 2)
    m = -1j * math.sin(theta / 2)
    return np.array([[c, 0, 0, m], [0, c, m, 0], [0, m, c, 0], [m, 0, 0, c]], dtype=np.complex128)


def _ryy(theta: float) -> ComplexMatrix:
    c = math.cos(theta / 2)
    m = -1j * math.sin(theta / 2)
    return np.array([[c, 0, 0, -m], [0, c, m, 0], [0, m, c, 0], [-m, 0, 0, c]], dtype=np.complex128)


def _rzz(theta: float) -> ComplexMatrix:
    e = cmath.exp(0.5j * theta)
    f = e.conjugate()
    return np.array([[f, 0, 0, 0], [0, e, 0, 0], [0, 0, e, 0], [0, 0, 0, f]], dtype=np.complex128)


def _crx(theta: float) -> ComplexMatrix:
    c = math.cos(theta / 2)
    m = -1j * math.sin(theta / 2)
    return np.array([[1, 0, 0, 0], [0, c, 0, m], [0, 0, 1, 0], [0, m, 0, c]], dtype=np.complex128)


def _cry(theta: float) -> ComplexMatrix:
    c = math.cos(theta / 2)
    s = math.sin(theta / 2)
    return np.array([[1, 0, 0, 0], [0, c, 0, -s], [0, 0, 1, 0], [0, s, 0, c]], dtype=np.complex128)


def _crz(theta: float) -> ComplexMatrix:
    e = cmath.exp(0.5j * theta)
    return np.array(
        [[1, 0, 0, 0], [0, e.conjugate(), 0, 0], [0, 0, 1, 0], [0, 0, 0, e]],
        dtype=np.complex128,
    )


def _cp(theta: float) -> ComplexMatrix:
    return np.array(
        [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, cmath.exp(1j * theta)]],
        dtype=np.complex128,
    )


def _const_fn(mat: ComplexMatrix) -> Callable[[], ComplexMatrix]:
    def fn() -> ComplexMatrix:
        return mat

    return fn


_MATRIX_FNS: dict[str, Callable[..., ComplexMatrix]] = {
    "id": _const_fn(_I),
    "x": _const_fn(_X),
    "y": _const_fn(_Y),
    "z": _const_fn(_Z),
    "h": _const_fn(_H),
    "s": _const_fn(_S),
    "sdg": _const_fn(_SDG),
    "t": _const_fn(_T),
    "tdg": _const_fn(_TDG),
    "sx": _const_fn(_SX),
    "sxdg": _const_fn(_SXDG),
    "rx": _rx,
    "ry": _ry,
    "rz": _rz,
    "p": _p,
    "u": _u,
    "cx": _const_fn(_CX),
    "cy": _const_fn(_CY),
    "cz": _const_fn(_CZ),
    "ch": _const_fn(_CH),
    "swap": _const_fn(_SWAP),
    "iswap": _const_fn(_ISWAP),
    "ecr": _const_fn(_ECR),
    "rxx": _rxx,
    "ryy": _ryy,
    "rzz": _rzz,
    "crx": _crx,
    "cry": _cry,
    "crz": _crz,
    "cp": _cp,
    "ccx": _const_fn(_CCX),
    "cswap": _const_fn(_CSWAP),
}


# ---------------------------------------------------------------------------------------------
# Table
# ---------------------------------------------------------------------------------------------

_THETA = ("theta",)
_U_PARAMS = ("theta", "phi", "lam")

# Number of leading qubit positions that are controls.
_NUM_CONTROLS: dict[str, int] = {
    "cx": 1,
    "cy": 1,
    "cz": 1,
    "ch": 1,
    "crx": 1,
    "cry": 1,
    "crz": 1,
    "cp": 1,
    "ccx": 2,
    "cswap": 1,
}


def _self_inverse(name: str, num_qubits: int, num_params: int = 0) -> tuple[InverseTerm, ...]:
    return (
        InverseTerm(
            gate=name,
            params=tuple((i, 1.0) for i in range(num_params)),
            qubits=tuple(range(num_qubits)),
        ),
    )


def _negated(name: str, num_qubits: int, num_params: int = 1) -> tuple[InverseTerm, ...]:
    return (
        InverseTerm(
            gate=name,
            params=tuple((i, -1.0) for i in range(num_params)),
            qubits=tuple(range(num_qubits)),
        ),
    )


def _spec(
    name: str,
    num_qubits: int,
    param_names: tuple[str, ...],
    *,
    cirq_name: str,
    inverse: tuple[InverseTerm, ...],
    qasm3_name: str | None = None,
    hermitian: bool = False,
    diagonal: bool = False,
    symmetric: bool = False,
) -> GateSpec:
    return GateSpec(
        name=name,
        num_qubits=num_qubits,
        num_params=len(param_names),
        param_names=param_names,
        qiskit_name=name,
        cirq_name=cirq_name,
        qasm3_name=name if qasm3_name is None else qasm3_name,
        qasm2_name=name,
        hermitian=hermitian,
        diagonal=diagonal,
        symmetric=symmetric,
        inverse=inverse,
    )


_SPECS: tuple[GateSpec, ...] = (
    # --- one qubit, fixed ------------------------------------------------------------------
    _spec(
        "id", 1, (), cirq_name="I", inverse=_self_inverse("id", 1), hermitian=True, diagonal=True
    ),
    _spec("x", 1, (), cirq_name="X", inverse=_self_inverse("x", 1), hermitian=True),
    _spec("y", 1, (), cirq_name="Y", inverse=_self_inverse("y", 1), hermitian=True),
    _spec("z", 1, (), cirq_name="Z", inverse=_self_inverse("z", 1), hermitian=True, diagonal=True),
    _spec("h", 1, (), cirq_name="H", inverse=_self_inverse("h", 1), hermitian=True),
    _spec("s", 1, (), cirq_name="S", inverse=_self_inverse("sdg", 1), diagonal=True),
    _spec("sdg", 1, (), cirq_name="S**-1", inverse=_self_inverse("s", 1), diagonal=True),
    _spec("t", 1, (), cirq_name="T", inverse=_self_inverse("tdg", 1), diagonal=True),
    _spec("tdg", 1, (), cirq_name="T**-1", inverse=_self_inverse("t", 1), diagonal=True),
    _spec("sx", 1, (), cirq_name="X**0.5", inverse=_self_inverse("sxdg", 1)),
    _spec("sxdg", 1, (), cirq_name="X**-0.5", inverse=_self_inverse("sx", 1)),
    # --- one qubit, parametric -------------------------------------------------------------
    _spec("rx", 1, _THETA, cirq_name="rx", inverse=_negated("rx", 1)),
    _spec("ry", 1, _THETA, cirq_name="ry", inverse=_negated("ry", 1)),
    _spec("rz", 1, _THETA, cirq_name="rz", inverse=_negated("rz", 1), diagonal=True),
    _spec("p", 1, _THETA, cirq_name="ZPowGate", inverse=_negated("p", 1), diagonal=True),
    # u(theta, phi, lam)^-1 = u(-theta, -lam, -phi)
    _spec(
        "u",
        1,
        _U_PARAMS,
        cirq_name="MatrixGate",
        qasm3_name="U",
        inverse=(InverseTerm("u", ((0, -1.0), (2, -1.0), (1, -1.0)), (0,)),),
    ),
    # --- two qubits, fixed -----------------------------------------------------------------
    _spec("cx", 2, (), cirq_name="CNOT", inverse=_self_inverse("cx", 2), hermitian=True),
    _spec("cy", 2, (), cirq_name="CY", inverse=_self_inverse("cy", 2), hermitian=True),
    _spec(
        "cz",
        2,
        (),
        cirq_name="CZ",
        inverse=_self_inverse("cz", 2),
        hermitian=True,
        diagonal=True,
        symmetric=True,
    ),
    _spec("ch", 2, (), cirq_name="ControlledGate", inverse=_self_inverse("ch", 2), hermitian=True),
    _spec(
        "swap",
        2,
        (),
        cirq_name="SWAP",
        inverse=_self_inverse("swap", 2),
        hermitian=True,
        symmetric=True,
    ),
    # iswap^-1 = z(q0) . iswap . z(q0)
    _spec(
        "iswap",
        2,
        (),
        cirq_name="ISWAP",
        symmetric=True,
        inverse=(
            InverseTerm("z", (), (0,)),
            InverseTerm("iswap", (), (0, 1)),
            InverseTerm("z", (), (0,)),
        ),
    ),
    _spec("ecr", 2, (), cirq_name="MatrixGate", inverse=_self_inverse("ecr", 2), hermitian=True),
    # --- two qubits, parametric ------------------------------------------------------------
    _spec("rxx", 2, _THETA, cirq_name="XXPowGate", inverse=_negated("rxx", 2), symmetric=True),
    _spec("ryy", 2, _THETA, cirq_name="YYPowGate", inverse=_negated("ryy", 2), symmetric=True),
    _spec(
        "rzz",
        2,
        _THETA,
        cirq_name="ZZPowGate",
        inverse=_negated("rzz", 2),
        diagonal=True,
        symmetric=True,
    ),
    _spec("crx", 2, _THETA, cirq_name="ControlledGate", inverse=_negated("crx", 2)),
    _spec("cry", 2, _THETA, cirq_name="ControlledGate", inverse=_negated("cry", 2)),
    _spec("crz", 2, _THETA, cirq_name="ControlledGate", inverse=_negated("crz", 2), diagonal=True),
    _spec(
        "cp",
        2,
        _THETA,
        cirq_name="CZPowGate",
        inverse=_negated("cp", 2),
        diagonal=True,
        symmetric=True,
    ),
    # --- three qubits ----------------------------------------------------------------------
    _spec("ccx", 3, (), cirq_name="CCX", inverse=_self_inverse("ccx", 3), hermitian=True),
    _spec("cswap", 3, (), cirq_name="CSWAP", inverse=_self_inverse("cswap", 3), hermitian=True),
)

GATES: dict[str, GateSpec] = {spec.name: spec for spec in _SPECS}
"""All gates of the ``q`` dialect, keyed by name (without the ``q.`` prefix)."""


def gate(name: str) -> GateSpec:
    """Look up a gate by name (without the ``q.`` prefix); raise ``KeyError`` if unknown."""
    try:
        return GATES[name]
    except KeyError:
        pass
    hint = ""
    if name.startswith("q.") and name[2:] in GATES:
        hint = f" (drop the dialect prefix: use {name[2:]!r})"
    elif name.lower() in GATES:
        hint = f" (gate names are lower-case: did you mean {name.lower()!r}?)"
    else:
        close = difflib.get_close_matches(name, list(GATES), n=3)
        if close:
            hint = f" (did you mean {', '.join(map(repr, close))}?)"
    raise KeyError(f"unknown gate {name!r}{hint}; known gates: {', '.join(GATES)}") from None


def gate_matrix(name: str, params: Sequence[float]) -> ComplexMatrix:
    """Little-endian unitary of gate ``name`` with ``params`` (see :meth:`GateSpec.matrix`)."""
    return gate(name).matrix(*params)


def is_gate(name: str) -> bool:
    """Whether ``name`` (without the ``q.`` prefix) is a gate of the table."""
    return name in GATES


def controls_and_targets(name: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Qubit positions of the controls and targets of ``name``.

    E.g. ``cx -> ((0,), (1,))``, ``ccx -> ((0, 1), (2,))``, ``cswap -> ((0,), (1, 2))``,
    ``swap -> ((), (0, 1))``, ``rx -> ((), (0,))``.  ``cz`` and ``cp`` are symmetric but are
    still reported with position 0 as the control.
    """
    spec = gate(name)
    k = _NUM_CONTROLS.get(spec.name, 0)
    return tuple(range(k)), tuple(range(k, spec.num_qubits))
