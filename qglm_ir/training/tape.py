"""Flatten a measurement-free kernel into a tape with affine symbolic angles.

The tape is what every batched simulator and gradient method of
:mod:`qglm_ir.training` reads: a list of gates on wires, where each gate angle
is row ``r`` of an affine map ``angles = A @ s + b`` over the *symbol vector*
``s`` (the kernel's classical arguments, flattened row-major, followed by the
module parameters it reads, in the order it first reads them).

Tracing reuses the semantics interpreter (:mod:`qglm_ir.semantics.interpreter`),
so loops are unrolled, calls inlined and classical ops on known values
evaluated exactly as the reference semantics does; only values that depend on
a symbol are tracked here, as :class:`Affine` expressions. Ops on symbolic
values are limited to the affine ones (``+ - * /`` by a constant, negation,
``tensor.extract``/``from_elements``/``reshape``/``concat``, a ``select`` on a
known condition); anything else (``sin(x)``, ``x * y``, a loop bound or a
comparison that depends on a symbol) raises :class:`TrainingError` at the op.

Requires: a verified ``q.kernel`` inside a module. Guarantees: the tape's gates times
``exp(i * phase)`` are the kernel's unitary on its wires (identities dropped).
"""

from __future__ import annotations

import cmath
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.attributes import SymbolRef
from ..core.errors import Location, SemanticsError
from ..core.ir import Operation
from ..core.module import SymbolTable
from ..core.types import TensorType
from ..dialects.embed import StateOp
from ..dialects.kernel_wires import qubit_args
from ..dialects.q import GlobalPhaseOp
from ..semantics.binding import resolve_kernel
from ..semantics.interpreter import Branch, Interpreter
from ..semantics.state import NeedsBranching, TraceSink
from .errors import TrainingError


class _NotAffine(Exception):
    """An operation on a symbolic value that the affine tape cannot express."""


class Affine:
    """``const + sum(coef[i] * s[i])`` over the symbol vector ``s`` (sparse coefficients)."""

    __slots__ = ("coef", "const")
    __array_priority__ = 1000  # numpy scalars defer to our operators

    def __init__(self, coef: dict[int, float], const: float = 0.0):
        self.coef = coef
        self.const = float(const)

    @staticmethod
    def _known(x: Any) -> bool:
        return isinstance(x, (numbers.Real, np.number)) and not isinstance(x, (bool, np.bool_))

    def _combine(self, other: Any, sign: float) -> Affine:
        if isinstance(other, Affine):
            coef = dict(self.coef)
            for i, c in other.coef.items():
                coef[i] = coef.get(i, 0.0) + sign * c
            return Affine(coef, self.const + sign * other.const)
        if self._known(other):
            return Affine(dict(self.coef), self.const + sign * float(other))
        return NotImplemented

    def __add__(self, other: Any) -> Affine:
        return self._combine(other, 1.0)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Affine:
        return self._combine(other, -1.0)

    def __rsub__(self, other: Any) -> Affine:
        return (-self)._combine(other, 1.0)

    def __neg__(self) -> Affine:
        return self.scale(-1.0)

    def __pos__(self) -> Affine:
        return self

    def scale(self, k: float) -> Affine:
        return Affine({i: k * c for i, c in self.coef.items()}, k * self.const)

    def __mul__(self, other: Any) -> Affine:
        if self._known(other):
            return self.scale(float(other))
        raise _NotAffine("a product of two symbolic values is not affine")

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Affine:
        if self._known(other) and float(other) != 0.0:
            return self.scale(1.0 / float(other))
        raise _NotAffine("division by a symbolic value (or by zero) is not affine")

    def __rtruediv__(self, other: Any) -> Affine:
        raise _NotAffine("division by a symbolic value is not affine")

    def _concrete(self, *_: Any) -> Any:
        raise _NotAffine("the value depends on a kernel input or parameter, but is used where a known value is needed")

    __float__ = __int__ = __index__ = __bool__ = __lt__ = __le__ = __gt__ = __ge__ = _concrete  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Affine({self.coef}, {self.const})"


def _symbolic(x: Any) -> bool:
    # Concrete values are Python scalars or typed numpy arrays (classical_eval's representation);
    # only the tracer builds object arrays, and only for tensors holding Affine entries.
    return isinstance(x, Affine) or (isinstance(x, np.ndarray) and x.dtype == object)


def symbol_array(base: int, shape: tuple[int, ...]) -> Any:
    """The symbols ``s[base] .. s[base + prod(shape) - 1]`` as an object array (or one Affine)."""
    if not shape:
        return Affine({base: 1.0})
    n = int(np.prod(shape))
    out = np.empty(n, dtype=object)
    for j in range(n):
        out[j] = Affine({base + j: 1.0})
    return out.reshape(shape)


@dataclass(frozen=True)
class TapeOp:
    """One gate: ``name`` (gate name, or ``"unitary"``), the wires it acts on (gate
    qubit order, little-endian matrices), a constant ``matrix`` or the rows of the
    angle table holding its parameters (in the gate's parameter order)."""

    name: str
    wires: tuple[int, ...]
    matrix: np.ndarray | None = None
    angles: tuple[int, ...] = ()
    loc: Location | None = None


@dataclass
class Tape:
    """A flattened kernel (see the module docstring).

    ``symbols``: ``(name, shape, offset)`` of each block of the symbol vector;
    ``num_inputs`` of them are kernel arguments, the rest module parameters.
    ``A`` (``n_angles x n_symbols``, dense) and ``b`` give the angles.
    ``readout``: the wire read for each readout bit. ``phase``: the global phase
    (simulation ignores it; exported circuits carry it).
    """

    num_wires: int
    ops: list[TapeOp] = field(default_factory=list)
    symbols: list[tuple[str, tuple[int, ...], int]] = field(default_factory=list)
    num_inputs: int = 0
    rows: list[Affine] = field(default_factory=list)
    readout: tuple[int, ...] = ()
    phase: Affine = field(default_factory=lambda: Affine({}))  # global phase (exported artifacts keep it)

    @property
    def num_symbols(self) -> int:
        return sum(int(np.prod(s)) for _, s, _ in self.symbols)

    @property
    def num_angles(self) -> int:
        return len(self.rows)

    def affine_map(self) -> tuple[np.ndarray, np.ndarray]:
        """``(A, b)`` with ``angles = A @ s + b``."""
        A = np.zeros((len(self.rows), self.num_symbols))
        b = np.zeros(len(self.rows))
        for r, a in enumerate(self.rows):
            b[r] = a.const
            for i, c in a.coef.items():
                A[r, i] += c
        return A, b

    def angle_row(self, value: Any) -> int:
        self.rows.append(value if isinstance(value, Affine) else Affine({}, float(value)))
        return len(self.rows) - 1


class _Tracer(Interpreter):
    """The semantics interpreter, recording gates into a :class:`Tape` with symbolic angles."""

    def __init__(self, tape: Tape, symbols: SymbolTable | None):
        super().__init__(params=None, symbols=symbols)  # type: ignore[arg-type]  (param.get handled here)
        self.tape = tape
        self._params: dict[str, Any] = {}

    def _gate(self, op: Operation, batch: list[Branch], g: tuple[int, Any, np.ndarray | None]) -> None:
        npar, spec, const = g
        ops = op.operands
        slots = tuple(self.slot[v] for v in ops[npar:])
        for r, s in zip(op.results, slots):
            self.slot[r] = s
        if const is not None:
            self.tape.ops.append(TapeOp(spec.name, slots, matrix=const, loc=op.loc))
            return
        rows = tuple(self.tape.angle_row(self.get(v, batch[0])) for v in ops[:npar])
        self.tape.ops.append(TapeOp(spec.name, slots, angles=rows, loc=op.loc))

    def _unitary(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        n = len(self.tape_sink(batch).trace.ops)
        batch = super()._unitary(op, batch)
        self._flush(batch, n, op)
        return batch

    def _embedding(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        if _symbolic(self.get(StateOp(op).angles, batch[0])):
            raise TrainingError(
                f"{op.name} of a kernel input or parameter is not differentiable here "
                "(its angles are not affine in the data)",
                op.loc,
                help="embed the data with angle rotations, or pass it as a fixed input",
            )
        n = len(self.tape_sink(batch).trace.ops)
        batch = super()._embedding(op, batch)
        self._flush(batch, n, op)
        return batch

    @staticmethod
    def tape_sink(batch: list[Branch]) -> TraceSink:
        return batch[0].sink

    def _flush(self, batch: list[Branch], start: int, op: Operation) -> None:
        """Move constant matrices the parent handlers wrote to the sink onto the tape."""
        ops = self.tape_sink(batch).trace.ops
        for mat, slots in ops[start:]:
            self.tape.ops.append(TapeOp("unitary", tuple(slots), matrix=np.asarray(mat, dtype=np.complex128),
                                        loc=op.loc))
        del ops[start:]

    def _global_phase(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        # no expectation value or probability sees it; exported circuits keep it
        self.tape.phase = self.tape.phase + self.get(GlobalPhaseOp(op).angle, batch[0])
        return batch

    def _param_get(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        ref = op.properties.get("name")
        if not isinstance(ref, SymbolRef):
            raise SemanticsError("param.get without a 'name' property", op.loc)
        name = ref.name
        if name not in self._params:
            t = op.results[0].type
            shape = tuple(t.shape) if isinstance(t, TensorType) else ()
            base = self.tape.num_symbols
            self.tape.symbols.append((name, shape, base))
            self._params[name] = symbol_array(base, shape)
        self._set_uniform(op.results[0], self._params[name])
        return batch

    def _classical(self, op: Operation, batch: list[Branch]) -> None:
        vals = [self.get(v, batch[0]) for v in op.operands]
        if not any(_symbolic(v) for v in vals):
            super()._classical(op, batch)
            return
        for r, x in zip(op.results, _affine_eval(op, vals)):
            self._set_uniform(r, x)


def _affine_eval(op: Operation, vals: list[Any]) -> list[Any]:
    """Results of a classical op with at least one symbolic operand (affine ops only)."""
    name = op.name
    try:
        if name in ("arith.add", "arith.sub", "arith.mul", "arith.div"):
            a, b = (np.asarray(v, dtype=object) if isinstance(v, np.ndarray) else v for v in vals)
            if name == "arith.add":
                return [a + b]
            if name == "arith.sub":
                return [a - b]
            if name == "arith.mul":
                return [a * b]
            return [a / b]
        if name == "arith.neg":
            return [-vals[0]]
        if name == "arith.cast":
            t = op.results[0].type
            if str(t) != "f64":
                raise _NotAffine(f"converting a symbolic value to {t}")
            return [vals[0]]
        if name == "arith.select":
            c, a, b = vals
            return [a if bool(c) else b]
        if name == "tensor.extract":
            arr = vals[0]
            idx = tuple(int(i) for i in vals[1:])
            return [arr[idx]]
        if name == "tensor.from_elements":
            out = np.empty(len(vals), dtype=object)
            for i, v in enumerate(vals):
                out[i] = v
            return [out.reshape(tuple(op.results[0].type.shape))]  # type: ignore[union-attr]
        if name == "tensor.reshape":
            return [np.asarray(vals[0], dtype=object).reshape(tuple(op.results[0].type.shape))]  # type: ignore[union-attr]
        if name == "tensor.concat":
            axis = int(op.properties.get("axis", 0))  # type: ignore[arg-type]
            return [np.concatenate([np.asarray(v, dtype=object) for v in vals], axis=axis)]
    except _NotAffine as exc:
        raise TrainingError(f"{op.name}: {exc}", op.loc,
                            help="gradients need gate angles that are affine in the kernel's inputs and parameters") \
            from None
    raise TrainingError(
        f"{op.name} of a kernel input or parameter is not supported in a differentiable kernel "
        "(angles must be affine in the inputs and parameters)",
        op.loc,
        help="compute it on the host and pass the result to the kernel as an input",
    )


def trace_kernel(kernel: Operation, inputs: Sequence[tuple[str, tuple[int, ...]]],
                 readout_wires: Sequence[int]) -> Tape:
    """Flatten ``kernel`` (see the module docstring); ``inputs`` are its classical arguments
    ``(name, shape)`` in order, ``readout_wires[j]`` the output wire of readout bit ``j``."""
    kernel, module = resolve_kernel(kernel)
    body = kernel.regions[0].blocks[0]
    num_qubit_args = len(qubit_args(kernel))
    tape = Tape(num_wires=0)
    classical: dict[Any, Any] = {}
    args = [a for a in body.args if not a.type.is_qubit]
    for a, (name, shape) in zip(args, inputs):
        base = tape.num_symbols
        tape.symbols.append((name, tuple(shape), base))
        classical[a] = symbol_array(base, tuple(shape))
    tape.num_inputs = len(tape.symbols)
    for op in kernel.walk():
        if op.name.startswith("noise."):
            raise TrainingError(
                "the kernel carries noise.* annotations; differentiable kernels are ideal circuits",
                op.loc,
                help="pass a NoiseSpec to forward()/vjp() for noise-aware training",
            )
    tracer = _Tracer(tape, SymbolTable(module) if module is not None else None)
    sink = TraceSink(num_qubit_args)
    try:
        result = tracer.run(kernel, [Branch(sink)], classical)
    except NeedsBranching as exc:
        raise TrainingError(
            f"the kernel measures or resets mid-circuit ({exc.op.name}); gradients need a measurement-free kernel",
            exc.op.loc or kernel.loc,
            help="move measurements to the end (the readout) or split the kernel",
        ) from None
    except _NotAffine as exc:
        raise TrainingError(f"kernel @{kernel.properties.get('sym_name')}: {exc}", kernel.loc) from None
    if sink.trace.ops:  # gates a parent handler wrote directly to the sink (none expected)
        raise AssertionError("untraced gates left on the sink")
    tape.num_wires = sink.n
    tape.phase = tape.phase + cmath.phase(sink.trace.phase)  # phases of embedding templates
    outputs = result.outputs
    tape.readout = tuple(outputs[w] for w in readout_wires)
    return tape
