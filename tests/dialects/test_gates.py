"""Tests for the gate table ``qglm_ir.dialects.gates`` against Qiskit and Cirq as oracles."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence

import cirq
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from qiskit import QuantumCircuit, qasm2, qasm3
from qiskit.circuit import Gate
from qiskit.circuit.library import get_standard_gate_name_mapping

from qglm_ir.dialects.gates import (
    GATES,
    GateSpec,
    InverseTerm,
    controls_and_targets,
    gate,
    gate_matrix,
    is_gate,
)

ComplexMatrix = NDArray[np.complex128]

EXPECTED_NAMES = (
    *("id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg"),
    *("rx", "ry", "rz", "p", "u"),
    *("cx", "cy", "cz", "ch", "swap", "iswap", "ecr", "rxx", "ryy", "rzz"),
    *("crx", "cry", "crz", "cp", "ccx", "cswap"),
)

# Gates declared in OpenQASM 3's stdgates.inc (plus the builtin ``U``).
STDGATES_INC = frozenset(
    {
        *("p", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz"),
        *("cx", "cy", "cz", "cp", "crx", "cry", "crz", "ch", "swap", "ccx", "cswap", "cu"),
        *("CX", "phase", "cphase", "id", "u1", "u2", "u3", "U"),
    }
)

ATOL = 1e-12
NAMES = list(GATES)
PARAM_NAMES = [name for name in NAMES if GATES[name].num_params]
# Generic parameter values for which no accidental symmetry holds.
GENERIC_PARAMS: tuple[tuple[float, float, float], ...] = (
    (0.3, 1.1, -2.5),
    (2.0, -0.7, 0.45),
    (-1.3, 2.9, 1.7),
)

angle = st.floats(
    min_value=-4 * math.pi, max_value=4 * math.pi, allow_nan=False, allow_infinity=False
)
angles3 = st.tuples(angle, angle, angle)

HYPOTHESIS = settings(max_examples=30, deadline=None)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def qiskit_gate(spec: GateSpec, params: Sequence[float]) -> Gate:
    base = get_standard_gate_name_mapping()[spec.qiskit_name]
    if spec.num_params == 0:
        return base
    return base.base_class(*params[: spec.num_params])


def embed(mat: ComplexMatrix, qubits: Sequence[int], num_qubits: int) -> ComplexMatrix:
    """Embed a little-endian ``len(qubits)``-qubit matrix at ``qubits`` of ``num_qubits``."""
    dim = 2**num_qubits
    out = np.zeros((dim, dim), dtype=np.complex128)
    for col in range(dim):
        sub_col = sum(((col >> q) & 1) << j for j, q in enumerate(qubits))
        rest = col
        for q in qubits:
            rest &= ~(1 << q)
        for sub_row in range(mat.shape[0]):
            row = rest
            for j, q in enumerate(qubits):
                row |= ((sub_row >> j) & 1) << q
            out[row, col] += mat[sub_row, sub_col]
    return out


def permute_qubits(mat: ComplexMatrix, perm: Sequence[int]) -> ComplexMatrix:
    """Matrix of the same gate applied with its position ``j`` on qubit ``perm[j]``."""
    return embed(mat, perm, len(perm))


def to_big_endian(mat: ComplexMatrix) -> ComplexMatrix:
    n = mat.shape[0].bit_length() - 1
    return permute_qubits(mat, list(reversed(range(n))))


def inverse_matrix(spec: GateSpec, params: Sequence[float]) -> ComplexMatrix:
    total = np.eye(2**spec.num_qubits, dtype=np.complex128)
    for term in spec.inverse:
        term_mat = GATES[term.gate].matrix(*term.resolve_params(params))
        total = embed(term_mat, term.qubits, spec.num_qubits) @ total
    return total


def is_hermitian(mat: ComplexMatrix) -> bool:
    return np.allclose(mat, mat.conj().T, atol=ATOL)


def is_diagonal(mat: ComplexMatrix) -> bool:
    return np.allclose(mat, np.diag(np.diag(mat)), atol=ATOL)


def is_symmetric(mat: ComplexMatrix, num_qubits: int) -> bool:
    if num_qubits < 2:
        return False
    return all(
        np.allclose(permute_qubits(mat, perm), mat, atol=ATOL)
        for perm in itertools.permutations(range(num_qubits))
    )


def resolve_cirq(name: str) -> object:
    base, _, exponent = name.partition("**")
    obj = getattr(cirq, base)
    return obj ** float(exponent) if exponent else obj


# Exact cirq constructions for the gates whose ``cirq_name`` is a factory / class.
CIRQ_BUILDERS: dict[str, Callable[[Sequence[float]], cirq.Gate]] = {
    "rx": lambda p: cirq.rx(p[0]),
    "ry": lambda p: cirq.ry(p[0]),
    "rz": lambda p: cirq.rz(p[0]),
    "p": lambda p: cirq.ZPowGate(exponent=p[0] / math.pi),
    "u": lambda p: cirq.MatrixGate(GATES["u"].matrix(*p)),
    "ch": lambda p: cirq.ControlledGate(cirq.H),
    "ecr": lambda p: cirq.MatrixGate(to_big_endian(GATES["ecr"].matrix())),
    "rxx": lambda p: cirq.XXPowGate(exponent=p[0] / math.pi, global_shift=-0.5),
    "ryy": lambda p: cirq.YYPowGate(exponent=p[0] / math.pi, global_shift=-0.5),
    "rzz": lambda p: cirq.ZZPowGate(exponent=p[0] / math.pi, global_shift=-0.5),
    "crx": lambda p: cirq.ControlledGate(cirq.rx(p[0])),
    "cry": lambda p: cirq.ControlledGate(cirq.ry(p[0])),
    "crz": lambda p: cirq.ControlledGate(cirq.rz(p[0])),
    "cp": lambda p: cirq.CZPowGate(exponent=p[0] / math.pi),
}


# ---------------------------------------------------------------------------------------------
# table shape
# ---------------------------------------------------------------------------------------------


def test_gate_names_and_order() -> None:
    assert tuple(GATES) == EXPECTED_NAMES
    for name, spec in GATES.items():
        assert spec.name == name
        assert spec.num_params == len(spec.param_names)
        assert spec.ir_name == "q." + name


@pytest.mark.parametrize("name", NAMES)
def test_inverse_terms_well_formed(name: str) -> None:
    spec = GATES[name]
    assert spec.inverse
    for term in spec.inverse:
        assert isinstance(term, InverseTerm)
        target = GATES[term.gate]
        assert len(term.params) == target.num_params
        assert len(term.qubits) == target.num_qubits
        assert len(set(term.qubits)) == len(term.qubits)
        assert all(0 <= q < spec.num_qubits for q in term.qubits)
        for index, sign in term.params:
            assert 0 <= index < spec.num_params
            assert sign in (1.0, -1.0)


def test_lookup_helpers() -> None:
    assert gate("cx") is GATES["cx"]
    assert is_gate("ccx") and not is_gate("q.cx") and not is_gate("CX")
    with pytest.raises(KeyError, match="drop the dialect prefix"):
        gate("q.cx")
    with pytest.raises(KeyError, match="lower-case"):
        gate("CX")
    with pytest.raises(KeyError, match="did you mean"):
        gate("cxx")
    with pytest.raises(KeyError, match="unknown gate"):
        gate("frobnicate")
    np.testing.assert_array_equal(gate_matrix("rx", [0.5]), GATES["rx"].matrix(0.5))
    with pytest.raises(ValueError, match="takes 1 parameter"):
        GATES["rx"].matrix()
    with pytest.raises(ValueError, match="takes 0 parameter"):
        gate_matrix("x", [0.1])


def test_constant_matrices_are_read_only_and_cached() -> None:
    for spec in GATES.values():
        if spec.num_params == 0:
            mat = spec.matrix()
            assert mat.dtype == np.complex128
            assert not mat.flags.writeable
            assert spec.matrix() is mat


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cx", ((0,), (1,))),
        ("crz", ((0,), (1,))),
        ("ccx", ((0, 1), (2,))),
        ("cswap", ((0,), (1, 2))),
        ("swap", ((), (0, 1))),
        ("rx", ((), (0,))),
        ("u", ((), (0,))),
    ],
)
def test_controls_and_targets_examples(
    name: str, expected: tuple[tuple[int, ...], tuple[int, ...]]
) -> None:
    assert controls_and_targets(name) == expected


@pytest.mark.parametrize("name", NAMES)
def test_controls_act_as_controls(name: str) -> None:
    """When any control is |0>, a controlled gate acts as identity."""
    spec = GATES[name]
    controls, targets = controls_and_targets(name)
    assert sorted(controls + targets) == list(range(spec.num_qubits))
    mat = spec.matrix(*GENERIC_PARAMS[0][: spec.num_params])
    for basis in range(2**spec.num_qubits):
        if controls and not all((basis >> c) & 1 for c in controls):
            expected = np.zeros(2**spec.num_qubits)
            expected[basis] = 1.0
            np.testing.assert_allclose(mat[:, basis], expected, atol=ATOL)


# ---------------------------------------------------------------------------------------------
# matrices vs. Qiskit
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@HYPOTHESIS
@given(params=angles3)
def test_matrix_matches_qiskit(name: str, params: tuple[float, float, float]) -> None:
    spec = GATES[name]
    ours = spec.matrix(*params[: spec.num_params])
    theirs = qiskit_gate(spec, params).to_matrix()
    assert ours.dtype == np.complex128
    assert ours.shape == (2**spec.num_qubits,) * 2
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=ATOL)


@pytest.mark.parametrize("name", NAMES)
def test_qiskit_gate_metadata(name: str) -> None:
    spec = GATES[name]
    qgate = qiskit_gate(spec, GENERIC_PARAMS[0])
    assert qgate.name == spec.qiskit_name
    assert qgate.num_qubits == spec.num_qubits
    assert len(qgate.params) == spec.num_params


# ---------------------------------------------------------------------------------------------
# inverses and flags
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@HYPOTHESIS
@given(params=angles3)
def test_inverse_is_exact(name: str, params: tuple[float, float, float]) -> None:
    spec = GATES[name]
    p = params[: spec.num_params]
    product = inverse_matrix(spec, p) @ spec.matrix(*p)
    np.testing.assert_allclose(product, np.eye(2**spec.num_qubits), rtol=0, atol=ATOL)


@pytest.mark.parametrize("name", NAMES)
@HYPOTHESIS
@given(params=angles3)
def test_true_flags_hold(name: str, params: tuple[float, float, float]) -> None:
    spec = GATES[name]
    mat = spec.matrix(*params[: spec.num_params])
    if spec.hermitian:
        assert is_hermitian(mat)
    if spec.diagonal:
        assert is_diagonal(mat)
    if spec.symmetric:
        assert is_symmetric(mat, spec.num_qubits)


@pytest.mark.parametrize("name", NAMES)
def test_false_flags_fail(name: str) -> None:
    spec = GATES[name]
    mats = [spec.matrix(*p[: spec.num_params]) for p in GENERIC_PARAMS]
    assert spec.hermitian == all(is_hermitian(m) for m in mats)
    assert spec.diagonal == all(is_diagonal(m) for m in mats)
    assert spec.symmetric == all(is_symmetric(m, spec.num_qubits) for m in mats)


# ---------------------------------------------------------------------------------------------
# Cirq names
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_cirq_name_resolves(name: str) -> None:
    spec = GATES[name]
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\*\*-?[0-9.]+)?", spec.cirq_name)
    obj = resolve_cirq(spec.cirq_name)
    if name in CIRQ_BUILDERS:
        return
    assert isinstance(obj, cirq.Gate)
    assert spec.num_params == 0
    np.testing.assert_allclose(cirq.unitary(obj), to_big_endian(spec.matrix()), rtol=0, atol=ATOL)


@pytest.mark.parametrize("name", sorted(CIRQ_BUILDERS))
@HYPOTHESIS
@given(params=angles3)
def test_cirq_builders_match(name: str, params: tuple[float, float, float]) -> None:
    spec = GATES[name]
    p = params[: spec.num_params]
    cgate = CIRQ_BUILDERS[name](p)
    factory = resolve_cirq(spec.cirq_name)
    if isinstance(factory, type):
        assert isinstance(cgate, factory)
    else:  # a factory function such as cirq.rx
        assert cgate == factory(*p)
    np.testing.assert_allclose(
        cirq.unitary(cgate), to_big_endian(spec.matrix(*p)), rtol=0, atol=1e-9
    )


# ---------------------------------------------------------------------------------------------
# OpenQASM names
# ---------------------------------------------------------------------------------------------


def _dump_single(spec: GateSpec, dumps: Callable[[QuantumCircuit], str]) -> str:
    qc = QuantumCircuit(spec.num_qubits)
    qc.append(qiskit_gate(spec, GENERIC_PARAMS[0]), list(range(spec.num_qubits)))
    return dumps(qc)


def _instruction_line(text: str) -> str:
    return text.strip().splitlines()[-1]


@pytest.mark.parametrize("name", NAMES)
def test_qasm3_name(name: str) -> None:
    spec = GATES[name]
    text = _dump_single(spec, qasm3.dumps)
    assert re.match(rf"{re.escape(spec.qasm3_name)}[ (]", _instruction_line(text))
    defined = re.search(rf"^gate {re.escape(spec.qasm3_name)}\b", text, re.MULTILINE)
    # Gates outside stdgates.inc get an explicit definition from the exporter.
    assert (defined is None) == (spec.qasm3_name in STDGATES_INC)


@pytest.mark.parametrize("name", NAMES)
def test_qasm2_name(name: str) -> None:
    spec = GATES[name]
    text = _dump_single(spec, qasm2.dumps)
    assert re.match(rf"{re.escape(spec.qasm2_name)}[ (]", _instruction_line(text))
