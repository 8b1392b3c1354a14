"""Shared OpenQASM text writer for the OpenQASM 3 and OpenQASM 2 backends.

Writes a :class:`~qglm_ir.backends._kernel_view.CircuitView` as text in one
linear pass (lines collected in a list and joined once). Gates missing from the
standard include file (``stdgates.inc`` / ``qelib1.inc``) are defined in the
header, only when used; the definitions equal the gate-table matrices up to
global phase. ``q.unitary`` is synthesized into ``U``/``cx`` with Qiskit's
synthesis (``transpile`` to that basis), so no ``opaque`` gate is ever emitted.
"""

from __future__ import annotations

import math

from ..core.errors import BackendError
from . import _kernel_view as kv

# Definitions of table gates that the standard include files lack (up to global phase).
_DEFS3 = {
    "sxdg": "gate sxdg a { h a; sdg a; h a; }",
    "iswap": "gate iswap a, b { s a; s b; h a; cx a, b; cx b, a; h b; }",
    "ecr": "gate ecr a, b { s a; sx b; cx a, b; x a; }",
    "rxx": "gate rxx(theta) a, b { h a; h b; cx a, b; rz(theta) b; cx a, b; h a; h b; }",
    "ryy": "gate ryy(theta) a, b { rx(pi/2) a; rx(pi/2) b; cx a, b; rz(theta) b; cx a, b; "
           "rx(-pi/2) a; rx(-pi/2) b; }",
    "rzz": "gate rzz(theta) a, b { cx a, b; rz(theta) b; cx a, b; }",
}
# qelib1.inc (as Qiskit ships it) has sxdg, rxx and rzz but not these.
_DEFS2 = {k: _DEFS3[k] for k in ("iswap", "ecr", "ryy")}
# Names with a different spelling in the include files.
_NAMES3 = {"u": "U"}
_NAMES2 = {"u": "u3"}
# Gates stdgates.inc defines.
_STD3 = {"p", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "cx", "cy", "cz", "cp",
         "crx", "cry", "crz", "ch", "swap", "ccx", "cswap", "id"}


# Identifiers an input may not take: OpenQASM 3 keywords, builtin types/functions/constants and
# every gate name the program may use (gates and variables share one namespace).
_RESERVED = {
    "OPENQASM", "include", "defcalgrammar", "def", "cal", "defcal", "gate", "opaque", "extern", "box", "let",
    "break", "continue", "if", "else", "end", "return", "for", "while", "in", "switch", "case", "default",
    "nop", "pragma", "input", "output", "const", "readonly", "mutable", "qreg", "qubit", "creg", "bool", "bit",
    "int", "uint", "float", "angle", "complex", "array", "void", "duration", "stretch", "gphase", "inv", "pow",
    "ctrl", "negctrl", "durationof", "delay", "reset", "measure", "barrier", "true", "false", "pi", "tau",
    "euler", "im", "dt", "ns", "us", "ms", "s", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "exp",
    "ln", "sqrt", "mod", "popcount", "rotl", "rotr", "real", "imag", "sizeof", "U", "CX", "phase", "cphase",
    "u1", "u2", "u3", "cu", "cu1", "cu3", "sxdg", "iswap", "ecr", "rxx", "ryy", "rzz", "qelib1", "stdgates",
    *_STD3,
}


def fmt_float(x: float) -> str:
    if not math.isfinite(x):
        raise BackendError(f"non-finite angle {x} cannot be written as OpenQASM")
    r = repr(float(x))
    return r if ("." in r or "e" in r or "inf" in r) else r + ".0"


class QasmWriter:
    """Writes a view as OpenQASM ``version`` (3 or 2)."""

    def __init__(self, view: kv.CircuitView, version: int):
        self.view = view
        self.v = version
        self.lines: list[str] = []
        self.defs: dict[str, str] = {}
        self.names = _NAMES3 if version == 3 else _NAMES2
        self.extra_defs = _DEFS3 if version == 3 else _DEFS2
        self.sym_names: dict[str, str] = {}
        taken: set[str] = {"q", *(r.name for r in view.registers), *_RESERVED}
        for s in view.symbols.values():
            n = kv.sanitize(s.name.replace("[", "_").replace("]", ""), "p", ascii_only=version == 2)
            while n in taken:
                n += "_"
            taken.add(n)
            self.sym_names[s.name] = n
        self.in_cond = False
        self.used: set[str] = set()
        self.registers = list(view.registers)
        if version == 2:
            self.registers = self._split_condition_registers(taken)
        self.bit_ref = [""] * view.num_clbits
        self.bit_reg: list[str] = [""] * view.num_clbits
        for r in self.registers:
            for i, cb in enumerate(r.clbits):
                self.bit_ref[cb] = f"{r.name}[{i}]"
                self.bit_reg[cb] = r.name
        self.loop_names: dict[str, str] = {}
        self.ops = {
            "add": lambda a, b: f"({a} + {b})",
            "sub": lambda a, b: f"({a} - {b})",
            "mul": lambda a, b: f"({a} * {b})",
            "div": lambda a, b: f"({a} / {b})",
            "neg": lambda a: f"(-{a})",
            "sin": lambda a: f"sin({a})",
            "cos": lambda a: f"cos({a})",
        }

    def _split_condition_registers(self, taken: set[str]) -> list[kv.Register]:
        """OpenQASM 2 conditions compare a whole register: give each condition bit its own
        1-bit register ``<reg>_<i>`` (the other bits of that register too, keeping order)."""
        cond = {x.clbit for x in kv.walk_instrs(self.view.body) if isinstance(x, kv.If)}
        out = []
        for r in self.view.registers:
            if len(r.clbits) == 1 or not cond.intersection(r.clbits):
                out.append(r)
                continue
            for i, cb in enumerate(r.clbits):
                name = f"{r.name}_{i}"
                while name in taken:
                    name += "_"
                taken.add(name)
                out.append(kv.Register(name, [cb]))
        return out

    def fail(self, message: str, help: str | None = None) -> BackendError:
        return BackendError(message, self.view.kernel.loc, help)

    # ------------------------------------------------------------- expressions
    def leaf(self, e: tuple) -> str:
        if e[0] == "loop":
            return self.loop_names[e[1]]
        if self.v == 2:
            raise self.fail(
                f"OpenQASM 2 has no symbolic parameters (angle uses '{e[1]}')",
                help="bind or fold the parameters first, or export OpenQASM 3",
            )
        self.used.add(e[1])
        return self.sym_names[e[1]]

    def angle(self, e: kv.Expr) -> str:
        if isinstance(e, float):
            return fmt_float(e)
        return str(kv.lower_expr(e, self.leaf, self.ops))

    # ------------------------------------------------------------- program
    def write(self) -> str:
        body: list[str] = []
        self.emit(self.view.body, body, "")
        head = ["OPENQASM 3.0;" if self.v == 3 else "OPENQASM 2.0;",
                'include "stdgates.inc";' if self.v == 3 else 'include "qelib1.inc";']
        if self.view.layout is not None:
            # OpenQASM has no layout object: the mapping of program qubits onto q[...] travels
            # as comments, the same facts Qiskit's TranspileLayout carries in QPY.
            initial, final = self.view.layout
            head.append(f"// qglm layout: program qubit k starts on q[initial[k]]: initial = {list(initial)}")
            head.append(f"// qglm layout: program qubit k ends on q[final[k]]: final = {list(final)}")
        head += list(self.defs.values())
        n = self.view.num_qubits
        if self.v == 3:
            for s in self.view.symbols.values():
                if s.name in self.used:  # inputs nobody reads would only confuse importers
                    head.append(f"input float[64] {self.sym_names[s.name]};")
            if n:
                head.append(f"qubit[{n}] q;")
            for r in self.registers:
                head.append(f"bit[{len(r.clbits)}] {r.name};")
        else:
            if n:
                head.append(f"qreg q[{n}];")
            for r in self.registers:
                head.append(f"creg {r.name}[{len(r.clbits)}];")
        return "\n".join(head + body) + "\n"

    def gate_name(self, name: str) -> str:
        if name in self.extra_defs and name not in self.defs:
            self.defs[name] = self.extra_defs[name]
        return self.names.get(name, name)

    def emit(self, body: kv.Body, out: list[str], ind: str) -> None:
        v3 = self.v == 3
        for ins in body.instrs:
            t = type(ins)
            if t is kv.Gate:
                qs = ", ".join(f"q[{i}]" for i in ins.qubits)
                name = self.gate_name(ins.name)
                if ins.params:
                    out.append(f"{ind}{name}({', '.join(self.angle(p) for p in ins.params)}) {qs};")
                else:
                    out.append(f"{ind}{name} {qs};")
            elif t is kv.Measure:
                if v3:
                    out.append(f"{ind}{self.bit_ref[ins.clbit]} = measure q[{ins.qubit}];")
                else:
                    out.append(f"{ind}measure q[{ins.qubit}] -> {self.bit_ref[ins.clbit]};")
            elif t is kv.Reset:
                out.append(f"{ind}reset q[{ins.qubit}];")
            elif t is kv.Barrier:
                if self.in_cond:
                    continue  # OpenQASM 2 cannot condition a barrier; it has no semantics anyway
                out.append(f"{ind}barrier {', '.join(f'q[{i}]' for i in ins.qubits)};")
            elif t is kv.Delay:
                if v3:
                    d = ins.duration
                    lit = str(int(d)) if ins.unit == "dt" and float(d).is_integer() else fmt_float(d)
                    out.append(f"{ind}delay[{lit}{ins.unit}] q[{ins.qubit}];")
                # OpenQASM 2 has no delay; an idle qubit is the identity.
            elif t is kv.Unitary:
                self.emit_unitary(ins, out, ind)
            elif t is kv.GlobalPhase:
                if v3:
                    out.append(f"{ind}gphase({self.angle(ins.angle)});")
                # OpenQASM 2 has no global phase; the program is equal up to it.
            elif t is kv.Noise:
                pass  # noise annotations are simulation-only; OpenQASM has no channels
            elif t is kv.SetBit:
                if not v3:
                    raise BackendError("OpenQASM 2 cannot set a classical bit to a constant "
                                       f"({'true' if ins.value else 'false'}) as this control flow needs",
                                       ins.loc or self.view.kernel.loc, help="export OpenQASM 3")  # type: ignore[arg-type]
                out.append(f"{ind}{self.bit_ref[ins.clbit]} = {'true' if ins.value else 'false'};")
            elif t is kv.If:
                self.emit_if(ins, out, ind)
            elif t is kv.For:
                self.emit_for(ins, out, ind)
            elif t is kv.While:
                if not v3:
                    raise self.fail("OpenQASM 2 has no while loop (scf.while)", help="export OpenQASM 3")
                cond = f"{self.bit_ref[ins.clbit]} == {'true' if ins.value else 'false'}"
                out.append(f"{ind}while ({cond}) {{")
                self.emit(ins.body, out, ind + "  ")
                out.append(f"{ind}}}")
            else:  # pragma: no cover
                raise AssertionError(t)

    def emit_unitary(self, ins: kv.Unitary, out: list[str], ind: str) -> None:
        from qiskit import QuantumCircuit, transpile
        from qiskit.circuit.library import UnitaryGate

        n = len(ins.qubits)
        qc = QuantumCircuit(n)
        qc.append(UnitaryGate(ins.matrix, check_input=False), range(n))
        tc = transpile(qc, basis_gates=["u", "cx"], optimization_level=1)
        for ci in tc.data:
            qs = ", ".join(f"q[{ins.qubits[tc.find_bit(b).index]}]" for b in ci.qubits)
            if ci.operation.name == "cx":
                out.append(f"{ind}cx {qs};")
            else:
                ps = ", ".join(fmt_float(float(p)) for p in ci.operation.params)
                out.append(f"{ind}{self.gate_name('u')}({ps}) {qs};")
        if self.v == 3 and tc.global_phase:
            out.append(f"{ind}gphase({fmt_float(float(tc.global_phase))});")

    def emit_if(self, ins: kv.If, out: list[str], ind: str) -> None:
        if self.v == 3:
            cond = f"{self.bit_ref[ins.clbit]} == {'true' if ins.value else 'false'}"
            out.append(f"{ind}if ({cond}) {{")
            self.emit(ins.then, out, ind + "  ")
            if ins.orelse is not None:
                out.append(f"{ind}}} else {{")
                self.emit(ins.orelse, out, ind + "  ")
            out.append(f"{ind}}}")
            return
        # OpenQASM 2: `if(creg==k) op;` on each op; condition bits sit alone in their register.
        reg = self.bit_reg[ins.clbit]
        for branch, val in ((ins.then, ins.value), (ins.orelse, not ins.value)):
            if branch is None:
                continue
            if any(isinstance(x, (kv.If, kv.While)) for x in kv.walk_instrs(branch)):
                raise BackendError("OpenQASM 2 cannot express nested control flow inside an if "
                                   "(also what a condition on several bits becomes)",
                                   ins.loc or self.view.kernel.loc, help="export OpenQASM 3")  # type: ignore[arg-type]
            if ins.clbit in branch.clbits:
                raise self.fail("OpenQASM 2 cannot express a conditional branch that rewrites its condition bit",
                                help="export OpenQASM 3")
            inner: list[str] = []
            self.in_cond = True
            try:
                self.emit(branch, inner, "")
            finally:
                self.in_cond = False
            for line in inner:
                out.append(f"{ind}if({reg}=={int(val)}) {line}")

    def emit_for(self, ins: kv.For, out: list[str], ind: str) -> None:
        rng = range(ins.start, ins.stop, ins.step)
        if self.v == 2:
            # OpenQASM 2 has no loops: unroll (semantics-preserving; bounds are constants).
            for i in rng:
                if ins.var is not None:
                    self.loop_names[ins.var] = f"{i}.0"
                self.emit(ins.body, out, ind)
            return
        var = ins.var or f"_{len(self.loop_names)}"
        name = f"_loop_{var}"
        self.loop_names[var] = name
        last = rng[-1]
        span = f"[{rng.start}:{rng.step}:{last}]" if rng.step != 1 else f"[{rng.start}:{last}]"
        out.append(f"{ind}for int {name} in {span} {{")
        self.emit(ins.body, out, ind + "  ")
        out.append(f"{ind}}}")


def write_qasm(view: kv.CircuitView, version: int) -> str:
    return QasmWriter(view, version).write()
