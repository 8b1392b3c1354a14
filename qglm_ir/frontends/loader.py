"""Load a program file into IR, choosing the frontend by file extension.

=============  ===============================================  =======================
extension      frontend                                         options
=============  ===============================================  =======================
``.qglm``      :func:`qglm_ir.frontends.dsl.compile_file`        ``defines`` (-D)
``.py``        :func:`qglm_ir.frontends.python.compile_file`     ``entry``, ``defines``
``.qasm``      :func:`qglm_ir.frontends.qasm.load_qasm`          (OpenQASM 2 or 3)
``.qglmir``    :func:`qglm_ir.text.parse_module`                 (textual IR)
=============  ===============================================  =======================

``.qasm3`` and ``.qasm2`` (the names ``--target all`` writes) are read like ``.qasm``.

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
    ".qasm3": ("qglm_ir.frontends.qasm", "load_qasm", "the OpenQASM frontend"),  # what --target qasm3 writes
    ".qasm2": ("qglm_ir.frontends.qasm", "load_qasm", "the OpenQASM frontend"),
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


def parse_define(text: str) -> tuple[str, str]:
    """Split ``NAME=VALUE`` from ``-D``; raises ValueError unless NAME is an identifier.

    VALUE stays text: the frontend types it against the constant's declaration
    (one parser for the command line and the library API, see
    :func:`qglm_ir.frontends.dsl.lower._parse_define`).
    """
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise ValueError(f"expected NAME=VALUE, got {text!r}")
    return name, raw.strip()


def define_text(value: Define) -> str:
    """A define value spelled as on the command line (``true``/``false`` for bools)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
    return load_source(text, name, entry=entry, defines=defines)


def load_source(
    text: str,
    name: str,
    *,
    entry: str | None = None,
    defines: Mapping[str, Define] | None = None,
) -> Module:
    """Like :func:`load_program`, from the text of a program file called ``name``.

    The frontend is chosen by ``name``'s extension and reads ``text`` instead of
    the file, so ``load_source(read_text(p), str(p))`` builds the same module as
    ``load_program(p)`` (locations name ``name``). A process that never sees the
    file (a worker on another machine) can compile it; only ``.qglm``/``.py``
    imports of sibling files still read from ``name``'s directory.
    """
    ext = input_kind(name)
    if defines and ext not in (".qglm", ".py"):
        raise InputError(f"-D definitions only apply to .qglm and .py inputs, not {ext}")
    if entry is not None and ext != ".py":
        raise InputError(f"--entry only applies to .py inputs, not {ext}")
    _frontend(ext)  # a missing frontend is reported as load_program reports it
    texts = {k: define_text(v) for k, v in defines.items()} if defines else None
    if ext == ".qglm":
        module = importlib.import_module("qglm_ir.frontends.dsl").compile_source(text, name, defines=texts)
    elif ext == ".py":
        if entry is None:
            raise InputError("a .py input needs --entry NAME (the function to compile)")
        module = importlib.import_module("qglm_ir.frontends.python").compile_source(
            text, name, entry, defines=texts)
    else:
        module = _frontend(ext)(text, filename=name)
    if not isinstance(module, Module):
        module = Module.wrap(module)
    return module
