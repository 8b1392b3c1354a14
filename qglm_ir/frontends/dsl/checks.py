"""Semantic checks on the AST that need no types: names, scopes and placement.

:func:`check_programs` runs before lowering and guarantees to :mod:`.lower`:

* top-level names are unique across the file and its imports;
* every name used in a body resolves (lexical scopes: a ``let`` is visible
  from the next statement to the end of its block; no redeclaration of a
  visible name), assignments target variables (not constants, parameters,
  loop variables or qubit registers), qubit registers appear only where a
  qubit is expected;
* statements sit where the language allows them: qubit statements, ``measure``
  and ``consume`` only in kernels, ``qubit`` declarations only at a kernel's
  top level, ``return`` only as the last top-level statement of a body;
* called names exist and are callable there (host layers and functions are
  not callable in kernels, kernels only through ``expval/probs/counts/sample``),
  gate and noise names exist with the right number of angles.

Types, shapes, static values and qubit ranges are checked while lowering,
where the types are known. Every error is a :class:`ParseError` with the
location of the offending token.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from ...core.errors import ParseError
from ...dialects import noise as noise_dialect
from ...dialects.gates import GATES
from . import ast as A
from .embeddings import EMBEDDINGS, check_embedding_stmt

# name -> (min args, max args) of the builtin functions, by where they may be called.
HOST_BUILTINS: dict[str, tuple[int, int]] = {
    "dense": (2, 3), "relu": (1, 1), "tanh": (1, 1), "sigmoid": (1, 1), "angle": (1, 1),
    "softmax": (1, 1), "normalize": (1, 1), "embed": (2, 2), "concat": (1, 64),
    "sum": (1, 1), "mean": (1, 1), "max": (1, 1), "min": (1, 1),
}
STATS_BUILTINS = ("expval", "probs", "counts", "sample")
SHARED_BUILTINS: dict[str, tuple[int, int]] = {"sin": (1, 1), "cos": (1, 1), "float": (1, 1), "int": (1, 1)}
INITIALIZERS: dict[str, tuple[int, int]] = {
    "zeros": (0, 0), "ones": (0, 0), "uniform": (0, 2), "normal": (0, 2), "glorot": (0, 0), "load": (1, 1),
}
NAMED_CONSTANTS = ("pi",)
LAYER_KINDS = ("dense", "embedding", "token_angles")
SCALAR_TYPES = ("f64", "i64", "bool", "bit", "int", "float")


def _err(message: str, span: A.Span, help: str | None = None) -> ParseError:
    return ParseError(message, span.loc(), help=help)


def _close(name: str, candidates: Iterable[str]) -> str | None:
    m = difflib.get_close_matches(name, list(candidates), n=1)
    return f"did you mean '{m[0]}'?" if m else None


class _Scope:
    """One lexical block: name -> (kind, span of the declaration)."""

    def __init__(self, parent: _Scope | None):
        self.parent = parent
        self.names: dict[str, tuple[str, A.Span]] = {}

    def lookup(self, name: str) -> tuple[str, A.Span] | None:
        s: _Scope | None = self
        while s is not None:
            hit = s.names.get(name)
            if hit is not None:
                return hit
            s = s.parent
        return None

    def visible(self) -> Iterator[str]:
        s: _Scope | None = self
        while s is not None:
            yield from s.names
            s = s.parent


class _Checker:
    def __init__(self) -> None:
        self.globals: dict[str, tuple[str, A.Span]] = {}

    # ------------------------------------------------------------ top level
    def declare_global(self, name: str, kind: str, span: A.Span) -> None:
        prev = self.globals.get(name)
        if prev is not None:
            raise _err(
                f"'{name}' is already defined", span, help=f"the first definition is at {prev[1].loc()}"
            )
        if name in NAMED_CONSTANTS:
            raise _err(f"'{name}' is a built-in constant and cannot be redefined", span)
        if name in HOST_BUILTINS or name in STATS_BUILTINS or name in SHARED_BUILTINS:
            raise _err(f"'{name}' is a built-in function and cannot be redefined", span, help="pick another name")
        self.globals[name] = (kind, span)

    def check(self, programs: list[A.Program]) -> None:
        for prog in programs:
            for item in prog.items:
                if isinstance(item, A.ConstDecl):
                    self.declare_global(item.name, "const", item.name_span)
                elif isinstance(item, A.ParamDecl):
                    self.declare_global(item.name, "param", item.name_span)
                elif isinstance(item, A.LayerDecl):
                    if item.kind not in LAYER_KINDS:
                        raise _err(
                            f"unknown layer kind '{item.kind}'", item.kind_span,
                            help=f"layer kinds: {', '.join(LAYER_KINDS)}",
                        )
                    self.declare_global(item.name, "layer", item.name_span)
                elif isinstance(item, A.KernelDef):
                    self.declare_global(item.name, "kernel", item.name_span)
                elif isinstance(item, A.FuncDef):
                    self.declare_global(item.name, "fn", item.name_span)
        for prog in programs:
            for item in prog.items:
                if isinstance(item, A.ConstDecl):
                    self.expr(item.value, _Scope(None), host=True, static=True)
                elif isinstance(item, A.ParamDecl):
                    self.type_expr(item.type)
                    if item.init is not None:
                        self.expr(item.init, _Scope(None), host=True, static=True, init=True)
                elif isinstance(item, A.LayerDecl):
                    for e in item.args:
                        self.expr(e, _Scope(None), host=True, static=True)
                    for kw in item.kwargs:
                        if kw.name != "activation":
                            self.expr(kw.value, _Scope(None), host=True, static=True, init=True)
                elif isinstance(item, (A.KernelDef, A.FuncDef)):
                    self.body_def(item)

    def type_expr(self, t: A.TypeExpr) -> None:
        if t.base not in SCALAR_TYPES:
            raise _err(
                f"unknown type '{t.base}'", t.span,
                help=_close(t.base, SCALAR_TYPES) or f"types: {', '.join(SCALAR_TYPES)}",
            )
        for d in t.dims or []:
            self.expr(d, _Scope(None), host=True, static=True)

    def body_def(self, d: A.KernelDef | A.FuncDef) -> None:
        kernel = isinstance(d, A.KernelDef)
        scope = _Scope(None)
        for a in d.args:
            self.type_expr(a.type)
            self.declare_local(scope, a.name, "var", a.span)
        for t in d.results or []:
            self.type_expr(t)
        self.block(d.body, scope, kernel=kernel, top=True)

    # ------------------------------------------------------------ statements
    def declare_local(self, scope: _Scope, name: str, kind: str, span: A.Span) -> None:
        prev = scope.lookup(name)
        if prev is not None:
            raise _err(f"'{name}' is already defined in this scope", span, help=f"the first definition is at {prev[1].loc()}")
        g = self.globals.get(name)
        if g is not None:
            raise _err(f"'{name}' shadows the {g[0]} defined at {g[1].loc()}", span, help="pick another name")
        if name in NAMED_CONSTANTS:
            raise _err(f"'{name}' is a built-in constant and cannot be redefined", span)
        scope.names[name] = (kind, span)

    def block(self, stmts: list[A.Stmt], scope: _Scope, *, kernel: bool, top: bool = False) -> None:
        for i, s in enumerate(stmts):
            if isinstance(s, A.Return) and not (top and i == len(stmts) - 1):
                raise _err("'return' must be the last statement of a kernel or function body", s.span)
            self.stmt(s, scope, kernel=kernel, top=top)

    def stmt(self, s: A.Stmt, scope: _Scope, *, kernel: bool, top: bool) -> None:
        if isinstance(s, A.Let):
            self.expr(s.value, scope, host=not kernel)
            self.declare_local(scope, s.name, "var", s.name_span)
        elif isinstance(s, A.Assign):
            hit = scope.lookup(s.name)
            if hit is None:
                g = self.globals.get(s.name)
                if g is not None:
                    raise _err(f"cannot assign to {g[0]} '{s.name}'", s.name_span)
                raise _err(
                    f"assignment to undefined variable '{s.name}'", s.name_span,
                    help=f"declare it first with 'let {s.name} = ...'",
                )
            if hit[0] != "var":
                what = {"reg": "qubit register", "loopvar": "loop variable"}[hit[0]]
                raise _err(f"cannot assign to {what} '{s.name}'", s.name_span)
            self.expr(s.value, scope, host=not kernel)
        elif isinstance(s, A.QubitDecl):
            if not kernel:
                raise _err("qubits can only be declared in a kernel", s.span)
            if not top:
                raise _err("qubit registers must be declared at the top level of a kernel", s.span)
            if s.size is not None:
                self.expr(s.size, scope, host=False, static=True)
            self.declare_local(scope, s.name, "reg", s.name_span)
        elif isinstance(s, A.GateStmt):
            self.quantum_only(kernel, s.span, f"gate '{s.name}'")
            if s.name in EMBEDDINGS:
                check_embedding_stmt(s)
                self.expr(s.params[0], scope, host=False)
                for k in s.kwargs:
                    self.expr(k.value, scope, host=False, static=True)
                self.qrefs(s.qubits, scope)
                return
            if s.kwargs:
                raise _err(f"gate '{s.name}' takes no keyword arguments", s.kwargs[0].span)
            spec = GATES.get(s.name)
            if spec is None:
                raise _err(
                    f"unknown gate '{s.name}'", s.name_span,
                    help=_close(s.name, GATES) or "see qglm_ir.dialects.gates for the gate set",
                )
            if len(s.params) != spec.num_params:
                raise _err(
                    f"gate '{s.name}' takes {spec.num_params} angle(s), got {len(s.params)}", s.name_span
                )
            for e in s.params:
                self.expr(e, scope, host=False)
            self.qrefs(s.qubits, scope)
        elif isinstance(s, A.NoiseStmt):
            self.quantum_only(kernel, s.span, "noise")
            if s.kind not in noise_dialect.CHANNELS:
                raise _err(
                    f"unknown noise channel '{s.kind}'", s.kind_span,
                    help=_close(s.kind, noise_dialect.CHANNELS) or f"channels: {', '.join(noise_dialect.CHANNELS)}",
                )
            if len(s.params) != 1:
                raise _err(f"noise '{s.kind}' takes one probability, got {len(s.params)}", s.kind_span)
            self.expr(s.params[0], scope, host=False, static=True)
            self.qrefs(s.qubits, scope)
        elif isinstance(s, A.QubitStmt):
            self.quantum_only(kernel, s.span, f"'{s.kind}'")
            self.qrefs(s.qubits, scope)
        elif isinstance(s, A.If):
            self.expr(s.cond, scope, host=not kernel)
            self.block(s.then, _Scope(scope), kernel=kernel)
            if s.orelse is not None:
                self.block(s.orelse, _Scope(scope), kernel=kernel)
        elif isinstance(s, A.For):
            for e in (s.start, s.stop, s.step):
                if e is not None:
                    self.expr(e, scope, host=not kernel)
            inner = _Scope(scope)
            self.declare_local(inner, s.var, "loopvar", s.var_span)
            self.block(s.body, inner, kernel=kernel)
        elif isinstance(s, A.Repeat):
            self.expr(s.count, scope, host=not kernel)
            self.block(s.body, _Scope(scope), kernel=kernel)
        elif isinstance(s, A.Return):
            for e in s.values:
                self.expr(e, scope, host=not kernel)
        else:  # pragma: no cover - the parser builds no other statements
            raise AssertionError(s)

    def quantum_only(self, kernel: bool, span: A.Span, what: str) -> None:
        if not kernel:
            raise _err(f"{what} can only be used inside a kernel", span, help="move it into a 'kernel' block")

    def qrefs(self, refs: list[A.QRef], scope: _Scope) -> None:
        for r in refs:
            self.qref(r, scope)

    def qref(self, r: A.QRef, scope: _Scope) -> None:
        hit = scope.lookup(r.name)
        if hit is None or hit[0] != "reg":
            if hit is None and r.name not in self.globals:
                raise _err(
                    f"undefined qubit register '{r.name}'", r.span,
                    help="declare it with 'qubit NAME[SIZE]' at the top of the kernel",
                )
            raise _err(f"'{r.name}' is not a qubit register", r.span)
        if r.index is not None:
            self.expr(r.index, scope, host=False)

    # ------------------------------------------------------------ expressions
    def expr(
        self, e: A.Expr, scope: _Scope, *, host: bool, static: bool = False, init: bool = False
    ) -> None:
        if isinstance(e, (A.Num, A.Bool, A.Str)):
            return
        if isinstance(e, A.Name):
            self.name(e, scope, static=static)
        elif isinstance(e, A.BinOp):
            self.expr(e.lhs, scope, host=host, static=static)
            self.expr(e.rhs, scope, host=host, static=static)
        elif isinstance(e, A.UnOp):
            self.expr(e.operand, scope, host=host, static=static)
        elif isinstance(e, A.Index):
            self.expr(e.base, scope, host=host, static=static)
            for it in e.items:
                if isinstance(it, A.Slice):
                    for b in (it.start, it.stop):
                        if b is not None:
                            self.expr(b, scope, host=host, static=True)
                else:
                    self.expr(it, scope, host=host, static=static)
        elif isinstance(e, A.ArrayLit):
            for it in e.items:
                self.expr(it, scope, host=host, static=static)
        elif isinstance(e, A.Measure):
            if host or static:
                raise _err("'measure' and 'consume' can only be used inside a kernel", e.span)
            self.qref(e.target, scope)
        elif isinstance(e, A.Call):
            self.call(e, scope, host=host, static=static, init=init)
        else:  # pragma: no cover
            raise AssertionError(e)

    def name(self, e: A.Name, scope: _Scope, *, static: bool) -> None:
        if e.name in NAMED_CONSTANTS:
            return
        hit = scope.lookup(e.name)
        if hit is not None:
            if hit[0] == "reg":
                raise _err(
                    f"qubit register '{e.name}' cannot be used as a value", e.span,
                    help="qubits are used by gates, 'measure', 'reset' and 'noise' statements",
                )
            return
        g = self.globals.get(e.name)
        if g is None:
            raise _err(
                f"undefined name '{e.name}'", e.span,
                help=_close(e.name, [*scope.visible(), *self.globals]),
            )
        kind = g[0]
        if kind in ("kernel", "fn", "layer"):
            raise _err(f"{kind} '{e.name}' is not a value; call it", e.span)
        if static and kind != "const":
            raise _err(f"'{e.name}' is not a compile-time constant", e.span, help="use a 'const'")

    def call(self, e: A.Call, scope: _Scope, *, host: bool, static: bool, init: bool) -> None:
        name = e.name
        g = self.globals.get(name)
        arity: tuple[int, int] | None = None
        if init and name in INITIALIZERS:
            arity = INITIALIZERS[name]
            allowed_kw = {"seed", "scale"}
        elif name in SHARED_BUILTINS:
            arity, allowed_kw = SHARED_BUILTINS[name], set()
        elif static and g is None:
            raise _err(
                f"'{name}' cannot be called in a compile-time constant", e.name_span,
                help="initializers: " + ", ".join(INITIALIZERS) if init else None,
            )
        elif name in HOST_BUILTINS or name in STATS_BUILTINS:
            if not host:
                raise _err(f"'{name}' can only be called from host code (a model or fn), not in a kernel", e.name_span)
            if name in STATS_BUILTINS:
                self.stats_call(e, scope)
                return
            arity = HOST_BUILTINS[name]
            allowed_kw = {"activation"} if name == "dense" else set()
        elif g is not None:
            kind = g[0]
            if kind == "kernel":
                raise _err(
                    f"kernel '{name}' must be run through expval(...), probs(...), counts(...) or sample(...)",
                    e.name_span, help=f"for example: expval({name}(...), shots=1024)",
                )
            if kind not in ("fn", "layer"):
                raise _err(f"{kind} '{name}' is not callable", e.name_span)
            if not host:
                raise _err(f"{kind} '{name}' can only be called from host code, not in a kernel", e.name_span)
            allowed_kw = set()
            arity = (1, 1) if kind == "layer" else None
        else:
            raise _err(
                f"undefined function '{name}'", e.name_span,
                help=_close(name, [*HOST_BUILTINS, *STATS_BUILTINS, *SHARED_BUILTINS, *self.globals]),
            )
        if arity is not None and not arity[0] <= len(e.args) <= arity[1]:
            want = str(arity[0]) if arity[0] == arity[1] else f"{arity[0]} to {arity[1]}"
            raise _err(f"'{name}' takes {want} argument(s), got {len(e.args)}", e.name_span)
        for kw in e.kwargs:
            if kw.name not in allowed_kw:
                raise _err(f"'{name}' has no keyword argument '{kw.name}'", kw.span)
        for a in e.args:
            self.expr(a, scope, host=host, static=static)
        for kw in e.kwargs:
            if not (name == "dense" and kw.name == "activation"):
                self.expr(kw.value, scope, host=host, static=True)

    def stats_call(self, e: A.Call, scope: _Scope) -> None:
        if len(e.args) != 1 or not isinstance(e.args[0], A.Call):
            raise _err(
                f"'{e.name}' takes one kernel call, e.g. {e.name}(my_kernel(x), shots=1024)", e.name_span
            )
        inner = e.args[0]
        g = self.globals.get(inner.name)
        if g is None or g[0] != "kernel":
            raise _err(f"'{inner.name}' is not a kernel", inner.name_span)
        if inner.kwargs:
            raise _err("kernel arguments are positional", inner.kwargs[0].span)
        for a in inner.args:
            self.expr(a, scope, host=True)
        for kw in e.kwargs:
            if kw.name not in ("shots", "seed"):
                raise _err(f"'{e.name}' has no keyword argument '{kw.name}'", kw.span, help="use shots=N or seed=N")
            self.expr(kw.value, scope, host=True, static=True)


def check_programs(programs: list[A.Program]) -> None:
    """Run the name/scope/placement checks over ``programs`` (imports first)."""
    _Checker().check(programs)
