"""``qglmc`` conventions for reading and writing: ``-`` for stdin/stdout, colour.

* :func:`load_stdin`: ``qglmc compile -`` reads the program from stdin; the
  language is recognized from the text (:func:`sniff_kind`), or given with
  ``--lang``. Diagnostics name the file ``<stdin>``.
* :func:`colour_enabled` / :func:`colourize`: diagnostics are coloured only
  when the stream is a terminal and ``NO_COLOR`` is unset or empty
  (https://no-color.org); ``FORCE_COLOR`` forces colour on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import IO, Any

STDIN_NAME = "<stdin>"

#: --lang spelling -> the extension the loader knows.
LANGS = {"qglm": ".qglm", "py": ".py", "python": ".py", "qasm": ".qasm", "qasm2": ".qasm", "qasm3": ".qasm",
         "ir": ".qglmir", "qglmir": ".qglmir"}

_PY = re.compile(r"^\s*(from\s+[\w.]+\s+import|import\s+\w|@(kernel|model|function)\b|def\s+\w+\s*\()", re.M)


def sniff_kind(text: str) -> str:
    """The extension whose frontend reads ``text``: OpenQASM, textual IR, Python, else ``.qglm``."""
    body = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S).lstrip()
    if body.startswith("OPENQASM"):
        return ".qasm"
    if body.startswith("module") or body.startswith("builtin.module") or body.startswith('"builtin.module"'):
        return ".qglmir"
    if _PY.search(text) and not re.search(r"^\s*(kernel|model|fn|layer)\s+\w", text, re.M):
        return ".py"
    return ".qglm"


def load_stdin(text: str, lang: str | None = None, entry: str | None = None,
               defines: Mapping[str, Any] | None = None) -> Any:
    """The module of a program given on stdin (see the module docstring)."""
    from .frontends.loader import InputError

    ext = LANGS[lang] if lang else sniff_kind(text)
    if entry is not None and ext != ".py":
        raise InputError(f"--entry only applies to Python input, but stdin holds {ext[1:]}")
    if defines and ext not in (".qglm", ".py"):
        raise InputError(f"-D definitions only apply to .qglm and .py inputs, not {ext[1:]}")
    if ext == ".qglm":
        from .frontends.dsl import compile_source

        return compile_source(text, STDIN_NAME, {k: v for k, v in (defines or {}).items()})
    if ext == ".py":
        if entry is None:
            raise InputError("Python input needs --entry NAME (the function to compile)")
        from .frontends.python import compile_source as py_source

        return py_source(text, STDIN_NAME, entry, dict(defines) if defines else None)
    if ext == ".qasm":
        from .frontends.qasm import load_qasm

        return load_qasm(text, filename=STDIN_NAME)
    from .text import parse_module

    return parse_module(text, STDIN_NAME)


def colour_enabled(stream: IO[str]) -> bool:
    """Colour for ``stream``: a TTY without ``NO_COLOR``, or ``FORCE_COLOR`` set."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(callable(isatty) and isatty())


_RED, _CYAN, _GREEN, _BOLD, _RESET = "\x1b[31m", "\x1b[36m", "\x1b[32m", "\x1b[1m", "\x1b[0m"
_HEAD = re.compile(r"^(.*?: )?(error|warning|note)(:)", re.M)


def colourize(text: str) -> str:
    """ANSI colours for a rendered diagnostic: ``error:`` red, ``help:`` cyan, the caret line green."""
    out = []
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and set(stripped) <= {"^", "~"}:
            out.append(f"{_GREEN}{_BOLD}{line.rstrip(chr(10))}{_RESET}" + ("\n" if line.endswith("\n") else ""))
            continue
        if line.startswith("help:"):
            out.append(f"{_CYAN}help:{_RESET}{line[5:]}")
            continue
        m = _HEAD.match(line)
        if m:
            colour = _RED if m.group(2) == "error" else _CYAN
            loc = f"{_BOLD}{m.group(1)}{_RESET}" if m.group(1) else ""
            out.append(f"{loc}{colour}{_BOLD}{m.group(2)}:{_RESET}{line[m.end():]}")
            continue
        out.append(line)
    return "".join(out)


def diagnostic(text: str, stream: IO[str]) -> str:
    """``text`` coloured when ``stream`` wants colour."""
    return colourize(text) if colour_enabled(stream) else text


__all__ = ["LANGS", "STDIN_NAME", "colour_enabled", "colourize", "diagnostic", "load_stdin", "sniff_kind"]
