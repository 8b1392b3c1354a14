"""Translate Python expressions and type annotations into DSL AST nodes.

The translation is syntactic: names stay names and calls stay calls, so the
DSL's own checks (:mod:`qglm_ir.frontends.dsl.checks`) and lowering decide
types, shapes and placement with the same diagnostics as for ``.qglm`` files.
This module rejects what the DSL cannot express at all (Python-only syntax)
and resolves the Python spellings that differ (``math.pi``, ``np.sin``,
``qg.ry``, ``range``...), always with a ``help:`` line.
"""

from __future__ import annotations

import ast as py
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from ...core.errors import ParseError
from ...dialects.nn import ACTIVATIONS
from ..dsl import ast as A
from .units import TopDecl, Unit
from .unsupported import BUILTINS, EXPRESSIONS, OPERATORS
from .vocabulary import (
    ALLOCATORS,
    BODY_BUILTINS,
    CHANNELS,
    EMBEDDING_STATEMENTS,
    GATES,
    INITIALIZERS,
    LANG_NAMES,
    LAYER_KINDS,
    MATH_CONSTANTS,
    MATH_FUNCTIONS,
    MEASURES,
    PY_BUILTINS,
    QUBIT_STATEMENTS,
    SCALAR_TYPES,
    TENSOR_TYPES,
)

_BINOPS: dict[type, str] = {py.Add: "+", py.Sub: "-", py.Mult: "*", py.Div: "/", py.Mod: "%"}
_CMPOPS: dict[type, str] = {py.Eq: "==", py.NotEq: "!=", py.Lt: "<", py.LtE: "<=", py.Gt: ">", py.GtE: ">="}
TYPE_HELP = "annotate with float, int, bool, Bit, Angles[n], Tensor[d1, d2], Bits[n] or Ints[n]"


@dataclass
class Env:
    """What names mean where an expression is translated.

    ``namespace`` holds the module-level declarations visible to the unit
    (its own and those of the files it imports); ``locals`` the variables of
    the body being translated (empty for module-level values); ``qubits`` the
    qubit registers among them; ``captured`` names a decorated function
    closes over (run-time values qglm cannot see).
    """

    unit: Unit
    namespace: dict[str, TopDecl]
    locals: set[str] = field(default_factory=set)
    qubits: set[str] = field(default_factory=set)
    captured: set[str] = field(default_factory=set)

    def is_local(self, name: str) -> bool:
        return name in self.locals

    def lang(self, name: str) -> str | None:
        """The vocabulary name ``name`` spells here (bare or imported under an alias), if any."""
        if self.is_local(name) or (name in self.namespace and name not in self.unit.lang_names):
            return None
        mapped = self.unit.lang_names.get(name, name)
        return mapped if mapped in LANG_NAMES or mapped in PY_BUILTINS else None

    def dotted(self, node: py.Attribute) -> tuple[str, str] | None:
        """``("lang"|"math"|"noise"|"gates", attr)`` for ``qg.ry``, ``np.sin``, ``noise.x``..., else None."""
        chain: list[str] = [node.attr]
        root: py.expr = node.value
        while isinstance(root, py.Attribute):
            chain.append(root.attr)
            root = root.value
        if not isinstance(root, py.Name) or self.is_local(root.id):
            return None
        chain.reverse()
        head = root.id
        if head in self.unit.lang_modules:
            chain = [c for c in chain if c not in ("lang", "frontends", "python")]
            if len(chain) == 2 and chain[0] in ("noise", "gates"):
                return chain[0], chain[1]
            return ("lang", chain[-1]) if len(chain) == 1 else None
        if head in self.unit.math_modules and len(chain) == 1:
            return "math", chain[0]
        mapped = self.unit.lang_names.get(head, head if head not in self.namespace else None)
        if mapped in ("noise", "gates") and len(chain) == 1:
            return mapped, chain[0]
        return None


def close_match(name: str, candidates: Iterable[str]) -> str | None:
    m = difflib.get_close_matches(name, sorted(set(candidates)), n=1)
    return m[0] if m else None


class ExprTranslator:
    """Python expression -> DSL expression for one :class:`Env`."""

    def __init__(self, env: Env):
        self.env = env
        self.sp = env.unit.spans

    def err(self, message: str, node: py.AST | A.Span, help: str | None = None) -> ParseError:
        return self.sp.error(message, node, help)

    # ------------------------------------------------------------ names
    def known_names(self) -> set[str]:
        return {*self.env.locals, *self.env.namespace, *BODY_BUILTINS, "pi"}

    def global_ref(self, name: str, node: py.AST) -> TopDecl | None:
        """The module-level declaration ``name`` refers to, rejecting ones qglm cannot use."""
        if name in self.env.captured:
            raise self.err(
                f"'{name}' is a variable of the enclosing Python function: its value exists only at run time",
                node, help="pass it as an argument, or make it a module-level constant",
            )
        decl = self.env.namespace.get(name)
        if decl is None:
            return None
        if decl.kind == "opaque":
            line = getattr(decl.node, "lineno", 0)
            raise self.err(
                f"'{name}' (line {line}) is not a compile-time value: {decl.reason}",
                node, help="module-level values must be literals or arithmetic on constants, "
                "param(...) declarations, or layers such as dense(...)",
            )
        if decl.kind == "plain":
            raise self.err(
                f"'{name}' is a plain Python function, which qglm does not compile",
                node, help=f"decorate it with @function (host code) or @kernel (quantum code): @function\\ndef {name}(...)",
            )
        return decl

    def name(self, node: py.Name) -> A.Expr:
        name = node.id
        span = self.sp.span(node)
        if self.env.is_local(name):
            return A.Name(name, span)
        if self.env.unit.math_names.get(name) in MATH_CONSTANTS or self.env.lang(name) == "pi":
            return A.Name("pi", span)
        if name in self.env.unit.math_modules or name in self.env.unit.lang_modules:
            raise self.err(f"module '{name}' is not a value", node, help=f"use one of its functions, e.g. {name}.sin(x)")
        if name in self.env.unit.foreign:
            raise self.foreign(name, node)
        if self.global_ref(name, node) is not None:
            return A.Name(name, span)
        if name in ("None",):
            raise self.err("None is not a qglm value", node, help="use 0, 0.0 or false")
        hint = close_match(name, self.known_names())
        raise self.err(
            f"undefined name '{name}'", node,
            help=f"did you mean '{hint}'?" if hint else
            "define it at module level (a constant, param(...) or a layer) or assign it before use",
        )

    def foreign(self, name: str, node: py.AST) -> ParseError:
        return self.err(
            f"'{name}' comes from module '{self.env.unit.foreign[name]}', which qglm does not read",
            node, help="qglm code may use the qglm_ir vocabulary, math/numpy functions (sin, cos, tanh, pi) "
            "and declarations from sibling .py files",
        )

    # ------------------------------------------------------ expressions
    def expr(self, node: py.expr) -> A.Expr:
        span = self.sp.span
        if isinstance(node, py.Constant):
            return self.constant(node)
        if isinstance(node, py.Name):
            return self.name(node)
        if isinstance(node, py.BinOp):
            return self.binop(node)
        if isinstance(node, py.UnaryOp):
            if isinstance(node.op, py.UAdd):
                return self.expr(node.operand)
            if isinstance(node.op, py.Invert):
                raise self.err("'~' is not supported", node, help="write 'not b' on bools, or -x - 1 on integers")
            op = "not" if isinstance(node.op, py.Not) else "-"
            return A.UnOp(op, self.expr(node.operand), span(node))
        if isinstance(node, py.BoolOp):
            op = "and" if isinstance(node.op, py.And) else "or"
            out = self.expr(node.values[0])
            for v in node.values[1:]:
                rhs = self.expr(v)
                out = A.BinOp(op, out, rhs, self.sp.join(out.span, rhs.span), self.sp.operator(out.span, rhs.span, op))
            return out
        if isinstance(node, py.Compare):
            return self.compare(node)
        if isinstance(node, py.Subscript):
            return self.subscript(node)
        if isinstance(node, py.List):
            return A.ArrayLit([self.expr(e) for e in node.elts], span(node))
        if isinstance(node, py.Call):
            return self.call(node)
        if isinstance(node, py.Attribute):
            return self.attribute(node)
        hit = EXPRESSIONS.get(type(node))
        if hit is not None:
            raise self.err(hit[0], node, help=hit[1])
        raise self.err(  # pragma: no cover - every expression kind is listed above
            f"this Python expression ({type(node).__name__}) is not supported", node,
            help="see docs/python-frontend.md for the supported subset",
        )

    def constant(self, node: py.Constant) -> A.Expr:
        v = node.value
        span = self.sp.span(node)
        if isinstance(v, bool):
            return A.Bool(v, span)
        if isinstance(v, (int, float)):
            return A.Num(v, span)
        if isinstance(v, str):
            return A.Str(v, span)
        if v is None:
            raise self.err("None is not a qglm value", node, help="use 0, 0.0 or false")
        if isinstance(v, complex):
            raise self.err("complex numbers are not supported", node, help="angles and tensors are real: use floats")
        raise self.err(f"{type(v).__name__} literals are not supported", node, help="use numbers, bools and strings")

    def binop(self, node: py.BinOp) -> A.Expr:
        op = _BINOPS.get(type(node.op))
        if op is None:
            sym, help_ = OPERATORS[type(node.op)]
            lhs_span, rhs_span = self.sp.span(node.left), self.sp.span(node.right)
            raise self.err(f"operator '{sym}' is not supported", self.sp.operator(lhs_span, rhs_span, sym), help=help_)
        lhs, rhs = self.expr(node.left), self.expr(node.right)
        return A.BinOp(op, lhs, rhs, self.sp.span(node), self.sp.operator(lhs.span, rhs.span, op))

    def compare(self, node: py.Compare) -> A.Expr:
        if len(node.ops) > 1:
            raise self.err(
                "chained comparisons are not supported", node,
                help="split it: a < b and b < c",
            )
        op = _CMPOPS.get(type(node.ops[0]))
        if op is None:
            word = {py.Is: "is", py.IsNot: "is not", py.In: "in", py.NotIn: "not in"}[type(node.ops[0])]
            raise self.err(f"'{word}' is not supported", node, help="compare values with == or !=")
        lhs, rhs = self.expr(node.left), self.expr(node.comparators[0])
        return A.BinOp(op, lhs, rhs, self.sp.span(node), self.sp.operator(lhs.span, rhs.span, op))

    def subscript(self, node: py.Subscript) -> A.Expr:
        base = self.expr(node.value)
        items = node.slice.elts if isinstance(node.slice, py.Tuple) else [node.slice]
        out: list[A.Expr | A.Slice] = []
        for it in items:
            if isinstance(it, py.Slice):
                if it.step is not None:
                    raise self.err("slices with a step are not supported", it.step, help="write x[a:b]")
                out.append(A.Slice(
                    self.expr(it.lower) if it.lower is not None else None,
                    self.expr(it.upper) if it.upper is not None else None,
                    self.sp.span(it),
                ))
            else:
                out.append(self.expr(it))
        return A.Index(base, out, self.sp.span(node))

    def attribute(self, node: py.Attribute) -> A.Expr:
        hit = self.env.dotted(node)
        if hit is not None:
            kind, attr = hit
            if kind == "math" and attr in MATH_CONSTANTS:
                return A.Name(MATH_CONSTANTS[attr], self.sp.span(node))
            if kind == "lang" and attr == "pi":
                return A.Name("pi", self.sp.span(node))
            if kind == "math":
                raise self.err(
                    f"'{py.unparse(node)}' is not supported", node,
                    help="supported math/numpy names: " + ", ".join([*MATH_FUNCTIONS, *MATH_CONSTANTS]),
                )
        root = node.value
        while isinstance(root, py.Attribute):
            root = root.value
        if isinstance(root, py.Name) and root.id in self.env.unit.foreign:
            raise self.foreign(root.id, node)
        raise self.err(
            f"attribute access '{py.unparse(node)}' is not supported", node,
            help="qglm values have no attributes; use math.pi/np.pi, math.sin/np.sin, or a module-level constant",
        )

    # ------------------------------------------------------------- calls
    def callee(self, node: py.Call) -> tuple[str, str]:
        """``(kind, name)`` of what ``node`` calls.

        kind: ``gate`` ``measure`` ``alloc`` ``qubitstmt`` ``noise`` ``builtin``
        ``decl`` (a module-level kernel/function/layer) or ``lang`` (other vocabulary).
        """
        f = node.func
        if isinstance(f, py.Name):
            name = f.id
            if self.env.is_local(name):
                what = "qubit register" if name in self.env.qubits else "variable"
                help_ = f"rename the {what}, or write gates.{name}(...)" if name in GATES else "call a function, gate or layer"
                raise self.err(f"'{name}' is a {what} here, not a function", f, help=help_)
            if name in self.env.unit.math_names:
                attr = self.env.unit.math_names[name]
                if attr in MATH_FUNCTIONS:
                    return "builtin", MATH_FUNCTIONS[attr]
                raise self.err(f"'{attr}' from math/numpy is not supported", f, help="supported: " + ", ".join(MATH_FUNCTIONS))
            decl = self.global_ref(name, f)
            if decl is not None:
                return "decl", name
            lang = self.env.lang(name)
            if lang is not None:
                return self.vocab_kind(lang, f), lang
            if name in BUILTINS:
                msg, help_ = BUILTINS[name]
                raise self.err(msg, f, help=help_)
            if name in self.env.unit.foreign:
                raise self.foreign(name, f)
            hint = close_match(name, [*self.env.namespace, *BODY_BUILTINS, *GATES])
            raise self.err(
                f"unknown function '{name}'", f,
                help=f"did you mean '{hint}'?" if hint else
                "call a gate, a layer, a @kernel (through expval/probs/counts/sample), a @function or a builtin",
            )
        if isinstance(f, py.Attribute):
            hit = self.env.dotted(f)
            if hit is not None:
                kind, attr = hit
                if kind == "math":
                    if attr in MATH_FUNCTIONS:
                        return "builtin", MATH_FUNCTIONS[attr]
                    raise self.err(
                        f"'{py.unparse(f)}' is not supported", f,
                        help="supported math/numpy functions: " + ", ".join(MATH_FUNCTIONS),
                    )
                if kind == "noise":
                    if attr not in CHANNELS:
                        hint = close_match(attr, CHANNELS)
                        raise self.err(
                            f"unknown noise channel '{attr}'", f,
                            help=f"did you mean '{hint}'?" if hint else "channels: " + ", ".join(CHANNELS),
                        )
                    return "noise", attr
                if kind == "gates":
                    if attr not in GATES:
                        hint = close_match(attr, GATES)
                        raise self.err(f"unknown gate '{attr}'", f, help=f"did you mean '{hint}'?" if hint else "see qglm_ir.dialects.gates")
                    return "gate", attr
                if attr in LANG_NAMES or attr in PY_BUILTINS:
                    return self.vocab_kind(attr, f), attr
            self.attribute(f)  # raises the attribute diagnostic
        raise self.err(
            "only named functions can be called", f,
            help="call a gate, layer, kernel or function by its name: ry(theta, q[0])",
        )

    def vocab_kind(self, name: str, node: py.AST) -> str:
        if name in GATES:
            return "gate"
        if name in MEASURES:
            return "measure"
        if name in ALLOCATORS:
            return "alloc"
        if name in QUBIT_STATEMENTS:
            return "qubitstmt"
        if name in EMBEDDING_STATEMENTS:
            return "embedding"
        if name in BODY_BUILTINS or name in PY_BUILTINS:
            return "builtin"
        return "lang"

    def args(self, node: py.Call) -> tuple[list[A.Expr], list[A.KwArg]]:
        args: list[A.Expr] = []
        for a in node.args:
            if isinstance(a, py.Starred):
                raise self.err("starred arguments (*args) are not supported", a, help="pass each argument explicitly")
            args.append(self.expr(a))
        kwargs: list[A.KwArg] = []
        for kw in node.keywords:
            if kw.arg is None:
                raise self.err("'**' arguments are not supported", kw, help="pass each keyword explicitly: shots=1024")
            kwargs.append(self.keyword(kw))
        return args, kwargs

    def keyword(self, kw: py.keyword) -> A.KwArg:
        """``name=value``; ``activation=relu`` names an activation function rather than a value."""
        assert kw.arg is not None
        v = kw.value
        if kw.arg == "activation" and isinstance(v, py.Name) and not self.env.is_local(v.id):
            act = self.env.lang(v.id) or v.id
            if act in ACTIVATIONS:
                return A.KwArg(kw.arg, A.Name(act, self.sp.span(v)), self.sp.span(kw))
        return A.KwArg(kw.arg, self.expr(v), self.sp.span(kw))

    def call(self, node: py.Call) -> A.Expr:
        kind, name = self.callee(node)
        span = self.sp.span(node)
        if kind == "measure":
            if len(node.args) != 1 or node.keywords:
                raise self.err(f"{name}() takes one qubit: {name}(q[0])", node.func)
            return A.Measure(self.qref(node.args[0]), MEASURES[name], span)
        if kind == "gate":
            raise self.err(
                f"gate '{name}' is a statement and has no value", node,
                help=f"call it on its own line: {name}(...)",
            )
        if kind == "alloc":
            raise self.err(
                f"{name}() must be assigned directly at the top level of a kernel", node,
                help="write q = qubits(4) (a register) or a = qubit() (one qubit)",
            )
        if kind in ("qubitstmt", "noise"):
            raise self.err(f"'{name}' is a statement and has no value", node, help=f"call it on its own line: {name}(...)")
        if kind == "lang":
            if name == "param" or name in LAYER_KINDS and name != "dense":
                raise self.err(
                    f"{name}(...) declares a module-level parameter", node,
                    help=f"write NAME = {name}(...) at module level and use NAME here",
                )
            if name not in INITIALIZERS:
                raise self.err(f"'{name}' cannot be called here", node.func)
        args, kwargs = self.args(node)
        return A.Call(name, args, kwargs, span, self.sp.span(node.func))

    def qref(self, node: py.expr) -> A.QRef:
        """A qubit argument: ``q`` (a register or single qubit) or ``q[i]``."""
        if isinstance(node, py.Name):
            return A.QRef(node.id, None, self.sp.span(node))
        if isinstance(node, py.Subscript) and isinstance(node.value, py.Name) and not isinstance(node.slice, (py.Tuple, py.Slice)):
            return A.QRef(node.value.id, self.expr(node.slice), self.sp.span(node))
        raise self.err(
            "expected a qubit: a register q, or one qubit q[i]", node,
            help="allocate qubits with q = qubits(n) and pass q[i]",
        )

    # ------------------------------------------------------------- types
    def type_expr(self, node: py.expr, *, allow_tuple: bool = False) -> list[A.TypeExpr]:
        """An annotation as DSL types (a ``tuple[...]`` gives several when ``allow_tuple``)."""
        span = self.sp.span(node)
        if isinstance(node, py.Constant) and isinstance(node.value, str):
            raise self.err("string annotations are not supported", node, help="write the annotation without quotes")
        if allow_tuple and isinstance(node, py.Constant) and node.value is None:
            return []
        marker = self.marker(node.value if isinstance(node, py.Subscript) else node)
        if isinstance(node, py.Subscript):
            if allow_tuple and marker == "tuple":
                elts = node.slice.elts if isinstance(node.slice, py.Tuple) else [node.slice]
                return [t for e in elts for t in self.type_expr(e)]
            if marker in TENSOR_TYPES:
                dims = node.slice.elts if isinstance(node.slice, py.Tuple) else [node.slice]
                return [A.TypeExpr(TENSOR_TYPES[marker], [self.expr(d) for d in dims], span)]
            if marker == "Qubits":
                raise self.err(
                    "kernels take no qubit arguments: they allocate their own", node,
                    help="remove the parameter and write q = qubits(n) at the top of the kernel",
                )
        elif marker in SCALAR_TYPES:
            return [A.TypeExpr(SCALAR_TYPES[marker], None, span)]
        elif marker in TENSOR_TYPES:
            raise self.err(f"'{marker}' needs its size: {marker}[n]", node, help=TYPE_HELP)
        raise self.err(f"unsupported type annotation '{py.unparse(node)}'", node, help=TYPE_HELP)

    def marker(self, node: py.expr) -> str | None:
        if isinstance(node, py.Name):
            if node.id in ("float", "int", "bool", "tuple"):
                return node.id
            return self.env.unit.lang_names.get(node.id, node.id)
        if isinstance(node, py.Attribute):
            hit = self.env.dotted(node)
            return hit[1] if hit is not None and hit[0] == "lang" else None
        return None
