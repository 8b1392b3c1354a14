"""Lower checked ``.qglm`` ASTs to a qglm IR :class:`Module`.

What each construct becomes:

* ``const`` -> a compile-time value (folded wherever it is used; never an op).
* ``param`` -> ``param.decl`` (``init`` from the initializer, if any); uses -> ``param.get``.
* ``layer`` -> the ``param.decl`` s of its weights (``NAME_w``, ``NAME_b``, ``NAME_table``);
  calling it -> ``nn.dense`` / ``nn.embed`` (+ ``nn.angle`` for ``token_angles``).
* ``kernel`` -> ``q.kernel``: classical arguments are block arguments, ``qubit q[n]``
  allocates wires with ``q.alloc`` (wire numbers in declaration order), every live
  qubit is released with ``q.dealloc`` at the end, returned bits are the results.
* ``model`` / ``fn`` -> ``func.func`` (a model carries the attribute ``model = true``).
* ``expval/probs/counts/sample(k(args), shots=N)`` -> ``stats.*`` calling ``@k``.
* ``if`` on a compile-time value -> only the chosen branch; otherwise ``scf.if`` whose
  results are the qubits the branches touch and the outer variables they assign.
* ``for``/``repeat`` -> ``scf.for`` carrying the touched qubits and assigned outer
  variables, **except** that a kernel loop whose variable (directly or through ``let``)
  indexes a qubit is unrolled: IR qubits are wire values, so ``q[i]`` needs a static ``i``.
  An unrolled loop needs compile-time bounds, and a kernel may unroll at most
  :data:`UNROLL_LIMIT` iterations in total (a diagnostic at the loop otherwise).

Expressions over compile-time values are folded; constants used by a body are
hoisted to the top of its entry block and shared. Every op carries the source
location of the construct it came from. Type and shape errors are
:class:`ParseError` s pointing at the offending expression.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ... import limits
from ...core.attributes import DenseArray, SymbolRef
from ...core.builder import Builder
from ...core.errors import Location, ParseError
from ...core.ir import Block, Operation, Region, Value
from ...core.module import Module
from ...core.types import FunctionType, TensorType, Type, f64, i1, i64, qubit
from ...dialects import nn as nn_dialect
from ...dialects import noise as noise_dialect  # noqa: F401  (registers the noise ops)
from ...dialects import stats as stats_dialect
from ...dialects.gates import GATES
from . import ast as A
from .embeddings import EMBEDDINGS, lower_embedding

UNROLL_LIMIT = 100_000
"""Most loop iterations a kernel may unroll in total (loops whose variable indexes qubits)."""

"""Most elements a declared tensor type may have (2 GiB of f64): a typo or a ``-D``
value such as ``layers=99999999999`` gets a diagnostic instead of a failed allocation."""

Static = int | float | bool | np.ndarray
LVal = Value | Static

_CMP = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_ARITH = {"+": "arith.add", "-": "arith.sub", "*": "arith.mul", "/": "arith.div"}
_STATS = {"expval": "stats.expval", "probs": "stats.probs", "counts": "stats.counts", "sample": "stats.sample"}
_SCALAR_TYPES: dict[str, Type] = {"f64": f64, "float": f64, "i64": i64, "int": i64, "bool": i1, "bit": i1}


def _err(message: str, span: A.Span, help: str | None = None) -> ParseError:
    return ParseError(message, span.loc(), help=help)


def _is_static(v: object) -> bool:
    return not isinstance(v, Value)


def _static_type(v: Static) -> Type:
    if isinstance(v, (bool, np.bool_)):
        return i1
    if isinstance(v, (int, np.integer)):
        return i64
    if isinstance(v, (float, np.floating)):
        return f64
    assert isinstance(v, np.ndarray)
    elem = f64 if v.dtype.kind == "f" else (i1 if v.dtype.kind == "b" else i64)
    return TensorType(tuple(int(d) for d in v.shape), elem)


def type_of(v: LVal) -> Type:
    return v.type if isinstance(v, Value) else _static_type(v)


def type_name(t: Type) -> str:
    """The DSL spelling of an IR type (``f64[2, 8]``, ``bool``...)."""
    if isinstance(t, TensorType):
        return f"{type_name(t.element)}[{', '.join(map(str, t.shape))}]"
    if t == i1:
        return "bool"
    return str(t)


# ------------------------------------------------------------------ scopes
@dataclass(eq=False)
class Var:
    """A variable binding; ``value`` changes on assignment. ``const`` for loop variables."""

    value: LVal
    span: A.Span
    const: bool = False


@dataclass(eq=False)
class Reg:
    """A qubit register: the wires of its qubits (``single`` for ``qubit a``)."""

    name: str
    wires: list[int]
    single: bool


class Lex:
    """A lexical scope: name -> :class:`Var` or :class:`Reg`."""

    def __init__(self, parent: Lex | None = None):
        self.parent = parent
        self.names: dict[str, Var | Reg] = {}

    def lookup(self, name: str) -> Var | Reg | None:
        s: Lex | None = self
        while s is not None:
            hit = s.names.get(name)
            if hit is not None:
                return hit
            s = s.parent
        return None


class Frame:
    """A region being built: the current value of every wire it has touched.

    Wires enter a nested region lazily, on first use, as new block arguments
    (``order`` keeps their entry order); the root frame holds the kernel's wires.
    """

    def __init__(self, block: Block, parent: Frame | None):
        self.block = block
        self.parent = parent
        self.wires: dict[int, Value] = {}
        self.entry: dict[int, Value] = {}
        self.order: list[int] = []


@dataclass
class FnCtx:
    """State of the kernel or host function being lowered."""

    op: Operation
    entry: Block
    kernel: bool
    b: Builder
    frame: Frame
    consts: dict[tuple[Type, object], Value] = field(default_factory=dict)
    last_hoisted: Operation | None = None
    wire_names: list[str] = field(default_factory=list)
    consumed: dict[int, A.Span] = field(default_factory=dict)
    unrolled: int = 0
    gates: int = 0  # gate statements emitted so far (after unrolling), bounded by limits.max_gates


@dataclass
class KernelInfo:
    op: Operation
    inputs: tuple[Type, ...]
    width: int


@dataclass
class LayerInfo:
    decl: A.LayerDecl
    kind: str
    params: dict[str, Operation]
    activation: str = "none"
    in_features: int = 0


# ------------------------------------------------------------------ lowering
class Lowerer:
    """Lowers checked programs (imports first) into one module."""

    def __init__(self, defines: dict[str, str] | None):
        self.module = Module()
        self.defines = dict(defines or {})
        self.consts: dict[str, Static] = {}
        self.params: dict[str, Operation] = {}
        self.layers: dict[str, LayerInfo] = {}
        self.kernels: dict[str, KernelInfo] = {}
        self.funcs: dict[str, A.FuncDef] = {}
        self.func_ops: dict[str, Operation] = {}
        self.in_progress: list[str] = []
        self.fn: FnCtx | None = None
        self.lex = Lex()

    # ------------------------------------------------------------ driver
    def run(self, programs: list[A.Program]) -> Module:
        used_defines: set[str] = set()
        for prog in programs:
            for item in prog.items:
                if isinstance(item, A.ConstDecl):
                    self.const_decl(item, used_defines)
                elif isinstance(item, A.ParamDecl):
                    self.param_decl(item)
                elif isinstance(item, A.LayerDecl):
                    self.layer_decl(item)
                elif isinstance(item, A.FuncDef):
                    self.funcs[item.name] = item
        unknown = sorted(set(self.defines) - used_defines)
        if unknown:
            name = unknown[0]
            text = f"{name}={self.defines[name]}"
            raise ParseError(
                f"-D {name}: no constant named '{name}' in the program",
                Location("<command line>", 1, 1, len(name), text),
                help="defines override 'const' declarations: " + (", ".join(sorted(self.consts)) or "none declared"),
            )
        for prog in programs:
            for item in prog.items:
                if isinstance(item, A.KernelDef):
                    self.kernel_def(item)
        for prog in programs:
            for item in prog.items:
                if isinstance(item, A.FuncDef):
                    self.ensure_func(item.name, item.name_span)
        return self.module

    # ------------------------------------------------------- declarations
    def const_decl(self, d: A.ConstDecl, used: set[str]) -> None:
        v = self.expr(d.value)
        assert _is_static(v)
        if d.name in self.defines:
            used.add(d.name)
            # the declared value fixes the constant's type, so a define cannot turn
            # `const layers = 2` into a float or bool that fails far from the command line
            v = _parse_define(d.name, self.defines[d.name], v, d.name_span)  # type: ignore[arg-type]
        self.consts[d.name] = v  # type: ignore[assignment]

    def static_int(self, e: A.Expr, what: str, minimum: int | None = None) -> int:
        v = self.expr(e)
        if not _is_static(v) or isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            if _is_static(v):
                raise _err(f"{what} must be an integer, got {type_name(type_of(v))}", e.span)
            raise _err(f"{what} must be a compile-time constant", e.span, help="use a 'const' or a literal")
        n = int(v)
        if minimum is not None and n < minimum:
            raise _err(f"{what} must be at least {minimum}, got {n}", e.span)
        return n

    def type_expr(self, t: A.TypeExpr) -> Type:
        base = _SCALAR_TYPES[t.base]
        if t.dims is None:
            return base
        dims = tuple(self.static_int(d, "a tensor dimension", 1) for d in t.dims)
        if math.prod(dims) > limits.current().max_tensor_elements:
            msg, help_ = limits.exceeded(f"elements of {t.base}{list(dims)}", math.prod(dims), "max_tensor_elements")
            raise _err(msg, t.span, help=help_)
        return TensorType(dims, base)

    def param_decl(self, d: A.ParamDecl) -> None:
        t = self.type_expr(d.type)
        init = None if d.init is None else self.initializer(d.init, t)
        self.params[d.name] = self.declare_param(d.name, t, d.trainable, init, d.name_span)

    def declare_param(
        self, name: str, t: Type, trainable: bool, init: np.ndarray | None, span: A.Span
    ) -> Operation:
        if isinstance(t, TensorType) and math.prod(t.shape) > limits.current().max_tensor_elements:
            msg, help_ = limits.exceeded(f"elements of '{name}'", math.prod(t.shape), "max_tensor_elements")
            raise _err(msg, span, help=help_)
        props: dict[str, object] = {"sym_name": name, "type": t, "trainable": trainable}
        if init is not None:
            if isinstance(t, TensorType):
                props["init"] = DenseArray(init)
            else:
                props["init"] = float(init) if t == f64 else int(init)
        op = Operation("param.decl", properties=props, loc=span.loc())
        self.module.append(op)
        return op

    def initializer(self, e: A.Expr, t: Type, seed_offset: int = 0) -> np.ndarray:
        """Evaluate a parameter initializer to an array of ``t``'s shape."""
        shape = t.shape if isinstance(t, TensorType) else ()
        if math.prod(shape) > limits.current().max_tensor_elements:  # before numpy allocates it
            msg, help_ = limits.exceeded(f"elements of {type_name(t)}", math.prod(shape), "max_tensor_elements")
            raise _err(msg, e.span, help=help_)
        dtype = np.float64 if (t.element if isinstance(t, TensorType) else t) == f64 else np.int64
        if isinstance(e, A.Call) and e.name in ("zeros", "ones", "uniform", "normal", "glorot", "load"):
            kw = {k.name: k for k in e.kwargs}
            seed = self.static_int(kw["seed"].value, "seed", 0) if "seed" in kw else 0
            rng = np.random.default_rng(seed + seed_offset)
            nums = [self.static_number(a) for a in e.args] if e.name in ("uniform", "normal") else []
            if e.name == "zeros":
                arr = np.zeros(shape)
            elif e.name == "ones":
                arr = np.ones(shape)
            elif e.name == "uniform":
                lo, hi = (nums + [0.0, 1.0][len(nums):])[:2]
                if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
                    raise _err(f"uniform() needs finite bounds low <= high, got {lo} and {hi}", e.span)
                arr = rng.uniform(lo, hi, size=shape)
            elif e.name == "normal":
                mean, std = (nums + [0.0, 1.0][len(nums):])[:2]
                if not (math.isfinite(mean) and math.isfinite(std) and std >= 0):
                    raise _err(f"normal() needs a finite mean and std >= 0, got {mean} and {std}", e.span)
                arr = rng.normal(mean, std, size=shape)
            elif e.name == "glorot":
                fan_out = shape[0] if shape else 1
                fan_in = shape[-1] if shape else 1
                a = math.sqrt(6.0 / (fan_in + fan_out))
                arr = rng.uniform(-a, a, size=shape)
            else:
                arr = self.load_npy(e.args[0], shape)
            return np.asarray(arr, dtype=dtype)
        v = self.expr(e)
        if not _is_static(v):  # pragma: no cover - the checker only admits constants here
            raise _err("an initializer must be a compile-time constant", e.span)
        arr = np.asarray(v)
        if arr.dtype.kind not in "fiu" or (arr.dtype.kind == "f" and dtype is np.int64):
            raise _err(f"initializer of type {type_name(type_of(v))} does not fit {type_name(t)}", e.span)
        if arr.shape == ():
            return np.full(shape, arr, dtype=dtype)
        if arr.shape != shape:
            raise _err(
                f"initializer has shape {list(arr.shape)} but the parameter is {type_name(t)}", e.span
            )
        return arr.astype(dtype)

    def static_number(self, e: A.Expr) -> float:
        v = self.expr(e)
        if not _is_static(v) or isinstance(v, (np.ndarray, bool)):
            raise _err("expected a number", e.span)
        return float(v)  # type: ignore[arg-type]

    def load_npy(self, e: A.Expr, shape: tuple[int, ...]) -> np.ndarray:
        if not isinstance(e, A.Str):
            raise _err("load() takes a file name string", e.span)
        base = e.span.src.name
        folder = os.path.dirname(base) if not base.startswith("<") else os.getcwd()
        path = os.path.join(folder, e.value)
        try:
            arr = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise _err(f"cannot find '{e.value}' (looked in {folder or '.'})", e.span) from None
        except (OSError, ValueError) as exc:
            raise _err(f"cannot read '{e.value}' as a .npy array: {exc}", e.span) from None
        if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "fiu":
            raise _err(f"'{e.value}' does not hold a numeric array", e.span)
        if tuple(arr.shape) != tuple(shape):
            raise _err(f"'{e.value}' has shape {list(arr.shape)}, expected {list(shape)}", e.span)
        return arr

    def layer_decl(self, d: A.LayerDecl) -> None:
        kw = {k.name: k for k in d.kwargs}
        allowed = {"dense": {"activation", "bias", "init", "weights", "biases"}}.get(d.kind, {"init", "table"})
        for k in d.kwargs:
            if k.name not in allowed:
                raise _err(f"{d.kind} layer has no option '{k.name}'", k.span, help="options: " + ", ".join(sorted(allowed)))
        if len(d.args) != 2:
            what = "(in_features, out_features)" if d.kind == "dense" else "(vocab_size, width)"
            raise _err(f"{d.kind} layer takes two sizes {what}, got {len(d.args)} argument(s)", d.kind_span)
        a, b = (self.static_int(x, "a layer size", 1) for x in d.args)
        params: dict[str, Operation] = {}

        def declare(suffix: str, t: TensorType, init_kw: A.KwArg | None, default: A.Expr | None, offset: int) -> None:
            name = f"{d.name}_{suffix}"
            if name in self.params or name in self.consts or name in self.layers:
                raise _err(f"layer '{d.name}' needs a parameter named '{name}', which is already defined", d.name_span)
            src = init_kw.value if init_kw is not None else default
            init = None if src is None else self.initializer(src, t, offset)
            op = self.declare_param(name, t, d.trainable, init, d.name_span)
            params[suffix] = self.params[name] = op

        info = LayerInfo(d, d.kind, params)
        if d.kind == "dense":
            info.in_features = a
            act = kw.get("activation")
            info.activation = self.activation(act.value) if act is not None else "none"
            init = kw["init"].value if "init" in kw else None
            declare("w", TensorType((b, a), f64), kw.get("weights"), init, 0)
            use_bias = True
            if "bias" in kw:
                bv = self.expr(kw["bias"].value)
                if not isinstance(bv, (bool, np.bool_)):
                    raise _err("bias must be true or false", kw["bias"].value.span)
                use_bias = bool(bv)
            if use_bias:
                zeros = A.Call("zeros", [], [], d.span, d.span) if init is not None else None
                declare("b", TensorType((b,), f64), kw.get("biases"), zeros, 1)
        else:
            init = kw["init"].value if "init" in kw else None
            declare("table", TensorType((a, b), f64), kw.get("table"), init, 0)
        self.layers[d.name] = info

    def activation(self, e: A.Expr) -> str:
        name = e.name if isinstance(e, A.Name) else (e.value if isinstance(e, A.Str) else None)
        if name not in nn_dialect.ACTIVATIONS:
            raise _err(
                "activation must be one of " + ", ".join(nn_dialect.ACTIVATIONS), e.span
            )
        return name  # type: ignore[return-value]

    # -------------------------------------------------------- bodies
    def _begin(self, name: str, args: list[A.Arg], kernel: bool, span: A.Span) -> tuple[FnCtx, Lex]:
        in_types = [self.type_expr(a.type) for a in args]
        body = Block(in_types)
        op = Operation(
            "q.kernel" if kernel else "func.func",
            properties={"sym_name": name, "function_type": FunctionType(tuple(in_types), ())},
            regions=[Region([body])],
            loc=span.loc(),
        )
        lex = Lex()
        for a, v in zip(args, body.args):
            v.name_hint = a.name
            lex.names[a.name] = Var(v, a.span)
        ctx = FnCtx(op, body, kernel, Builder(body, loc=span.loc()), Frame(body, None))
        return ctx, lex

    @contextmanager
    def _in_fn(self, ctx: FnCtx, lex: Lex) -> Iterator[None]:
        saved = (self.fn, self.lex)
        self.fn, self.lex = ctx, lex
        try:
            yield
        finally:
            self.fn, self.lex = saved

    def kernel_def(self, d: A.KernelDef) -> None:
        ctx, lex = self._begin(d.name, d.args, True, d.name_span)
        with self._in_fn(ctx, lex):
            results = self.body(d.body, d.results, d.end_span, kernel=True)
            ctx.b.loc = d.end_span.loc()
            for w in sorted(ctx.frame.wires):
                ctx.b.create("q.dealloc", [ctx.frame.wires[w]], [])
            ctx.b.create("func.return", results, [])
        self._finish_sig(ctx.op, results)
        self.module.append(ctx.op)
        self.kernels[d.name] = KernelInfo(
            ctx.op, tuple(a.type for a in ctx.entry.args), stats_dialect.readout_width(ctx.op)
        )

    def ensure_func(self, name: str, span: A.Span) -> Operation:
        op = self.func_ops.get(name)
        if op is not None:
            return op
        if name in self.in_progress:
            chain = " -> ".join(self.in_progress[self.in_progress.index(name):] + [name])
            raise _err(f"recursive call: {chain}", span, help="host functions cannot call themselves")
        d = self.funcs[name]
        self.in_progress.append(name)
        ctx, lex = self._begin(d.name, d.args, False, d.name_span)
        if d.is_model:
            ctx.op.set_attribute("model", True)
        with self._in_fn(ctx, lex):
            results = self.body(d.body, d.results, d.end_span, kernel=False)
            ctx.b.loc = d.end_span.loc()
            ctx.b.create("func.return", results, [])
        self.in_progress.pop()
        self._finish_sig(ctx.op, results)
        self.module.append(ctx.op)
        self.func_ops[name] = ctx.op
        return ctx.op

    def _finish_sig(self, op: Operation, results: Sequence[Value]) -> None:
        ftype = op.properties["function_type"]
        assert isinstance(ftype, FunctionType)
        op.set_property("function_type", FunctionType(ftype.inputs, tuple(v.type for v in results)))

    def body(
        self, stmts: list[A.Stmt], declared: list[A.TypeExpr] | None, end: A.Span, *, kernel: bool
    ) -> list[Value]:
        ret: A.Return | None = stmts[-1] if stmts and isinstance(stmts[-1], A.Return) else None
        self.block(stmts[:-1] if ret is not None else stmts)
        want = [self.type_expr(t) for t in declared] if declared is not None else None
        if ret is None:
            if want:
                raise _err("missing 'return' at the end of the body", end, help="the signature declares results")
            return []
        assert self.fn is not None
        self.fn.b.loc = ret.span.loc()
        values: list[Value] = []
        spans: list[A.Span] = []
        for e in ret.values:
            v = self.expr(e)
            if kernel:
                t = type_of(v)
                if t == i1:
                    values.append(self.materialize(v, e.span))
                    spans.append(e.span)
                elif isinstance(t, TensorType) and t.element == i1 and len(t.shape) == 1:
                    tv = self.materialize(v, e.span)
                    for k in range(t.shape[0]):
                        values.append(self.create("tensor.extract", [tv, self.const(k)], [i1], e.span))
                        spans.append(e.span)
                else:
                    raise _err(
                        f"a kernel can only return measured bits, got {type_name(t)}", e.span,
                        help="host code reads everything else through expval/probs/counts/sample",
                    )
            else:
                values.append(self.materialize(v, e.span))
                spans.append(e.span)
        if want is not None:
            if len(want) != len(values):
                raise _err(f"returns {len(values)} value(s) but the signature declares {len(want)}", ret.span)
            values = [self.coerce(v, t, s, "returned value") for v, t, s in zip(values, want, spans)]
        return values

    # ------------------------------------------------------ statements
    def block(self, stmts: list[A.Stmt]) -> None:
        for s in stmts:
            self.stmt(s)

    def stmt(self, s: A.Stmt) -> None:
        fn = self.fn
        assert fn is not None
        fn.b.loc = s.span.loc()
        if isinstance(s, A.Let):
            v = self.expr(s.value)
            if isinstance(v, Value) and v.name_hint is None and not isinstance(v.owner, Block):
                v.name_hint = s.name
            self.lex.names[s.name] = Var(v, s.name_span)
        elif isinstance(s, A.Assign):
            var = self.lex.lookup(s.name)
            assert isinstance(var, Var)
            var.value = self.expr(s.value)
        elif isinstance(s, A.QubitDecl):
            n = 1 if s.size is None else self.static_int(s.size, "a register size", 1)
            base = len(fn.wire_names)
            if base + n > limits.current().max_qubits:
                msg, help_ = limits.exceeded("qubits in the kernel", base + n, "max_qubits")
                raise _err(msg, s.size.span if s.size is not None else s.span, help=help_)
            for k in range(n):
                fn.frame.wires[base + k] = fn.b.create("q.alloc", [], [qubit]).result
                fn.wire_names.append(s.name if s.size is None else f"{s.name}[{k}]")
            self.lex.names[s.name] = Reg(s.name, list(range(base, base + n)), s.size is None)
        elif isinstance(s, A.GateStmt):
            self.gate_stmt(s)
        elif isinstance(s, A.NoiseStmt):
            self.noise_stmt(s)
        elif isinstance(s, A.QubitStmt):
            self.qubit_stmt(s)
        elif isinstance(s, A.If):
            self.if_stmt(s)
        elif isinstance(s, A.For):
            self.for_stmt(s)
        elif isinstance(s, A.Repeat):
            n = self.expr(s.count)
            self.loop(None, 0, n, 1, s.body, s.span, s.count.span)
        else:  # pragma: no cover - checks reject returns elsewhere
            raise AssertionError(s)

    # quantum -----------------------------------------------------------
    def wires_of(self, r: A.QRef) -> list[int]:
        reg = self.lex.lookup(r.name)
        assert isinstance(reg, Reg)
        if r.index is None:
            return list(reg.wires)
        if reg.single:
            raise _err(f"'{r.name}' is a single qubit, not a register", r.index.span)
        v = self.expr(r.index)
        if not _is_static(v):
            raise _err(
                "qubit index must be known at compile time", r.index.span,
                help="indices may use constants and loop variables (such loops are unrolled)",
            )
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise _err(f"qubit index must be an integer, got {type_name(type_of(v))}", r.index.span)
        i = int(v)
        if not 0 <= i < len(reg.wires):
            raise _err(f"qubit index {i} is out of range for register '{r.name}' of size {len(reg.wires)}", r.index.span)
        return [reg.wires[i]]

    def get_wire(self, w: int, span: A.Span, frame: Frame | None = None) -> Value:
        fn = self.fn
        assert fn is not None
        frame = frame or fn.frame
        v = frame.wires.get(w)
        if v is not None:
            return v
        if frame.parent is None:
            where = fn.consumed.get(w)
            assert where is not None
            raise _err(
                f"qubit {fn.wire_names[w]} is used after it was consumed at line {where.line}", span,
                help="'consume' and 'free' release a qubit; use 'measure' to keep it",
            )
        self.get_wire(w, span, frame.parent)
        arg = frame.block.add_arg(qubit)
        frame.entry[w] = arg
        frame.wires[w] = arg
        frame.order.append(w)
        return arg

    def apply(self, name: str, wires: Sequence[int], extra: Sequence[Value], span: A.Span, props=None) -> Operation:
        fn = self.fn
        assert fn is not None
        ins = [self.get_wire(w, span) for w in wires]
        op = fn.b.create(name, [*extra, *ins], [qubit] * len(wires), props)
        for w, r in zip(wires, op.results):
            fn.frame.wires[w] = r
        return op

    def gate_stmt(self, s: A.GateStmt) -> None:
        if s.name in EMBEDDINGS:
            lower_embedding(self, s)
            return
        spec = GATES[s.name]
        if len(s.qubits) != spec.num_qubits:
            raise _err(f"gate '{s.name}' acts on {spec.num_qubits} qubit(s), got {len(s.qubits)}", s.name_span)
        angles = [self.coerce(self.expr(p), f64, p.span, "gate angle") for p in s.params]
        groups = [self.wires_of(r) for r in s.qubits]
        sizes = {len(g) for g in groups if len(g) != 1}
        if len(sizes) > 1:
            raise _err(f"gate '{s.name}' is applied to registers of different sizes", s.span)
        n = sizes.pop() if sizes else 1
        assert self.fn is not None
        self.fn.gates += n
        if self.fn.gates > limits.current().max_gates:
            msg, help_ = limits.exceeded("gates in the kernel after unrolling", f"over {self.fn.gates - 1}", "max_gates")
            raise _err(msg, s.span, help=help_)
        for k in range(n):
            wires = [g[k] if len(g) > 1 else g[0] for g in groups]
            if len(set(wires)) != len(wires):
                dup = next(w for w in wires if wires.count(w) > 1)
                raise _err(f"gate '{s.name}' uses qubit {self.fn.wire_names[dup]} more than once", s.span)
            self.apply("q." + s.name, wires, angles, s.span)

    def noise_stmt(self, s: A.NoiseStmt) -> None:
        p = self.expr(s.params[0])
        if not _is_static(p) or isinstance(p, (np.ndarray, bool)):
            raise _err("noise probability must be a compile-time number", s.params[0].span)
        pf = float(p)  # type: ignore[arg-type]
        if not 0.0 <= pf <= 1.0:
            raise _err(f"noise probability must be in [0, 1], got {pf}", s.params[0].span)
        for r in s.qubits:
            for w in self.wires_of(r):
                self.apply("noise." + s.kind, [w], [], s.span, {"p": pf})

    def qubit_stmt(self, s: A.QubitStmt) -> None:
        fn = self.fn
        assert fn is not None
        wires = [w for r in s.qubits for w in self.wires_of(r)]
        if s.kind == "barrier":
            if not s.qubits:
                wires = [w for w in range(len(fn.wire_names)) if w not in fn.consumed]
            if wires:
                self.apply("q.barrier", wires, [], s.span)
        elif s.kind == "reset":
            for w in wires:
                self.apply("q.reset", [w], [], s.span)
        else:
            for w in wires:
                self.release(w, s.span, "free")

    def release(self, w: int, span: A.Span, what: str) -> None:
        fn = self.fn
        assert fn is not None
        if fn.frame.parent is not None:
            raise _err(
                f"'{what}' cannot release a qubit inside a conditional or a loop that stays a loop", span,
                help="release qubits at the top level of the kernel or in an unrolled loop",
            )
        v = self.get_wire(w, span)
        fn.b.create("q.dealloc", [v], [])
        del fn.frame.wires[w]
        fn.consumed[w] = span

    def measure(self, e: A.Measure) -> Value:
        fn = self.fn
        assert fn is not None
        wires = self.wires_of(e.target)
        bits = []
        for w in wires:
            op = fn.b.create("q.measure", [self.get_wire(w, e.span)], [i1, qubit])
            fn.frame.wires[w] = op.results[1]
            bits.append(op.results[0])
            if e.consume:
                self.release(w, e.span, "consume")
        if len(wires) == 1 and (e.target.index is not None or self._single(e.target)):
            return bits[0]
        return fn.b.create("tensor.from_elements", bits, [TensorType((len(bits),), i1)]).result

    def _single(self, r: A.QRef) -> bool:
        reg = self.lex.lookup(r.name)
        return isinstance(reg, Reg) and reg.single

    # control flow ----------------------------------------------------------
    def _assigned_outer(self, stmts: list[A.Stmt]) -> list[Var]:
        """Outer variables assigned anywhere in ``stmts``, in first-assignment order."""
        seen: dict[int, Var] = {}
        for name in _assigned_names(stmts):
            var = self.lex.lookup(name)
            if isinstance(var, Var) and id(var) not in seen:
                seen[id(var)] = var
        return list(seen.values())

    @contextmanager
    def _region(self, block: Block) -> Iterator[Frame]:
        fn = self.fn
        assert fn is not None
        frame = Frame(block, fn.frame)
        saved_frame, saved_lex = fn.frame, self.lex
        fn.frame, self.lex = frame, Lex(saved_lex)
        try:
            with fn.b.at(block):
                yield frame
        finally:
            fn.frame, self.lex = saved_frame, saved_lex

    def if_stmt(self, s: A.If) -> None:
        fn = self.fn
        assert fn is not None
        cond = self.expr(s.cond)
        if _is_static(cond):
            if not isinstance(cond, (bool, np.bool_)):
                raise _err(f"condition must be a bool, got {type_name(type_of(cond))}", s.cond.span)
            chosen = s.then if cond else (s.orelse or [])
            saved = self.lex
            self.lex = Lex(saved)
            try:
                self.block(chosen)
            finally:
                self.lex = saved
            return
        if cond.type != i1:
            raise _err(f"condition must be a bool, got {type_name(cond.type)}", s.cond.span)
        carried = self._assigned_outer(s.then + (s.orelse or []))
        before = [v.value for v in carried]
        branches = []
        for stmts in (s.then, s.orelse or []):
            block = Block()
            with self._region(block) as frame:
                self.block(stmts)
            branches.append((block, frame, [v.value for v in carried]))
            for var, old in zip(carried, before):
                var.value = old
        (tb, tf, tv), (eb, ef, ev) = branches
        wires = list(tf.order) + [w for w in ef.order if w not in tf.entry]
        fn.b.loc = s.span.loc()
        # Each carried variable gets one type; a static value takes the other branch's type.
        types = []
        for var, a, b in zip(carried, tv, ev):
            ta, tb_ = type_of(a), type_of(b)
            if ta != tb_:
                if _is_static(a) and _numeric_promotes(ta, tb_):
                    ta = tb_
                elif not (_is_static(b) and _numeric_promotes(tb_, ta)):
                    raise _err(
                        f"'{_var_name(self.lex, var)}' is {type_name(ta)} after the then-branch but "
                        f"{type_name(tb_)} after the else-branch", s.span,
                    )
            types.append(ta)
        for block, frame, vals in ((tb, tf, tv), (eb, ef, ev)):
            args = [frame.entry.get(w) or block.add_arg(qubit) for w in wires]
            block.args[:] = args
            for k, a in enumerate(args):
                a.index = k
            with fn.b.at(block):
                outs = [frame.wires.get(w, args[k]) for k, w in enumerate(wires)]
                outs += [self.coerce(v, t, s.span, "branch value") for v, t in zip(vals, types)]
                fn.b.create("scf.yield", outs, [])
        inputs = [self.get_wire(w, s.span) for w in wires]
        op = fn.b.create(
            "scf.if", [cond, *inputs], [qubit] * len(wires) + types, regions=[Region([tb]), Region([eb])]
        )
        for w, r in zip(wires, op.results):
            fn.frame.wires[w] = r
        for var, r in zip(carried, op.results[len(wires):]):
            var.value = r

    def for_stmt(self, s: A.For) -> None:
        start = self.expr(s.start)
        stop = self.expr(s.stop)
        step = self.expr(s.step) if s.step is not None else 1
        assert self.fn is not None
        if _is_static(step) and not isinstance(step, np.ndarray) and int(step) <= 0:  # type: ignore[arg-type]
            raise _err(f"loop step must be positive, got {step}", (s.step or s.stop).span)
        if self.fn.kernel and s.var in _qubit_index_names(s.body):
            self.unroll(s, start, stop, step)
        else:
            self.loop(s, start, stop, step, s.body, s.span, s.start.span)

    def unroll(self, s: A.For, start: LVal, stop: LVal, step: LVal) -> None:
        fn = self.fn
        assert fn is not None
        bounds = []
        for v, e in ((start, s.start), (stop, s.stop), (step, s.step or s.stop)):
            if not _is_static(v) or isinstance(v, (bool, np.bool_, np.ndarray, float)):
                raise _err(
                    f"loop bounds must be compile-time integers: '{s.var}' indexes qubits, so the loop is unrolled",
                    e.span,
                )
            bounds.append(int(v))  # type: ignore[arg-type]
        lo, hi, st = bounds
        if st <= 0:
            raise _err(f"loop step must be positive, got {st}", (s.step or s.stop).span)
        trips = max(0, (hi - lo + st - 1) // st)
        if fn.unrolled + trips > UNROLL_LIMIT:
            raise _err(
                f"loop would unroll {trips} iterations, past the limit of {UNROLL_LIMIT} per kernel", s.span,
                help=f"'{s.var}' indexes qubits, so the loop is unrolled at compile time",
            )
        fn.unrolled += trips
        saved = self.lex
        try:
            for i in range(lo, hi, st):
                self.lex = Lex(saved)
                self.lex.names[s.var] = Var(i, s.var_span, const=True)
                self.block(s.body)
        finally:
            self.lex = saved

    def loop(
        self, s: A.For | None, start: LVal, stop: LVal, step: LVal, stmts: list[A.Stmt], span: A.Span,
        bound_span: A.Span,
    ) -> None:
        fn = self.fn
        assert fn is not None
        if _is_static(step) and not isinstance(step, np.ndarray) and int(step) <= 0:  # type: ignore[arg-type]
            raise _err(f"loop step must be positive, got {step}", bound_span)
        lb, ub, st = (self.coerce(v, i64, bound_span, "loop bound") for v in (start, stop, step))
        carried = self._assigned_outer(stmts)
        inits = [self.materialize(v.value, span) for v in carried]
        types = [v.type for v in inits]
        body = Block([i64, *types])
        with self._region(body) as frame:
            iv = body.args[0]
            if s is not None:
                iv.name_hint = s.var
                self.lex.names[s.var] = Var(iv, s.var_span, const=True)
            for var, arg in zip(carried, body.args[1:]):
                var.value = arg
            self.block(stmts)
            outs = []
            for var, t in zip(carried, types):
                outs.append(self.coerce(var.value, t, span, f"loop-carried '{_var_name(self.lex, var)}'"))
            outs += [frame.wires[w] for w in frame.order]
            fn.b.create("scf.yield", outs, [])
        fn.b.loc = span.loc()
        wire_inits = [self.get_wire(w, span) for w in frame.order]
        op = fn.b.create(
            "scf.for", [lb, ub, st, *inits, *wire_inits], [*types, *([qubit] * len(frame.order))],
            regions=[Region([body])],
        )
        for var, r in zip(carried, op.results):
            var.value = r
        for w, r in zip(frame.order, op.results[len(carried):]):
            fn.frame.wires[w] = r

    # ------------------------------------------------------ values
    def create(self, name: str, operands: Sequence[Value], types: Sequence[Type], span: A.Span, props=None) -> Value:
        fn = self.fn
        if fn is None:
            raise _err("this expression is not a compile-time constant", span)
        saved = fn.b.loc
        fn.b.loc = span.loc()
        try:
            return fn.b.create(name, operands, types, props).result
        finally:
            fn.b.loc = saved

    def _hoist(self, op: Operation) -> Value:
        fn = self.fn
        assert fn is not None
        if fn.last_hoisted is None:
            fn.entry.insert_before(op, fn.entry.first)
        else:
            fn.entry.insert_after(op, fn.last_hoisted)
        fn.last_hoisted = op
        return op.result

    def const(self, v: Static, t: Type | None = None, span: A.Span | None = None) -> Value:
        """A hoisted, shared ``arith.constant`` of ``v`` (as type ``t`` if given)."""
        fn = self.fn
        if fn is None:
            assert span is not None
            raise _err("this expression is not a compile-time constant", span)
        t = t or _static_type(v)
        if isinstance(t, TensorType):
            dtype = np.float64 if t.element == f64 else (np.bool_ if t.element == i1 else np.int64)
            value: object = DenseArray(np.asarray(v, dtype=dtype))
        elif t == f64:
            value = float(v)  # type: ignore[arg-type]
        elif t == i1:
            value = bool(v)
        else:
            value = int(v)  # type: ignore[arg-type]
        key = (t, value)
        hit = fn.consts.get(key)
        if hit is None:
            op = Operation("arith.constant", (), [t], {"value": value}, loc=span.loc() if span else None)
            hit = fn.consts[key] = self._hoist(op)
        return hit

    def materialize(self, v: LVal, span: A.Span) -> Value:
        return v if isinstance(v, Value) else self.const(v, None, span)

    def coerce(self, v: LVal, t: Type, span: A.Span, what: str) -> Value:
        """``v`` as a value of type ``t``: static numbers convert, i64 values are cast to f64."""
        have = type_of(v)
        if have == t:
            return self.materialize(v, span)
        if _is_static(v):
            if t == f64 and have == i64:
                return self.const(float(v), f64, span)  # type: ignore[arg-type]
            if isinstance(t, TensorType) and isinstance(have, TensorType) and have.shape == t.shape:
                if t.element == f64 and have.element == i64:
                    return self.const(np.asarray(v, dtype=np.float64), t, span)
        elif t == f64 and have == i64:
            return self.create("arith.cast", [v], [f64], span)
        raise _err(f"{what} must be {type_name(t)}, got {type_name(have)}", span)

    def float_like(self, v: LVal, span: A.Span, what: str) -> Value:
        t = type_of(v)
        if t == i64:
            return self.coerce(v, f64, span, what)
        if isinstance(t, TensorType) and t.element == i64:
            return self.coerce(v, TensorType(t.shape, f64), span, what)
        if t == f64 or (isinstance(t, TensorType) and t.element == f64):
            return self.materialize(v, span)
        raise _err(f"{what} must be a number or a tensor of numbers, got {type_name(t)}", span)

    def param_get(self, name: str, span: A.Span) -> Value:
        fn = self.fn
        if fn is None:
            raise _err(f"parameter '{name}' is not a compile-time constant", span)
        decl = self.params[name]
        t = decl.properties["type"]
        assert isinstance(t, Type)
        key = (t, SymbolRef(name))
        hit = fn.consts.get(key)
        if hit is None:
            op = Operation("param.get", (), [t], {"name": SymbolRef(name)}, loc=span.loc())
            hit = fn.consts[key] = self._hoist(op)
            hit.name_hint = name
        return hit

    # ------------------------------------------------------ expressions
    def expr(self, e: A.Expr) -> LVal:
        if isinstance(e, A.Num):
            if isinstance(e.value, float) and not math.isfinite(e.value):
                raise _err("number literal is too large for a 64-bit float", e.span)
            if isinstance(e.value, int) and not -(2**63) <= e.value < 2**63:
                raise _err("integer literal does not fit in 64 bits", e.span,
                           help="integers are 64-bit (at most 9223372036854775807)")
            return e.value
        if isinstance(e, A.Bool):
            return e.value
        if isinstance(e, A.Str):
            raise _err("strings are only used by import and load()", e.span)
        if isinstance(e, A.Name):
            return self.name(e)
        if isinstance(e, A.BinOp):
            return self.binop(e)
        if isinstance(e, A.UnOp):
            return self.unop(e)
        if isinstance(e, A.Index):
            return self.index(e)
        if isinstance(e, A.ArrayLit):
            return self.array(e)
        if isinstance(e, A.Measure):
            return self.measure(e)
        if isinstance(e, A.Call):
            return self.call(e)
        raise AssertionError(e)  # pragma: no cover

    def name(self, e: A.Name) -> LVal:
        hit = self.lex.lookup(e.name)
        if isinstance(hit, Var):
            return hit.value
        if e.name in self.consts:
            return self.consts[e.name]
        if e.name in self.params:
            return self.param_get(e.name, e.span)
        if e.name == "pi":
            return math.pi
        raise _err(f"'{e.name}' cannot be used here", e.span)  # pragma: no cover - checks catch it

    def binop(self, e: A.BinOp) -> LVal:
        op = e.op
        a = self.expr(e.lhs)
        if op in ("and", "or"):
            return self.logic(e, a)
        b = self.expr(e.rhs)
        if _is_static(a) and _is_static(b):
            return _fold(op, a, b, e)  # type: ignore[arg-type]
        ta, tb = type_of(a), type_of(b)
        if op in _CMP:
            if isinstance(ta, TensorType) or isinstance(tb, TensorType):
                raise _err(f"'{op}' compares scalars, got {type_name(ta)} and {type_name(tb)}", e.op_span)
            t = _common(ta, tb)
            if t is None:
                raise _err(f"cannot compare {type_name(ta)} with {type_name(tb)}", e.op_span)
            return self.create(
                "arith.cmp", [self.coerce(a, t, e.lhs.span, "operand"), self.coerce(b, t, e.rhs.span, "operand")],
                [i1], e.span, {"predicate": _CMP[op]},
            )
        if op == "%":
            raise _err("'%' needs compile-time integers", e.op_span)
        sa, sb = _scalar_of(ta), _scalar_of(tb)
        if sa == i1 or sb == i1:
            raise _err(f"'{op}' does not apply to bool values", e.op_span)
        elem = f64 if f64 in (sa, sb) or op == "/" else i64
        if isinstance(ta, TensorType) and isinstance(tb, TensorType) and ta.shape != tb.shape:
            raise _err(f"shape mismatch: {type_name(ta)} {op} {type_name(tb)}", e.op_span)
        shape = ta.shape if isinstance(ta, TensorType) else (tb.shape if isinstance(tb, TensorType) else None)
        t: Type = elem if shape is None else TensorType(shape, elem)
        va = self.broadcast(a, t, e.lhs.span)
        vb = self.broadcast(b, t, e.rhs.span)
        return self.create(_ARITH[op], [va, vb], [t], e.span)

    def broadcast(self, v: LVal, t: Type, span: A.Span) -> Value:
        """``v`` as type ``t``, filling a tensor ``t`` from a scalar ``v`` if needed."""
        have = type_of(v)
        if isinstance(t, TensorType) and not isinstance(have, TensorType):
            if _is_static(v):
                return self.const(np.full(t.shape, v), t, span)
            s = self.coerce(v, t.element, span, "operand")
            return self.create("nn.broadcast", [s], [t], span)
        if isinstance(t, TensorType) and isinstance(have, TensorType) and have.element != t.element:
            if _is_static(v):
                return self.coerce(v, t, span, "operand")
            raise _err(
                f"cannot mix {type_name(have)} with {type_name(t)}: integer tensors are not converted", span
            )
        return self.coerce(v, t, span, "operand")

    def logic(self, e: A.BinOp, a: LVal) -> LVal:
        if _is_static(a):
            if not isinstance(a, (bool, np.bool_)):
                raise _err(f"'{e.op}' needs bool operands, got {type_name(type_of(a))}", e.lhs.span)
            # Short-circuit at compile time: the other side is not evaluated.
            if (e.op == "and" and not a) or (e.op == "or" and a):
                return bool(a)
            b = self.expr(e.rhs)
            if type_of(b) != i1:
                raise _err(f"'{e.op}' needs bool operands, got {type_name(type_of(b))}", e.rhs.span)
            return b
        if a.type != i1:
            raise _err(f"'{e.op}' needs bool operands, got {type_name(a.type)}", e.lhs.span)
        b = self.expr(e.rhs)
        if type_of(b) != i1:
            raise _err(f"'{e.op}' needs bool operands, got {type_name(type_of(b))}", e.rhs.span)
        if _is_static(b):
            if e.op == "and":
                return a if b else False
            return True if b else a
        return self.create("arith." + e.op, [a, b], [i1], e.span)

    def unop(self, e: A.UnOp) -> LVal:
        v = self.expr(e.operand)
        t = type_of(v)
        if e.op == "not":
            if t != i1:
                raise _err(f"'not' needs a bool, got {type_name(t)}", e.operand.span)
            return (not v) if _is_static(v) else self.create("arith.not", [v], [i1], e.span)  # type: ignore[list-item]
        if _scalar_of(t) == i1:
            raise _err("'-' does not apply to bool values", e.operand.span)
        if _is_static(v):
            return -v  # type: ignore[operator]
        return self.create("arith.neg", [v], [t], e.span)

    def index(self, e: A.Index) -> LVal:
        base = self.expr(e.base)
        t = type_of(base)
        if not isinstance(t, TensorType):
            raise _err(f"cannot index a {type_name(t)}", e.base.span)
        points = [it for it in e.items if not isinstance(it, A.Slice)]
        slices = [it for it in e.items if isinstance(it, A.Slice)]
        if len(e.items) > len(t.shape):
            raise _err(f"too many indices: {type_name(t)} has rank {len(t.shape)}", e.span)
        if slices and (len(slices) > 1 or not isinstance(e.items[-1], A.Slice)):
            raise _err("only the last index may be a slice", slices[0].span)
        idx: list[LVal] = []
        for k, it in enumerate(points):
            v = self.expr(it)
            if type_of(v) != i64:
                raise _err(f"index must be an integer, got {type_name(type_of(v))}", it.span)
            if _is_static(v) and not 0 <= int(v) < t.shape[k]:  # type: ignore[arg-type]
                raise _err(f"index {int(v)} is out of range for dimension {k} of size {t.shape[k]}", it.span)  # type: ignore[arg-type]
            idx.append(v)
        cur: LVal = base
        if _is_static(base) and all(_is_static(v) for v in idx):
            cur = np.asarray(base)[tuple(int(v) for v in idx)]  # type: ignore[arg-type]
            if not slices:
                return _unbox(cur)
        elif len(idx) == len(t.shape):
            return self.create(
                "tensor.extract", [self.materialize(base, e.base.span), *(self.materialize(v, e.span) for v in idx)],
                [t.element], e.span,
            )
        else:
            for v, it in zip(idx, points):
                ct = type_of(cur)
                assert isinstance(ct, TensorType)
                res = ct.element if len(ct.shape) == 1 else TensorType(ct.shape[1:], ct.element)
                cur = self.create("nn.index", [self.materialize(cur, e.span), self.materialize(v, it.span)], [res], e.span)
        if slices:
            sl = slices[0]
            ct = type_of(cur)
            assert isinstance(ct, TensorType)
            n = ct.shape[0]
            lo = 0 if sl.start is None else self.static_int(sl.start, "a slice bound")
            hi = n if sl.stop is None else self.static_int(sl.stop, "a slice bound")
            if not 0 <= lo <= hi <= n:
                raise _err(f"slice {lo}:{hi} is out of range for a dimension of size {n}", sl.span)
            if _is_static(cur):
                return np.asarray(cur)[lo:hi]
            res = TensorType((hi - lo,) + ct.shape[1:], ct.element)
            return self.create("nn.slice", [cur], [res], sl.span, {"start": lo, "stop": hi})  # type: ignore[list-item]
        return cur

    def array(self, e: A.ArrayLit) -> LVal:
        if not e.items:
            raise _err("empty array literal", e.span)
        vals = [self.expr(it) for it in e.items]
        types = [type_of(v) for v in vals]
        if any(isinstance(t, TensorType) for t in types):
            if all(_is_static(v) for v in vals) and len({t.shape for t in types if isinstance(t, TensorType)}) == 1 and all(isinstance(t, TensorType) for t in types):  # type: ignore[union-attr]
                return np.stack([np.asarray(v) for v in vals])  # type: ignore[arg-type]
            raise _err("array elements must be scalars (or constant rows of one shape)", e.span)
        elem = i1 if all(t == i1 for t in types) else (i64 if all(t == i64 for t in types) else f64)
        if elem != i1 and i1 in types:
            raise _err("array mixes bools and numbers", e.span)
        if all(_is_static(v) for v in vals):
            dtype = np.bool_ if elem == i1 else (np.int64 if elem == i64 else np.float64)
            return np.asarray(vals, dtype=dtype)
        parts = [self.coerce(v, elem, it.span, "array element") for v, it in zip(vals, e.items)]
        return self.create("tensor.from_elements", parts, [TensorType((len(parts),), elem)], e.span)

    # calls ------------------------------------------------------------------
    def call(self, e: A.Call) -> LVal:
        name = e.name
        if name in _STATS:
            return self.stats_call(e)
        if name in self.layers:
            return self.layer_call(e, self.layers[name])
        if name in self.funcs:
            return self.func_call(e)
        args = [self.expr(a) for a in e.args]
        if name in ("sin", "cos"):
            v = args[0]
            if _is_static(v):
                if isinstance(v, np.ndarray):
                    return getattr(np, name)(v.astype(np.float64))
                return getattr(math, name)(float(v))  # type: ignore[arg-type]
            x = self.float_like(v, e.args[0].span, f"{name}() argument")
            return self.create("arith." + name, [x], [x.type], e.span)
        if name == "float":
            v = args[0]
            if _is_static(v):
                return float(v)  # type: ignore[arg-type]
            return self.coerce(v, f64, e.args[0].span, "float() argument") if v.type != i1 else self.create("arith.cast", [v], [f64], e.span)
        if name == "int":
            v = args[0]
            if _is_static(v):
                return int(v)  # type: ignore[arg-type]
            if isinstance(v.type, TensorType):
                raise _err("int() converts a scalar", e.args[0].span)
            return v if v.type == i64 else self.create("arith.cast", [v], [i64], e.span)
        if name in ("relu", "tanh", "sigmoid", "angle"):
            x = self.float_like(args[0], e.args[0].span, f"{name}() argument")
            return self.create("nn." + name, [x], [x.type], e.span)
        if name in ("softmax", "normalize"):
            x = self.float_like(args[0], e.args[0].span, f"{name}() argument")
            if not isinstance(x.type, TensorType):
                raise _err(f"{name}() needs a tensor, got {type_name(x.type)}", e.args[0].span)
            return self.create("nn." + name, [x], [x.type], e.span)
        if name in ("sum", "mean", "max", "min"):
            x = self.float_like(args[0], e.args[0].span, f"{name}() argument")
            if not isinstance(x.type, TensorType):
                raise _err(f"{name}() needs a tensor, got {type_name(x.type)}", e.args[0].span)
            return self.create("nn.reduce", [x], [f64], e.span, {"kind": name})
        if name == "dense":
            act = "none"
            for kw in e.kwargs:
                act = self.activation(kw.value)
            vals = [self.float_like(v, a.span, "dense() argument") for v, a in zip(args, e.args)]
            return self.dense(vals, act, e, [a.span for a in e.args])
        if name == "embed":
            return self.embed(args[0], args[1], e.args[0].span, e.args[1].span, e.span)
        if name == "concat":
            return self.concat(args, e)
        raise AssertionError(name)  # pragma: no cover - checks reject unknown names

    def dense(self, vals: list[Value], act: str, e: A.Call, spans: list[A.Span]) -> Value:
        x, w = vals[0], vals[1]
        xt, wt = x.type, w.type
        if not isinstance(wt, TensorType) or len(wt.shape) != 2:
            raise _err(f"dense weights must be a matrix f64[out, in], got {type_name(wt)}", spans[1])
        if not isinstance(xt, TensorType) or len(xt.shape) not in (1, 2):
            raise _err(f"dense input must be f64[in] or f64[batch, in], got {type_name(xt)}", spans[0])
        if xt.shape[-1] != wt.shape[1]:
            raise _err(
                f"dense input has {xt.shape[-1]} features but the weights expect {wt.shape[1]}", spans[0]
            )
        if len(vals) == 3:
            bt = vals[2].type
            if bt != TensorType((wt.shape[0],), f64):
                raise _err(f"dense bias must be f64[{wt.shape[0]}], got {type_name(bt)}", spans[2])
        res = TensorType(xt.shape[:-1] + (wt.shape[0],), f64)
        return self.create("nn.dense", vals, [res], e.span, {"activation": act})

    def embed(self, ids: LVal, table: LVal, ids_span: A.Span, table_span: A.Span, span: A.Span) -> Value:
        it, tt = type_of(ids), type_of(table)
        if not (it == i64 or (isinstance(it, TensorType) and it.element == i64 and len(it.shape) == 1)):
            raise _err(f"token ids must be an integer or i64[n], got {type_name(it)}", ids_span)
        if not isinstance(tt, TensorType) or len(tt.shape) != 2 or tt.element != f64:
            raise _err(f"embedding table must be f64[vocab, width], got {type_name(tt)}", table_span)
        if _is_static(ids):
            bad = [int(i) for i in np.atleast_1d(np.asarray(ids)) if not 0 <= int(i) < tt.shape[0]]
            if bad:
                raise _err(f"token id {bad[0]} is out of range for a vocabulary of {tt.shape[0]}", ids_span)
        res = TensorType((tt.shape[1],), f64) if it == i64 else TensorType((it.shape[0], tt.shape[1]), f64)  # type: ignore[union-attr]
        return self.create(
            "nn.embed", [self.materialize(ids, ids_span), self.materialize(table, table_span)], [res], span
        )

    def concat(self, args: list[LVal], e: A.Call) -> Value:
        parts: list[Value] = []
        elem: Type | None = None
        for v, a in zip(args, e.args):
            t = type_of(v)
            if not isinstance(t, TensorType):
                v = self.float_like(v, a.span, "concat() argument") if t != i1 else self.materialize(v, a.span)
                v = self.create("tensor.from_elements", [v], [TensorType((1,), v.type)], a.span)
                t = v.type
            assert isinstance(t, TensorType)
            if elem is None:
                elem = t.element
            if t.element != elem or len(t.shape) != len(type_of(parts[0]).shape if parts else t.shape):  # type: ignore[union-attr]
                raise _err(f"concat() arguments must share rank and element type, got {type_name(t)}", a.span)
            if parts and t.shape[1:] != type_of(parts[0]).shape[1:]:  # type: ignore[union-attr]
                raise _err(f"concat() arguments differ outside the first axis: {type_name(t)}", a.span)
            parts.append(self.materialize(v, a.span))
        first = type_of(parts[0])
        assert isinstance(first, TensorType) and elem is not None
        total = sum(type_of(p).shape[0] for p in parts)  # type: ignore[union-attr]
        res = TensorType((total,) + first.shape[1:], elem)
        return self.create("tensor.concat", parts, [res], e.span, {"axis": 0})

    def layer_call(self, e: A.Call, info: LayerInfo) -> Value:
        x = self.expr(e.args[0])
        span = e.args[0].span
        if info.kind == "dense":
            xv = self.float_like(x, span, f"input of layer '{e.name}'")
            t = xv.type
            if not isinstance(t, TensorType) or len(t.shape) not in (1, 2) or t.shape[-1] != info.in_features:
                raise _err(
                    f"layer '{e.name}' expects f64[{info.in_features}] (or f64[batch, {info.in_features}]), "
                    f"got {type_name(t)}", span,
                )
            vals = [xv, self.param_get(f"{e.name}_w", e.name_span)]
            if "b" in info.params:
                vals.append(self.param_get(f"{e.name}_b", e.name_span))
            return self.dense(vals, info.activation, e, [span, e.name_span, e.name_span])
        table = self.param_get(f"{e.name}_table", e.name_span)
        out = self.embed(x, table, span, e.name_span, e.span)
        if info.kind == "token_angles":
            out = self.create("nn.angle", [out], [out.type], e.span)
        return out

    def func_call(self, e: A.Call) -> Value:
        d = self.funcs[e.name]
        callee = self.ensure_func(e.name, e.name_span)
        ftype = callee.properties["function_type"]
        assert isinstance(ftype, FunctionType)
        if len(e.args) != len(ftype.inputs):
            raise _err(f"'{e.name}' takes {len(ftype.inputs)} argument(s), got {len(e.args)}", e.name_span)
        if len(ftype.results) != 1:
            raise _err(f"'{e.name}' returns {len(ftype.results)} values; only single-result calls are expressions", e.name_span)
        args = [
            self.coerce(self.expr(a), t, a.span, f"argument '{p.name}' of '{e.name}'")
            for a, t, p in zip(e.args, ftype.inputs, d.args)
        ]
        fn = self.fn
        assert fn is not None
        saved = fn.b.loc
        fn.b.loc = e.span.loc()
        op = fn.b.create("func.call", args, list(ftype.results), {"callee": SymbolRef(e.name)})
        fn.b.loc = saved
        return op.result

    def stats_call(self, e: A.Call) -> Value:
        inner = e.args[0]
        assert isinstance(inner, A.Call)
        info = self.kernels[inner.name]
        if len(inner.args) != len(info.inputs):
            raise _err(
                f"kernel '{inner.name}' takes {len(info.inputs)} argument(s), got {len(inner.args)}", inner.name_span
            )
        args = [
            self.coerce(self.expr(a), t, a.span, f"argument {k + 1} of kernel '{inner.name}'")
            for k, (a, t) in enumerate(zip(inner.args, info.inputs))
        ]
        kw = {k.name: k for k in e.kwargs}
        shots = self.static_int(kw["shots"].value, "shots", 1) if "shots" in kw else 1024
        if shots > limits.current().max_shots:
            msg, help_ = limits.exceeded("shots", shots, "max_shots")
            raise _err(msg, kw["shots"].value.span, help=help_)
        props: dict[str, object] = {"callee": SymbolRef(inner.name), "shots": shots}
        if "seed" in kw:
            props["seed"] = self.static_int(kw["seed"].value, "seed", 0)
        name = _STATS[e.name]
        if name in ("stats.probs", "stats.counts") and info.width > stats_dialect.MAX_OUTCOME_BITS:
            raise _err(
                f"kernel '{inner.name}' has {info.width} readout bits: too many outcomes for {e.name}()", e.name_span,
                help="use expval() or sample() instead",
            )
        res = stats_dialect.result_type(name, info.width, shots)
        return self.create(name, args, [res], e.span, props)


# ------------------------------------------------------------------ helpers
def _parse_define(name: str, text: str, declared: Static, decl: A.Span) -> Static:
    """The value of ``-D name=text`` for a constant declared as ``declared``.

    ``text`` is spelled as on the command line: ``true``/``false`` for a bool
    constant, an integer for an int constant, a finite number for a float
    constant (an integer is promoted). Anything else, or a define of an array
    constant, is a :class:`ParseError` located on the command line.
    """
    t = str(text).strip()
    where = Location("<command line>", 1, len(name) + 2, max(1, len(t)), f"{name}={t}")
    kind = type_name(_static_type(declared))
    at = f"'{name}' is declared as {kind} at {decl.loc()}"

    def bad(why: str) -> ParseError:
        return ParseError(f"-D {name}: {why}", where, help=at)

    if isinstance(declared, np.ndarray):
        raise bad("only scalar constants (int, float, bool) can be overridden")
    if isinstance(declared, (bool, np.bool_)):
        if t not in ("true", "false"):
            raise bad(f"'{t}' is not a bool (write true or false)")
        return t == "true"
    try:
        number: int | float = int(t)
    except ValueError:
        try:
            number = float(t)
        except ValueError:
            raise bad(f"'{t}' is not a number or bool") from None
    if isinstance(declared, (int, np.integer)):
        if not isinstance(number, int):
            raise bad(f"'{t}' is not an integer")
        return number
    if not math.isfinite(number):
        raise bad(f"'{t}' is not a finite number")
    return float(number)


def _scalar_of(t: Type) -> Type:
    return t.element if isinstance(t, TensorType) else t


def _common(a: Type, b: Type) -> Type | None:
    if a == b:
        return a
    if {a, b} == {i64, f64}:
        return f64
    return None


def _numeric_promotes(frm: Type, to: Type) -> bool:
    return frm == i64 and to == f64


def _unbox(v: object) -> Static:
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v.item()
    if isinstance(v, np.generic):
        v = v.item()
    return v  # type: ignore[return-value]


def _fold(op: str, a: Static, b: Static, e: A.BinOp) -> Static:
    """Fold a constant binary operation; overflow (int64 or to a non-finite float) is a located error."""
    try:
        with np.errstate(over="raise", invalid="raise"):
            r = _fold_raw(op, a, b, e)
    except (OverflowError, FloatingPointError):
        raise _err(f"constant '{op}' overflows", e.op_span,
                   help="integers are 64-bit and numbers must stay finite") from None
    arr = np.asarray(r)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise _err(f"constant '{op}' is not a finite number", e.op_span)
    return r


def _fold_raw(op: str, a: Static, b: Static, e: A.BinOp) -> Static:
    """Fold a binary op over compile-time values with the language's typing rules."""
    ta, tb = _static_type(a), _static_type(b)
    if op in _CMP:
        if isinstance(ta, TensorType) or isinstance(tb, TensorType):
            raise _err(f"'{op}' compares scalars, got {type_name(ta)} and {type_name(tb)}", e.op_span)
        if (ta == i1) != (tb == i1) and op not in ("==", "!="):
            raise _err(f"cannot compare {type_name(ta)} with {type_name(tb)}", e.op_span)
        return bool({"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])  # type: ignore[operator]
    if _scalar_of(ta) == i1 or _scalar_of(tb) == i1:
        raise _err(f"'{op}' does not apply to bool values", e.op_span)
    if isinstance(ta, TensorType) and isinstance(tb, TensorType) and ta.shape != tb.shape:
        raise _err(f"shape mismatch: {type_name(ta)} {op} {type_name(tb)}", e.op_span)
    ints = _scalar_of(ta) == i64 and _scalar_of(tb) == i64
    if op == "%":
        if not ints:
            raise _err("'%' needs integers", e.op_span)
        if np.any(np.asarray(b) == 0):
            raise _err("modulo by zero", e.rhs.span)
        return _unbox(np.asarray(a) % np.asarray(b)) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else a % b  # type: ignore[operator]
    if op == "/":
        if np.any(np.asarray(b) == 0):
            raise _err("division by zero", e.rhs.span)
        r = np.asarray(a, dtype=np.float64) / np.asarray(b, dtype=np.float64)
        return r if r.shape else float(r)
    fn = {"+": np.add, "-": np.subtract, "*": np.multiply}[op]
    r = fn(np.asarray(a), np.asarray(b))
    if r.shape:
        return r
    return int(r) if ints else float(r)


def _var_name(lex: Lex, var: Var) -> str:
    s: Lex | None = lex
    while s is not None:
        for k, v in s.names.items():
            if v is var:
                return k
        s = s.parent
    return "variable"


def _assigned_names(stmts: list[A.Stmt]) -> list[str]:
    out: list[str] = []
    for s in stmts:
        if isinstance(s, A.Assign):
            out.append(s.name)
        elif isinstance(s, A.If):
            out += _assigned_names(s.then) + _assigned_names(s.orelse or [])
        elif isinstance(s, (A.For, A.Repeat)):
            out += _assigned_names(s.body)
    return out


def _expr_names(e: A.Expr | A.Slice | None, out: set[str]) -> None:
    if e is None:
        return
    if isinstance(e, A.Name):
        out.add(e.name)
    elif isinstance(e, A.BinOp):
        _expr_names(e.lhs, out)
        _expr_names(e.rhs, out)
    elif isinstance(e, A.UnOp):
        _expr_names(e.operand, out)
    elif isinstance(e, A.Index):
        _expr_names(e.base, out)
        for it in e.items:
            _expr_names(it, out)
    elif isinstance(e, A.Slice):
        _expr_names(e.start, out)
        _expr_names(e.stop, out)
    elif isinstance(e, A.ArrayLit):
        for it in e.items:
            _expr_names(it, out)
    elif isinstance(e, A.Call):
        for it in e.args:
            _expr_names(it, out)
        for kw in e.kwargs:
            _expr_names(kw.value, out)
    elif isinstance(e, A.Measure):
        _expr_names(e.target.index, out)


def _measure_names(e: A.Expr | A.Slice | None, out: set[str]) -> None:
    """Names in qubit indices of ``measure``/``consume`` inside ``e``."""
    if isinstance(e, A.Measure):
        _expr_names(e.target.index, out)
    elif isinstance(e, A.BinOp):
        _measure_names(e.lhs, out)
        _measure_names(e.rhs, out)
    elif isinstance(e, A.UnOp):
        _measure_names(e.operand, out)
    elif isinstance(e, A.Call):
        for it in e.args:
            _measure_names(it, out)
    elif isinstance(e, A.ArrayLit):
        for it in e.items:
            _measure_names(it, out)


def _qubit_index_names(stmts: list[A.Stmt]) -> set[str]:
    """Names that qubit indices in ``stmts`` depend on, directly or through ``let``/assignments.

    A loop whose variable is in this set must be unrolled (see the module docstring).
    """
    names: set[str] = set()
    deps: dict[str, set[str]] = {}

    def visit(body: list[A.Stmt]) -> None:
        for s in body:
            if isinstance(s, (A.GateStmt, A.NoiseStmt, A.QubitStmt)):
                for r in s.qubits:
                    _expr_names(r.index, names)
                for p in getattr(s, "params", []):
                    _measure_names(p, names)
            elif isinstance(s, (A.Let, A.Assign)):
                d = deps.setdefault(s.name, set())
                _expr_names(s.value, d)
                _measure_names(s.value, names)
            elif isinstance(s, A.If):
                _measure_names(s.cond, names)
                visit(s.then)
                visit(s.orelse or [])
            elif isinstance(s, A.For):
                inner = _qubit_index_names(s.body)
                if s.var in inner:
                    for b in (s.start, s.stop, s.step):
                        _expr_names(b, names)
                names.update(inner - {s.var})
            elif isinstance(s, A.Repeat):
                visit(s.body)
            elif isinstance(s, A.Return):
                for v in s.values:
                    _measure_names(v, names)

    visit(stmts)
    changed = True
    while changed:
        changed = False
        for n in list(names):
            extra = deps.get(n, set()) - names
            if extra:
                names |= extra
                changed = True
    return names


def lower_programs(programs: list[A.Program], defines: dict[str, str] | None = None) -> Module:
    """Lower checked programs (dependencies first) to one module."""
    return Lowerer(defines).run(programs)


__all__ = ["UNROLL_LIMIT", "Lowerer", "lower_programs", "type_name"]
