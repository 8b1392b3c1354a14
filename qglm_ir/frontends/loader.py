"""Load a program file into IR, choosing the frontend by file extension.

=============  ===============================================  ==================
extension      frontend                                         options
=============  ===============================================  ==================
``.qglm``      :func:`qglm_ir.frontends.dsl.compile_file`        ``defines`` (-D)
``.py``        :func:`qglm_ir.frontends.python.compile_file`     ``entry``
``.qasm``      :func:`qglm_ir.frontends.qasm.load_qasm`          (OpenQASM 2 or 3)
``.qglmir``    :func:`qglm_ir.text.parse_module`                 (textual IR)
=============  ===============================================  ==================

Every failure is a :class:`QglmError`: unreadable file, unknown extension, a
frontend that is not available yet, or the frontend's own located diagnostics.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..core.errors import QglmError
from ..core.module import Module

#: extension -> (module, function, human name of the frontend)
FRONTENDS: dict[str, tuple[str, str, str]] = {
    ".qglm": ("qglm_ir.frontends.dsl", "compile_file", "the .qglm DSL frontend"),
    ".py": ("qglm_ir.frontends.python", "compile_file", "the Python frontend"),
    ".qasm": ("qglm_ir.frontends.qasm", "load_qasm", "the OpenQASM frontend"),
    ".qglmir": ("qglm_ir.text", "parse_module", "the textual IR parser"),
}

Define = str | int | float | bool


class InputError(QglmError):
    """An input file that cannot be loaded (missing, unreadable, unknown kind)."""


def input_kind(path: str | os.PathLike[str]) -> str:
    """The extension that selects the frontend; raises :class:`InputError` if unknown."""
    ext = Path(path).suffix.lower()
    if ext not in FRONTENDS:
        raise InputError(
            f"cannot tell what kind of program '{path}' is (extension {ext or 'missing'!r})",
            help="inputs must end in " + ", ".join(FRONTENDS),
        )
    return ext


def _frontend(ext: str) -> Callable[..., Any]:
    module_name, func, what = FRONTENDS[ext]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise InputError(f"{what} is not available yet, so {ext} inputs cannot be read") from exc
        raise
    fn = getattr(module, func, None)
    if fn is None:
        raise InputError(f"{what} is not available yet ({module_name}.{func} is missing)")
    return fn


def read_text(path: str | os.PathLike[str]) -> str:
    """The file's text (UTF-8, a regular file within the size limits); raises a located :class:`InputError`."""
    from .source import read_source

    return read_source(path, error=InputError)


def parse_define(text: str) -> tuple[str, Define]:
    """``NAME=VALUE`` from ``-D``: VALUE as int, float, bool (true/false) or else string."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise ValueError(f"expected NAME=VALUE, got {text!r}")
    raw = raw.strip()
    low = raw.lower()
    if low in ("true", "false"):
        return name, low == "true"
    for conv in (int, float):
        try:
            return name, conv(raw)
        except ValueError:
            pass
    return name, raw


def load_program(
    path: str | os.PathLike[str],
    *,
    entry: str | None = None,
    defines: Mapping[str, Define] | None = None,
) -> Module:
    """Load ``path`` with the frontend its extension selects.

    ``entry`` names the function of a ``.py`` input; ``defines`` are the DSL's
    compile-time constants. Giving either to a frontend that does not take it
    is an :class:`InputError` rather than silently ignored.
    """
    ext = input_kind(path)
    if defines and ext not in (".qglm", ".py"):
        raise InputError(f"-D definitions only apply to .qglm and .py inputs, not {ext}")
    if entry is not None and ext != ".py":
        raise InputError(f"--entry only applies to .py inputs, not {ext}")
    text = read_text(path)  # read first: a missing file is reported before a missing frontend
    _frontend(ext)  # a frontend that is not installed is reported before any parsing
    name = str(path)
    # The text read above is compiled (not the path re-read), so the file checks hold.
    if ext == ".qglm":
        module = importlib.import_module("qglm_ir.frontends.dsl").compile_source(
            text, name, defines=dict(defines) if defines else None)
    elif ext == ".py":
        if entry is None:
            raise InputError("a .py input needs --entry NAME (the function to compile)")
        module = importlib.import_module("qglm_ir.frontends.python").compile_source(
            text, name, entry, defines=dict(defines) if defines else None)
    else:
        module = _frontend(ext)(text, filename=name)
    if not isinstance(module, Module):
        module = Module.wrap(module)
    return module
