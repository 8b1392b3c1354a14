"""Translate module-level declarations and function bodies into DSL declarations.

Python has function-level scopes, the DSL block scopes: the first assignment
to a name becomes a ``let`` in the current block, later ones assignments.
A name first assigned inside an ``if`` or loop body is not visible after that
block, exactly as in the DSL; using it there is a diagnostic that says to
assign it before the block. Everything else maps one to one:

=================================  ==========================================
``q = qubits(n)`` / ``a = qubit()``  ``qubit q[n]`` / ``qubit a``
``ry(theta, q[i])``                 ``ry(theta) q[i]`` (angles first, then qubits)
``b = measure(q[0])``/``consume``   ``let b = measure q[0]`` / ``consume``
``reset(q)``, ``barrier()``,        ``reset q``, ``barrier``, ``free q[1]``,
``free(q[1])``, ``noise.X(p, q)``   ``noise X(p) q``
``for i in range(a, b, s):``        ``for i in a..b step s``
``for _ in range(n):``              ``repeat n``
``if``/``elif``/``else``            ``if``/``else if``/``else``
``x += e``                          ``x = x + e``
``return a, b``                     ``return a, b``
=================================  ==========================================
"""

from __future__ import annotations

import ast as py

from ..dsl import ast as A
from .exprs import Env, ExprTranslator
from .units import TopDecl
from .unsupported import OPERATORS, STATEMENTS
from .vocabulary import ALLOCATORS, DECORATORS, GATES, LAYER_KINDS

_AUG_SYMBOL: dict[type, str] = {py.Add: "+", py.Sub: "-", py.Mult: "*", py.Div: "/", py.Mod: "%"}


class _Block:
    """One DSL block scope: names declared in it (for ``let`` vs assignment)."""

    def __init__(self) -> None:
        self.names: set[str] = set()


class BodyTranslator(ExprTranslator):
    """Translates one decorated function (or module-level declaration) of a unit."""

    def __init__(self, env: Env):
        super().__init__(env)
        self.blocks: list[_Block] = []
        self.kernel = False
        #: names that went out of scope with their block -> line of the first assignment
        self.expired: dict[str, int] = {}

    # ------------------------------------------------------------ scopes
    def declared(self, name: str) -> bool:
        return any(name in b.names for b in self.blocks)

    def declare(self, name: str) -> None:
        self.blocks[-1].names.add(name)
        self.env.locals.add(name)
        self.expired.pop(name, None)

    def nested(self, stmts: list[py.stmt]) -> list[A.Stmt]:
        self.blocks.append(_Block())
        lines: dict[str, int] = {}
        try:
            out = self.stmts(stmts, lines)
        finally:
            block = self.blocks.pop()
        for name in block.names:
            if not self.declared(name):
                self.env.locals.discard(name)
                self.env.qubits.discard(name)
                self.expired[name] = lines.get(name, 0)
        return out

    def name(self, node: py.Name) -> A.Expr:
        if node.id in self.expired and not self.declared(node.id):
            line = self.expired[node.id]
            raise self.err(
                f"'{node.id}' is not defined here: it was first assigned inside a block (line {line}) that has ended",
                node, help=f"assign it before the block (e.g. {node.id} = 0.0), then reassign it inside",
            )
        return super().name(node)

    # ------------------------------------------------------- declarations
    def const(self, d: TopDecl) -> A.ConstDecl:
        assert d.value is not None
        target = d.node.targets[0] if isinstance(d.node, py.Assign) else d.node.target  # type: ignore[attr-defined]
        return A.ConstDecl(d.name, self.expr(d.value), self.sp.span(d.node), self.sp.span(target))

    def _flag(self, call: py.Call, word: str, default: bool) -> tuple[bool, list[py.keyword]]:
        rest = []
        value = default
        for kw in call.keywords:
            if kw.arg == word:
                if not (isinstance(kw.value, py.Constant) and isinstance(kw.value.value, bool)):
                    raise self.err(f"{word}= must be True or False", kw.value, help=f"write {word}=False")
                value = kw.value.value
            else:
                rest.append(kw)
        return value, rest

    def param(self, d: TopDecl) -> A.ParamDecl:
        call = d.value
        assert isinstance(call, py.Call)
        target = d.node.targets[0] if isinstance(d.node, py.Assign) else d.node.target  # type: ignore[attr-defined]
        trainable, rest = self._flag(call, "trainable", True)
        if len(call.args) != 1:
            raise self.err(
                f"param() takes one type, got {len(call.args)} positional argument(s)", call.func,
                help="write NAME = param(Tensor[2, 8], init=uniform(0.0, 0.1), trainable=True)",
            )
        init = None
        for kw in rest:
            if kw.arg != "init":
                raise self.err(f"param() has no keyword argument '{kw.arg}'", kw, help="options: init=..., trainable=True/False")
            init = self.expr(kw.value)
        (t,) = self.type_expr(call.args[0])
        return A.ParamDecl(d.name, t, trainable, init, self.sp.span(d.node), self.sp.span(target))

    def layer(self, d: TopDecl) -> A.LayerDecl:
        call = d.value
        assert isinstance(call, py.Call)
        target = d.node.targets[0] if isinstance(d.node, py.Assign) else d.node.target  # type: ignore[attr-defined]
        trainable, rest = self._flag(call, "trainable", True)
        kind = self.marker(call.func) or ""
        assert kind in LAYER_KINDS
        args = [self.expr(a) for a in call.args]
        for kw in rest:
            if kw.arg is None:
                raise self.err("'**' arguments are not supported", kw, help="pass each option explicitly: activation=relu")
        kwargs = [self.keyword(kw) for kw in rest]
        return A.LayerDecl(
            d.name, kind, args, kwargs, trainable, self.sp.span(d.node), self.sp.span(target), self.sp.span(call.func)
        )

    def function(self, d: TopDecl) -> A.KernelDef | A.FuncDef:
        node = d.node
        if isinstance(node, py.AsyncFunctionDef):
            raise self.err(
                "async functions are not supported", self.sp.point(node.lineno, node.col_offset + 1, 5),
                help="remove 'async': qglm code is synchronous",
            )
        assert isinstance(node, py.FunctionDef)
        self.kernel = d.kind == "kernel"
        for dec in node.decorator_list:
            if self.decorator(dec) is None:
                raise self.err(
                    f"unsupported decorator '{py.unparse(dec)}'", dec,
                    help="use exactly one of @kernel, @model or @function",
                )
        if len(node.decorator_list) > 1:
            raise self.err("a function takes exactly one qglm decorator", node.decorator_list[1], help="remove this one")
        name_span = self.sp.def_name(node)
        self.blocks = [_Block()]
        args = self.arguments(node.args)
        results = None
        if node.returns is not None:
            results = self.type_expr(node.returns, allow_tuple=True)
        body = self.stmts(node.body, {})
        last = node.body[-1]
        end = self.sp.point(last.end_lineno or last.lineno, (last.end_col_offset or 0) + 1)
        span = self.sp.span(node)
        if self.kernel:
            return A.KernelDef(d.name, args, results, body, span, name_span, end)
        return A.FuncDef(d.name, d.kind == "model", args, results, body, span, name_span, end)

    def decorator(self, dec: py.expr) -> str | None:
        if isinstance(dec, py.Call):
            raise self.err(
                "decorators take no arguments", dec, help="write @kernel, @model or @function without parentheses"
            )
        m = self.marker(dec)
        return m if m in DECORATORS else None

    def arguments(self, a: py.arguments) -> list[A.Arg]:
        if a.vararg is not None or a.kwarg is not None:
            bad = a.vararg or a.kwarg
            assert bad is not None
            raise self.err(
                "variadic parameters (*args, **kwargs) are not supported", bad,
                help="list every parameter with its type: def f(x: Angles[8], w: Tensor[8])",
            )
        if a.kwonlyargs:
            raise self.err(
                "keyword-only parameters are not supported", a.kwonlyargs[0],
                help="make it an ordinary positional parameter",
            )
        if a.defaults:
            raise self.err(
                "default parameter values are not supported", a.defaults[0],
                help="pass every argument, or use a module-level constant for a fixed value",
            )
        out = []
        for arg in [*a.posonlyargs, *a.args]:
            if arg.annotation is None:
                raise self.err(
                    f"parameter '{arg.arg}' needs a type annotation", arg,
                    help=f"for example {arg.arg}: Angles[8], {arg.arg}: Tensor[768] or {arg.arg}: float",
                )
            (t,) = self.type_expr(arg.annotation)
            out.append(A.Arg(arg.arg, t, self.sp.span(arg)))
            self.declare(arg.arg)
        return out

    # --------------------------------------------------------- statements
    def stmts(self, stmts: list[py.stmt], lines: dict[str, int]) -> list[A.Stmt]:
        out: list[A.Stmt] = []
        for s in stmts:
            t = self.stmt(s, lines)
            if t is not None:
                out.append(t)
        return out

    def stmt(self, s: py.stmt, lines: dict[str, int]) -> A.Stmt | None:
        span = self.sp.span(s)
        if isinstance(s, py.Pass):
            return None
        if isinstance(s, py.Expr):
            return self.expr_stmt(s)
        if isinstance(s, (py.Assign, py.AnnAssign)):
            return self.assign(s, lines)
        if isinstance(s, py.AugAssign):
            return self.aug_assign(s)
        if isinstance(s, py.If):
            cond = self.expr(s.test)
            then = self.nested(s.body)
            orelse = self.nested(s.orelse) if s.orelse else None
            return A.If(cond, then, orelse, span)
        if isinstance(s, py.For):
            return self.for_(s)
        if isinstance(s, py.Return):
            if s.value is None:
                return A.Return([], span)
            vals = s.value.elts if isinstance(s.value, py.Tuple) else [s.value]
            return A.Return([self.expr(v) for v in vals], span)
        hit = STATEMENTS.get(type(s))
        if hit is not None:
            raise self.err(hit[0], self.keyword_span(s), help=hit[1])
        raise self.err(  # pragma: no cover - every statement kind is handled above
            f"this Python statement ({type(s).__name__}) is not supported", s,
            help="see docs/python-frontend.md for the supported subset",
        )

    def keyword_span(self, s: py.stmt) -> A.Span:
        """The leading keyword of a statement (``while``, ``try``...): where its diagnostic points."""
        full = self.sp.span(s)
        line = self.sp.lines[full.line - 1] if 0 < full.line <= len(self.sp.lines) else ""
        word = line[full.col - 1 :].split(None, 1)[0] if line[full.col - 1 :].strip() else ""
        word = word.split("(")[0].split(":")[0]
        return self.sp.point(full.line, full.col, max(1, len(word)))

    def expr_stmt(self, s: py.Expr) -> A.Stmt | None:
        v = s.value
        if isinstance(v, py.Constant) and isinstance(v.value, str):
            return None  # a docstring or a string used as a comment
        if not isinstance(v, py.Call):
            if type(v) in (py.Yield, py.YieldFrom, py.Await, py.Lambda):
                return self.expr(v)  # type: ignore[return-value]  # raises the construct's diagnostic
            raise self.err(
                "this expression has no effect", v,
                help="assign it (v = ...) or call a gate, reset, barrier, free or noise",
            )
        kind, name = self.callee(v)
        span = self.sp.span(s)
        if kind == "gate":
            return self.gate(v, name, span)
        if kind == "embedding":
            return self.embedding(v, name, span)
        if kind == "qubitstmt":
            if v.keywords:
                raise self.err(f"{name}() takes no keyword arguments", v.keywords[0], help=f"write {name}(q[0], q[1])")
            if name != "barrier" and not v.args:
                raise self.err(f"{name}() needs at least one qubit", v.func, help=f"write {name}(q[0])")
            return A.QubitStmt(name, [self.qref(a) for a in v.args], span)
        if kind == "noise":
            if v.keywords or len(v.args) < 2:
                raise self.err(
                    f"noise.{name}() takes a probability and qubits", v.func,
                    help=f"write noise.{name}(0.01, q) or noise.{name}(0.01, q[0], q[1])",
                )
            return A.NoiseStmt(name, [self.expr(v.args[0])], [self.qref(a) for a in v.args[1:]], span, self.sp.span(v.func))
        if kind == "measure":
            raise self.err(
                f"the bit {name}() returns must be used", v,
                help=f"assign it: b = {name}(...), or write reset(q[i]) to discard the qubit's state",
            )
        decl = self.env.namespace.get(name) if kind == "decl" else None
        if decl is not None and decl.kind == "kernel":
            raise self.err(
                f"kernel '{name}' cannot be called from here: kernels do not call kernels (no recursion or inlining)",
                v, help=f"repeat its gates here, or run it from a @model: z = expval({name}(...), shots=1024)",
            )
        raise self.err(
            "the value of this call is not used", v,
            help="assign it to a variable: v = ...",
        )

    def gate(self, call: py.Call, name: str, span: A.Span) -> A.GateStmt:
        spec = GATES[name]
        example = name + "(" + ", ".join(["theta"] * spec.num_params + [f"q[{k}]" for k in range(spec.num_qubits)]) + ")"
        if call.keywords:
            kw = call.keywords[0]
            raise self.err(
                f"gate '{name}' has no keyword argument '{kw.arg}'" if kw.arg else "'**' arguments are not supported",
                kw, help=f"gates take positional arguments, angles first: {example}",
            )
        for a in call.args:
            if isinstance(a, py.Starred):
                raise self.err("starred arguments (*args) are not supported", a, help=f"pass each argument: {example}")
        want = spec.num_params + spec.num_qubits
        if len(call.args) != want:
            raise self.err(
                f"gate '{name}' takes {spec.num_params} angle(s) and {spec.num_qubits} qubit(s), got {len(call.args)} argument(s)",
                call.func, help=f"write {example}",
            )
        params = [self.expr(a) for a in call.args[: spec.num_params]]
        qubits = [self.qref(a) for a in call.args[spec.num_params :]]
        return A.GateStmt(name, params, qubits, span, self.sp.span(call.func))

    def embedding(self, call: py.Call, name: str, span: A.Span) -> A.GateStmt:
        """``amplitude(x, q, pad=0.0)`` / ``density(rho, q)``: the DSL's ``amplitude(x, pad=0.0) q``."""
        example = f"{name}(x, q)" if name == "density" else f"{name}(x, q, pad=0.0)"
        if len(call.args) < 2 or any(isinstance(a, py.Starred) for a in call.args):
            raise self.err(f"'{name}' takes the data, then the qubits", call.func, help=f"write {example}")
        kwargs = []
        for kw in call.keywords:
            if kw.arg is None:
                raise self.err("'**' arguments are not supported", kw, help=f"write {example}")
            kwargs.append(self.keyword(kw))
        return A.GateStmt(name, [self.expr(call.args[0])], [self.qref(a) for a in call.args[1:]], span,
                          self.sp.span(call.func), kwargs)

    def assign(self, s: py.Assign | py.AnnAssign, lines: dict[str, int]) -> A.Stmt:
        targets = s.targets if isinstance(s, py.Assign) else [s.target]
        if len(targets) != 1:
            raise self.err("chained assignment (a = b = ...) is not supported", targets[1], help="assign each name on its own line")
        target = targets[0]
        if isinstance(target, (py.Tuple, py.List)):
            raise self.err(
                "tuple unpacking is not supported", target,
                help="assign each value on its own line; a function returning several values cannot be unpacked",
            )
        if isinstance(target, py.Subscript):
            base = target.value
            if isinstance(base, py.Name) and base.id in self.env.qubits:
                raise self.err(
                    "qubits cannot be assigned", target,
                    help="qubits change only through gates: write x(q[0]) or reset(q[0])",
                )
            raise self.err(
                "assigning to an element is not supported: tensors are values", target,
                help="build the whole tensor at once, e.g. v = [a, b, c]",
            )
        if isinstance(target, py.Attribute):
            raise self.err("attribute assignment is not supported", target, help="assign a plain variable: v = ...")
        assert isinstance(target, py.Name)
        if s.value is None:
            raise self.err("a declaration without a value is not supported", s, help=f"assign it: {target.id} = 0.0")
        name_span = self.sp.span(target)
        span = self.sp.span(s)
        alloc = self.allocation(s.value)
        if alloc is not None:
            if self.declared(target.id):
                raise self.err(f"'{target.id}' is already defined", target, help="give the register a new name")
            size = None
            if alloc == "qubits":
                assert isinstance(s.value, py.Call)
                if len(s.value.args) != 1 or s.value.keywords:
                    raise self.err("qubits() takes the register size", s.value, help="write q = qubits(4)")
                size = self.expr(s.value.args[0])
            elif s.value.args or s.value.keywords:  # type: ignore[union-attr]
                raise self.err("qubit() takes no arguments", s.value, help="write a = qubit(), or q = qubits(n) for a register")
            self.declare(target.id)
            self.env.qubits.add(target.id)
            lines.setdefault(target.id, s.lineno)
            return A.QubitDecl(target.id, size, span, name_span)
        if target.id in self.env.qubits and self.declared(target.id):
            raise self.err(
                f"'{target.id}' is a qubit register and cannot be reassigned", target,
                help="qubits change only through gates; use a new name for a classical value",
            )
        value = self.expr(s.value)
        if self.declared(target.id):
            return A.Assign(target.id, value, span, name_span)
        self.declare(target.id)
        lines.setdefault(target.id, s.lineno)
        return A.Let(target.id, value, span, name_span)

    def allocation(self, value: py.expr) -> str | None:
        if not isinstance(value, py.Call):
            return None
        f = value.func
        name = self.marker(f) if isinstance(f, (py.Name, py.Attribute)) else None
        if isinstance(f, py.Name) and (self.env.is_local(f.id) or f.id in self.env.namespace):
            return None
        return name if name in ALLOCATORS else None

    def aug_assign(self, s: py.AugAssign) -> A.Stmt:
        target = s.target
        if isinstance(target, py.Name) and target.id in self.env.qubits or (
            isinstance(target, py.Subscript) and isinstance(target.value, py.Name) and target.value.id in self.env.qubits
        ):
            raise self.err(
                "qubits cannot be updated with arithmetic", target,
                help="qubits change only through gates: write rx(theta, q[0]) or x(q[0])",
            )
        if not isinstance(target, py.Name):
            raise self.err(
                "augmented assignment is only supported on variables", target,
                help="assign a plain variable: v = v + e",
            )
        sym = _AUG_SYMBOL.get(type(s.op))
        tspan = self.sp.span(target)
        vspan = self.sp.span(s.value)
        if sym is None:
            raise self.err(
                f"augmented assignment with '{OPERATORS[type(s.op)][0]}=' is not supported",
                self.sp.operator(tspan, vspan, OPERATORS[type(s.op)][0] + "="), help="use +=, -=, *=, /= or %=",
            )
        lhs = self.name(py.Name(id=target.id, ctx=py.Load(), lineno=target.lineno, col_offset=target.col_offset,
                                end_lineno=target.end_lineno, end_col_offset=target.end_col_offset))
        rhs = self.expr(s.value)
        op_span = self.sp.operator(tspan, vspan, sym + "=")
        op_span = self.sp.point(op_span.line, op_span.col, 1)
        value = A.BinOp(sym, lhs, rhs, self.sp.span(s), op_span)
        return A.Assign(target.id, value, self.sp.span(s), tspan)

    def for_(self, s: py.For) -> A.Stmt:
        span = self.sp.span(s)
        if s.orelse:
            raise self.err(
                "'for ... else' is not supported", s.orelse[0],
                help="loops always run to the end: put the else-block after the loop",
            )
        if not isinstance(s.target, py.Name):
            raise self.err(
                "a loop variable must be a single name", s.target,
                help="write 'for i in range(N):' and index each tensor with i",
            )
        it = s.iter
        is_range = (
            isinstance(it, py.Call) and isinstance(it.func, py.Name) and it.func.id == "range"
            and not self.env.is_local("range") and "range" not in self.env.namespace
        )
        if not is_range:
            raise self.err(
                "for loops must iterate over range(...)", it,
                help="write 'for i in range(N):' with a compile-time N and index with i",
            )
        assert isinstance(it, py.Call)
        if it.keywords or not 1 <= len(it.args) <= 3 or any(isinstance(a, py.Starred) for a in it.args):
            raise self.err(
                "range() takes 1 to 3 positional arguments", it,
                help="write range(stop), range(start, stop) or range(start, stop, step)",
            )
        bounds = [self.expr(a) for a in it.args]
        var = s.target.id
        if len(bounds) == 1:
            start: A.Expr = A.Num(0, self.sp.span(it.func))
            stop, step = bounds[0], None
        else:
            start, stop = bounds[0], bounds[1]
            step = bounds[2] if len(bounds) == 3 else None
        if var == "_" and len(bounds) == 1:
            body = self.nested(s.body)
            return A.Repeat(stop, body, span)
        if self.declared(var):
            raise self.err(
                f"loop variable '{var}' is already defined", s.target,
                help="use a fresh name for the loop variable",
            )
        self.blocks.append(_Block())
        self.declare(var)
        try:
            body = self.nested(s.body)
        finally:
            self.blocks.pop()
            if not self.declared(var):
                self.env.locals.discard(var)
                self.expired[var] = s.lineno
        return A.For(var, start, stop, step, body, span, self.sp.span(s.target))
