"""Hybrid models written as Python functions: a second syntax of the ``.qglm`` language.

Two ways in, one meaning:

* ``compile_file(path, entry)`` / ``compile_source(text, filename, entry)``:
  read a ``.py`` file with :func:`ast.parse` (never imported or executed) and
  compile the ``@model``/``@kernel``/``@function`` named ``entry`` with what
  it uses (``qglmc compile model.py --entry NAME``);
* the decorators :func:`kernel`, :func:`model`, :func:`function`: a decorated
  function compiles itself from its source on first use of ``.module`` /
  ``.ir()`` / ``.compile(...)``.

The Python AST is translated into the DSL's dataclass AST (with spans into
the ``.py`` text), then checked and lowered by the DSL frontend, so a Python
program and its ``.qglm`` twin produce identical IR and share diagnostics.
The supported subset is documented in ``docs/python-frontend.md``; anything
outside it is a :class:`~qglm_ir.core.errors.ParseError` at its exact line and
column with a ``help:`` line.
"""

from __future__ import annotations

from .decorators import QglmFunction, function, kernel, model
from .driver import compile_file, compile_source

__all__ = ["QglmFunction", "compile_file", "compile_source", "function", "kernel", "model"]
