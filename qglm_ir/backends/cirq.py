"""Cirq backend: a ``cirq.Circuit`` per kernel, and Cirq JSON.

``to_cirq(module, kernel=None)`` builds the circuit from the shared
:mod:`~qglm_ir.backends._kernel_view`:

* qubits: ``cirq.LineQubit(i)`` for wire ``i``; when the kernel op carries a
  ``device_qubits`` property or attribute (one entry per wire: ``(row, col)`` for
  a ``GridQubit``, an int for a ``LineQubit``, a string for a ``NamedQubit``),
  those device qubits are used instead;
* every clbit is a measurement key ``<register>_<index>`` (``c_0``, ``mid_2``...;
  registers as in the Qiskit backend); a clbit measured repeatedly (loops) is
  recorded once per measurement, as Cirq does for repeated keys;
* symbolic angles are ``sympy.Symbol``s with the Qiskit names (``theta[3]``);
  resolve them with ``cirq.resolve_parameters``;
* ``scf.if`` on a bit becomes classically controlled operations (a ``0``
  condition is a ``cirq.SympyCondition``); Cirq cannot condition measurements,
  so a branch that measures raises :class:`BackendError`;
* ``scf.for`` becomes ``cirq.CircuitOperation(...).repeat(n)`` when the body does
  not use the induction variable and is unrolled otherwise; ``scf.while`` has
  no Cirq equivalent (:class:`BackendError`);
* ``noise.*`` annotations become Cirq channels (``bit_flip``, ``phase_flip``,
  ``depolarize``, ``amplitude_damp``, ``phase_damp``), so Cirq's density-matrix
  simulator honours them;
* barriers are dropped (Cirq has none) and ``dt`` delays too (no device-cycle
  unit); other delays become ``cirq.WaitGate``. ``u`` and ``ecr`` with numeric
  angles are exact ``MatrixGate``s; a symbolic ``u(theta, phi, lam)`` is
  ``p(lam)``, ``ry(theta)``, ``p(phi)`` (``ZPowGate``/``Ry``), equal to Qiskit's
  ``UGate`` including its phase;
* a symbolic ``q.global_phase`` is a ``cirq.DiagonalGate`` with equal angles on
  the first qubit (Cirq JSON cannot carry ``sympy.exp``, and a ``GlobalPhaseGate``
  with a symbolic coefficient does not resolve correctly from JSON).

Cirq JSON (:func:`to_cirq_json`) carries sympy sums, products and powers only, so
a symbolic angle that uses ``sin``/``cos`` is a :class:`BackendError` there (the
in-memory :func:`to_cirq` circuit keeps it).

Gate qubits keep the IR order (control first); only explicit matrices are
reordered, since Cirq matrices are big-endian.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..core.errors import BackendError
from ..core.ir import Operation
from . import _kernel_view as kv

if TYPE_CHECKING:  # pragma: no cover
    import cirq as _cirq


def _gate_factories(cirq: object) -> dict[str, Callable[..., object]]:
    """Cirq gate for each gate-table entry, given the (possibly sympy) angles."""
    c = cirq  # type: ignore[assignment]
    from ..dialects.gates import GATES

    pi = np.pi

    def matrix_gate(name: str) -> Callable[..., object]:
        def make(*params: object) -> object:
            if any(not isinstance(p, float) for p in params):
                raise _Symbolic(name)
            m = GATES[name].matrix(*params)  # type: ignore[arg-type]
            return c.MatrixGate(_big_endian(np.asarray(m), GATES[name].num_qubits))

        return make

    def div_pi(t: object) -> object:
        return t / pi if isinstance(t, float) else t / _sympy().pi

    return {
        "id": lambda: c.I,
        "x": lambda: c.X,
        "y": lambda: c.Y,
        "z": lambda: c.Z,
        "h": lambda: c.H,
        "s": lambda: c.S,
        "sdg": lambda: c.S**-1,
        "t": lambda: c.T,
        "tdg": lambda: c.T**-1,
        "sx": lambda: c.X**0.5,
        "sxdg": lambda: c.X**-0.5,
        "rx": lambda t: c.rx(t),
        "ry": lambda t: c.ry(t),
        "rz": lambda t: c.rz(t),
        "p": lambda t: c.ZPowGate(exponent=div_pi(t)),
        "u": matrix_gate("u"),
        "cx": lambda: c.CNOT,
        "cy": lambda: c.CY,
        "cz": lambda: c.CZ,
        "ch": lambda: c.ControlledGate(c.H),
        "swap": lambda: c.SWAP,
        "iswap": lambda: c.ISWAP,
        "ecr": matrix_gate("ecr"),
        "rxx": lambda t: c.XXPowGate(exponent=div_pi(t), global_shift=-0.5),
        "ryy": lambda t: c.YYPowGate(exponent=div_pi(t), global_shift=-0.5),
        "rzz": lambda t: c.ZZPowGate(exponent=div_pi(t), global_shift=-0.5),
        "crx": lambda t: c.ControlledGate(c.rx(t)),
        "cry": lambda t: c.ControlledGate(c.ry(t)),
        "crz": lambda t: c.ControlledGate(c.rz(t)),
        "cp": lambda t: c.CZPowGate(exponent=div_pi(t)),
        "ccx": lambda: c.CCX,
        "cswap": lambda: c.CSWAP,
    }


class _Symbolic(Exception):
    """A matrix gate was asked for with symbolic angles."""


def _sympy():
    import sympy

    return sympy


def _big_endian(m: np.ndarray, n: int) -> np.ndarray:
    """Reorder a little-endian 2^n x 2^n matrix to Cirq's big-endian qubit order."""
    if n == 1:
        return m
    t = m.reshape((2,) * (2 * n))
    rev = list(range(n))[::-1]
    return t.transpose(rev + [n + i for i in rev]).reshape(1 << n, 1 << n)


_DELAY_NANOS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class _CirqEmitter:
    def __init__(self, view: kv.CircuitView):
        import cirq
        import sympy

        self.cirq = cirq
        self.sympy = sympy
        self.view = view
        self.factories = _gate_factories(cirq)
        self.fixed: dict[str, object] = {}
        self.qubits = self._qubits()
        self.keys = [""] * view.num_clbits
        for r in view.registers:
            for i, cb in enumerate(r.clbits):
                self.keys[cb] = f"{r.name}_{i}"
        self.symbols = {name: sympy.Symbol(name) for name in view.symbols}
        self.ops = {
            "add": lambda a, b: a + b,
            "sub": lambda a, b: a - b,
            "mul": lambda a, b: a * b,
            "div": lambda a, b: a / b,
            "neg": lambda a: -a,
            "sin": lambda a: self._trig(sympy.sin, a) if not isinstance(a, float) else math.sin(a),
            "cos": lambda a: self._trig(sympy.cos, a) if not isinstance(a, float) else math.cos(a),
        }
        #: symbolic expressions Cirq JSON cannot serialize (checked by :func:`to_cirq_json`)
        self.not_serializable: list[str] = []

    def _trig(self, fn: Callable[[object], object], a: object) -> object:
        e = fn(a)
        self.not_serializable.append(str(e))
        return e

    def _qubits(self) -> list[object]:
        cirq = self.cirq
        n = self.view.num_qubits
        dq = self.view.device_qubits
        if dq is None:
            return list(cirq.LineQubit.range(n))
        if len(dq) != n:
            raise BackendError(f"device_qubits lists {len(dq)} qubits but the kernel has {n} wires",
                               self.view.kernel.loc)
        out = []
        for d in dq:
            if isinstance(d, tuple) and len(d) == 2:
                out.append(cirq.GridQubit(int(d[0]), int(d[1])))
            elif isinstance(d, int):
                out.append(cirq.LineQubit(d))
            elif isinstance(d, str):
                out.append(cirq.NamedQubit(d))
            else:
                raise BackendError(f"unsupported device qubit {d!r} (use (row, col), an int or a name)",
                                   self.view.kernel.loc)
        return out

    def angle(self, e: kv.Expr) -> object:
        return e if isinstance(e, float) else kv.lower_expr(e, lambda s: self.symbols[s[1]], self.ops)

    def gate(self, ins: kv.Gate) -> list[object]:
        qs = [self.qubits[i] for i in ins.qubits]
        if not ins.params:
            g = self.fixed.get(ins.name)
            if g is None:
                g = self.fixed[ins.name] = self.factories[ins.name]()
            return [g.on(*qs)]  # type: ignore[attr-defined]
        params = [self.angle(p) for p in ins.params]
        try:
            return [self.factories[ins.name](*params).on(*qs)]  # type: ignore[attr-defined]
        except _Symbolic:
            # u(theta, phi, lam) = p(phi) ry(theta) p(lam) exactly (phase included), and
            # every factor is an EigenGate with a sympy exponent, which Cirq JSON carries
            assert ins.name == "u", ins.name  # the only parametric gate built as a matrix
            th, ph, la = params
            c = self.cirq
            q = qs[0]
            p = self.factories["p"]
            return [p(la).on(q), c.ry(th).on(q), p(ph).on(q)]  # type: ignore[attr-defined]

    def emit(self, body: kv.Body) -> list[object]:
        cirq = self.cirq
        out: list[object] = []
        add = out.append
        for ins in body.instrs:
            t = type(ins)
            if t is kv.Gate:
                out += self.gate(ins)
            elif t is kv.Measure:
                add(cirq.measure(self.qubits[ins.qubit], key=self.keys[ins.clbit]))
            elif t is kv.Reset:
                add(cirq.reset(self.qubits[ins.qubit]))
            elif t is kv.Barrier:
                pass  # Cirq has no barrier; moments are its only scheduling structure
            elif t is kv.Delay:
                nanos = _DELAY_NANOS.get(ins.unit)
                if nanos is not None:
                    add(cirq.WaitGate(cirq.Duration(nanos=ins.duration * nanos)).on(self.qubits[ins.qubit]))
            elif t is kv.Unitary:
                n = len(ins.qubits)
                add(cirq.MatrixGate(_big_endian(ins.matrix, n)).on(*(self.qubits[i] for i in ins.qubits)))
            elif t is kv.GlobalPhase:
                a = self.angle(ins.angle)
                if isinstance(a, float):
                    add(cirq.global_phase_operation(complex(np.exp(1j * a))))
                elif not self.qubits:
                    raise BackendError("a symbolic global phase on a kernel without qubits has no Cirq form",
                                       self.view.kernel.loc)
                else:  # diag(e^{ia}, e^{ia}) = e^{ia} I: a symbolic phase that Cirq JSON round-trips
                    add(cirq.DiagonalGate([a, a]).on(self.qubits[0]))
            elif t is kv.Noise:
                add(self.channel(ins))
            elif t is kv.SetBit:
                raise BackendError("Cirq cannot set a measurement key to a constant "
                                   f"({'true' if ins.value else 'false'}), which this control flow needs",
                                   ins.loc or self.view.kernel.loc,  # type: ignore[arg-type]
                                   help="export to Qiskit or OpenQASM 3 instead")
            elif t is kv.If:
                out += self.emit_if(ins)
            elif t is kv.For:
                inner = self.emit(ins.body)
                n = len(range(ins.start, ins.stop, ins.step))
                if inner and n:
                    add(cirq.CircuitOperation(cirq.FrozenCircuit(inner)).repeat(n))
            elif t is kv.While:
                raise BackendError("Cirq has no while loop; scf.while cannot be exported to Cirq",
                                   self.view.kernel.loc, help="export to Qiskit or OpenQASM 3 instead")
            else:  # pragma: no cover
                raise AssertionError(t)
        return out

    def channel(self, ins: kv.Noise) -> object:
        cirq = self.cirq
        make = {
            "bit_flip": cirq.bit_flip,
            "phase_flip": cirq.phase_flip,
            "depolarizing": cirq.depolarize,  # X, Y, Z each with p/3, as the noise dialect
            "amplitude_damping": cirq.amplitude_damp,
            "phase_damping": cirq.phase_damp,
        }.get(ins.kind)
        if make is None:
            raise BackendError(f"noise channel '{ins.kind}' has no Cirq equivalent", self.view.kernel.loc)
        return make(ins.p).on(self.qubits[ins.qubit])

    def emit_if(self, ins: kv.If) -> list[object]:
        cirq = self.cirq
        key = self.keys[ins.clbit]
        for b in (ins.then, ins.orelse):
            if b is not None and any(isinstance(x, kv.Measure) for x in kv.walk_instrs(b)):
                raise BackendError("Cirq cannot classically control a measurement (measurement inside scf.if)",
                                   self.view.kernel.loc, help="export to Qiskit or OpenQASM 3 instead")
        sym = self.sympy.Symbol(key)
        yes = cirq.KeyCondition(cirq.MeasurementKey(key)) if ins.value else \
            cirq.SympyCondition(self.sympy.Eq(sym, 0))
        no = cirq.SympyCondition(self.sympy.Eq(sym, 0 if ins.value else 1))
        out = []
        for b, cond in ((ins.then, yes), (ins.orelse, no)):
            if b is None:
                continue
            for op in self.emit(b):
                out.append(op.with_classical_controls(cond))  # type: ignore[attr-defined]
        return out


def view_to_cirq(view: kv.CircuitView) -> _cirq.Circuit:
    """The ``cirq.Circuit`` of an already computed :class:`CircuitView`."""
    return _emit(view)[0]


def _emit(view: kv.CircuitView) -> tuple[_cirq.Circuit, _CirqEmitter]:
    import cirq

    emitter = _CirqEmitter(view)
    return cirq.Circuit(emitter.emit(view.body)), emitter


def to_cirq(module: Operation, kernel: str | Operation | None = None) -> _cirq.Circuit:
    """Export one kernel of ``module`` as a ``cirq.Circuit``.

    Requires a verified module; ``kernel=None`` selects the only kernel. For a
    measurement-free kernel, ``cirq.unitary`` of the circuit (over the kernel's
    qubits, big-endian) equals the IR semantics up to global phase (exactly
    when no angle is symbolic). Raises :class:`BackendError` for what Cirq
    cannot express (see the module docstring). Never mutates ``module``.
    """
    return view_to_cirq(kv.build_view(module, kernel, symbolic_loops=False))


def to_cirq_json(module: Operation, kernel: str | Operation | None = None) -> str:
    """The kernel's Cirq circuit serialized with ``cirq.to_json``.

    Guarantees: ``cirq.read_json`` loads the text back into a circuit equal to
    :func:`to_cirq`'s, whose ``cirq.resolve_parameters`` with values for every
    symbol has the kernel's unitary. Raises :class:`BackendError` when a
    symbolic angle uses ``sin``/``cos`` (Cirq JSON has no form for them).
    """
    import cirq

    view = kv.build_view(module, kernel, symbolic_loops=False)
    circuit, emitter = _emit(view)
    if emitter.not_serializable:
        raise BackendError(
            f"Cirq JSON cannot serialize the symbolic angle {emitter.not_serializable[0]} "
            "(it carries sums, products and powers of symbols only)",
            view.kernel.loc,
            help="bind the parameter first, or export to Qiskit or OpenQASM 3",
        )
    return cirq.to_json(circuit)


__all__ = ["to_cirq", "to_cirq_json", "view_to_cirq"]
