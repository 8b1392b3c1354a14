"""Read one Python source text into module-level declarations, without running it.

:func:`read_unit` parses the text with :func:`ast.parse` and sorts every
top-level statement into a :class:`TopDecl`:

==================  ===============================================================
``const``           ``NAME = <literal or arithmetic on constants>``
``param``           ``NAME = param(Tensor[...], init=..., trainable=...)``
``layer``           ``NAME = dense(...)`` / ``embedding(...)`` / ``token_angles(...)``
``kernel`` ...      a function decorated with ``@kernel``, ``@model`` or ``@function``
``plain``           an undecorated function (ordinary Python, never compiled)
``opaque``          any other statement binding a name (its value needs Python to run)
==================  ===============================================================

Statements that bind nothing (``if __name__ == "__main__": ...``, training
loops, prints) are ignored: they are host code qglm does not compile. Names
bound by ``opaque`` statements are remembered so that a kernel using one gets
a diagnostic saying why the value is unavailable.

Imports are recorded, never executed: ``qglm_ir`` modules (the subset's
vocabulary), ``math``/``numpy`` (functions with a qglm meaning), and sibling
``.py`` files (``from ansatz import *``), which the driver reads the same way.
"""

from __future__ import annotations

import ast as py
import os
from dataclasses import dataclass, field

from ... import limits
from ...core.errors import ParseError
from ..dsl import ast as A
from .spans import SpanMaker
from .vocabulary import DECORATORS, LANG_NAMES, LAYER_KINDS, MATH_MODULES


@dataclass(eq=False)
class TopDecl:
    """One module-level definition; ``deps`` are the names its source mentions."""

    name: str
    kind: str
    node: py.stmt
    unit: Unit
    deps: set[str]
    value: py.expr | None = None
    reason: str | None = None


@dataclass(eq=False)
class LocalImport:
    """``from NAME import ...`` of a sibling file: ``names`` None for ``*``."""

    path: str
    module: str
    names: list[py.alias] | None
    node: py.ImportFrom


@dataclass(eq=False)
class Unit:
    """One parsed source text and its module-level declarations, in source order."""

    src: A.SourceFile
    spans: SpanMaker
    tree: py.Module
    decls: list[TopDecl] = field(default_factory=list)
    imports: list[LocalImport] = field(default_factory=list)
    #: local alias -> lang name (``from qglm_ir.lang import kernel as k``)
    lang_names: dict[str, str] = field(default_factory=dict)
    #: local names bound to a qglm_ir module (``import qglm_ir as qg``)
    lang_modules: set[str] = field(default_factory=set)
    #: local names bound to math/numpy (``import numpy as np``) -> canonical module
    math_modules: dict[str, str] = field(default_factory=dict)
    #: local names imported from math/numpy (``from math import pi``) -> attribute name
    math_names: dict[str, str] = field(default_factory=dict)
    #: local names bound to other modules (never imported: any use is an error)
    foreign: dict[str, str] = field(default_factory=dict)


def parse_unit(text: str, filename: str) -> Unit:
    """``ast.parse`` the text (a Python syntax error becomes a located :class:`ParseError`)."""
    src = A.SourceFile(filename, text)
    spans = SpanMaker(src)
    try:
        tree = py.parse(text, filename=filename, type_comments=False)
    except SyntaxError as err:
        line = err.lineno or 1
        col = err.offset or 1
        raise ParseError(
            f"Python syntax error: {err.msg}", spans.point(line, col).loc(),
            help="the file must be valid Python 3.11 source",
        ) from None
    except (MemoryError, RecursionError):
        # CPython's parser gives up on very deep expressions with no position; point at the deepest spot.
        line, col = _deepest_point(text)
        msg, help_ = limits.exceeded("nesting depth", "too deep for Python's parser", "max_depth")
        raise ParseError(f"program nested too deeply: {msg}", spans.point(line, col).loc(),
                         help="split the expression into several statements") from None
    _check_depth(tree, spans)
    return Unit(src, spans, tree)


def _deepest_point(text: str) -> tuple[int, int]:
    """``(line, col)`` of the token where brackets and chained unary operators nest deepest."""
    import io
    import tokenize

    best, where, depth, run = -1, (1, 1), 0, 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth = max(0, depth - 1)
            run = run + 1 if tok.type == tokenize.OP and tok.string in ("-", "+", "~") else 0
            if depth + run > best:
                best, where = depth + run, (tok.start[0], tok.start[1] + 1)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return where


def _check_depth(tree: py.AST, spans: SpanMaker) -> None:
    """Refuse syntax trees nested deeper than ``max_depth`` (walked iteratively)."""
    limit = limits.current().max_depth
    digits = limits.current().max_int_digits
    stack: list[tuple[py.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if (isinstance(node, py.Constant) and isinstance(node.value, int)
                and len(str(abs(node.value))) > digits):  # CPython already capped it at 4300 digits
            msg, help_ = limits.exceeded("integer literal length in digits", len(str(abs(node.value))),
                                         "max_int_digits")
            raise spans.error(msg, node, help=help_)
        if depth > limit:
            msg, help_ = limits.exceeded("nesting depth", f"over {limit}", "max_depth")
            raise spans.error(f"program nested too deeply: {msg}", node, help=help_)
        stack.extend((child, depth + 1) for child in py.iter_child_nodes(node))


def names_in(node: py.AST) -> set[str]:
    """Every identifier ``node`` reads (a superset of its module-level dependencies)."""
    return {n.id for n in py.walk(node) if isinstance(n, py.Name)}


def _resolve_sibling(unit: Unit, module: str, level: int) -> str | None:
    """The path of ``module`` as a file next to ``unit`` (or ``level`` directories up), if any."""
    name = unit.src.name
    folder = os.getcwd() if name.startswith("<") else os.path.dirname(os.path.abspath(name))
    for _ in range(max(0, level - 1)):
        folder = os.path.dirname(folder)
    base = os.path.join(folder, *module.split("."))
    for cand in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(cand):
            return os.path.normpath(cand)
    return None


class _Classifier:
    """Sorts the top-level statements of one unit (see the module docstring)."""

    def __init__(self, unit: Unit):
        self.u = unit

    def run(self) -> Unit:
        for stmt in self.u.tree.body:
            self.stmt(stmt)
        return self.u

    # ----------------------------------------------------------- imports
    def import_(self, node: py.Import) -> None:
        for a in node.names:
            root = a.name.split(".")[0]
            local = a.asname or root
            if root == "qglm_ir":
                self.u.lang_modules.add(local)
            elif root in MATH_MODULES and (a.asname is None or a.name == root):
                self.u.math_modules[local] = root
            else:
                self.u.foreign[local] = a.name

    def import_from(self, node: py.ImportFrom) -> None:
        module = node.module or ""
        root = module.split(".")[0]
        if node.level == 0 and module == "__future__":
            return
        if node.level == 0 and root == "qglm_ir":
            for a in node.names:
                if a.name == "*":
                    continue  # the vocabulary resolves by bare name anyway
                local = a.asname or a.name
                if a.name in LANG_NAMES:
                    self.u.lang_names[local] = a.name
                else:
                    self.u.lang_modules.add(local)
            return
        if node.level == 0 and root in MATH_MODULES:
            for a in node.names:
                if a.name != "*":
                    self.u.math_names[a.asname or a.name] = a.name
            return
        path = _resolve_sibling(self.u, module, node.level) if module else None
        if path is not None:
            names = None if any(a.name == "*" for a in node.names) else list(node.names)
            self.u.imports.append(LocalImport(path, module, names, node))
            return
        for a in node.names:
            if a.name != "*":
                self.u.foreign[a.asname or a.name] = f"{'.' * node.level}{module}.{a.name}"

    # ------------------------------------------------------- statements
    def stmt(self, stmt: py.stmt) -> None:
        if isinstance(stmt, py.Import):
            self.import_(stmt)
        elif isinstance(stmt, py.ImportFrom):
            self.import_from(stmt)
        elif isinstance(stmt, (py.FunctionDef, py.AsyncFunctionDef)):
            kind = self.decorator_kind(stmt)
            deps = function_deps(stmt)
            self.add(TopDecl(stmt.name, kind or "plain", stmt, self.u, deps))
        elif isinstance(stmt, (py.Assign, py.AnnAssign)):
            self.assign(stmt)
        else:
            for target in bound_names(stmt):
                self.add(TopDecl(target.id, "opaque", stmt, self.u, set(), reason="it is computed by Python statements"))

    def decorator_kind(self, node: py.FunctionDef | py.AsyncFunctionDef) -> str | None:
        kinds = [k for k in (self.decorator_name(d) for d in node.decorator_list) if k is not None]
        return DECORATORS[kinds[0]] if kinds else None

    def decorator_name(self, d: py.expr) -> str | None:
        """``kernel``/``model``/``function`` if ``d`` spells one of the subset's decorators."""
        if isinstance(d, py.Name):
            name = self.u.lang_names.get(d.id, d.id)
            return name if name in DECORATORS else None
        if isinstance(d, py.Attribute) and d.attr in DECORATORS:
            root = d.value
            while isinstance(root, py.Attribute):
                root = root.value
            if isinstance(root, py.Name) and root.id in self.u.lang_modules:
                return d.attr
        return None

    def callee(self, value: py.expr | None) -> str | None:
        """The subset name a module-level ``NAME = f(...)`` calls (``param``, a layer kind), if any."""
        if not isinstance(value, py.Call):
            return None
        f = value.func
        if isinstance(f, py.Name):
            return self.u.lang_names.get(f.id, f.id)
        if isinstance(f, py.Attribute):
            root = f.value
            while isinstance(root, py.Attribute):
                root = root.value
            if isinstance(root, py.Name) and root.id in self.u.lang_modules:
                return f.attr
        return None

    def assign(self, stmt: py.Assign | py.AnnAssign) -> None:
        targets = stmt.targets if isinstance(stmt, py.Assign) else [stmt.target]
        value = stmt.value
        if len(targets) != 1 or not isinstance(targets[0], py.Name) or value is None:
            for t in bound_names(stmt):
                self.add(TopDecl(t.id, "opaque", stmt, self.u, set(), reason="it is not a single NAME = VALUE assignment"))
            return
        name = targets[0].id
        called = self.callee(value)
        if called == "param":
            kind = "param"
        elif called in LAYER_KINDS:
            kind = "layer"
        else:
            kind = "const"
        self.add(TopDecl(name, kind, stmt, self.u, names_in(value), value=value))

    def add(self, decl: TopDecl) -> None:
        self.u.decls.append(decl)


def function_deps(node: py.FunctionDef | py.AsyncFunctionDef) -> set[str]:
    """Module-level names a function may read: the names it loads minus its locals.

    As in Python, a name assigned anywhere in the function (or a parameter) is
    local everywhere in it; decorators are not dependencies.
    """
    args = node.args
    local = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    local |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    loads: set[str] = set()
    for part in [*node.body, *(a.annotation for a in [*args.posonlyargs, *args.args] if a.annotation), node.returns]:
        if part is None:
            continue
        for n in py.walk(part):
            if isinstance(n, py.Name):
                target = local if isinstance(n.ctx, py.Store) else loads
                target.add(n.id)
    return loads - local


def bound_names(stmt: py.stmt) -> list[py.Name]:
    """Names a top-level statement binds (assignment targets, loop variables, defs...)."""
    out: list[py.Name] = []
    for n in py.walk(stmt):
        if isinstance(n, py.Name) and isinstance(n.ctx, py.Store):
            out.append(n)
    if isinstance(stmt, py.ClassDef):
        out.append(py.Name(id=stmt.name, ctx=py.Store(), lineno=stmt.lineno, col_offset=stmt.col_offset))
    return out


def read_unit(text: str, filename: str) -> Unit:
    """Parse and classify one source text (see the module docstring)."""
    return _Classifier(parse_unit(text, filename)).run()
