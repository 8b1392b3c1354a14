"""Which ops have which custom (pretty) form: the table the printer and parser share.

Quantum ops print without types, ``%a, %b = q.crx(%t) %q0, %q1``: the angle
operands go in parentheses after the name, the qubit operands follow, and the
result types are implied by the op (a gate returns one ``!q.qubit`` per qubit,
``q.measure`` returns ``(i1, !q.qubit)``...). Every other region-less
registered op uses the simple form ``%r = name %a, %b <{props}> {attrs} : T``
where ``T`` lists the result types; ``func.return`` lists its operand types,
``func.call`` gives its full signature, and the ops in :data:`SYMBOL_OPS`
print one symbol property as ``@name`` right after the op name.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import dialects  # noqa: F401  (the registry must be populated)
from ..core.types import Type, i1, qubit
from ..dialects.gates import GATES

__all__ = ["QUANTUM_FORMS", "SYMBOL_OPS", "QuantumForm"]


@dataclass(frozen=True, slots=True)
class QuantumForm:
    """Shape of a quantum op's custom form.

    ``angles`` operands are printed in parentheses; ``qubits`` is the number
    of operands after them (``None``: any number); ``results`` are the
    implied result types (``None``: one ``!q.qubit`` per qubit operand).
    """

    angles: int
    qubits: int | None
    results: tuple[Type, ...] | None

    def result_types(self, num_qubits: int) -> list[Type]:
        if self.results is None:
            return [qubit] * num_qubits
        return list(self.results)

    def describe(self) -> str:
        """Human description for error messages, e.g. '1 angle and 2 qubits'."""
        a = f"{self.angles} angle{'s' if self.angles != 1 else ''}"
        q = "any number of qubits" if self.qubits is None else f"{self.qubits} qubit{'s' if self.qubits != 1 else ''}"
        return f"{a} and {q}" if self.angles else q


QUANTUM_FORMS: dict[str, QuantumForm] = {
    spec.ir_name: QuantumForm(spec.num_params, spec.num_qubits, (qubit,) * spec.num_qubits)
    for spec in GATES.values()
}
QUANTUM_FORMS.update(
    {
        "q.alloc": QuantumForm(0, 0, (qubit,)),
        "q.dealloc": QuantumForm(0, 1, ()),
        "q.measure": QuantumForm(0, 1, (i1, qubit)),
        "q.reset": QuantumForm(0, 1, (qubit,)),
        "q.delay": QuantumForm(0, 1, (qubit,)),
        "q.barrier": QuantumForm(0, None, None),
        "q.unitary": QuantumForm(0, None, None),
        "q.global_phase": QuantumForm(1, 0, ()),
    }
)

#: Ops whose custom form prints one ``SymbolRef`` property as ``@name`` after the op name.
SYMBOL_OPS: dict[str, str] = {"func.call": "callee", "param.get": "name"}
