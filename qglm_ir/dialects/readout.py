"""The readout contract of a ``q.kernel``: what its caller can observe.

Every kernel states what a caller sees, and passes may discard only what the
contract says nobody observes. The contract is the kernel property
``readout`` (a string), with ``readout_qubits`` for ``"z"``:

* ``"state"`` — the full final quantum state of the program qubits (jointly
  with any returned values). Passes must keep the kernel's unitary on the
  program qubits: a trailing diagonal gate is *not* dead. The default for a
  kernel that returns no ``i1`` values (it measures nothing, or came from
  OpenQASM/Qiskit/Cirq without measurements): users compose such circuits, run
  them under an Estimator with X/Y observables or add measurements later.
* ``"bits"`` — only the returned classical values (and returned qubits) are
  observed; released qubits are discarded. The default for a kernel that
  returns ``i1`` values.
* ``"z"`` with ``readout_qubits = [k, ...]`` — the caller reads the Z basis of
  the listed *program* qubits at the end (in that order) and nothing else; a
  diagonal gate right before such a read is dead, gates on other released
  qubits are dead.

``stats`` ops (host reads of a kernel) read bits: for ``"bits"`` the returned
``i1`` values; for ``"state"`` the Z readout of every program qubit in program
order (the Z basis is one view of the state); for ``"z"`` the listed qubits.

**Program qubits and layouts.** An unmapped kernel's program qubits are its
output wires (the wire convention of :mod:`qglm_ir.semantics`). After
``layout``/``route`` a kernel has one wire per physical qubit and carries
``initial_layout`` (physical qubit of program qubit ``k`` at the start) and
``final_layout`` (where program qubit ``k`` ends): the program still has
``len(initial_layout)`` qubits, and program qubit ``k`` is read from output
wire ``final_layout[k]``. Every consumer (stats ops, the engine, the CFG, the
semantics, validation) asks :func:`readout_of` instead of counting wires, so
a compiled program keeps its source's width and logical order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..core.ir import Operation
from ..core.types import FunctionType, i1
from .kernel_wires import count_wires

ReadoutKind = Literal["state", "bits", "z"]
READOUT_KINDS: tuple[str, ...] = ("state", "bits", "z")


@dataclass(frozen=True)
class Readout:
    """A kernel's contract resolved against its wires.

    ``kind``: see the module docstring. ``width``: number of readout bits a
    ``stats`` op sees. ``wires``: for ``"state"``/``"z"``, the output wire read
    for each readout bit, in bit order (empty for ``"bits"``). ``num_program_qubits``:
    qubits of the source program (device ancillas excluded).
    """

    kind: ReadoutKind
    width: int
    wires: tuple[int, ...]
    num_program_qubits: int

    @property
    def from_wires(self) -> bool:
        """Whether the readout bits are Z reads of output wires (not returned values)."""
        return self.kind != "bits"


def returned_bits(kernel: Operation) -> int:
    """Number of ``i1`` values a kernel returns."""
    ftype = kernel.properties.get("function_type")
    assert isinstance(ftype, FunctionType)
    return sum(1 for t in ftype.results if t == i1)


def num_output_wires(kernel: Operation) -> int:
    """Output wires of a kernel: its qubit arguments plus its ``q.alloc``s (as many as its
    input wires, :func:`qglm_ir.dialects.kernel_wires.count_wires`)."""
    return count_wires(kernel)


def _layout(kernel: Operation) -> object | None:
    """The kernel's program-qubit layout property (``final_layout``, else ``initial_layout``),
    ``None`` when the kernel is not mapped."""
    return kernel.properties.get("final_layout", kernel.properties.get("initial_layout"))


def program_wire_map(kernel: Operation) -> tuple[int, ...]:
    """Output wire of each program qubit: ``final_layout`` when mapped, else ``0..n-1``."""
    final = _layout(kernel)
    if final is not None:
        return tuple(int(p) for p in final)  # type: ignore[union-attr]
    return tuple(range(num_output_wires(kernel)))


def contract_kind(kernel: Operation) -> ReadoutKind:
    """The declared ``readout`` property, or its default (see the module docstring)."""
    kind = kernel.properties.get("readout")
    if kind is None:
        return "bits" if returned_bits(kernel) else "state"
    return kind  # type: ignore[return-value]


def reads_every_wire(kernel: Operation) -> bool:
    """Whether the readout observes the full state of every output wire: a ``state`` contract
    on an unmapped kernel, whose program qubits are all its wires (:func:`program_wire_map`:
    ``0..n-1`` for ``n`` wires). Cheap: reads properties only, numbers no wire."""
    return contract_kind(kernel) == "state" and _layout(kernel) is None


def readout_of(kernel: Operation) -> Readout:
    """Resolve ``kernel``'s readout contract against its (possibly mapped) wires."""
    kind = contract_kind(kernel)
    wire_of = program_wire_map(kernel)
    n = len(wire_of)
    if kind == "bits":
        return Readout("bits", returned_bits(kernel), (), n)
    if kind == "z":
        qubits = tuple(int(k) for k in kernel.properties.get("readout_qubits", ()))  # type: ignore[union-attr]
        return Readout("z", len(qubits), tuple(wire_of[k] for k in qubits), n)
    return Readout("state", n, wire_of, n)


def contract_errors(kernel: Operation) -> list[str]:
    """Problems with a kernel's ``readout``/``readout_qubits`` properties (empty when valid)."""
    kind = kernel.properties.get("readout")
    qubits = kernel.properties.get("readout_qubits")
    if kind is None:
        return ["readout_qubits is given without readout = \"z\""] if qubits is not None else []
    if kind not in READOUT_KINDS:
        return [f"readout must be one of {', '.join(repr(k) for k in READOUT_KINDS)}, got {kind!r}"]
    if kind != "z":
        return ["readout_qubits is only allowed with readout = \"z\""] if qubits is not None else []
    if not isinstance(qubits, Sequence) or isinstance(qubits, str) or not all(
        isinstance(q, int) and not isinstance(q, bool) for q in qubits
    ):
        return ["readout = \"z\" needs readout_qubits, a list of program qubit indices"]
    n = len(program_wire_map(kernel))
    bad = [q for q in qubits if not 0 <= q < n]
    if bad:
        return [f"readout_qubits {bad} out of range for {n} program qubit(s)"]
    if len(set(qubits)) != len(qubits):
        return ["readout_qubits lists a qubit twice"]
    if returned_bits(kernel):
        return ["readout = \"z\" kernels must not also return bits"]
    return []
