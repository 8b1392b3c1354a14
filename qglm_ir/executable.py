"""Compile once, bind many: a compiled kernel with symbolic angles, bound in O(#parameters).

:func:`compile_executable` compiles a program once (layout, routing, optimization
included) and flattens the compiled kernel into a tape whose gate angles are
affine in the kernel's symbols (:mod:`qglm_ir.training.tape`):
``angles = A @ values + b`` with a sparse ``A``. Binding a parameter vector is
that one sparse product (vectorized over many vectors); no pass runs again.

From bound values an :class:`Executable` produces, on demand:

* results: exact ``expval``/``probs`` of the readout through
  :class:`~qglm_ir.training.kernel.KernelProgram` (batched; optionally noisy);
* artifacts: a Qiskit ``QuantumCircuit`` (with the compiled ``TranspileLayout``
  and global phase), OpenQASM 3 (Qiskit's exporter of that circuit) or a Cirq
  circuit, gate for gate the compiled kernel with numeric angles.

A persistent cache (:mod:`qglm_ir.exec_cache`) keyed by the program's IR text,
its argument names, the options and the qglm version lets a new process load
the executable instead of compiling again.

Requires a measurement-free kernel (its readout is the Z basis of its program
qubits, see :mod:`qglm_ir.dialects.readout`); kernels that measure, reset or
compute angles that are not affine in their symbols raise
:class:`~qglm_ir.training.errors.TrainingError`.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .core.ir import Operation
from .core.types import TensorType
from .training.errors import TrainingError
from .training.kernel import KernelProgram
from .training.tape import Tape, trace_kernel


def _sparse(A: np.ndarray) -> Any:
    from scipy.sparse import csr_matrix

    return csr_matrix(A)


def _select_kernel(module: Operation, kernel: str | None) -> Operation:
    kernels = [op for op in module.regions[0].block if op.name == "q.kernel"]
    names = [str(k.properties.get("sym_name")) for k in kernels]
    if kernel is not None:
        if kernel not in names:
            raise TrainingError(f"no kernel @{kernel} in the program (kernels: "
                                f"{', '.join('@' + n for n in names) or 'none'})")
        return kernels[names.index(kernel)]
    if len(kernels) != 1:
        raise TrainingError(f"the program has {len(kernels)} kernels ({', '.join('@' + n for n in names)}); "
                            "pick one with kernel=NAME")
    return kernels[0]


def _param_inits(module: Operation, names: Sequence[str]) -> dict[str, np.ndarray]:
    from .dialects.classical_eval import param_init

    out: dict[str, np.ndarray] = {}
    for op in module.regions[0].block:
        if op.name == "param.decl" and str(op.properties.get("sym_name")) in names:
            v = param_init(op)
            if v is not None:
                out[str(op.properties.get("sym_name"))] = np.asarray(v, dtype=np.float64)
    return out


class Executable:
    """A compiled kernel with symbolic angles (see the module docstring).

    ``symbols``: ``(name, shape)`` of every value a binding provides: the kernel's
    classical inputs, then the module parameters it reads. ``num_parameters``:
    their total size (the columns of a :meth:`bind_many` matrix).
    """

    def __init__(self, state: Mapping[str, Any]):
        self._state = dict(state)
        self.name: str = state["name"]
        self.tape: Tape = state["tape"]  # full compiled kernel (every physical wire)
        self.program: KernelProgram = KernelProgram(state["program_tape"], self.name)  # active wires, for results
        self.layout: tuple[tuple[int, ...], tuple[int, ...]] | None = state["layout"]
        self.device_qubits: tuple | None = state["device_qubits"]
        self.param_defaults: dict[str, np.ndarray] = state["param_defaults"]
        self.options: dict[str, Any] = state["options"]
        self.symbols: tuple[tuple[str, tuple[int, ...]], ...] = tuple((n, s) for n, s, _ in self.tape.symbols)
        self.num_parameters: int = self.tape.num_symbols
        A, b = self.tape.affine_map()
        self._A = _sparse(A)
        self._b = b
        pA, pb = self.tape.phase.coef, self.tape.phase.const
        self._phase = np.zeros(self.num_parameters)
        for i, c in pA.items():
            self._phase[i] += c
        self._phase_const = pb
        self._module: Operation | None = None
        self._gates: list[tuple[Any, ...]] | None = None
        self._qiskit_skeleton: Any = None
        self.from_cache = False

    # ---------------------------------------------------------------- building
    @classmethod
    def from_module(cls, module: Operation, kernel: str | None = None, options: Mapping[str, Any] | None = None,
                    ) -> Executable:
        """The executable of an already compiled ``module`` (its kernel ``kernel``, or its only one)."""
        from .dialects.readout import readout_of
        from .engine.kernels import KernelSpec

        k = _select_kernel(module, kernel)
        spec = KernelSpec.of(k)
        program = KernelProgram.from_spec(spec)
        inputs = [(n, tuple(t.shape) if isinstance(t, TensorType) else ()) for n, t in spec.inputs]
        tape = trace_kernel(k, inputs, readout_of(k).wires)
        if [(n, s) for n, s, _ in tape.symbols] != [(n, s) for n, s, _ in program.tape.symbols]:
            raise AssertionError("the active-wire kernel reads different symbols")  # restrict_to_active keeps ops
        init, final = k.properties.get("initial_layout"), k.properties.get("final_layout")
        layout = None
        if init is not None:
            layout = (tuple(int(p) for p in init), tuple(int(p) for p in (final if final is not None else init)))  # type: ignore[union-attr]
        dq = k.properties.get("device_qubits", k.attributes.get("device_qubits"))
        state = {
            "name": spec.name,
            "tape": tape,
            "program_tape": program.tape,
            "layout": layout,
            "device_qubits": dq if isinstance(dq, tuple) else None,
            "param_defaults": _param_inits(module, [n for n, _ in program.params]),
            "options": dict(options or {}),
            "module": pickle.dumps(module, protocol=pickle.HIGHEST_PROTOCOL),
        }
        ex = cls(state)
        ex._module = module
        return ex

    def __getstate__(self) -> dict[str, Any]:
        return self._state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state)  # type: ignore[misc]

    @property
    def module(self) -> Operation:
        """The compiled module (unpickled on first use when the executable came from the cache)."""
        if self._module is None:
            self._module = pickle.loads(self._state["module"])
        return self._module

    # ----------------------------------------------------------------- binding
    def values_matrix(self, values: Any) -> np.ndarray:
        """``(N, num_parameters)`` from a matrix, one flat vector, or a mapping name -> array
        (``shape`` or ``(N, *shape)``); parameters left out take their declared initial value."""
        if not isinstance(values, Mapping):
            m = np.asarray(values, dtype=np.float64)
            if m.ndim == 1:
                m = m[None, :]
            if m.ndim != 2 or m.shape[1] != self.num_parameters:
                raise TrainingError(f"@{self.name} binds {self.num_parameters} values per vector, got shape {m.shape}")
            return m
        unknown = sorted(set(values) - {n for n, _ in self.symbols})
        if unknown:
            raise TrainingError(f"@{self.name} has no input or parameter named {', '.join(unknown)}",
                                help="names: " + ", ".join(n for n, _ in self.symbols))
        cols: list[np.ndarray] = []
        N = None
        for name, shape in self.symbols:
            v = values.get(name, self.param_defaults.get(name))
            if v is None:
                raise TrainingError(f"@{self.name}: no value for '{name}' (it has no initial value)")
            a = np.asarray(v, dtype=np.float64)
            size = int(np.prod(shape))
            if a.shape == tuple(shape):
                a = a.reshape(1, size)
            elif a.ndim == len(shape) + 1 and a.shape[1:] == tuple(shape):
                a = a.reshape(a.shape[0], size)
                if N is not None and a.shape[0] != N:
                    raise TrainingError(f"@{self.name}: inconsistent numbers of vectors ({N} and {a.shape[0]})")
                N = a.shape[0]
            else:
                raise TrainingError(f"@{self.name}: '{name}' expects shape {tuple(shape)} or (N, ...), got {a.shape}")
            cols.append(a)
        N = N or 1
        return np.concatenate([np.broadcast_to(c, (N, c.shape[1])) for c in cols], axis=1) if cols else \
            np.zeros((N, 0))

    def bind_many(self, values: Any) -> BoundBatch:
        """Bind ``N`` vectors at once: ``angles = values @ A.T + b`` (one sparse product)."""
        m = self.values_matrix(values)
        angles = np.asarray((self._A @ m.T).T) + self._b
        phase = m @ self._phase + self._phase_const
        return BoundBatch(self, m, angles, phase)

    def bind(self, values: Any) -> BoundCircuit:
        """Bind one vector (or mapping); see :meth:`bind_many`."""
        batch = self.bind_many(values)
        if len(batch) != 1:
            raise TrainingError(f"bind() takes one vector, got {len(batch)}: use bind_many()")
        return batch[0]

    # ---------------------------------------------------------------- artifacts
    def _gate_table(self) -> list[tuple[Any, ...]]:
        """Per tape op: (qiskit gate or class, parametric?, qubit indices, angle rows, matrix)."""
        if self._gates is None:
            from qiskit.circuit.library import UnitaryGate, get_standard_gate_name_mapping

            from .dialects.gates import GATES

            std = get_standard_gate_name_mapping()
            table: list[tuple[Any, ...]] = []
            for op in self.tape.ops:
                if op.name in GATES:
                    g = std[GATES[op.name].qiskit_name]
                    table.append((type(g), True, op.wires, op.angles, None) if op.angles else
                                 (g, False, op.wires, (), None))
                else:
                    table.append((UnitaryGate(op.matrix), False, op.wires, (), op.matrix))
            self._gates = table
        return self._gates

    def _skeleton(self) -> Any:
        """The compiled circuit with one plain Qiskit parameter per tape angle (built once):
        binding it is Qiskit's fastest path, since no parameter expression is evaluated."""
        if self._qiskit_skeleton is None:
            from qiskit.circuit import CircuitInstruction, ParameterVector, QuantumCircuit, QuantumRegister

            qc = QuantumCircuit(QuantumRegister(self.tape.num_wires, "q"), name=self.name)
            slots = ParameterVector("_angle", self.tape.num_angles)
            qubits = qc.qubits
            for gate, parametric, wires, rows, _ in self._gate_table():
                g = gate(*(slots[r] for r in rows)) if parametric else gate
                qc._append(CircuitInstruction(g, tuple(qubits[w] for w in wires), ()))
            if self.layout is not None:
                from .backends.qiskit import transpile_layout

                qc._layout = transpile_layout(qc, *self.layout)
            self._qiskit_skeleton = qc
        return self._qiskit_skeleton

    def qiskit_circuit(self, angles: np.ndarray, phase: float) -> Any:
        """The compiled circuit with these angles (row of :attr:`BoundBatch.angles`), with the
        compiled ``TranspileLayout`` and global phase."""
        sk = self._skeleton()
        qc = sk.assign_parameters(np.asarray(angles, dtype=np.float64)) if sk.num_parameters else sk.copy()
        qc.global_phase = float(phase)
        return qc

    def cirq_circuit(self, angles: np.ndarray, phase: float) -> Any:
        """The compiled circuit with these angles as a ``cirq.Circuit`` (``LineQubit(i)`` for wire ``i``,
        or the kernel's ``device_qubits``)."""
        import cirq

        from .backends.cirq import _big_endian, _gate_factories

        make = _gate_factories(cirq)
        dq = self.device_qubits
        if dq is None:
            qubits = list(cirq.LineQubit.range(self.tape.num_wires))
        else:
            qubits = [cirq.GridQubit(*d) if isinstance(d, tuple) else
                      (cirq.LineQubit(d) if isinstance(d, int) else cirq.NamedQubit(str(d))) for d in dq]
        ops = []
        for op in self.tape.ops:
            qs = [qubits[w] for w in op.wires]
            if op.name in make:
                ops.append(make[op.name](*(float(angles[r]) for r in op.angles)).on(*qs))
            else:  # q.unitary / embedding templates: a matrix gate (Cirq is big-endian)
                ops.append(cirq.MatrixGate(_big_endian(np.asarray(op.matrix), len(op.wires))).on(*qs))
        if phase:
            ops.append(cirq.global_phase_operation(np.exp(1j * float(phase))))
        return cirq.Circuit(ops)


@dataclass
class BoundBatch:
    """``N`` bound vectors of an :class:`Executable`: ``values`` ``(N, num_parameters)``,
    gate ``angles`` ``(N, n_angles)``, global ``phase`` ``(N,)``."""

    executable: Executable
    values: np.ndarray
    angles: np.ndarray
    phase: np.ndarray

    def __len__(self) -> int:
        return self.values.shape[0]

    def __getitem__(self, i: int) -> BoundCircuit:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return BoundCircuit(self, i % len(self))

    def results(self, statistic: str = "expval", noise: Any = None) -> np.ndarray:
        """Exact ``expval`` ``(N, width)`` or ``probs`` ``(N, 2**width)`` of every bound vector."""
        p = self.executable.program
        return p.forward_angles(self.values @ p.A.T + p.b, statistic, noise)


@dataclass
class BoundCircuit:
    """One bound vector of a :class:`BoundBatch`; artifacts are built on demand."""

    batch: BoundBatch
    index: int

    @property
    def angles(self) -> np.ndarray:
        return self.batch.angles[self.index]

    def result(self, statistic: str = "expval", noise: Any = None) -> np.ndarray:
        """Exact ``expval`` ``(width,)`` or ``probs`` ``(2**width,)``."""
        sub = BoundBatch(self.batch.executable, self.batch.values[self.index:self.index + 1],
                         self.batch.angles[self.index:self.index + 1], self.batch.phase[self.index:self.index + 1])
        return sub.results(statistic, noise)[0]

    def to_qiskit(self) -> Any:
        return self.batch.executable.qiskit_circuit(self.angles, self.batch.phase[self.index])

    def to_qasm3(self) -> str:
        from qiskit import qasm3

        return qasm3.dumps(self.to_qiskit())

    def to_cirq(self) -> Any:
        return self.batch.executable.cirq_circuit(self.angles, self.batch.phase[self.index])


def _device_key(device: Any) -> str:
    if device is None or isinstance(device, str):
        return repr(device)
    to_json = getattr(device, "to_json", None)
    if callable(to_json):
        return to_json()
    raise TrainingError("compile_executable caches devices given as a spec string or a Device; "
                        f"got {type(device).__name__} (pass cache=False)")


def compile_executable(program: Any, device: Any = None, optimization_level: int = 2, seed: int = 0,
                       cache: bool = True, *, basis: Any = None, kernel: str | None = None) -> Executable:
    """Compile ``program`` (anything :func:`qglm_ir.compile` takes) once into an :class:`Executable`.

    With ``cache=True`` the result is stored in, and first looked up in, the
    persistent cache (:mod:`qglm_ir.exec_cache`); ``Executable.from_cache`` says
    which happened. ``kernel`` picks the kernel of a program with several.
    """
    from .api import as_module, compile
    from .text.printer import print_op

    module = as_module(program)
    key = None
    if cache:
        from . import exec_cache

        hints = [[a.name_hint for a in op.regions[0].blocks[0].args]
                 for op in module.regions[0].block if op.name == "q.kernel"]
        options = json.dumps({"level": optimization_level, "seed": seed, "basis": repr(basis), "kernel": kernel})
        key = exec_cache.cache_key(print_op(module), json.dumps(hints), _device_key(device), options)
        hit = exec_cache.load(key)
        if isinstance(hit, Executable):
            hit.from_cache = True
            return hit
    compiled = compile(module, device=device, optimization_level=optimization_level, seed=seed, basis=basis)
    ex = Executable.from_module(compiled, kernel, {"device": _device_key(device) if cache else repr(device),
                                                  "optimization_level": optimization_level, "seed": seed})
    if key is not None:
        exec_cache.store(key, ex)
    return ex
