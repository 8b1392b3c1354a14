"""``@kernel``, ``@model`` and ``@function``: compile a Python function from its source.

The decorator does not run or trace the function. On first use of
``.module`` it reads the source text of the file (or notebook cell) that
defines the function through :mod:`linecache` (what :func:`inspect.getsource`
uses), and compiles it with the file frontend, the function as entry point.
So a decorated function means exactly what the same file means to
``qglmc compile model.py --entry NAME``.

Names the function uses that the source does not define (a notebook cell
using a constant or kernel from another cell) are looked up in the
function's ``__globals__``, and only two kinds of values are accepted there:
plain ``int``/``float``/``bool`` constants and other decorated functions
(which are compiled from *their* source). Variables captured from an
enclosing function are run-time values: using one is a diagnostic.
"""

from __future__ import annotations

import ast as py
import functools
import inspect
import linecache
import math
import textwrap
from typing import Any

from ...core.errors import Location, ParseError, QglmError
from ...core.module import Module


class QglmFunction:
    """A decorated Python function: ``.module`` (its IR), ``.ir()``, ``.compile(...)``.

    ``kind`` is ``"kernel"``, ``"model"`` or ``"function"``. The module is
    built on first use and cached; :meth:`compile` never mutates it.
    """

    def __init__(self, fn: Any, kind: str):
        if not inspect.isfunction(fn):
            raise TypeError(f"@{kind} decorates a function defined with 'def', got {fn!r}")
        functools.update_wrapper(self, fn)
        self.kind = kind
        self.fn = fn
        self._module: Module | None = None

    @property
    def module(self) -> Module:
        """The verified IR module of this function and everything it uses (raises :class:`ParseError`)."""
        if self._module is None:
            self._module = _compile_function(self)
        return self._module

    def __qglm_module__(self) -> Module:
        """Protocol for :func:`qglm_ir.compile`: the program this object stands for."""
        return self.module

    def ir(self) -> str:
        """The textual IR of :attr:`module`."""
        from ...text import print_module

        return print_module(self.module)

    def compile(self, **options: Any) -> Module:
        """``qglm_ir.compile(self.module, **options)`` (device, optimization_level, passes, seed, basis)."""
        from ...api import compile as compile_module

        return compile_module(self.module, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from .lang import NotCompiledError

        raise NotCompiledError(
            f"{self.kind} '{self.fn.__name__}' is compiled by qglm, not called by Python",
            help=f"use {self.fn.__name__}.compile() (or .module / .ir()) and run the result on a backend",
        )

    def __repr__(self) -> str:
        return f"<qglm {self.kind} {self.fn.__qualname__}>"


def kernel(fn: Any) -> QglmFunction:
    """Mark ``fn`` as a quantum kernel (the DSL's ``kernel``)."""
    return QglmFunction(fn, "kernel")


def model(fn: Any) -> QglmFunction:
    """Mark ``fn`` as a model: an entry point of host code (the DSL's ``model``)."""
    return QglmFunction(fn, "model")


def function(fn: Any) -> QglmFunction:
    """Mark ``fn`` as a host helper function (the DSL's ``fn``)."""
    return QglmFunction(fn, "function")


# ---------------------------------------------------------------- compiling
def _source_of(fn: Any) -> tuple[str, str]:
    """The text of the file or cell that defines ``fn``, and its name for diagnostics."""
    filename = fn.__code__.co_filename
    text = "".join(linecache.getlines(filename, fn.__globals__))
    if text:
        return text, filename
    try:
        return textwrap.dedent(inspect.getsource(fn)), filename
    except (OSError, TypeError):
        raise ParseError(
            f"cannot read the source of '{fn.__qualname__}': qglm compiles source text",
            Location(filename, fn.__code__.co_firstlineno, 1, 1),
            help="define the function in a .py file or a notebook cell (not through exec or a REPL without history)",
        ) from None


def _find_def(tree: py.Module, fn: Any) -> py.FunctionDef | py.AsyncFunctionDef | None:
    first = fn.__code__.co_firstlineno
    for node in py.walk(tree):
        if isinstance(node, (py.FunctionDef, py.AsyncFunctionDef)) and node.name == fn.__name__:
            lines = {node.lineno, *(d.lineno for d in node.decorator_list)}
            if first in lines:
                return node
    return None


def _global_source(name: str, value: Any) -> tuple[str, str] | None:
    """A one-line source declaring a plain constant found in ``__globals__``."""
    if isinstance(value, bool) or (isinstance(value, int) and not isinstance(value, bool)):
        return f"{name} = {value!r}\n", f"<global {name}>"
    if isinstance(value, float) and math.isfinite(value):
        return f"{name} = {value!r}\n", f"<global {name}>"
    return None


def _compile_function(qf: QglmFunction) -> Module:
    from .driver import Session
    from .units import TopDecl, function_deps

    fn = qf.fn
    text, filename = _source_of(fn)
    g = fn.__globals__

    def extern(name: str) -> list[tuple[str, str]] | None:
        value = g.get(name)
        if isinstance(value, QglmFunction):
            try:
                return [_source_of(value.fn)]
            except QglmError:
                return None
        return [src] if (src := _global_source(name, value)) is not None else None

    session = Session(extern=extern, captured=frozenset(fn.__code__.co_freevars))
    root = session.add_source(text, filename)
    node = _find_def(root.tree, fn)
    if node is None:
        raise ParseError(
            f"cannot find 'def {fn.__name__}' in the source of {filename}",
            Location(filename, fn.__code__.co_firstlineno, 1, 1),
            help="the source changed after the function was defined: re-run its definition",
        )
    entry = session.namespace.get(fn.__name__)
    if entry is None or entry.node is not node:
        # Not a module-level definition (a closure or a method): compile that def itself.
        entry = TopDecl(fn.__name__, qf.kind, node, root, function_deps(node))
        session.namespace[fn.__name__] = entry
        root.decls.append(entry)
    return session.build(fn.__name__, root)
