"""Qiskit backend: a ``QuantumCircuit`` per kernel, and QPY files.

``to_qiskit(module, kernel=None)`` builds the circuit from the shared
:mod:`~qglm_ir.backends._kernel_view`:

* circuit qubit ``i`` is wire ``i`` (register ``q``); measured bits go to the
  registers ``c`` (returned bits, in return order), one register per returned
  bit tensor (named after the value), and ``mid`` (every other measurement);
* symbolic angles are ``Parameter`` (scalar params/inputs, by name) and
  ``ParameterVector`` elements (``theta[3]``); bind them with
  ``assign_parameters`` (:func:`qglm_ir.backends.parameter_bindings` gives the
  module's current values);
* control flow is native: ``IfElseOp`` on a clbit (boolean combinations of bits
  arrive as nested ifs, see :func:`~qglm_ir.backends._kernel_view.lower_condition`),
  ``Store`` of a constant into a clbit (a bit control flow sets to ``true``), ``ForLoopOp`` (with the
  induction variable as loop ``Parameter`` when angles use it), ``WhileLoopOp``;
* a mapped kernel (``initial_layout``/``final_layout`` properties) carries a
  ``TranspileLayout`` built like ``qiskit.transpile``'s: virtual register ``q``
  for the program wires, ``ancilla`` for the rest, routing permutation as
  ``final_layout``;
* ``noise.*`` annotations are dropped (they describe a simulated device; use a
  Qiskit Aer noise model to simulate them).

The library is imported inside the functions: this module is itself named
``qiskit``, and absolute imports resolve the top-level package.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..core.errors import BackendError
from ..core.ir import Operation
from . import _kernel_view as kv

if TYPE_CHECKING:  # pragma: no cover
    from qiskit import QuantumCircuit



#: Namespace of the UUIDs qglm gives Qiskit parameters (see :func:`stable_uuid`).
_PARAM_NAMESPACE = uuid.UUID("6f1c2d0e-3b8a-5c4e-9d7f-2a1b0c9e8d7f")


def stable_uuid(name: str) -> uuid.UUID:
    """A UUID derived from a parameter's name, so the same program exports
    byte-identical QPY on every run, and the parameter ``theta`` of two kernels
    of one module is the same Qiskit parameter (binding it once binds both)."""
    return uuid.uuid5(_PARAM_NAMESPACE, name)

class _QiskitEmitter:
    def __init__(self, view: kv.CircuitView):
        import qiskit
        from qiskit.circuit import CircuitInstruction, Parameter, ParameterVector
        from qiskit.circuit.library import get_standard_gate_name_mapping

        self.qk = qiskit
        self.view = view
        self.CI = CircuitInstruction
        self.Parameter = Parameter
        std = get_standard_gate_name_mapping()
        self.fixed = {}  # parameter-free gates are immutable singletons: share one instance
        self.classes = {}
        for name, spec in kv.GATES.items():
            g = std[spec.qiskit_name]
            if spec.num_params == 0:
                self.fixed[name] = g
            else:
                self.classes[name] = type(g)
        self.params: dict[str, object] = {}
        for vec, syms in view.vectors().items():
            pv = ParameterVector(vec, syms[0].size, uuid=stable_uuid(vec))
            for s in syms:
                self.params[s.name] = pv[s.index]
        for s in view.symbols.values():
            if s.vector is None:
                self.params[s.name] = Parameter(s.name, uuid=stable_uuid(s.name))
        self.loop_params: dict[str, object] = {}
        self.blocks = 0  # control-flow bodies built so far (names them)
        self.ops = {
            "add": lambda a, b: a + b,
            "sub": lambda a, b: a - b,
            "mul": lambda a, b: a * b,
            "div": lambda a, b: a / b,
            "neg": lambda a: -a,
            "sin": lambda a: a.sin() if hasattr(a, "sin") else math.sin(a),
            "cos": lambda a: a.cos() if hasattr(a, "cos") else math.cos(a),
        }

    def leaf(self, e: tuple) -> object:
        if e[0] == "loop":
            p = self.loop_params.get(e[1])
            if p is None:
                name = f"_loop_{e[1]}"
                p = self.loop_params[e[1]] = self.Parameter(name, uuid=stable_uuid(name))
            return p
        return self.params[e[1]]

    def angle(self, e: kv.Expr) -> object:
        return e if isinstance(e, float) else kv.lower_expr(e, self.leaf, self.ops)

    def build(self) -> QuantumCircuit:
        from qiskit.circuit import ClassicalRegister, QuantumCircuit, QuantumRegister

        view = self.view
        qreg = QuantumRegister(view.num_qubits, "q")
        regs = [ClassicalRegister(len(r.clbits), r.name) for r in view.registers]
        qc = QuantumCircuit(qreg, *regs, name=view.name)
        clbits = [None] * view.num_clbits
        for r, creg in zip(view.registers, regs):
            for i, cb in enumerate(r.clbits):
                clbits[cb] = creg[i]
        self.qubits = list(qc.qubits)
        self.clbits = clbits
        self.emit(view.body, qc)
        if view.layout is not None:
            qc._layout = self.transpile_layout(qc)
        return qc

    def _sub(self, qubits: set[int], clbits: set[int]) -> QuantumCircuit:
        from qiskit.circuit import QuantumCircuit

        # An unnamed QuantumCircuit is called "circuit-<N>" after a process-wide counter,
        # which QPY stores: name control-flow bodies after the kernel and their order.
        self.blocks += 1
        return QuantumCircuit(
            [self.qubits[i] for i in sorted(qubits)], [self.clbits[i] for i in sorted(clbits)],
            name=f"{self.view.name}_block{self.blocks}",
        )

    def emit(self, body: kv.Body, qc: QuantumCircuit) -> None:
        from qiskit.circuit import Barrier, Delay, ForLoopOp, IfElseOp, Measure, Reset, WhileLoopOp
        from qiskit.circuit.library import UnitaryGate

        CI = self.CI
        qb, cb = self.qubits, self.clbits
        fixed, classes = self.fixed, self.classes
        measure, reset = Measure(), Reset()
        append = qc._append  # the checked `append` costs ~10x more per gate; our operands are valid by construction
        for ins in body.instrs:
            t = type(ins)
            if t is kv.Gate:
                g = fixed.get(ins.name)
                if g is None:
                    g = classes[ins.name](*(self.angle(p) for p in ins.params))
                append(CI(g, tuple(qb[i] for i in ins.qubits), ()))
            elif t is kv.Measure:
                append(CI(measure, (qb[ins.qubit],), (cb[ins.clbit],)))
            elif t is kv.Reset:
                append(CI(reset, (qb[ins.qubit],), ()))
            elif t is kv.Barrier:
                append(CI(Barrier(len(ins.qubits)), tuple(qb[i] for i in ins.qubits), ()))
            elif t is kv.Delay:
                unit = ins.unit
                dur = int(ins.duration) if unit == "dt" and float(ins.duration).is_integer() else ins.duration
                append(CI(Delay(dur, unit), (qb[ins.qubit],), ()))
            elif t is kv.Unitary:
                append(CI(UnitaryGate(ins.matrix, check_input=False), tuple(qb[i] for i in ins.qubits), ()))
            elif t is kv.GlobalPhase:
                qc.global_phase += self.angle(ins.angle)
            elif t is kv.Noise:
                pass  # noise annotations model the simulated device; a circuit to run carries none
            elif t is kv.SetBit:
                from qiskit.circuit import Store
                from qiskit.circuit.classical import expr

                append(CI(Store(expr.lift(cb[ins.clbit]), expr.lift(bool(ins.value))), (), ()))
            elif t is kv.If:
                qs = ins.then.qubits | (ins.orelse.qubits if ins.orelse else set())
                cs = ins.then.clbits | (ins.orelse.clbits if ins.orelse else set()) | {ins.clbit}
                if not qs and self.qubits:
                    # Qiskit Aer 0.17/0.18 runs the Store of an if_else that spans no qubit
                    # unconditionally; one idle qubit in the blocks keeps it conditional.
                    qs = {0}
                tb = self._sub(qs, cs)
                self.emit(ins.then, tb)
                fb = None
                if ins.orelse is not None:
                    fb = self._sub(qs, cs)
                    self.emit(ins.orelse, fb)
                op = IfElseOp((cb[ins.clbit], int(ins.value)), tb, fb)
                append(CI(op, tuple(tb.qubits), tuple(tb.clbits)))
            elif t is kv.For:
                sub = self._sub(ins.body.qubits, ins.body.clbits)
                self.emit(ins.body, sub)
                lp = self.leaf(("loop", ins.var)) if ins.var is not None else None
                op = ForLoopOp(range(ins.start, ins.stop, ins.step), lp, sub)
                append(CI(op, tuple(sub.qubits), tuple(sub.clbits)))
            elif t is kv.While:
                sub = self._sub(ins.body.qubits, ins.body.clbits | {ins.clbit})
                self.emit(ins.body, sub)
                op = WhileLoopOp((cb[ins.clbit], int(ins.value)), sub)
                append(CI(op, tuple(sub.qubits), tuple(sub.clbits)))
            else:  # pragma: no cover - the view only produces the kinds above
                raise AssertionError(t)

    def transpile_layout(self, qc: QuantumCircuit) -> object:
        """A ``TranspileLayout`` from the kernel's ``initial_layout``/``final_layout``."""
        initial, final = self.view.layout  # type: ignore[misc]
        return transpile_layout(qc, initial, final, self.view.kernel.loc)


def transpile_layout(qc: QuantumCircuit, initial: Sequence[int], final: Sequence[int], loc: object = None) -> object:
    """A ``TranspileLayout`` for ``qc`` (one wire per physical qubit) from a mapped kernel's
    ``initial_layout``/``final_layout`` (program qubit ``k`` starts on ``initial[k]``, ends on ``final[k]``)."""
    from qiskit.circuit import QuantumRegister
    from qiskit.transpiler import Layout, TranspileLayout

    n = qc.num_qubits
    nv = len(initial)
    if len(final) != nv or len(set(initial)) != nv or len(set(final)) != nv or any(
        not 0 <= p < n for p in (*initial, *final)
    ):
        raise BackendError(
            f"invalid layout on a kernel with {n} physical qubits: initial {initial}, final {final}", loc
        )
    vreg = QuantumRegister(nv, "q")
    regs = [vreg] + ([QuantumRegister(n - nv, "ancilla")] if n > nv else [])
    virtual = [q for r in regs for q in r]
    free = [p for p in range(n) if p not in set(initial)]
    phys = list(initial) + free
    init_layout = Layout({virtual[i]: phys[i] for i in range(n)})
    for reg in regs:
        init_layout.add_register(reg)
    # Routing permutation sigma: physical start position -> end position.
    sigma = {initial[v]: final[v] for v in range(nv)}
    rest_src = [p for p in range(n) if p not in sigma]
    rest_dst = [p for p in range(n) if p not in set(sigma.values())]
    sigma.update(zip(rest_src, rest_dst))
    final_layout = Layout({qc.qubits[p]: sigma[p] for p in range(n)})
    return TranspileLayout(
        init_layout,
        {q: i for i, q in enumerate(virtual)},
        final_layout,
        _input_qubit_count=nv,
        _output_qubit_list=list(qc.qubits),
    )


def view_to_qiskit(view: kv.CircuitView) -> QuantumCircuit:
    """The ``QuantumCircuit`` of an already computed :class:`CircuitView`."""
    return _QiskitEmitter(view).build()


def to_qiskit(module: Operation, kernel: str | Operation | None = None) -> QuantumCircuit:
    """Export one kernel of ``module`` as a ``qiskit.QuantumCircuit``.

    Requires a verified module; ``kernel=None`` selects the only kernel. The
    circuit's unitary (for measurement-free kernels) equals the IR semantics
    exactly, including global phase. Raises :class:`BackendError` for
    programs a circuit cannot express. Never mutates ``module``.
    """
    return view_to_qiskit(kv.build_view(module, kernel))


def qpy_version() -> int:
    """The QPY format version qglm writes: the newest one Qiskit writes in Python.

    Qiskit writes QPY >= 17 with a Rust writer (``QPY_RUST_WRITE_MIN_VERSION``)
    that, as of Qiskit 2.6.2, orders the register records of a ``TranspileLayout``
    by hash (one of two byte strings, depending on ``PYTHONHASHSEED``) and the
    symbols of parameter expressions in per-process random order. The Python
    writer is ordered, but for the symbol table of an expression (see
    :func:`_ordered_expression_symbols`), so qglm asks for the last version it
    writes (16 with Qiskit 2.6; an older Qiskit writes its own newest version).
    Any Qiskit that reads that version, including every newer one, loads it.
    """
    from qiskit.qpy import common

    rust_min = getattr(common, "QPY_RUST_WRITE_MIN_VERSION", None)
    return common.QPY_VERSION if rust_min is None else min(common.QPY_VERSION, rust_min - 1)


class _OrderedSymbols:
    """A ``ParameterExpression`` as QPY's Python writer sees it, with ``parameters``
    in a fixed order (name, then UUID) instead of a set's iteration order."""

    __slots__ = ("_expr", "parameters")

    def __init__(self, expr: object):
        self._expr = expr
        self.parameters = sorted(expr.parameters, key=lambda p: (p.name, p.uuid.bytes))  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._expr, name)


_QPY_LOCK = threading.Lock()


@contextlib.contextmanager
def _ordered_expression_symbols() -> Iterator[None]:
    """While QPY is written, list each expression's symbols in a fixed order.

    Qiskit's Python QPY writer emits an expression's symbol table by iterating
    ``expr.parameters``, a ``set`` that Qiskit's Rust core fills in ``HashSet``
    order: when two symbols share a hash-table slot, their order (and the
    bytes) change from process to process. The writer's ``_write_parameter_expression``
    is given a view of the expression whose ``parameters`` is sorted. If a
    Qiskit version lacks that function, QPY is written unchanged (the
    determinism test in ``tests/cli/test_determinism.py`` then says so).
    """
    from qiskit.qpy.binary_io import value

    original = getattr(value, "_write_parameter_expression", None)
    if original is None:  # pragma: no cover - a Qiskit that writes expressions differently
        yield
        return

    def ordered(file_obj: object, obj: object, *args: object, **kwargs: object) -> object:
        return original(file_obj, _OrderedSymbols(obj), *args, **kwargs)

    with _QPY_LOCK:
        value._write_parameter_expression = ordered
        try:
            yield
        finally:
            value._write_parameter_expression = original


def write_qpy(module: Operation, path: str | os.PathLike[str], kernel: str | Operation | None = None) -> None:
    """Write the kernel's circuit to ``path`` as QPY (``qiskit.qpy.dump``, :func:`qpy_version`).

    The circuit is built before the file is touched and written through a
    temporary file renamed into place, so a failure never leaves a partial file.
    The bytes depend only on the module (not on the process or ``PYTHONHASHSEED``).
    """
    from qiskit import qpy

    qc = to_qiskit(module, kernel)
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".qglm-", suffix=".qpy", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            with _ordered_expression_symbols():
                qpy.dump(qc, f, version=qpy_version())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


__all__ = ["qpy_version", "to_qiskit", "view_to_qiskit", "write_qpy"]
