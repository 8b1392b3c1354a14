"""``to-basis``: translate every gate into a target's native gate set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from ...core.attributes import DenseArray
from ...core.eraser import Eraser
from ...core.errors import PassError
from ...core.ir import Operation, Value
from ...core.module import Module
from ...dialects.gates import GATES
from ..base import Pass, PassContext, PassResult
from .angles import Angle, AngleEmitter, AngleFolder, ConstPool
from .fuse_1q import target_basis
from .synthesis import euler_basis, synth_1q, synth_2q, two_qubit_target
from .wires import kernels, replace_gates, spec_of, sweep_dead_classical

Linear = tuple[float, tuple[tuple[int, float], ...]]
"""An angle as ``const + sum(coeff * param[index])`` of the translated gate's angles."""
Template = tuple[tuple[str, tuple[Linear, ...], tuple[int, ...]], ...]


@lru_cache(maxsize=512)
def template(gate: str, basis: tuple[str, ...]) -> Template:
    """Gate ``gate`` with symbolic angles written in ``basis``, via Qiskit's equivalence library.

    Each angle of the result is an affine function of the gate's angles, so
    the template serves constant and symbolic angles alike. Raises
    :class:`PassError` if Qiskit finds no translation.

    Runs Qiskit's ``BasisTranslator`` over ``SessionEquivalenceLibrary`` on the
    one-gate circuit: the same translation ``transpile(..., optimization_level=0)``
    performs, without building a preset pass manager (which loads every
    installed stage plugin, qiskit-ibm-runtime and Aer included: about a
    second of a cold start, against about a millisecond here).
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter
    from qiskit.circuit.equivalence_library import SessionEquivalenceLibrary
    from qiskit.converters import circuit_to_dag, dag_to_circuit
    from qiskit.exceptions import QiskitError
    from qiskit.transpiler.passes.basis.basis_translator import BasisTranslator

    spec = GATES[gate]
    params = [Parameter(f"t{i}") for i in range(spec.num_params)]
    qc = QuantumCircuit(spec.num_qubits)
    getattr(qc, _QISKIT_METHOD.get(gate, gate))(*params, *range(spec.num_qubits))
    try:
        dag = BasisTranslator(SessionEquivalenceLibrary, list(basis)).run(circuit_to_dag(qc))
    except QiskitError as exc:
        raise PassError(
            f"cannot translate gate {gate!r} into the basis {', '.join(basis)}: {exc}",
            help="choose a universal basis, e.g. cx, rz, sx, x",
        ) from None
    out = dag_to_circuit(dag)
    index = {p.name: i for i, p in enumerate(params)}
    result = []
    for ins in out.data:
        name = ins.operation.name
        if name not in GATES:
            raise PassError(f"translation of {gate!r} produced gate {name!r}, unknown to qglm")
        angles = tuple(_linear(p, index) for p in ins.operation.params)
        qs = tuple(out.find_bit(q).index for q in ins.qubits)
        result.append((name, angles, qs))
    return tuple(result)


_QISKIT_METHOD = {"id": "id", "u": "u", "ecr": "ecr", "iswap": "iswap"}


def _linear(p: object, index: dict[str, int]) -> Linear:
    """``p`` (a number or a Qiskit ``ParameterExpression``) as ``const + sum(coeff * param)``.

    The coefficients are the expression's gradients and the constant its value
    at all-zero parameters, computed by Qiskit's own (Rust) expression engine
    without importing sympy (about 0.6 s of a cold start). An expression whose
    gradient still depends on a parameter is not affine: :class:`PassError`.
    """
    if isinstance(p, (int, float)):
        return float(p), ()
    params = sorted(p.parameters, key=lambda q: index.get(q.name, -1))  # type: ignore[attr-defined]
    terms: list[tuple[int, float]] = []
    for q in params:
        if q.name not in index:
            raise PassError(f"angle {p} of a basis translation reads an unknown parameter {q.name!r}")
        coeff = p.gradient(q)  # type: ignore[attr-defined]
        if not isinstance(coeff, (int, float)):
            raise PassError(f"non-affine angle {p} in a basis translation")
        if coeff != 0:
            terms.append((index[q.name], float(coeff)))
    const = p.bind({q: 0.0 for q in params}) if params else p  # type: ignore[attr-defined]
    return float(const), tuple(terms)


@dataclass(frozen=True)
class ToBasis(Pass):
    """Translate every gate into the target basis (``ctx.basis`` or the device's native gates).

    Gates outside the basis are replaced by their translation from Qiskit's
    equivalence library, computed once per (gate, basis) with symbolic angles:
    every translated angle is affine in the original ones, so symbolic angles
    stay symbolic (built with ``arith`` ops right before the new gates, e.g.
    ``rx(a) -> rz(pi/2)·sx·rz(a + pi)·sx·rz(5pi/2)`` in ``[cx, rz, sx, x]``) and
    constant ones are folded (frozen parameters included). ``q.unitary`` ops
    are synthesized: 1q with the Euler decomposer, 2q with KAK, wider ones
    through Qiskit's unitary synthesis. Without a target basis the pass does
    nothing.

    Requires: a verified module; a basis Qiskit can translate into (else
    :class:`PassError`). Guarantees: every gate of every kernel is in the basis;
    tensor networks unchanged up to global phase; non-gate ops, regions and
    symbolic parameters are untouched. The 2q count grows only when a gate
    outside the basis costs several basis 2q gates (e.g. ``swap -> 3 cx``).
    """

    name: ClassVar[str] = "to-basis"

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        basis = target_basis(ctx)
        if basis is None:
            return PassResult(False, {"translated": 0})
        basis = tuple(sorted(b for b in basis if b in GATES))
        if not basis:
            raise PassError(f"target basis {target_basis(ctx)} contains no gate qglm knows")
        allowed = frozenset(basis)
        folder = AngleFolder(module)
        eraser = Eraser()
        translated = 0
        # IR names of the gates to translate (every gate-table gate outside the basis)
        todo = frozenset(spec.ir_name for name, spec in GATES.items() if name not in allowed) | {"q.unitary"}
        for kernel in kernels(module):
            n = 0
            pool = ConstPool(kernel)
            found: list[Operation] = []
            _ops_named(kernel, todo, found)
            if not found:
                continue  # (the run after -O3's fixed point: usually nothing to translate)
            for op in found:
                if op.name == "q.unitary":
                    _translate_unitary(op, basis, eraser, pool)
                    n += 1
                    continue
                spec = spec_of(op)
                assert spec is not None
                _translate(op, template(spec.name, basis), folder, eraser, pool)
                n += 1
            if n:
                sweep_dead_classical(kernel, eraser)
            translated += n
        eraser.flush()
        return PassResult(translated > 0, {"translated": translated})


def _ops_named(parent: Operation, names: frozenset[str], out: list[Operation]) -> None:
    """Append every op nested in ``parent`` named in ``names``, in pre-order (the order of
    ``parent.walk()``), following the block lists directly (no generator per op)."""
    for r in parent.regions:
        for b in r.blocks:
            op = b.first
            while op is not None:
                if op.name in names:
                    out.append(op)
                elif op.regions:
                    _ops_named(op, names, out)
                op = op.next


def _translate(op: Operation, tpl: Template, folder: AngleFolder, eraser: Eraser, pool: ConstPool) -> None:
    spec = spec_of(op)
    assert spec is not None
    angles: list[Angle] = []
    for v in op.operands[: spec.num_params]:
        c = folder.const(v)
        angles.append(v if c is None else c)
    em = AngleEmitter(op, pool)
    new = []
    for name, lins, qs in tpl:
        new.append((name, [_instantiate(lin, angles, em) for lin in lins], qs))
    qubits = op.operands[spec.num_params :]
    replace_gates(op, [op], qubits, new, list(op.results), eraser, pool)


def _instantiate(lin: Linear, angles: Sequence[Angle], em: AngleEmitter) -> Angle:
    const, terms = lin
    acc: Angle = const
    sym: Angle | None = None
    for idx, coeff in terms:
        a = angles[idx]
        if isinstance(a, Value):
            t = em.scale(a, coeff)
            sym = t if sym is None else em.add(sym, t)
        else:
            acc = float(acc) + coeff * a  # type: ignore[operator]
    return acc if sym is None else em.add(sym, acc)


def _translate_unitary(op: Operation, basis: tuple[str, ...], eraser: Eraser, pool: ConstPool) -> None:
    mat = op.properties["matrix"]
    assert isinstance(mat, DenseArray)
    u = mat.array.astype(np.complex128)
    n = len(op.operands)
    if n == 1:
        new = synth_1q(u, euler_basis(basis))
    elif n == 2:
        new = synth_2q(u, two_qubit_target(basis), euler_basis(basis))
    else:
        new = synth_wide(u, basis)
    replace_gates(op, [op], list(op.operands), new, list(op.results), eraser, pool)


def synth_wide(u: np.ndarray, basis: tuple[str, ...]) -> list[tuple[str, tuple[float, ...], tuple[int, ...]]]:
    """A unitary on three or more qubits as ``(gate, angles, qubits)`` in ``basis``.

    Qiskit's ``UnitarySynthesis`` (quantum Shannon decomposition), then
    ``BasisTranslator`` and ``Optimize1qGatesDecomposition``: gate for gate what
    ``transpile(..., basis_gates=basis, optimization_level=1)`` returns for a
    lone ``UnitaryGate`` without a coupling map (checked by
    ``tests/passes/optimize/test_to_basis_cold.py``), without the preset pass
    manager's plugin loading.
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit.equivalence_library import SessionEquivalenceLibrary
    from qiskit.circuit.library import UnitaryGate
    from qiskit.transpiler import PassManager
    from qiskit.transpiler.passes import BasisTranslator, Optimize1qGatesDecomposition, UnitarySynthesis

    n = int(round(np.log2(u.shape[0])))
    qc = QuantumCircuit(n)
    qc.append(UnitaryGate(u), range(n))
    names = list(basis)
    pm = PassManager([UnitarySynthesis(basis_gates=names), BasisTranslator(SessionEquivalenceLibrary, names),
                      Optimize1qGatesDecomposition(basis=names)])
    out = pm.run(qc)
    return [
        (ins.operation.name, tuple(float(p) for p in ins.operation.params),
         tuple(out.find_bit(q).index for q in ins.qubits))
        for ins in out.data
    ]
