"""A backend-neutral circuit view of one ``q.kernel``: lines, clbits, symbolic angles.

Every exporter (Qiskit, Cirq, OpenQASM 3/2) needs the same facts about a kernel,
so they are computed once here, in one linear pass, into a small tree of
instructions (:class:`CircuitView`):

* **Lines** (circuit qubits) are the kernel's wires (:mod:`qglm_ir.dialects.kernel_wires`):
  its qubit block arguments in order, then its ``q.alloc`` ops in pre-order walk order. A gate's
  qubit results stay on the lines of its operands. At the end, if the kernel's
  output wires (returned qubits, then dealloc'd lines by index) are a permutation
  of the lines, SWAPs restore wire ``j`` on line ``j``, so every backend computes
  exactly the IR's unitary.
* **Clbits**: each ``q.measure`` writes one clbit. The ``i1`` results of ``scf.if``
  share the clbit of the values the branches yield (coalesced with a union-find;
  a constant ``false`` yield means "the clbit is still 0"). Registers:
  ``c`` holds the kernel's returned ``i1`` scalars in return order; each returned
  ``tensor<Nxi1>`` built by ``tensor.from_elements`` gets its own register named
  after the value's ``name_hint`` (else ``c<k>``); every other measurement goes
  to register ``mid`` in program order.
* **Angles** are :data:`Expr` trees over symbols: a trainable (or init-less)
  ``param.decl`` or a classical kernel input ``x`` is the symbol ``x`` (scalar) or
  the vector elements ``x[i]`` (tensors, flattened row-major); frozen params with
  an ``init`` are folded to numbers; loop induction variables are loop symbols.
  Backends turn the trees into Qiskit ``ParameterExpression``/sympy/QASM text.
* **Control flow**: ``scf.if`` on a measured bit (or its ``arith.not``) becomes
  :class:`If`; on a constant it is resolved statically. ``scf.for`` with constant
  bounds becomes :class:`For` (with the induction variable as a loop symbol when
  angles use it), or is unrolled when the backend cannot express the body
  symbolically (classical iter_args, an induction variable used as a tensor index
  or, with ``symbolic_loops=False``, used at all). ``scf.while`` whose condition
  is a measured bit becomes :class:`While`: the "before" region is emitted once
  ahead of the loop and again at the end of every iteration.

Anything else raises :class:`BackendError` with the op's location.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..core.attributes import DenseArray, SymbolRef
from ..core.errors import BackendError
from ..core.ir import Block, BlockArgument, Operation, OpResult, Value
from ..core.module import Module
from ..core.types import FloatType, FunctionType, IntegerType, TensorType, i1
from ..dialects.arith import BinaryOp, UnaryOp
from ..dialects.embed import AnglesOp, StateOp
from ..dialects.gates import GATES
from ..dialects.kernel_wires import number_wires
from ..dialects.noise import ChannelOp
from ..dialects.q import GlobalPhaseOp, MeasureOp, gate_params, gate_qubits
from ..dialects.scf import ConditionOp, ForOp, IfOp, WhileOp, YieldOp
from ..dialects.tensor import ExtractOp, ReshapeOp

# --------------------------------------------------------------------------- expressions
# An Expr is a float, or a tuple: ("sym", name), ("loop", name), or (op, *args) with op in
# add/sub/mul/div/neg/sin/cos. Numeric subtrees are folded eagerly, so a float means
# "constant" and a tuple always contains at least one symbol.
Expr = float | tuple

_BINARY = {
    "arith.add": ("add", lambda a, b: a + b),
    "arith.sub": ("sub", lambda a, b: a - b),
    "arith.mul": ("mul", lambda a, b: a * b),
    "arith.div": ("div", lambda a, b: a / b),
}
_UNARY = {"arith.neg": ("neg", lambda a: -a), "arith.sin": ("sin", math.sin), "arith.cos": ("cos", math.cos)}


def expr_symbols(e: Expr) -> Iterator[tuple]:
    """The ``("sym", name)`` / ``("loop", name)`` leaves of ``e``."""
    if isinstance(e, tuple):
        if e[0] in ("sym", "loop"):
            yield e
        else:
            for a in e[1:]:
                yield from expr_symbols(a)


def lower_expr(e: Expr, leaf: Callable[[tuple], object], ops: dict[str, Callable[..., object]]) -> object:
    """Map an Expr onto another algebra: ``leaf`` for symbols, ``ops[name]`` for operators."""
    if not isinstance(e, tuple):
        return e
    if e[0] in ("sym", "loop"):
        return leaf(e)
    return ops[e[0]](*(lower_expr(a, leaf, ops) for a in e[1:]))


# --------------------------------------------------------------------------- instructions
@dataclass(slots=True)
class Gate:
    name: str
    qubits: tuple[int, ...]
    params: tuple[Expr, ...]


@dataclass(slots=True)
class Measure:
    qubit: int
    clbit: int


@dataclass(slots=True)
class Reset:
    qubit: int


@dataclass(slots=True)
class Barrier:
    qubits: tuple[int, ...]


@dataclass(slots=True)
class Delay:
    qubit: int
    duration: float
    unit: str


@dataclass(slots=True)
class Unitary:
    matrix: np.ndarray
    qubits: tuple[int, ...]


@dataclass(slots=True)
class GlobalPhase:
    angle: Expr


@dataclass(slots=True)
class SetBit:
    """Write the constant ``value`` into clbit ``clbit`` (a bit that control flow sets to a constant).

    ``loc`` is the control-flow op (or return) that needs it, for backends that
    cannot store to a classical bit (Cirq, OpenQASM 2) to report where.
    """

    clbit: int
    value: bool
    loc: object = None


@dataclass(slots=True)
class Noise:
    """A ``noise.<kind>`` channel with probability ``p`` (simulation-only annotation)."""

    kind: str
    p: float
    qubit: int


@dataclass(slots=True)
class Body:
    """A straight list of instructions plus the lines and clbits it (transitively) touches."""

    instrs: list = field(default_factory=list)
    qubits: set[int] = field(default_factory=set)
    clbits: set[int] = field(default_factory=set)

    def add(self, instr: object, qubits: Iterable[int] = (), clbits: Iterable[int] = ()) -> None:
        self.instrs.append(instr)
        self.qubits.update(qubits)
        self.clbits.update(clbits)

    def absorb(self, other: Body) -> None:
        self.qubits |= other.qubits
        self.clbits |= other.clbits


@dataclass(slots=True)
class If:
    """Run ``then`` when clbit ``clbit`` equals ``value``, else ``orelse``."""

    clbit: int
    value: bool
    then: Body
    orelse: Body | None
    loc: object = None  # the scf.if's location, for backends that refuse the construct


@dataclass(slots=True)
class For:
    """``for var in range(start, stop, step)``; ``var`` is None when the body ignores it."""

    var: str | None
    start: int
    stop: int
    step: int
    body: Body


@dataclass(slots=True)
class While:
    """Run ``body`` while clbit ``clbit`` equals ``value`` (checked before each iteration)."""

    clbit: int
    value: bool
    body: Body


@dataclass(frozen=True, slots=True)
class Symbol:
    """A free parameter of the circuit: a scalar, or element ``index`` of vector ``vector``."""

    name: str
    vector: str | None
    index: int
    size: int
    origin: str  # "param", "input" or "derived" (angles an embed op computes from data)
    init: float | None


@dataclass(slots=True)
class Register:
    name: str
    clbits: list[int]


@dataclass
class CircuitView:
    """The circuit form of one kernel (see the module docstring)."""

    name: str
    num_qubits: int
    num_clbits: int
    registers: list[Register]
    body: Body
    symbols: dict[str, Symbol]
    kernel: Operation
    layout: tuple[tuple[int, ...], tuple[int, ...]] | None = None  # (initial, final) if mapped
    device_qubits: tuple | None = None
    # symbol vectors computed from kernel data by an embed.*_angles op (vector name -> op);
    # qglm_ir.embedding.binding fills them per sample
    derived: dict[str, Operation] = field(default_factory=dict)

    def vectors(self) -> dict[str, list[Symbol]]:
        """Symbols grouped by vector name (scalars are absent), each list sorted by index."""
        out: dict[str, list[Symbol]] = {}
        for s in self.symbols.values():
            if s.vector is not None:
                out.setdefault(s.vector, []).append(s)
        for v in out.values():
            v.sort(key=lambda s: s.index)
        return out


# --------------------------------------------------------------------------- kernel selection
def kernels_of(module: Operation) -> list[Operation]:
    return [op for op in module.regions[0].block if op.name == "q.kernel"]


def select_kernel(module: Operation, kernel: str | Operation | None) -> Operation:
    """Resolve the ``kernel`` argument of the exporters.

    ``None`` means the module's only kernel; a string names one; an Operation
    must be a ``q.kernel``. Raises :class:`BackendError` otherwise.
    """
    if isinstance(kernel, Operation):
        if kernel.name != "q.kernel":
            raise BackendError(f"expected a q.kernel operation, got {kernel.name}", kernel.loc)
        return kernel
    ks = kernels_of(module)
    names = [str(k.properties.get("sym_name")) for k in ks]
    if kernel is None:
        if len(ks) == 1:
            return ks[0]
        if not ks:
            # point at the program's first definition: the module itself carries no position
            first = next((op.loc for op in module.regions[0].blocks[0] if op.loc is not None), None)
            raise BackendError("the module has no q.kernel to export", module.loc or first,
                               help="define a kernel, or use --target ir or cfg for a host-only program")
        raise BackendError(
            f"the module has {len(ks)} kernels ({', '.join('@' + n for n in names)}); choose one",
            module.loc,
            help="pass kernel=NAME (qglmc: --kernel NAME; --target all writes one file set per kernel)",
        )
    for k, n in zip(ks, names):
        if n == kernel:
            return k
    raise BackendError(
        f"no kernel named @{kernel}; the module has {', '.join('@' + n for n in names) or 'none'}",
        module.loc,
    )


def module_of(op: Operation) -> Operation | None:
    cur = op.parent_op
    while cur is not None and cur.name != "builtin.module":
        cur = cur.parent_op
    return cur


def parameter_bindings(module: Operation) -> dict[str, float]:
    """Values of every symbolic parameter that has an ``init`` (``theta[3]`` -> 0.5).

    Useful to bind a backend circuit's trainable parameters to the module's
    current values (e.g. ``qc.assign_parameters(...)``)."""
    out: dict[str, float] = {}
    for op in module.regions[0].block:
        if op.name != "param.decl":
            continue
        name = str(op.properties["sym_name"])
        init = op.properties.get("init")
        if isinstance(init, DenseArray):
            for i, x in enumerate(init.array.reshape(-1)):
                out[f"{name}[{i}]"] = float(x)
        elif isinstance(init, (int, float)):
            out[name] = float(init)
    return out


# --------------------------------------------------------------------------- building
class _NeedsUnroll(Exception):
    """Raised while building a loop body symbolically when loop ``loop`` must be unrolled."""

    def __init__(self, loop: Operation):
        self.loop = loop


class _Env:
    """Value bindings (qubit -> line, classical -> Expr/array/bit) with parent fallback."""

    __slots__ = ("vals", "parent")

    def __init__(self, parent: _Env | None = None):
        self.vals: dict[Value, object] = {}
        self.parent = parent

    def get(self, v: Value) -> object | None:
        env: _Env | None = self
        while env is not None:
            x = env.vals.get(v)
            if x is not None:
                return x
            env = env.parent
        return None


@dataclass(frozen=True, slots=True)
class _Bit:
    """An ``i1`` location: a clbit (possibly negated), or a constant."""

    clbit: int | None
    value: bool = True  # for a clbit: the bit is `value` when clbit == 1 ... i.e. not negated
    const: bool | None = None
    expr: tuple | None = None  # a boolean combination: see :data:`BitExpr`

    def as_expr(self) -> tuple:
        """This location as a :data:`BitExpr` tree."""
        if self.expr is not None:
            return self.expr
        if self.clbit is None:
            return ("const", bool(self.const))
        return ("bit", self.clbit, self.value)


#: A boolean combination of clbits: ``("bit", clbit, value)`` (true when the clbit equals
#: ``value``), ``("const", b)``, ``("not", e)``, ``("and"|"or"|"xor", a, b)``.
BitExpr = tuple

#: Most clbit leaves a compound condition may read (nested ifs grow with xor as 2^leaves).
MAX_CONDITION_BITS = 8


def _push_not(e: BitExpr, neg: bool = False) -> BitExpr:
    """``e`` (negated when ``neg``) with every ``not`` pushed into the leaves (De Morgan)."""
    k = e[0]
    if k == "bit":
        return ("bit", e[1], e[2] != neg)
    if k == "const":
        return ("const", e[1] != neg)
    if k == "not":
        return _push_not(e[1], not neg)
    if k == "xor":
        return ("xor", _push_not(e[1], neg), _push_not(e[2]))
    a, b = _push_not(e[1], neg), _push_not(e[2], neg)
    return (("or" if k == "and" else "and") if neg else k, a, b)


def _leaves(e: BitExpr) -> int:
    return 1 if e[0] in ("bit", "const") else sum(_leaves(x) for x in e[1:])


def lower_condition(e: BitExpr, then: Body, orelse: Body | None, loc: object = None) -> Body:
    """A body running ``then`` when ``e`` holds and ``orelse`` otherwise, with single-bit ``If`` only.

    ``a and b`` becomes ``if a { if b {T} else {E} } else {E}``, ``or`` and ``xor``
    likewise: every backend that nests ifs can run it, and OpenQASM 3 readers that
    know no ``&&`` read it. Conditions are read before either body runs, as in
    ``scf.if``. ``E`` may appear twice; bodies are shared, never mutated.
    """
    e = _push_not(e)
    empty = Body()

    def go(x: BitExpr, t: Body | None, f: Body | None) -> Body:
        out = Body()
        k = x[0]
        if k == "const":
            chosen = t if x[1] else f
            if chosen is not None:
                out.instrs.extend(chosen.instrs)
                out.absorb(chosen)
            return out
        if k == "bit":
            tb = t if t is not None else empty
            out.add(If(x[1], x[2], tb, f if (f is not None and f.instrs) else None, loc), (), (x[1],))
            out.absorb(tb)
            if f is not None:
                out.absorb(f)
            return out
        a, b = x[1], x[2]
        if k == "and":
            return go(a, go(b, t, f), f)
        if k == "or":
            return go(a, t, go(b, t, f))
        assert k == "xor"
        return go(a, go(b, f, t), go(b, t, f))

    return go(e, then, orelse)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Value, Value] = {}
        self.members: list[Value] = []  # every value ever unioned, in first-seen order

    def find(self, v: Value) -> Value:
        p = self.parent.get(v, v)
        if p is v:
            return v
        root = self.find(p)
        self.parent[v] = root
        return root

    def union(self, a: Value, b: Value) -> None:
        for v in (a, b):
            if v not in self.parent:
                self.parent[v] = v
                self.members.append(v)
        ra, rb = self.find(a), self.find(b)
        if ra is not rb:
            self.parent[rb] = ra


_IDENT = re.compile(r"[^\w]")  # Unicode word characters: Qiskit's ``θ`` keeps its name
_ASCII_IDENT = re.compile(r"[^A-Za-z0-9_]")


def sanitize(name: str, default: str, ascii_only: bool = False) -> str:
    """``name`` as an identifier valid in Qiskit, Cirq and OpenQASM 3 (Unicode letters
    allowed, as in Python identifiers); ``ascii_only`` for OpenQASM 2."""
    s = (_ASCII_IDENT if ascii_only else _IDENT).sub("_", name or "")
    if not s or not (s[0].isalpha() or s[0] == "_"):
        s = default if not s else f"{default}_{s}"
    return s


class _ViewBuilder:
    def __init__(self, kernel: Operation, symbolic_loops: bool, fold_frozen: bool):
        self.kernel = kernel
        self.symbolic_loops = symbolic_loops
        self.fold_frozen = fold_frozen
        mod = module_of(kernel)
        self.decls: dict[str, Operation] = {}
        if mod is not None:
            for op in mod.regions[0].block:
                if op.name == "param.decl":
                    self.decls[str(op.properties["sym_name"])] = op
        self.symbols: dict[str, Symbol] = {}
        self.body_block: Block = kernel.regions[0].block
        ftype = kernel.properties.get("function_type")
        assert isinstance(ftype, FunctionType)
        self.input_names: dict[Value, str] = {}
        self.lines: dict[Operation, int] = {}  # alloc op -> its line
        self.arg_lines: dict[Value, int] = {}  # qubit argument -> its line
        self.order: dict[Operation, int] = {}
        self.uf = _UnionFind()
        self.zero_at: list[tuple[Value, Operation]] = []  # (class member, if op) constant-false joins
        self.one_at: list[tuple[Value, Operation]] = []  # (class member, op) constant-true joins
        self.store_false: set[tuple[Value, int]] = set()  # constant-false joins whose clbit may be 1
        self.initial_ones: list[int] = []  # clbits of returned constant-true bits
        self.loop_ops: dict[str, Operation] = {}
        self.num_lines = 0
        self.clbit_of: dict[Value, int] = {}
        self.num_clbits = 0
        self.derived: dict[str, Operation] = {}

    # ----------------------------------------------------------------- errors
    def loc_of(self, op: Operation | None) -> object:
        """``op``'s location, else its nearest located ancestor's, else the kernel's.

        Ops a frontend made up (e.g. the bit logic of an OpenQASM ``if (c == 2)``)
        may carry no location of their own.
        """
        at: Operation | None = op
        while at is not None and at.loc is None:
            at = at.parent_op
        return at.loc if at is not None else self.kernel.loc

    def fail(self, op: Operation | None, message: str, help: str | None = None) -> BackendError:
        return BackendError(message, self.loc_of(op), help)  # type: ignore[arg-type]

    # ----------------------------------------------------------------- prepass
    def prepass(self) -> None:
        """Number lines (the kernel's wires, :mod:`qglm_ir.dialects.kernel_wires`) and coalesce if-result bits."""
        idx = 0
        for op in self.kernel.walk():
            self.order[op] = idx
            idx += 1
            if op.name == "func.call":
                callee = op.properties.get("callee")
                raise self.fail(op, f"a kernel calling {callee} cannot be exported as one circuit yet",
                                help="inline the called kernel first")
            elif op.name in ("scf.if", "scf.for", "scf.while"):
                self._coalesce(op)
        self._check_coalescing()
        # Line w is wire w: qubit arguments, then allocs in pre-order. Only where a qubit
        # *starts* comes from the model; where it flows is followed in walk_block, since a
        # region that permutes its qubits is emitted with SWAPs (or, unrolled, relabels lines).
        kw = number_wires(self.kernel)
        self.num_lines = kw.num_wires
        self.arg_lines = {a: w for w, a in enumerate(kw.inputs[: kw.num_args])}
        self.lines = {op: w for w, op in kw.allocs.items()}

    def _alias(self, v: Value) -> Value:
        """Follow ``scf.if`` block arguments back to the operand they are bound to."""
        while isinstance(v, BlockArgument):
            owner = v.block.parent_op
            if owner is not None and owner.name == "scf.if":
                v = IfOp(owner).inputs[v.index]
            else:
                break
        return v

    def _join(self, op: Operation, member: Value, v: Value) -> None:
        """Put ``v`` in the clbit class of ``member`` (``op`` is the control-flow op joining them)."""
        v = self._alias(v)
        d = v.op if isinstance(v, OpResult) else None
        if d is not None and d.name == "arith.constant":
            if op.name == "scf.while" and d.properties.get("value") is not False:
                raise self.fail(op, "an scf.while carries the constant true as a bit",
                                help="a circuit's classical bits start at 0; set the bit before the loop "
                                     "with an scf.if")
            self.uf.union(member, member)  # the class exists even when nothing measures into it
            (self.zero_at if d.properties.get("value") is False else self.one_at).append((member, op))
            return
        if d is not None and d.name not in ("q.measure", "scf.if", "scf.for", "scf.while"):
            raise self.fail(op, "a classical bit carried through control flow must be a measurement result")
        self.uf.union(member, v)
        owner = d if d is not None else v.block.parent_op  # type: ignore[union-attr]
        if owner is not None and not op.is_ancestor_of(owner) and owner is not op:
            self._check_passthrough(v, op)

    def _coalesce(self, op: Operation) -> None:
        """Give every i1 result of an scf op one clbit shared with the values it merges."""
        if op.name == "scf.if":
            for k, r in enumerate(op.results):
                if r.type == i1:
                    for region in op.regions:
                        y = region.block.last
                        assert y is not None
                        self._join(op, r, YieldOp(y).values[k])
        elif op.name == "scf.for":
            block = op.regions[0].block
            y = block.last
            assert y is not None
            for k, r in enumerate(op.results):
                if r.type == i1:
                    self.uf.union(r, block.args[k + ForOp.ARG_OFFSET])
                    self._join(op, r, ForOp(op).iter_args[k])
                    self._join(op, r, YieldOp(y).values[k])
        elif op.name == "scf.while":
            before, after = op.regions[0].block, op.regions[1].block
            cond, y = before.last, after.last
            assert cond is not None and y is not None
            for k, a in enumerate(before.args):
                if a.type == i1:
                    self._join(op, a, WhileOp(op).inits[k])
                    self._join(op, a, YieldOp(y).values[k])
            for k, r in enumerate(op.results):
                if r.type == i1:
                    self.uf.union(r, after.args[k])
                    self._join(op, r, ConditionOp(cond).values[k])

    def _check_passthrough(self, v: Value, op: Operation) -> None:
        # ``v`` keeps living in the clbit that the other branch overwrites: it is only safe
        # if nothing reads ``v`` after the if (or inside it, past a possible overwrite).
        pos = self.order[op]
        for user in v.uses:
            if user is op or (user.name == "scf.yield" and user.parent_op is op):
                continue
            top: Operation | None = user
            while top is not None and top.parent is not op.parent:
                top = top.parent_op  # climb to the ancestor that sits in the if's block
            if top is not None and top is not op and self.order.get(top, pos) < pos:
                continue
            raise self.fail(
                user,
                "a measured bit is read after an scf.if that may overwrite its classical bit",
                help="measure into a fresh bit in the branch, or read the bit before the if",
            )

    def _check_coalescing(self) -> None:
        # A constant-false join needs no store when its clbit is still 0 (nothing wrote it
        # before the op): circuits start with every clbit 0. Otherwise it becomes a store.
        if not self.zero_at:
            return
        first_write: dict[Value, int] = {}
        for v in list(self.uf.parent):
            if isinstance(v, OpResult) and v.op.name == "q.measure":
                root = self.uf.find(v)
                first_write[root] = min(first_write.get(root, 1 << 62), self.order[v.op])
        for member, op in self.one_at:
            root = self.uf.find(member)
            first_write[root] = min(first_write.get(root, 1 << 62), self.order[op])
        for member, op in self.zero_at:
            if first_write.get(self.uf.find(member), 1 << 62) < self.order[op]:
                if op.name == "scf.while":
                    raise self.fail(op, "an scf.while yields false for a bit that may already be set")
                self.store_false.add((self.uf.find(member), self.order[op]))

    def store_constants(self, op: Operation, pairs: Iterable[tuple[Value, Value]], out: Body) -> None:
        """Emit :class:`SetBit` where a constant flows into the clbit of ``member`` at ``op``.

        ``pairs`` are ``(member, value)``: a result (or loop-carried argument) of
        ``op`` and the value joined into it there. True always needs a store;
        false only where the clbit may already be 1 (see :meth:`_check_coalescing`).
        """
        for member, v in pairs:
            if member.type != i1:
                continue
            v = self._alias(v)
            d = v.op if isinstance(v, OpResult) else None
            if d is None or d.name != "arith.constant":
                continue
            root = self.uf.find(member)
            value = bool(d.properties.get("value"))
            if value or (root, self.order[op]) in self.store_false:
                cb = self.clbit_of[root]
                out.add(SetBit(cb, value, self.loc_of(op)), (), (cb,))

    # ----------------------------------------------------------------- clbits
    def assign_clbits(self, ret: Operation) -> list[Register]:
        """Give every bit class a clbit; registers per the module docstring."""
        classes: dict[Value, int] = self.clbit_of
        registers: list[Register] = []
        count = 0

        def slot(v: Value, what: str) -> int:
            nonlocal count
            v = self._alias(v)
            d = v.op if isinstance(v, OpResult) else None
            if d is not None and d.name == "arith.constant" and d.properties.get("value") is False:
                count += 1  # a never-written clbit reads 0
                return count - 1
            if d is not None and d.name == "arith.constant" and v not in self.uf.parent:
                self.initial_ones.append(count)  # a constant true: a store at the start
                count += 1
                return count - 1
            if not ((d is not None and d.name == "q.measure") or v in self.uf.parent):
                raise self.fail(ret, f"{what} is not a measurement result; circuits return only measured bits")
            root = self.uf.find(v)
            if root in classes:
                raise self.fail(ret, f"{what} is returned twice; a classical bit can be returned once")
            classes[root] = count
            count += 1
            return count - 1

        c_bits: list[int] = []
        tensor_regs: list[Register] = []
        used_names = {"c", "mid"}
        k = 0
        for v in ret.operands:
            t = v.type
            if t.is_qubit:
                continue
            if t == i1:
                c_bits.append(slot(v, f"returned value #{k}"))
            elif isinstance(t, TensorType) and t.element == i1:
                d = v.op if isinstance(v, OpResult) else None
                if d is None or d.name != "tensor.from_elements":
                    raise self.fail(ret, f"returned tensor #{k} must be built with tensor.from_elements")
                name = sanitize(v.name_hint or "", f"c{k}") if v.name_hint else f"c{k}"
                while name in used_names:
                    name += "_"
                used_names.add(name)
                tensor_regs.append(Register(name, [slot(e, f"element {j} of returned tensor #{k}")
                                                   for j, e in enumerate(d.operands)]))
            else:
                raise self.fail(ret, f"a circuit cannot return a value of type {t} (returned value #{k})",
                                help="return measured bits (i1) or tensors of them")
            k += 1
        if c_bits:
            registers.append(Register("c", c_bits))
        registers += tensor_regs
        mid: list[int] = []
        for v in [op.results[0] for op in self.kernel.walk() if op.name == "q.measure"] + self.uf.members:
            root = self.uf.find(v)
            if root not in classes:  # (a class without a measurement is a clbit that stays 0)
                classes[root] = count
                mid.append(count)
                count += 1
        if mid:
            registers.append(Register("mid", mid))
        self.num_clbits = count
        return registers

    # ----------------------------------------------------------------- classical values
    def symbol_for(self, name: str, t: TensorType | FloatType | IntegerType, origin: str,
                   init: object, op: Operation | None) -> object:
        """Register the symbols of a param/input and return its value (Expr or object array)."""
        if isinstance(t, TensorType):
            if not isinstance(t.element, FloatType):
                raise self.fail(op, f"{origin} '{name}' of type {t} cannot be a circuit parameter")
            arr = init.array.reshape(-1) if isinstance(init, DenseArray) else None
            out = np.empty(t.size, dtype=object)
            for i in range(t.size):
                sname = f"{name}[{i}]"
                self.symbols.setdefault(
                    sname, Symbol(sname, name, i, t.size, origin, float(arr[i]) if arr is not None else None)
                )
                out[i] = ("sym", sname)
            return out.reshape(t.shape)
        if not isinstance(t, FloatType):
            raise self.fail(op, f"{origin} '{name}' of type {t} cannot be a circuit parameter",
                            help="bind it to a constant before exporting")
        self.symbols.setdefault(name, Symbol(name, None, 0, 1, origin,
                                             float(init) if isinstance(init, (int, float)) else None))
        return ("sym", name)

    def value(self, v: Value, env: _Env) -> object:
        """The classical value of ``v``: a float/int/bool, an Expr, or an object ndarray."""
        x = env.get(v)
        if x is not None:
            return x
        if isinstance(v, BlockArgument):
            if v.block is self.body_block:
                name = sanitize(v.name_hint or "", f"in{v.index}")
                t = v.type
                assert isinstance(t, (TensorType, FloatType, IntegerType))
                x = self.symbol_for(name, t, "input", None, self.kernel)
                env.vals[v] = x
                return x
            raise self.fail(v.block.parent_op, "unsupported classical block argument in a circuit")
        assert isinstance(v, OpResult)
        op = v.op
        x = self._eval(op, env)
        env.vals[v] = x
        return x

    def _eval(self, op: Operation, env: _Env) -> object:
        name = op.name
        if name == "arith.constant":
            val = op.properties["value"]
            if isinstance(val, DenseArray):
                return val.array
            if isinstance(val, float):
                return float(val)
            return val
        if name == "arith.pi":
            return math.pi
        if name in _BINARY:
            a = self.value(BinaryOp(op).lhs, env)
            b = self.value(BinaryOp(op).rhs, env)
            tag, fn = _BINARY[name]
            return self._combine(op, tag, fn, a, b)
        if name in _UNARY:
            a = self.value(UnaryOp(op).input, env)
            tag, fn = _UNARY[name]
            return self._combine(op, tag, fn, a)
        if name == "arith.cast":
            a = self.value(UnaryOp(op).input, env)
            t = op.results[0].type
            if isinstance(a, (bool, int, float, np.number)):
                if isinstance(t, FloatType):
                    return float(a)
                if t == i1:
                    return bool(a)
                return int(a)
            if isinstance(t, FloatType) or isinstance(a, tuple):
                return a  # i64 -> f64 of a loop symbol: the symbol is already a real number
            raise self.fail(op, "unsupported cast in an angle expression")
        if name == "param.get":
            ref = op.properties["name"]
            assert isinstance(ref, SymbolRef)
            decl = self.decls.get(ref.name)
            if decl is None:
                raise self.fail(op, f"unknown parameter @{ref.name}")
            t = decl.properties["type"]
            init = decl.properties.get("init")
            if self.fold_frozen and not decl.properties.get("trainable") and init is not None:
                return init.array if isinstance(init, DenseArray) else float(init)  # type: ignore[union-attr]
            return self.symbol_for(sanitize(ref.name, "p"), t, "param", init, op)  # type: ignore[arg-type]
        if name == "tensor.extract":
            base = self.value(ExtractOp(op).tensor, env)
            idx = []
            for iv in ExtractOp(op).indices:
                i = self.value(iv, env)
                if isinstance(i, tuple):
                    self._unroll_for(op, i)
                    raise self.fail(op, "tensor index is not a compile-time constant")
                idx.append(int(i))  # type: ignore[call-overload]
            if not isinstance(base, np.ndarray):
                raise self.fail(op, "cannot index this value in a circuit")
            try:
                x = base[tuple(idx)]
            except IndexError:
                raise self.fail(op, f"index {tuple(idx)} out of bounds for shape {base.shape}") from None
            return x.item() if isinstance(x, np.generic) else x
        if name == "tensor.from_elements":
            t = op.results[0].type
            assert isinstance(t, TensorType)
            arr = np.empty(t.size, dtype=object)
            for i, e in enumerate(op.operands):
                arr[i] = self.value(e, env)
            return arr.reshape(t.shape)
        if name in ("embed.amplitude_angles", "embed.density_angles"):
            return self._embedding_angles(op, env)
        if name == "tensor.reshape":
            base = self.value(ReshapeOp(op).source, env)
            t = op.results[0].type
            assert isinstance(t, TensorType) and isinstance(base, np.ndarray)
            return base.reshape(t.shape)
        raise self.fail(op, f"'{name}' cannot be expressed as a circuit parameter expression",
                        help="fold this computation before exporting (e.g. run the constant folding pass)")

    def _embedding_angles(self, op: Operation, env: _Env) -> object:
        """Angles of an embedding: numbers for constant data (folded here), else a fresh
        symbol vector (``<data>_angles[i]``) that :mod:`qglm_ir.embedding.binding` fills."""
        from ..dialects.embed import angles_of

        data = self.value(AnglesOp(op).data, env)
        if isinstance(data, np.ndarray) and not any(isinstance(e, tuple) for e in data.reshape(-1)):
            return angles_of(op, data.astype(np.float64))
        src = AnglesOp(op).data
        base = op.results[0].name_hint or f"{sanitize(src.name_hint or '', 'data')}_angles"
        vec = sanitize(base, "angles")
        while vec in self.derived and self.derived[vec] is not op:
            vec += "_"
        self.derived[vec] = op
        t = op.results[0].type
        assert isinstance(t, TensorType)
        out = np.empty(t.size, dtype=object)
        for i in range(t.size):
            sname = f"{vec}[{i}]"
            self.symbols.setdefault(sname, Symbol(sname, vec, i, t.size, "derived", None))
            out[i] = ("sym", sname)
        return out

    def emit_embedding(self, op: Operation, env: _Env, out: Body) -> None:
        """A ``q.amplitude`` / ``q.density`` op as its fixed template's gates."""
        from ..dialects import embed
        from ..embedding.synthesis import template

        ang = self.value(StateOp(op).angles, env)
        if not isinstance(ang, np.ndarray):
            raise self.fail(op, "embedding angles must be a tensor")
        flat = ang.reshape(-1)
        lines = [self.line(v, env, op) for v in StateOp(op).qubits]
        for r, q in zip(op.results, lines):
            env.vals[r] = q
        t = template(embed.state_op_qubits(op), embed.state_op_mode(op))

        def angle(slot: int) -> Expr:
            a = flat[slot]
            return a if isinstance(a, tuple) else float(a)

        for kind, qs, slot in t.instrs:
            if kind == "cx":
                pair = (lines[qs[0]], lines[qs[1]])
                out.add(Gate("cx", pair, ()), pair)
            elif kind == "gphase":
                out.add(GlobalPhase(angle(slot)))
            else:
                q1 = (lines[qs[0]],)
                out.add(Gate(kind, q1, (angle(slot),)), q1)

    def _combine(self, op: Operation, tag: str, fn: Callable, *args: object) -> object:
        if any(isinstance(a, np.ndarray) for a in args):
            raise self.fail(op, "tensor arithmetic cannot be expressed in a circuit parameter")
        if all(not isinstance(a, tuple) for a in args):
            if any(isinstance(a, bool) for a in args):
                raise self.fail(op, "boolean arithmetic in an angle")
            if tag == "div" and all(isinstance(a, int) for a in args):
                return int(args[0] / args[1])  # type: ignore[operator]
            return fn(*args)
        return (tag, *(float(a) if isinstance(a, (int, np.number)) else a for a in args))

    def _unroll_for(self, op: Operation, e: object) -> None:
        """If ``e`` depends on a loop symbol, ask that loop to unroll."""
        if isinstance(e, tuple):
            for s in expr_symbols(e):
                if s[0] == "loop":
                    raise _NeedsUnroll(self.loop_ops[s[1]])

    def angle(self, v: Value, env: _Env, op: Operation) -> Expr:
        x = self.value(v, env)
        if isinstance(x, tuple):
            return x
        if isinstance(x, (bool, np.ndarray)) or not isinstance(x, (int, float, np.number)):
            raise self.fail(op, "an angle must be a scalar f64")
        return float(x)

    def bit(self, v: Value, env: _Env, op: Operation) -> _Bit:
        """Location of an ``i1`` used as a condition."""
        x = env.get(v)
        if isinstance(x, _Bit):
            return x
        v = self._alias(v)
        x = env.get(v)
        if isinstance(x, _Bit):
            return x
        root = self.uf.find(v)
        if root in self.clbit_of:
            return _Bit(self.clbit_of[root])
        if isinstance(v, OpResult):
            d = v.op
            if d.name == "arith.constant":
                return _Bit(None, True, bool(d.properties["value"]))
            if d.name == "arith.not":
                b = self.bit(UnaryOp(d).input, env, op)
                if b.expr is not None:
                    return _Bit(None, expr=("not", b.expr))
                return _Bit(None, True, not b.const) if b.clbit is None else _Bit(b.clbit, not b.value)
            if d.name in ("arith.and", "arith.or") and BinaryOp(d).lhs.type == i1:
                a = self.bit(BinaryOp(d).lhs, env, op)
                b = self.bit(BinaryOp(d).rhs, env, op)
                if a.expr is None and b.expr is None and a.clbit is None and b.clbit is None:
                    both = (a.const and b.const) if d.name == "arith.and" else (a.const or b.const)
                    return _Bit(None, True, bool(both))
                return self._compound(d, (d.name[6:], a.as_expr(), b.as_expr()))
            if d.name == "arith.xor":
                a = self.bit(BinaryOp(d).lhs, env, op)
                b = self.bit(BinaryOp(d).rhs, env, op)
                if a.clbit is None and b.clbit is None and a.expr is None and b.expr is None:
                    return _Bit(None, True, a.const != b.const)
                if (a.clbit is None or b.clbit is None) and a.expr is None and b.expr is None:
                    var, const = (b, a) if a.clbit is None else (a, b)
                    return _Bit(var.clbit, var.value != bool(const.const))
                return self._compound(d, ("xor", a.as_expr(), b.as_expr()))
            if d.name == "arith.cmp" and BinaryOp(d).lhs.type == i1:
                pred = d.properties["predicate"]
                a = self.bit(BinaryOp(d).lhs, env, op)
                b = self.bit(BinaryOp(d).rhs, env, op)
                if pred in ("eq", "ne") and (a.clbit is None) != (b.clbit is None) and a.expr is None \
                        and b.expr is None:
                    var, const = (b, a) if a.clbit is None else (a, b)
                    flip = (pred == "ne") != (not const.const)
                    return _Bit(var.clbit, var.value != flip)
                if pred in ("eq", "ne"):
                    x = ("xor", a.as_expr(), b.as_expr())
                    return self._compound(d, x if pred == "ne" else ("not", x))
        raise self.fail(op, "a circuit condition must be a boolean combination of measured bits "
                            "(not/and/or/xor/==/!=) or a constant",
                        help="conditions on computed classical values need the host CFG")

    def _compound(self, op: Operation, e: BitExpr) -> _Bit:
        if _leaves(e) > MAX_CONDITION_BITS:
            raise self.fail(op, f"a circuit condition may read at most {MAX_CONDITION_BITS} bits",
                            help="split the condition into nested ifs")
        return _Bit(None, expr=e)

    # ----------------------------------------------------------------- quantum walk
    def line(self, v: Value, env: _Env, op: Operation) -> int:
        x = env.get(v)
        if x is None:
            k = self.arg_lines.get(v)
            if k is not None:
                env.vals[v] = k
                return k
            raise self.fail(op, "qubit value has no circuit line (is the kernel verified?)")
        return x  # type: ignore[return-value]

    def walk_block(self, block: Block, env: _Env, out: Body, in_loop: bool) -> Operation | None:
        """Emit ``block`` (without its terminator) into ``out``; return the terminator."""
        for op in block:
            name = op.name
            spec = GATES.get(name[2:]) if name.startswith("q.") else None
            if spec is not None:
                params = tuple(self.angle(v, env, op) for v in gate_params(op))
                qs = tuple(self.line(v, env, op) for v in gate_qubits(op))
                for r, q in zip(op.results, qs):
                    env.vals[r] = q
                out.add(Gate(spec.name, qs, params), qs)
            elif name == "q.measure":
                q = self.line(MeasureOp(op).qubit, env, op)
                env.vals[op.results[1]] = q
                cb = self.clbit_of[self.uf.find(op.results[0])]
                out.add(Measure(q, cb), (q,), (cb,))
            elif name in ("q.reset", "q.delay", "q.barrier", "q.unitary"):
                qs = tuple(self.line(v, env, op) for v in op.operands)
                for r, q in zip(op.results, qs):
                    env.vals[r] = q
                if name == "q.reset":
                    out.add(Reset(qs[0]), qs)
                elif name == "q.delay":
                    out.add(Delay(qs[0], float(op.properties["duration"]),  # type: ignore[arg-type]
                                  str(op.properties.get("unit", "dt"))), qs)
                elif name == "q.barrier":
                    out.add(Barrier(qs), qs)
                else:
                    m = op.properties["matrix"]
                    assert isinstance(m, DenseArray)
                    out.add(Unitary(m.array.astype(np.complex128), qs), qs)
            elif name == "q.alloc":
                q = self.lines[op]
                env.vals[op.results[0]] = q
                if in_loop:  # the line may hold a previous iteration's discarded qubit
                    out.add(Reset(q), (q,))
            elif name == "q.dealloc":
                pass
            elif op.dialect == "noise":
                q = self.line(ChannelOp(op).qubit, env, op)
                env.vals[op.results[0]] = q
                out.add(Noise(name[6:], float(op.properties.get("p", 0.0)), q), (q,))  # type: ignore[arg-type]
            elif name == "q.global_phase":
                out.add(GlobalPhase(self.angle(GlobalPhaseOp(op).angle, env, op)))
            elif name in ("q.amplitude", "q.density"):
                self.emit_embedding(op, env, out)
            elif name == "scf.if":
                self.emit_if(op, env, out, in_loop)
            elif name == "scf.for":
                self.emit_for(op, env, out, in_loop)
            elif name == "scf.while":
                self.emit_while(op, env, out)
            elif op.next is None and name in ("scf.yield", "scf.condition", "func.return"):
                return op
            elif op.dialect not in ("arith", "tensor", "param", "embed") or op.regions:
                raise self.fail(op, f"'{name}' cannot be expressed in a circuit")
            # Pure classical ops are evaluated lazily when an angle or condition needs them.
        return None

    def _fixup(self, got: Sequence[int], want: Sequence[int], out: Body, op: Operation) -> None:
        """Emit SWAPs so that the states on lines ``got`` end up on lines ``want``."""
        if list(got) == list(want):
            return
        if sorted(got) != sorted(want):
            raise self.fail(op, "a region yields different qubits than it received")
        for a, b in permutation_swaps(got, want):
            out.add(Gate("swap", (a, b), ()), (a, b))

    def _qubit_inputs(self, values: Sequence[Value], env: _Env, op: Operation) -> list[int]:
        return [self.line(v, env, op) for v in values if v.type.is_qubit]

    def _bind_args(self, block: Block, values: Sequence[Value], env: _Env, outer: _Env, op: Operation) -> None:
        for a, v in zip(block.args, values):
            if a.type.is_qubit:
                env.vals[a] = self.line(v, outer, op)
            elif a.type == i1:
                env.vals[a] = self.bit(v, outer, op)
            else:
                env.vals[a] = self.value(v, outer)

    def emit_if(self, op: Operation, env: _Env, out: Body, in_loop: bool) -> None:
        cond = self.bit(IfOp(op).cond, env, op)
        inputs = IfOp(op).inputs
        if cond.clbit is None and cond.expr is None:  # static condition: inline the chosen branch, lines flow through
            block = op.regions[0 if cond.const else 1].block
            inner = _Env(env)
            self._bind_args(block, inputs, inner, env, op)
            y = self.walk_block(block, inner, out, in_loop)
            assert y is not None
            self.store_constants(op, zip(op.results, y.operands), out)
            for r, v in zip(op.results, y.operands):
                if r.type.is_qubit:
                    env.vals[r] = self.line(v, inner, op)
                elif r.type == i1:
                    pass  # coalesced clbit (or constant): resolved through the union-find
                else:
                    env.vals[r] = self.value(v, inner)
            return
        want = self._qubit_inputs(inputs, env, op)
        bodies = []
        for region in op.regions:
            block = region.block
            inner = _Env(env)
            self._bind_args(block, inputs, inner, env, op)
            body = Body()
            y = self.walk_block(block, inner, body, in_loop)
            assert y is not None
            got = [self.line(v, inner, op) for v in y.operands if v.type.is_qubit]
            self._fixup(got, want, body, op)
            self.store_constants(op, zip(op.results, y.operands), body)
            for r in op.results:
                if not r.type.is_qubit and r.type != i1:
                    raise self.fail(op, f"scf.if yields a {r.type} value; circuits cannot merge classical values")
            bodies.append(body)
        then, orelse = bodies
        if cond.expr is not None:
            nested = lower_condition(cond.expr, then, orelse if orelse.instrs else None, self.loc_of(op))
            out.instrs.extend(nested.instrs)
            out.absorb(nested)
        else:
            out.add(If(cond.clbit, cond.value, then, orelse if orelse.instrs else None, self.loc_of(op)),
                    (), (cond.clbit,))
            out.absorb(then)
            out.absorb(orelse)
        qres = [r for r in op.results if r.type.is_qubit]
        if len(qres) != len(want):
            raise self.fail(op, "scf.if must return as many qubits as it takes")
        for r, q in zip(qres, want):
            env.vals[r] = q

    def _const_int(self, v: Value, env: _Env, op: Operation) -> int:
        try:
            x = self.value(v, env)
        except BackendError:
            x = None
        if isinstance(x, tuple):
            self._unroll_for(op, x)
        if isinstance(x, (bool, float, tuple, np.ndarray)) or not isinstance(x, (int, np.integer)):
            raise self.fail(op, "scf.for bounds must be compile-time constants for a circuit",
                            help="bind the kernel's inputs or unroll the loop before exporting")
        return int(x)

    def emit_for(self, op: Operation, env: _Env, out: Body, in_loop: bool) -> None:
        lb, ub, step = (self._const_int(v, env, op) for v in ForOp(op).bounds)
        if step <= 0:
            raise self.fail(op, f"scf.for step must be positive for a circuit, got {step}")
        block = op.regions[0].block
        iv = block.args[0]
        inits = ForOp(op).iter_args
        self.store_constants(op, zip(op.results, inits), out)
        classical_iter = any(not v.type.is_qubit and v.type != i1 for v in inits)
        must_unroll = classical_iter or (not self.symbolic_loops and iv.has_uses)
        if not must_unroll and len(range(lb, ub, step)) > 0:
            inner = _Env(env)
            for a, v in zip(block.args[1:], inits):
                if v.type.is_qubit:
                    inner.vals[a] = self.line(v, env, op)
            var = None
            if iv.has_uses:
                var = f"i{len(self.loop_ops)}"
                self.loop_ops[var] = op
                inner.vals[iv] = ("loop", var)
            body = Body()
            try:
                y = self.walk_block(block, inner, body, True)
            except _NeedsUnroll as e:
                if e.loop is not op:
                    raise
            else:
                assert y is not None
                want = self._qubit_inputs(inits, env, op)
                got = [self.line(v, inner, op) for v in y.operands if v.type.is_qubit]
                self._fixup(got, want, body, op)
                self.store_constants(op, zip(op.results, y.operands), body)
                if var is not None and not _uses_loop_var(body, var):
                    var = None  # e.g. the only use sat in a statically dropped branch
                out.add(For(var, lb, ub, step, body))
                out.absorb(body)
                for r, q in zip([r for r in op.results if r.type.is_qubit], want):
                    env.vals[r] = q
                return
        # Unroll: bind the induction variable to each value; qubit lines and classical values flow.
        cur: list[object] = []
        for v in inits:
            cur.append(self.line(v, env, op) if v.type.is_qubit else
                       (self.bit(v, env, op) if v.type == i1 else self.value(v, env)))
        for i in range(lb, ub, step):
            inner = _Env(env)
            inner.vals[iv] = i
            for a, x in zip(block.args[1:], cur):
                inner.vals[a] = x
            y = self.walk_block(block, inner, out, True)
            assert y is not None
            self.store_constants(op, zip(op.results, y.operands), out)
            cur = [self.line(v, inner, op) if v.type.is_qubit else
                   (self.bit(v, inner, op) if v.type == i1 else self.value(v, inner)) for v in y.operands]
        for r, x in zip(op.results, cur):
            env.vals[r] = x

    def emit_while(self, op: Operation, env: _Env, out: Body) -> None:
        if any(not v.type.is_qubit and v.type != i1 for v in op.operands):
            raise self.fail(op, "scf.while with classical loop-carried values cannot be a circuit loop")
        before, after = op.regions[0].block, op.regions[1].block
        want = self._qubit_inputs(op.operands, env, op)

        def run_before(target: Body, outer: _Env) -> _Bit:
            inner = _Env(outer)
            for a, q in zip([a for a in before.args if a.type.is_qubit], want):
                inner.vals[a] = q
            cond_op = self.walk_block(before, inner, target, True)
            assert cond_op is not None
            got = [self.line(v, inner, op) for v in ConditionOp(cond_op).values if v.type.is_qubit]
            b = self.bit(ConditionOp(cond_op).cond, inner, op)
            self._fixup(got, want, target, op)
            if b.expr is not None:
                raise self.fail(op, "an scf.while condition must be one measured bit (or its negation)",
                                help="compute the condition into one bit with an scf.if before the loop test")
            if b.clbit is None:
                raise self.fail(op, "scf.while with a constant condition cannot be exported")
            return b

        cond = run_before(out, env)
        body = Body()
        inner = _Env(env)
        for a, q in zip([a for a in after.args if a.type.is_qubit], want):
            inner.vals[a] = q
        y = self.walk_block(after, inner, body, True)
        assert y is not None
        self._fixup([self.line(v, inner, op) for v in y.operands if v.type.is_qubit], want, body, op)
        again = run_before(body, env)
        if again != cond:
            raise self.fail(op, "scf.while condition changes its classical bit between iterations")
        out.add(While(cond.clbit, cond.value, body), (), (cond.clbit,))  # type: ignore[arg-type]
        out.absorb(body)
        for r, q in zip([r for r in op.results if r.type.is_qubit], want):
            env.vals[r] = q


def _uses_loop_var(body: Body, var: str) -> bool:
    for ins in walk_instrs(body):
        params = ins.params if isinstance(ins, Gate) else ((ins.angle,) if isinstance(ins, GlobalPhase) else ())
        for p in params:
            if any(s == ("loop", var) for s in expr_symbols(p)):
                return True
    return False


def permutation_swaps(got: Sequence[int], want: Sequence[int]) -> list[tuple[int, int]]:
    """SWAPs (in order) moving the state on line ``got[k]`` to line ``want[k]`` for every k."""
    where = {g: g for g in got}  # state that started on line g now sits on where[g]
    holder = {g: g for g in got}  # line l holds the state that started on holder[l]
    swaps = []
    for g, w in zip(got, want):
        at = where[g]
        if at == w:
            continue
        other = holder[w]
        swaps.append((at, w))
        where[g], where[other] = w, at
        holder[w], holder[at] = g, other
    return swaps


def build_view(
    module: Operation,
    kernel: str | Operation | None = None,
    *,
    symbolic_loops: bool = True,
    fold_frozen: bool = True,
) -> CircuitView:
    """Compute the :class:`CircuitView` of a kernel of ``module`` (see the module docstring).

    Requires a verified module. ``symbolic_loops=False`` unrolls every loop whose
    induction variable is used (for Cirq). Raises :class:`BackendError` for
    anything a circuit cannot express. Linear in the kernel's size (plus the
    unrolled size of loops that must be unrolled).
    """
    k = select_kernel(module, kernel)
    b = _ViewBuilder(k, symbolic_loops, fold_frozen)
    b.prepass()
    ret = k.regions[0].block.last
    if ret is None or ret.name != "func.return":
        raise b.fail(k, "kernel body must end with func.return")
    registers = b.assign_clbits(ret)
    env = _Env()
    body = Body()
    for cb in b.initial_ones:
        body.add(SetBit(cb, True, ret.loc), (), (cb,))
    term = b.walk_block(k.regions[0].block, env, body, False)
    assert term is ret
    # Output wires: returned qubits in order, then deallocated lines by line number.
    returned = [b.line(v, env, ret) for v in ret.operands if v.type.is_qubit]
    rest = sorted(set(range(b.num_lines)) - set(returned))
    out_lines = returned + rest
    if len(out_lines) != b.num_lines:
        raise b.fail(ret, "the kernel returns the same qubit twice")
    # Output wire j must end on line j: move the state on out_lines[j] to j.
    for a, c in permutation_swaps(out_lines, list(range(b.num_lines))):
        body.add(Gate("swap", (a, c), ()), (a, c))
    layout = None
    init_l, final_l = k.properties.get("initial_layout"), k.properties.get("final_layout")
    if isinstance(init_l, tuple) and isinstance(final_l, tuple):
        layout = (tuple(int(x) for x in init_l), tuple(int(x) for x in final_l))
    dq = k.properties.get("device_qubits", k.attributes.get("device_qubits"))
    return CircuitView(
        name=sanitize(str(k.properties.get("sym_name", "kernel")), "kernel"),
        num_qubits=b.num_lines,
        num_clbits=b.num_clbits,
        registers=registers,
        body=body,
        symbols=dict(sorted(b.symbols.items(), key=lambda kv: _symbol_key(kv[1]))),
        kernel=k,
        layout=layout,
        device_qubits=dq if isinstance(dq, tuple) else None,
        derived=dict(b.derived),
    )


def _symbol_key(s: Symbol) -> tuple:
    return (s.vector or s.name, s.index)


def walk_instrs(body: Body) -> Iterator[object]:
    """Every instruction of ``body``, recursing into control flow (pre-order)."""
    for ins in body.instrs:
        yield ins
        if isinstance(ins, If):
            yield from walk_instrs(ins.then)
            if ins.orelse is not None:
                yield from walk_instrs(ins.orelse)
        elif isinstance(ins, (For, While)):
            yield from walk_instrs(ins.body)


__all__ = [
    "Barrier", "BitExpr", "Body", "CircuitView", "Delay", "Expr", "For", "Gate", "GlobalPhase", "If", "Measure", "Noise",
    "Module", "Register", "Reset", "SetBit", "Symbol", "Unitary", "While", "build_view", "expr_symbols",
    "kernels_of", "lower_condition", "lower_expr", "parameter_bindings", "permutation_swaps", "sanitize", "select_kernel",
    "walk_instrs",
]
