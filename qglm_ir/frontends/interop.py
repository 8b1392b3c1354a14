"""Import circuits from Qiskit and Cirq into qglm IR.

``from_qiskit(qc)`` returns a module with one ``q.kernel`` (named after the
circuit) that allocates the circuit's qubits in order (wire ``i`` = circuit
qubit ``i``), takes the circuit's free parameters as inputs and returns the
final value of every clbit in circuit order (a clbit never written returns
``false``):

* inputs, sorted by name: one ``tensor<Nxf64>`` per ``ParameterVector`` (named
  after the vector, ``N`` its full length) and one ``f64`` per ``Parameter``;
  a ``ParameterExpression`` becomes ``arith`` ops (``+ - * /``, integer powers,
  ``sin``, ``cos``, ``pi``);
* gate-table gates are recognized by name; ``unitary`` becomes ``q.unitary``;
  any other gate is imported through its Qiskit ``definition`` (recursively),
  or as ``q.unitary`` of its matrix when it has none;
* ``measure``, ``reset``, ``barrier``, ``delay``, global phase;
* ``IfElseOp`` (condition on a clbit, a register compared with an integer, or a
  classical expression of bits with ``!``, ``&&``, ``||``, ``==``, ``!=``) becomes
  ``scf.if``; ``ForLoopOp`` over an arithmetic progression becomes ``scf.for``
  (the loop parameter is the cast induction variable), other index sets are
  unrolled; ``WhileLoopOp`` becomes ``scf.while``; ``BoxOp`` is inlined.
  Qubits a body uses and clbits it writes are threaded through the op's
  operands/results (clbits as ``i1`` values).

``from_cirq(circuit)`` converts through Cirq's own Qiskit-independent pieces:
each operation's gate is matched against the gate table by unitary (exact
match of the little-endian matrix, or a Cirq-recognized family such as
``rx``), falling back to ``q.unitary``; measurements (one clbit per measured
qubit, keys in sorted order), classically controlled operations on single-bit
keys and ``CircuitOperation`` repetitions (``scf.for``) are supported.

Errors are :class:`~qglm_ir.core.errors.ParseError` (the input cannot be
represented); nothing here executes user code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import (
    dialects,  # noqa: F401  (registers every op)
    limits,
)
from ..core.attributes import DenseArray
from ..core.builder import Builder
from ..core.errors import ParseError
from ..core.ir import Block, Operation, Region, Value
from ..core.module import Module
from ..core.types import FunctionType, TensorType, Type, f64, i1, i64, qubit
from ..dialects.gates import GATES

if TYPE_CHECKING:  # pragma: no cover
    import cirq
    from qiskit import QuantumCircuit

_MAX_MATRIX_QUBITS = 6


def _sanitize(name: str, default: str) -> str:
    from ..backends._kernel_view import sanitize

    return sanitize(name, default)


class _Scope:
    """Current SSA value of every qubit and clbit (keyed by top-level bit) in one block."""

    def __init__(self, block: Block, parent: _Scope | None):
        self.block = block
        self.b = Builder.at_end(block)
        self.parent = parent
        self.q: dict[object, Value] = {}
        self.c: dict[object, Value] = {}
        self.consts: dict[tuple, Value] = {}
        self.params: dict[str, Value] = {}

    def clbit(self, bit: object) -> Value | None:
        s: _Scope | None = self
        while s is not None:
            v = s.c.get(bit)
            if v is not None:
                return v
            s = s.parent
        return None


class _QiskitImporter:
    def __init__(self, qc: QuantumCircuit):
        from qiskit.circuit import ParameterVectorElement

        self.qc = qc
        self.module = Module()
        self.inputs: list[tuple[str, Type]] = []
        self.param_index: dict[str, tuple[int, int | None]] = {}  # param name -> (input #, vector index)
        vectors: dict[str, int] = {}
        scalars: list[str] = []
        for p in qc.parameters:
            if isinstance(p, ParameterVectorElement):
                vectors[p.vector.name] = len(p.vector)
            else:
                scalars.append(p.name)
        entries = [(n, TensorType((k,), f64)) for n, k in vectors.items()] + [(n, f64) for n in scalars]
        entries.sort(key=lambda e: e[0])
        used: set[str] = set()
        self.input_names: dict[str, str] = {}
        for n, t in entries:
            name = _sanitize(n, "p")
            while name in used:
                name += "_"
            used.add(name)
            self.input_names[n] = name
            self.inputs.append((name, t))
        self.loop_params: dict[str, Value] = {}

    # ------------------------------------------------------------------ values
    def const(self, s: _Scope, value: float | int | bool) -> Value:
        t = i1 if isinstance(value, bool) else (i64 if isinstance(value, int) else f64)
        key = (t, value)
        v = s.consts.get(key)
        if v is None:
            v = s.consts[key] = s.b.create("arith.constant", (), [t], {"value": value}).result
        return v

    def arith(self, s: _Scope, name: str, *args: Value) -> Value:
        return s.b.create("arith." + name, list(args), [args[0].type]).result

    def param(self, s: _Scope, name: str) -> Value:
        if name in self.loop_params:
            return self.loop_params[name]
        v = s.params.get(name)
        if v is not None:
            return v
        vec, _, idx = name.partition("[")
        if idx and vec in self.input_names:
            arg = self.args[self.input_index[self.input_names[vec]]]
            k = int(idx.rstrip("]"))
            v = s.b.create("tensor.extract", [arg, self.const(s, k)], [f64]).result
        elif name in self.input_names:
            v = self.args[self.input_index[self.input_names[name]]]
        else:
            raise ParseError(f"unknown circuit parameter '{name}'")
        s.params[name] = v
        return v

    def angle(self, s: _Scope, p: object) -> Value:
        from qiskit.circuit import Parameter, ParameterExpression

        if isinstance(p, Parameter):
            return self.param(s, p.name)
        if isinstance(p, ParameterExpression):
            if not p.parameters:
                return self.const(s, float(p.numeric().real if hasattr(p, "numeric") else complex(p).real))
            return self._sympy(s, p.sympify())
        if isinstance(p, (int, float, np.integer, np.floating)):
            return self.const(s, float(p))
        raise ParseError(f"unsupported gate parameter {p!r}")

    def _sympy(self, s: _Scope, e: object) -> Value:
        import sympy

        if isinstance(e, sympy.Symbol):
            return self.param(s, e.name)
        if e == sympy.pi:
            return s.b.create("arith.pi", (), [f64]).result
        if isinstance(e, sympy.Number) or (hasattr(e, "is_number") and e.is_number and not e.free_symbols):
            return self.const(s, float(complex(e).real))  # type: ignore[arg-type]
        if isinstance(e, sympy.Add):
            vals = [self._sympy(s, a) for a in e.args]
            out = vals[0]
            for v in vals[1:]:
                out = self.arith(s, "add", out, v)
            return out
        if isinstance(e, sympy.Mul):
            vals = [self._sympy(s, a) for a in e.args]
            out = vals[0]
            for v in vals[1:]:
                out = self.arith(s, "mul", out, v)
            return out
        if isinstance(e, sympy.Pow) and e.exp.is_integer and e.exp != 0:
            k = int(e.exp)
            base = self._sympy(s, e.base)
            out = base
            for _ in range(abs(k) - 1):
                out = self.arith(s, "mul", out, base)
            return self.arith(s, "div", self.const(s, 1.0), out) if k < 0 else out
        if isinstance(e, (sympy.sin, sympy.cos)):
            return s.b.create("arith." + type(e).__name__, [self._sympy(s, e.args[0])], [f64]).result
        raise ParseError(f"cannot import the parameter expression '{e}'",
                         help="supported: + - * /, integer powers, sin, cos, pi")

    # ------------------------------------------------------------------ build
    def run(self) -> Module:
        qc = self.qc
        name = _sanitize(qc.name or "circuit", "circuit")
        body = Block([t for _, t in self.inputs])
        for a, (n, _) in zip(body.args, self.inputs):
            a.name_hint = n
        self.args = body.args
        self.input_index = {n: i for i, (n, _) in enumerate(self.inputs)}
        top = _Scope(body, None)
        if len(qc.qubits) > limits.current().max_qubits:
            msg, help_ = limits.exceeded("qubits in the circuit", len(qc.qubits), "max_qubits")
            raise ParseError(msg, help=help_)
        for q in qc.qubits:
            top.q[q] = top.b.create("q.alloc", (), [qubit]).result
        gp = qc.global_phase
        if not (isinstance(gp, (int, float)) and gp == 0):
            top.b.create("q.global_phase", [self.angle(top, gp)], [])
        self.emit(top, qc, {q: q for q in qc.qubits}, {c: c for c in qc.clbits})
        for q in qc.qubits:
            top.b.create("q.dealloc", [top.q[q]], [])
        rets = [top.clbit(c) or self.const(top, False) for c in qc.clbits]
        top.b.create("func.return", rets, [])
        ftype = FunctionType(tuple(t for _, t in self.inputs), tuple(v.type for v in rets))
        kernel = Operation("q.kernel", properties={"sym_name": name, "function_type": ftype},
                           regions=[Region([body])])
        self.module.append(kernel)
        return self.module

    def emit(self, s: _Scope, circ: QuantumCircuit, qmap: dict, cmap: dict) -> None:
        for ci in circ.data:
            self.instruction(s, ci.operation, [qmap[q] for q in ci.qubits], [cmap[c] for c in ci.clbits], cmap)

    def apply(self, s: _Scope, name: str, qs: Sequence[object], extra: Sequence[Value] = (),
              props: dict | None = None) -> Operation:
        self.gate_count = getattr(self, "gate_count", 0) + 1
        if self.gate_count > limits.current().max_gates:  # gate definitions and loops unroll here
            msg, help_ = limits.exceeded("gates in the circuit after unrolling", f"over {self.gate_count - 1}",
                                         "max_gates")
            raise ParseError(msg, help=help_)
        ins = [s.q[q] for q in qs]
        op = s.b.create(name, [*extra, *ins], [qubit] * len(qs), props)
        for q, r in zip(qs, op.results):
            s.q[q] = r
        return op

    def instruction(self, s: _Scope, op: object, qs: list, cs: list, cmap: dict) -> None:
        name = op.name  # type: ignore[attr-defined]
        spec = GATES.get(name)
        params = list(getattr(op, "params", ()))
        if spec is not None and spec.num_qubits == len(qs) and spec.num_params == len(params) and not cs:
            self.apply(s, spec.ir_name, qs, [self.angle(s, p) for p in params])
        elif name == "measure":
            m = s.b.create("q.measure", [s.q[qs[0]]], [i1, qubit])
            s.q[qs[0]] = m.results[1]
            s.c[cs[0]] = m.results[0]
        elif name == "reset":
            self.apply(s, "q.reset", qs)
        elif name == "barrier":
            if qs:
                self.apply(s, "q.barrier", qs)
        elif name == "delay":
            unit = op.unit  # type: ignore[attr-defined]
            dur = op.duration  # type: ignore[attr-defined]
            if unit not in ("dt", "ns", "us", "ms", "s") or not isinstance(dur, (int, float, np.number)):
                raise ParseError(f"cannot import a delay of {dur!r} {unit}")
            self.apply(s, "q.delay", qs, props={"duration": float(dur), "unit": unit})
        elif name == "global_phase":
            s.b.create("q.global_phase", [self.angle(s, params[0])], [])
        elif name == "if_else":
            self.if_else(s, op, qs, cs, cmap)
        elif name == "for_loop":
            self.for_loop(s, op, qs, cs)
        elif name == "while_loop":
            self.while_loop(s, op, qs, cs, cmap)
        elif name == "box":
            body = op.blocks[0]  # type: ignore[attr-defined]
            self.emit(s, body, dict(zip(body.qubits, qs)), dict(zip(body.clbits, cs)))
        elif name == "unitary" or (getattr(op, "definition", None) is None and hasattr(op, "to_matrix")):
            self.matrix(s, op, qs)
        elif self._definition(op) is not None:
            d = self._definition(op)
            if d.global_phase:
                s.b.create("q.global_phase", [self.angle(s, d.global_phase)], [])
            self.emit(s, d, dict(zip(d.qubits, qs)), dict(zip(d.clbits, cs)))
        else:
            raise ParseError(f"cannot import the instruction '{name}' (no definition or matrix)")

    def _definition(self, op: object) -> QuantumCircuit | None:
        """``op.definition``, cached per (class, name, params): Qiskit rebuilds the definition of
        an OpenQASM 2 custom gate on every access, which made nested definitions very slow."""
        try:
            key = (type(op), op.name, tuple(float(p) for p in op.params))  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            return getattr(op, "definition", None)
        cache = self.__dict__.setdefault("_definitions", {})
        if key not in cache:
            cache[key] = getattr(op, "definition", None)
        return cache[key]  # type: ignore[no-any-return]

    def matrix(self, s: _Scope, op: object, qs: list) -> None:
        if len(qs) > _MAX_MATRIX_QUBITS:
            raise ParseError(f"'{op.name}' on {len(qs)} qubits is too wide to import as a matrix")  # type: ignore[attr-defined]
        try:
            m = np.asarray(op.to_matrix(), dtype=np.complex128)  # type: ignore[attr-defined]
        except Exception as e:  # qiskit raises several types for symbolic or opaque gates
            raise ParseError(f"cannot import '{op.name}': {e}") from None  # type: ignore[attr-defined]
        self.apply(s, "q.unitary", qs, props={"matrix": DenseArray(m)})

    # ------------------------------------------------------------------ control flow
    def _written(self, circ: QuantumCircuit, cmap: dict) -> list:
        """Top-level clbits written anywhere inside ``circ`` (in first-write order)."""
        out: dict = {}
        for ci in circ.data:
            op = ci.operation
            if op.name == "measure":
                out[cmap[ci.clbits[0]]] = None
            for blk in getattr(op, "blocks", ()):
                inner = {b: cmap[c] for b, c in zip(blk.clbits, ci.clbits)}
                for c in self._written(blk, inner):
                    out[c] = None
        return list(out)

    def condition(self, s: _Scope, cond: object, cmap: dict) -> Value:
        """The ``i1`` value of a Qiskit condition (``(bit, val)``, ``(reg, val)`` or an expr)."""
        from qiskit.circuit import ClassicalRegister, Clbit
        from qiskit.circuit.classical import expr

        def bitval(bit: object) -> Value:
            v = s.clbit(bit)
            return v if v is not None else self.const(s, False)

        def top(bit: object) -> object:
            return cmap[bit]  # a bit of the enclosing circuit -> the top-level clbit

        if isinstance(cond, tuple):
            target, val = cond
            if isinstance(target, Clbit):
                b = bitval(top(target))
                return b if bool(val) else s.b.create("arith.not", [b], [i1]).result
            if isinstance(target, ClassicalRegister):
                return self._reg_equals(s, [bitval(top(b)) for b in target], int(val))
        if isinstance(cond, expr.Expr):
            return self._expr(s, cond, bitval, top)
        raise ParseError(f"unsupported condition {cond!r}")

    def _reg_equals(self, s: _Scope, bits: list[Value], val: int) -> Value:
        out: Value | None = None
        for k, b in enumerate(bits):
            term = b if (val >> k) & 1 else s.b.create("arith.not", [b], [i1]).result
            out = term if out is None else s.b.create("arith.and", [out, term], [i1]).result
        if val >> len(bits):
            return self.const(s, False)
        return out if out is not None else self.const(s, True)

    def _expr(self, s: _Scope, e: object, bitval, top) -> Value:
        from qiskit.circuit import ClassicalRegister, Clbit
        from qiskit.circuit.classical import expr

        if isinstance(e, expr.Var) and isinstance(e.var, Clbit):
            return bitval(top(e.var))
        if isinstance(e, expr.Value) and isinstance(e.value, bool):
            return self.const(s, e.value)
        if isinstance(e, expr.Cast):
            return self._expr(s, e.operand, bitval, top)
        if isinstance(e, expr.Unary) and e.op in (expr.Unary.Op.LOGIC_NOT, expr.Unary.Op.BIT_NOT) \
                and not isinstance(getattr(e.operand, "var", None), ClassicalRegister):
            return s.b.create("arith.not", [self._expr(s, e.operand, bitval, top)], [i1]).result
        if isinstance(e, expr.Binary):
            op = e.op
            if op in (expr.Binary.Op.EQUAL, expr.Binary.Op.NOT_EQUAL):
                lhs, rhs = e.left, e.right
                if isinstance(lhs, expr.Value):
                    lhs, rhs = rhs, lhs
                if isinstance(lhs, expr.Var) and isinstance(lhs.var, ClassicalRegister) and isinstance(rhs, expr.Value):
                    r = self._reg_equals(s, [bitval(top(b)) for b in lhs.var], int(rhs.value))
                else:
                    a = self._expr(s, lhs, bitval, top)
                    b = self._expr(s, rhs, bitval, top)
                    r = s.b.create("arith.not", [s.b.create("arith.xor", [a, b], [i1]).result], [i1]).result
                return r if op == expr.Binary.Op.EQUAL else s.b.create("arith.not", [r], [i1]).result
            names = {expr.Binary.Op.LOGIC_AND: "and", expr.Binary.Op.BIT_AND: "and",
                     expr.Binary.Op.LOGIC_OR: "or", expr.Binary.Op.BIT_OR: "or", expr.Binary.Op.BIT_XOR: "xor"}
            if op in names:
                a = self._expr(s, e.left, bitval, top)
                b = self._expr(s, e.right, bitval, top)
                return s.b.create("arith." + names[op], [a, b], [i1]).result
        raise ParseError(f"unsupported classical condition {e}",
                         help="supported: bits, registers compared with integers, !, &&, ||, ==, !=")

    def _region(self, s: _Scope, arg_types: Sequence[Type]) -> _Scope:
        return _Scope(Block(arg_types), s)

    def if_else(self, s: _Scope, op: object, qs: list, cs: list, cmap: dict) -> None:
        blocks = op.blocks  # type: ignore[attr-defined]
        written: dict = {}
        for blk in blocks:
            if blk is None:
                continue
            for c in self._written(blk, dict(zip(blk.clbits, cs))):
                written[c] = None
        wr = list(written)
        cond = self.condition(s, op.condition, cmap)  # type: ignore[attr-defined]
        inputs = [s.q[q] for q in qs]
        regions = []
        for k in range(2):
            blk = blocks[k] if k < len(blocks) else None
            inner = self._region(s, [qubit] * len(qs))
            for q, a in zip(qs, inner.block.args):
                inner.q[q] = a
            if blk is not None:
                self.emit(inner, blk, dict(zip(blk.qubits, qs)), dict(zip(blk.clbits, cs)))
            vals = [inner.q[q] for q in qs] + [inner.clbit(c) or self.const(inner, False) for c in wr]
            inner.b.create("scf.yield", vals, [])
            regions.append(Region([inner.block]))
        res = s.b.create("scf.if", [cond, *inputs], [qubit] * len(qs) + [i1] * len(wr), regions=regions)
        self._bind_results(s, res, qs, wr)

    def _bind_results(self, s: _Scope, res: Operation, qs: list, wr: list) -> None:
        for q, r in zip(qs, res.results):
            s.q[q] = r
        for c, r in zip(wr, res.results[len(qs):]):
            s.c[c] = r

    def _carried(self, s: _Scope, wr: list) -> list[Value]:
        return [s.clbit(c) or self.const(s, False) for c in wr]

    def for_loop(self, s: _Scope, op: object, qs: list, cs: list) -> None:
        indexset, loop_param, body = op.params  # type: ignore[attr-defined]
        size = _length(indexset)
        if size > limits.current().max_gates:  # a range is never materialized past the limit
            msg, help_ = limits.exceeded("iterations of a for loop", size, "max_gates")
            raise ParseError(msg, help=help_)
        idx = list(indexset)
        wr = self._written(body, dict(zip(body.clbits, cs)))
        qmap, cmap = dict(zip(body.qubits, qs)), dict(zip(body.clbits, cs))
        step = idx[1] - idx[0] if len(idx) > 1 else 1
        if not idx:
            return
        if step <= 0 or any(b - a != step for a, b in zip(idx, idx[1:])):
            # Not an arithmetic progression: unroll with the loop parameter bound to each value.
            for i in idx:
                if loop_param is not None:
                    self.loop_params[loop_param.name] = self.const(s, float(i))
                self.emit(s, body, qmap, cmap)
            if loop_param is not None:
                del self.loop_params[loop_param.name]
            return
        inits = [s.q[q] for q in qs] + self._carried(s, wr)
        inner = self._region(s, [i64, *(v.type for v in inits)])
        args = inner.block.args
        for q, a in zip(qs, args[1:]):
            inner.q[q] = a
        for c, a in zip(wr, args[1 + len(qs):]):
            inner.c[c] = a
        if loop_param is not None:
            self.loop_params[loop_param.name] = inner.b.create("arith.cast", [args[0]], [f64]).result
        self.emit(inner, body, qmap, cmap)
        if loop_param is not None:
            del self.loop_params[loop_param.name]
        inner.b.create("scf.yield", [inner.q[q] for q in qs] + [inner.c[c] for c in wr], [])
        bounds = [self.const(s, int(idx[0])), self.const(s, int(idx[-1]) + 1), self.const(s, int(step))]
        res = s.b.create("scf.for", [*bounds, *inits], [v.type for v in inits], regions=[Region([inner.block])])
        self._bind_results(s, res, qs, wr)

    def while_loop(self, s: _Scope, op: object, qs: list, cs: list, cmap: dict) -> None:
        body = op.blocks[0]  # type: ignore[attr-defined]
        wr = self._written(body, dict(zip(body.clbits, cs)))
        inits = [s.q[q] for q in qs] + self._carried(s, wr)
        types = [v.type for v in inits]
        before = self._region(s, types)
        for q, a in zip(qs, before.block.args):
            before.q[q] = a
        for c, a in zip(wr, before.block.args[len(qs):]):
            before.c[c] = a
        cond = self.condition(before, op.condition, cmap)  # type: ignore[attr-defined]
        before.b.create("scf.condition", [cond, *before.block.args], [])
        after = self._region(s, types)
        for q, a in zip(qs, after.block.args):
            after.q[q] = a
        for c, a in zip(wr, after.block.args[len(qs):]):
            after.c[c] = a
        self.emit(after, body, dict(zip(body.qubits, qs)), dict(zip(body.clbits, cs)))
        after.b.create("scf.yield", [after.q[q] for q in qs] + [after.c[c] for c in wr], [])
        res = s.b.create("scf.while", inits, types, regions=[Region([before.block]), Region([after.block])])
        self._bind_results(s, res, qs, wr)


def _length(seq: object) -> int:
    """``len(seq)``, also for ranges longer than 2**63 (where ``len`` raises OverflowError)."""
    if isinstance(seq, range):
        if seq.step > 0:
            return max(0, (seq.stop - seq.start + seq.step - 1) // seq.step)
        return max(0, (seq.start - seq.stop - seq.step - 1) // -seq.step)
    return len(seq)  # type: ignore[arg-type]


def from_qiskit(qc: QuantumCircuit) -> Module:
    """Import a ``qiskit.QuantumCircuit`` as a module with one kernel (see the module docstring).

    Raises :class:`ParseError` for instructions or parameter expressions the IR
    cannot represent. The circuit is not modified.
    """
    return _QiskitImporter(qc).run()


# ---------------------------------------------------------------------------------- Cirq
def _cirq_table_gate(gate: object, n: int) -> tuple[str, tuple[float, ...]] | None:
    """Match a Cirq gate to a gate-table entry (name, angles), or None."""
    import cirq

    if isinstance(gate, cirq.Rx) and not cirq.is_parameterized(gate):
        return "rx", (float(gate._rads),)
    if isinstance(gate, cirq.Ry) and not cirq.is_parameterized(gate):
        return "ry", (float(gate._rads),)
    if isinstance(gate, cirq.Rz) and not cirq.is_parameterized(gate):
        return "rz", (float(gate._rads),)
    if not cirq.has_unitary(gate):
        return None
    u = cirq.unitary(gate)
    from ..backends.cirq import _big_endian

    le = _big_endian(u, n)  # the reversal is its own inverse
    for spec in GATES.values():
        if spec.num_qubits == n and spec.num_params == 0 and np.allclose(spec.matrix(), le, atol=1e-10):
            return spec.name, ()
    if n == 1 and isinstance(gate, cirq.ZPowGate) and gate.global_shift == 0:
        return "p", (float(gate.exponent) * math.pi,)
    return None


class _CirqImporter:
    def __init__(self, circuit: cirq.AbstractCircuit):
        import cirq

        self.cirq = cirq
        self.circuit = circuit
        self.qubits = sorted(circuit.all_qubits())
        keys: list[str] = []
        self.key_width: dict[str, int] = {}
        for op in circuit.all_operations():
            self._collect_keys(op, keys)
        self.keys = sorted(set(keys))
        self.module = Module()

    def _collect_keys(self, op: object, keys: list[str]) -> None:
        cirq = self.cirq
        if isinstance(op, cirq.CircuitOperation):
            for o in op.mapped_circuit(deep=False).all_operations():
                self._collect_keys(o, keys)
            return
        if cirq.is_measurement(op):
            key = str(cirq.measurement_key_name(op))
            keys.append(key)
            self.key_width[key] = max(self.key_width.get(key, 0), len(op.qubits))  # type: ignore[attr-defined]

    def run(self) -> Module:
        body = Block()
        s = _Scope(body, None)
        self.bitmap: dict[tuple[str, int], object] = {}
        order = []
        for k in self.keys:
            for i in range(self.key_width[k]):
                self.bitmap[(k, i)] = (k, i)
                order.append((k, i))
        for q in self.qubits:
            s.q[q] = s.b.create("q.alloc", (), [qubit]).result
        self.emit(s, self.circuit.all_operations())
        for q in self.qubits:
            s.b.create("q.dealloc", [s.q[q]], [])
        rets = [s.clbit(c) or s.b.create("arith.constant", (), [i1], {"value": False}).result for c in order]
        s.b.create("func.return", rets, [])
        k = Operation("q.kernel", properties={"sym_name": "circuit",
                                              "function_type": FunctionType((), tuple(v.type for v in rets))},
                      regions=[Region([body])])
        self.module.append(k)
        return self.module

    def emit(self, s: _Scope, ops: Iterable[object]) -> None:
        cirq = self.cirq
        for op in ops:
            if cirq.is_parameterized(op):
                raise ParseError(f"cannot import the parameterized Cirq operation {op}",
                                 help="resolve its parameters with cirq.resolve_parameters first")
            if isinstance(op, cirq.ClassicallyControlledOperation):
                self.controlled(s, op)
            elif isinstance(op, cirq.CircuitOperation):
                self.repeat(s, op)
            elif cirq.is_measurement(op):
                key = str(cirq.measurement_key_name(op))
                gate = op.gate  # type: ignore[attr-defined]
                inv = getattr(gate, "full_invert_mask", lambda: ())() if gate is not None else ()
                for i, q in enumerate(op.qubits):  # type: ignore[attr-defined]
                    flip = bool(inv[i]) if i < len(inv) else False
                    if flip:
                        self._apply(s, "q.x", [q])
                    m = s.b.create("q.measure", [s.q[q]], [i1, qubit])
                    s.q[q] = m.results[1]
                    s.c[(key, i)] = m.results[0]
                    if flip:
                        self._apply(s, "q.x", [q])
                        s.c[(key, i)] = s.b.create("arith.not", [m.results[0]], [i1]).result
            elif isinstance(op.gate, cirq.ResetChannel):  # type: ignore[attr-defined]
                self._apply(s, "q.reset", list(op.qubits))  # type: ignore[attr-defined]
            elif isinstance(op.gate, cirq.GlobalPhaseGate):  # type: ignore[attr-defined]
                phase = float(np.angle(complex(op.gate.coefficient)))  # type: ignore[attr-defined]
                c = s.b.create("arith.constant", (), [f64], {"value": phase}).result
                s.b.create("q.global_phase", [c], [])
            elif isinstance(op.gate, (cirq.WaitGate, cirq.IdentityGate)):  # type: ignore[attr-defined]
                continue
            else:
                self.gate(s, op)

    def _apply(self, s: _Scope, name: str, qs: list, extra: Sequence[Value] = (), props=None) -> None:
        res = s.b.create(name, [*extra, *(s.q[q] for q in qs)], [qubit] * len(qs), props)
        for q, r in zip(qs, res.results):
            s.q[q] = r

    def gate(self, s: _Scope, op: object) -> None:
        cirq = self.cirq
        qs = list(op.qubits)  # type: ignore[attr-defined]
        g = op.gate  # type: ignore[attr-defined]
        match = _cirq_table_gate(g, len(qs)) if g is not None else None
        if match is not None:
            name, params = match
            vals = [s.b.create("arith.constant", (), [f64], {"value": p}).result for p in params]
            self._apply(s, "q." + name, qs, vals)
            return
        if not cirq.has_unitary(op):
            raise ParseError(f"cannot import the Cirq operation {op} (not unitary)")
        if len(qs) > _MAX_MATRIX_QUBITS:
            raise ParseError(f"Cirq operation {op} is too wide to import as a matrix")
        from ..backends.cirq import _big_endian

        m = _big_endian(cirq.unitary(op), len(qs))
        self._apply(s, "q.unitary", qs, props={"matrix": DenseArray(m)})

    def _written(self, ops: Iterable[object]) -> list:
        cirq = self.cirq
        out: dict = {}
        for op in ops:
            if isinstance(op, cirq.CircuitOperation):
                for c in self._written(op.mapped_circuit(deep=False).all_operations()):
                    out[c] = None
            elif cirq.is_measurement(op):
                key = str(cirq.measurement_key_name(op))
                for i in range(len(op.qubits)):  # type: ignore[attr-defined]
                    out[(key, i)] = None
        return list(out)

    def controlled(self, s: _Scope, op: object) -> None:
        cirq = self.cirq
        cond: Value | None = None
        for c in op.classical_controls:  # type: ignore[attr-defined]
            if not isinstance(c, cirq.KeyCondition) or c.index != -1:
                raise ParseError(f"unsupported Cirq classical condition {c}", help="use a single-bit measurement key")
            key = str(c.key)
            if self.key_width.get(key, 1) != 1:
                raise ParseError(f"condition on multi-qubit measurement key '{key}' is not supported")
            b = s.clbit((key, 0)) or s.b.create("arith.constant", (), [i1], {"value": False}).result
            cond = b if cond is None else s.b.create("arith.and", [cond, b], [i1]).result
        assert cond is not None
        inner_op = op.without_classical_controls()  # type: ignore[attr-defined]
        qs = sorted(inner_op.qubits)
        wr = self._written([inner_op])
        regions = []
        for k in range(2):
            inner = _Scope(Block([qubit] * len(qs)), s)
            for q, a in zip(qs, inner.block.args):
                inner.q[q] = a
            if k == 0:
                self.emit(inner, [inner_op])
            vals = [inner.q[q] for q in qs] + [
                inner.clbit(c) or inner.b.create("arith.constant", (), [i1], {"value": False}).result for c in wr]
            inner.b.create("scf.yield", vals, [])
            regions.append(Region([inner.block]))
        res = s.b.create("scf.if", [cond, *(s.q[q] for q in qs)], [qubit] * len(qs) + [i1] * len(wr),
                         regions=regions)
        for q, r in zip(qs, res.results):
            s.q[q] = r
        for c, r in zip(wr, res.results[len(qs):]):
            s.c[c] = r

    def repeat(self, s: _Scope, op: object) -> None:
        cirq = self.cirq
        reps = op.repetitions  # type: ignore[attr-defined]
        inner_ops = list(op.replace(repetitions=1).mapped_circuit(deep=False).all_operations())  # type: ignore[attr-defined]
        if op.repetition_ids is not None and op.use_repetition_ids and reps > 1:  # type: ignore[attr-defined]
            raise ParseError("CircuitOperation with repetition ids (per-repetition measurement keys) "
                             "is not supported", help="build it with use_repetition_ids=False")
        if reps < 0:
            raise ParseError("negative CircuitOperation repetitions (inverses) are not supported")
        if reps == 0:
            return
        qs = sorted(op.qubits)  # type: ignore[attr-defined]
        wr = self._written(inner_ops)
        inits = [s.q[q] for q in qs] + [
            s.clbit(c) or s.b.create("arith.constant", (), [i1], {"value": False}).result for c in wr]
        inner = _Scope(Block([i64, *(v.type for v in inits)]), s)
        for q, a in zip(qs, inner.block.args[1:]):
            inner.q[q] = a
        for c, a in zip(wr, inner.block.args[1 + len(qs):]):
            inner.c[c] = a
        self.emit(inner, inner_ops)
        inner.b.create("scf.yield", [inner.q[q] for q in qs] + [inner.c[c] for c in wr], [])
        bounds = [s.b.create("arith.constant", (), [i64], {"value": v}).result for v in (0, int(reps), 1)]
        res = s.b.create("scf.for", [*bounds, *inits], [v.type for v in inits],
                         regions=[Region([inner.block])])
        for q, r in zip(qs, res.results):
            s.q[q] = r
        for c, r in zip(wr, res.results[len(qs):]):
            s.c[c] = r
        _ = cirq


def from_cirq(circuit: cirq.AbstractCircuit) -> Module:
    """Import a ``cirq.Circuit`` as a module with one kernel ``@circuit`` (see the module docstring).

    Qubits are allocated in sorted order (wire ``i`` = ``sorted(all_qubits())[i]``);
    the kernel returns one bit per measured qubit, keys in sorted order.
    """
    return _CirqImporter(circuit).run()


__all__ = ["from_cirq", "from_qiskit"]
