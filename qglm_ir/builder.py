"""High-level builders: construct modules and kernels without writing IR text.

:class:`KernelBuilder` tracks the current SSA value of every qubit *wire*, so
callers address qubits by index (``kb.gate("cx", 0, 1)``) the way they would
in Qiskit, while the IR stays linear SSA. Control flow is built with context
managers; qubits a region touches become its operands and block arguments
automatically, in first-use order, and come back as the op's results::

    mb = ModuleBuilder("demo")
    kb = mb.kernel("bell", num_qubits=2, inputs=[("theta", f64)])
    kb.gate("ry", 0, params=[kb.input("theta")])
    kb.gate("cx", 0, 1)
    bit = kb.measure(0)
    with kb.if_(bit):
        kb.gate("x", 1)
    kb.finish([bit])
    module = mb.module
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from . import dialects  # noqa: F401  (registers every op)
from .core.attributes import DenseArray, SymbolRef
from .core.builder import Builder
from .core.errors import Location
from .core.ir import Block, Operation, Region, Value
from .core.module import Module
from .core.types import FunctionType, TensorType, Type, f64, i1, i64, qubit
from .dialects.gates import GATES
from .dialects.scf import IfOp

Number = int | float


class _Scope:
    """Wire bookkeeping for one region being built.

    ``values[w]`` is the current value of wire ``w`` inside this region;
    ``order`` lists the wires that entered the region, in first-use order.
    """

    def __init__(self, block: Block, parent: _Scope | None, arg_offset: int):
        self.block = block
        self.parent = parent
        self.arg_offset = arg_offset  # block args before the wire args (e.g. the loop iv)
        self.values: dict[int, Value] = {}
        self.entry: dict[int, Value] = {}
        self.order: list[int] = []


class KernelBuilder:
    """Builds one ``q.kernel`` with wire-indexed qubits.

    ``qubit_args=False`` (default): the kernel allocates ``num_qubits`` qubits
    with ``q.alloc`` and deallocates them at :meth:`finish`: the shape a host
    calls with ``stats``. ``qubit_args=True``: qubits are the first block
    arguments and are returned first, like a Qiskit circuit or a subroutine.
    Classical inputs follow as ``(name, type)`` pairs.
    """

    def __init__(
        self,
        module: Module,
        name: str,
        num_qubits: int,
        inputs: Sequence[tuple[str, Type]] = (),
        qubit_args: bool = False,
        loc: Location | None = None,
    ):
        self.module = module
        self.name = name
        self.num_qubits = num_qubits
        self.qubit_args = qubit_args
        self._input_names = [n for n, _ in inputs]
        in_types = [t for _, t in inputs]
        arg_types = ([qubit] * num_qubits if qubit_args else []) + in_types
        self.body = Block(arg_types)
        self.op = Operation(
            "q.kernel",
            properties={"sym_name": name, "function_type": FunctionType(tuple(arg_types), ())},
            regions=[Region([self.body])],
            loc=loc,
        )
        module.append(self.op)
        self.b = Builder(self.body, loc=loc)
        self._const_cache: dict[tuple[Type, object], Value] = {}
        self._last_const: Operation | None = None
        self._scope = _Scope(self.body, None, 0)
        self._finished = False
        first_input = num_qubits if qubit_args else 0
        self._inputs = {n: self.body.args[first_input + i] for i, n in enumerate(self._input_names)}
        for n, v in self._inputs.items():
            v.name_hint = n
        for w in range(num_qubits):
            if qubit_args:
                self._scope.values[w] = self.body.args[w]
            else:
                self._scope.values[w] = self.b.create("q.alloc", (), [qubit]).result

    # ----------------------------------------------------------- classical
    def input(self, name: str) -> Value:
        """The block argument of classical input ``name``."""
        return self._inputs[name]

    def const(self, value: Number | bool, type: Type | None = None) -> Value:
        """A constant, hoisted to the top of the kernel and shared by every use."""
        if type is None:
            type = i1 if isinstance(value, bool) else (i64 if isinstance(value, int) else f64)
        if type == f64:
            value = float(value)
        key = (type, value)
        v = self._const_cache.get(key)
        if v is None:
            op = Operation("arith.constant", (), [type], {"value": value})
            if self._last_const is None:
                self.body.insert_before(op, self.body.first)
            else:
                self.body.insert_after(op, self._last_const)
            self._last_const = op
            v = self._const_cache[key] = op.result
        return v

    def angle(self, x: Value | Number) -> Value:
        """``x`` as an f64 value (numbers become hoisted constants)."""
        if isinstance(x, Value):
            return x
        return self.const(float(x))

    def pi(self) -> Value:
        return self.b.create("arith.pi", (), [f64]).result

    def arith(self, op: str, *args: Value | Number) -> Value:
        """``arith.<op>`` on values/numbers (numbers become f64 constants)."""
        vals = [self.angle(a) for a in args]
        return self.b.create("arith." + op, vals, [vals[0].type]).result

    def extract(self, tensor: Value, *index: int | Value) -> Value:
        """``tensor.extract`` with constant or SSA indices."""
        t = tensor.type
        assert isinstance(t, TensorType)
        idx = [i if isinstance(i, Value) else self.const(int(i)) for i in index]
        return self.b.create("tensor.extract", [tensor, *idx], [t.element]).result

    # ------------------------------------------------------------- quantum
    def _get(self, wire: int, scope: _Scope | None = None) -> Value:
        scope = scope or self._scope
        v = scope.values.get(wire)
        if v is not None:
            return v
        if scope.parent is None:
            if not 0 <= wire < self.num_qubits:
                raise IndexError(f"qubit index {wire} out of range for {self.num_qubits} qubits")
            raise ValueError(f"qubit {wire} was already released")
        self._get(wire, scope.parent)  # make sure the wire exists (and enters) outside
        arg = scope.block.add_arg(qubit)
        scope.entry[wire] = arg
        scope.values[wire] = arg
        scope.order.append(wire)
        return arg

    def wire_value(self, wire: int) -> Value:
        """The current SSA value of qubit ``wire``."""
        return self._get(wire)

    def gate(self, name: str, *qubits: int, params: Sequence[Value | Number] = ()) -> Operation:
        """Apply a gate-table gate to wires ``qubits`` with angles ``params``."""
        spec = GATES[name]
        if len(qubits) != spec.num_qubits or len(params) != spec.num_params:
            raise ValueError(
                f"{name} takes {spec.num_qubits} qubit(s) and {spec.num_params} angle(s), "
                f"got {len(qubits)} and {len(params)}"
            )
        if len(set(qubits)) != len(qubits):
            raise ValueError(f"{name} applied to repeated qubits {qubits}")
        return self._apply("q." + name, qubits, [self.angle(p) for p in params])

    def _apply(self, op_name: str, qubits: Sequence[int], extra: Sequence[Value] = (), props=None) -> Operation:
        ins = [self._get(w) for w in qubits]
        op = self.b.create(op_name, [*extra, *ins], [qubit] * len(qubits), props)
        for w, r in zip(qubits, op.results):
            self._scope.values[w] = r
        return op

    def unitary(self, matrix: np.ndarray, *qubits: int) -> Operation:
        return self._apply("q.unitary", qubits, props={"matrix": DenseArray(np.asarray(matrix, complex))})

    def barrier(self, *qubits: int) -> Operation:
        return self._apply("q.barrier", qubits or tuple(range(self.num_qubits)))

    def reset(self, wire: int) -> Operation:
        return self._apply("q.reset", (wire,))

    def delay(self, wire: int, duration: float, unit: str = "dt") -> Operation:
        return self._apply("q.delay", (wire,), props={"duration": float(duration), "unit": unit})

    def global_phase(self, angle: Value | Number) -> Operation:
        return self.b.create("q.global_phase", [self.angle(angle)], [])

    def measure(self, wire: int) -> Value:
        """Measure ``wire`` in Z; returns the ``i1`` outcome, the qubit lives on."""
        op = self.b.create("q.measure", [self._get(wire)], [i1, qubit])
        self._scope.values[wire] = op.results[1]
        return op.results[0]

    # -------------------------------------------------------- control flow
    @contextmanager
    def _region(self, block: Block, arg_offset: int) -> Iterator[_Scope]:
        scope = _Scope(block, self._scope, arg_offset)
        saved = self._scope
        self._scope = scope
        try:
            with self.b.at(block):
                yield scope
        finally:
            self._scope = saved

    @contextmanager
    def for_(self, lower: int | Value, upper: int | Value, step: int | Value = 1) -> Iterator[Value]:
        """``with kb.for_(0, n) as i:`` builds an ``scf.for``; ``i`` is the i64 induction var."""
        bounds = [b if isinstance(b, Value) else self.const(int(b)) for b in (lower, upper, step)]
        body = Block([i64])
        with self._region(body, 1) as scope:
            yield body.args[0]
        wires = scope.order
        inits = [self._get(w) for w in wires]
        Builder.at_end(body).create("scf.yield", [scope.values[w] for w in wires])
        op = self.b.create("scf.for", [*bounds, *inits], [qubit] * len(wires), regions=[Region([body])])
        for w, r in zip(wires, op.results):
            self._scope.values[w] = r

    @contextmanager
    def if_(self, cond: Value) -> Iterator[None]:
        """``with kb.if_(bit):`` then-branch; an optional :meth:`else_` block may follow."""
        then = Block()
        with self._region(then, 0) as scope:
            yield
        els = Block()
        self._pending_if = (cond, then, scope, els, None)
        self._finish_if()

    @contextmanager
    def else_(self) -> Iterator[None]:
        """Else-branch of the ``scf.if`` built just before (must directly follow it)."""
        pending = getattr(self, "_last_if", None)
        if pending is None or pending[0].parent is not self._scope.block or pending[0].next is not None:
            raise ValueError("else_() must directly follow an if_() block")
        if_op, cond, then, then_scope = pending
        # Rebuild: undo the if op, then redo with an else scope.
        for k, w in enumerate(then_scope.order):
            self._scope.values[w] = IfOp(if_op).inputs[k]
        if_op.regions[0].blocks.clear()
        if_op.regions[1].blocks.clear()
        then.parent = None
        then.last.erase()  # type: ignore[union-attr]  (the yield)
        if_op.erase()
        els = Block()
        with self._region(els, 0) as else_scope:
            yield
        self._pending_if = (cond, then, then_scope, els, else_scope)
        self._finish_if()

    def _finish_if(self) -> None:
        cond, then, then_scope, els, else_scope = self._pending_if
        del self._pending_if
        wires = list(then_scope.order)
        if else_scope is not None:
            wires += [w for w in else_scope.order if w not in then_scope.entry]
        # Give both branches one argument per wire, in one order, and yield every wire.
        for block, scope in ((then, then_scope), (els, else_scope)):
            entry = scope.entry if scope is not None else {}
            values = scope.values if scope is not None else {}
            args = []
            for w in wires:
                a = entry.get(w)
                if a is None:
                    a = block.add_arg(qubit)
                args.append(a)
            block.args[:] = args
            for i, a in enumerate(args):
                a.index = i
            Builder.at_end(block).create("scf.yield", [values.get(w, args[i]) for i, w in enumerate(wires)])
        inputs = [self._get(w) for w in wires]
        op = self.b.create(
            "scf.if", [cond, *inputs], [qubit] * len(wires), regions=[Region([then]), Region([els])]
        )
        for w, r in zip(wires, op.results):
            self._scope.values[w] = r
        self._last_if = (op, cond, then, then_scope)

    # -------------------------------------------------------------- finish
    def finish(self, results: Sequence[Value] = ()) -> Operation:
        """Release (or return) the qubits, return ``results`` and fix the signature."""
        if self._finished:
            raise ValueError("kernel already finished")
        if self._scope.parent is not None:
            raise ValueError("finish() inside a control-flow region")
        self._finished = True
        ret: list[Value] = []
        if self.qubit_args:
            ret = [self._get(w) for w in range(self.num_qubits)]
        else:
            for w in range(self.num_qubits):
                self.b.create("q.dealloc", [self._get(w)], [])
        ret += list(results)
        self.b.create("func.return", ret, [])
        ftype = self.op.properties["function_type"]
        assert isinstance(ftype, FunctionType)
        self.op.set_property("function_type", FunctionType(ftype.inputs, tuple(v.type for v in ret)))
        return self.op


class ModuleBuilder:
    """Builds a module: parameters, kernels and host functions."""

    def __init__(self, name: str | None = None):
        self.module = Module(name)

    def param(
        self,
        name: str,
        type: Type,
        trainable: bool = True,
        init: np.ndarray | float | None = None,
    ) -> Operation:
        props: dict[str, object] = {"sym_name": name, "type": type, "trainable": trainable}
        if init is not None:
            props["init"] = DenseArray(init) if isinstance(type, TensorType) else float(init)
        return self.module.append(Operation("param.decl", properties=props))

    def kernel(
        self,
        name: str,
        num_qubits: int,
        inputs: Sequence[tuple[str, Type]] = (),
        qubit_args: bool = False,
    ) -> KernelBuilder:
        return KernelBuilder(self.module, name, num_qubits, inputs, qubit_args)

    def func(self, name: str, inputs: Sequence[Type], results: Sequence[Type]) -> tuple[Operation, Builder]:
        """A ``func.func`` shell; returns the op and a builder at its body (add the return)."""
        body = Block(inputs)
        op = Operation(
            "func.func",
            properties={"sym_name": name, "function_type": FunctionType(tuple(inputs), tuple(results))},
            regions=[Region([body])],
        )
        self.module.append(op)
        return op, Builder.at_end(body)


def param_ref(builder: Builder, decl: Operation) -> Value:
    """``param.get`` of a declared parameter at ``builder``'s insertion point."""
    name = decl.properties["sym_name"]
    t = decl.properties["type"]
    assert isinstance(name, str) and isinstance(t, Type)
    return builder.create("param.get", (), [t], {"name": SymbolRef(name)}).result


__all__ = ["KernelBuilder", "ModuleBuilder", "param_ref", "math"]
