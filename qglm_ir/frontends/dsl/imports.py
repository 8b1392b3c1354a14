"""Follow ``import "file.qglm"`` declarations, detecting cycles.

An import path is relative to the directory of the importing file (the
current directory for text that has no file, e.g. ``<input>``). Each file is
parsed once even when several files import it; a file that (indirectly)
imports itself is an error reported at the import that closes the cycle,
naming the whole cycle.
"""

from __future__ import annotations

import os

from ...core.errors import ParseError
from . import ast as A
from .parser import parse


def _resolve(importer: str, target: str) -> str:
    folder = os.getcwd() if importer.startswith("<") else os.path.dirname(os.path.abspath(importer))
    return os.path.normpath(os.path.join(folder, target))


def load_programs(text: str, filename: str) -> list[A.Program]:
    """Parse ``text`` and everything it imports; dependencies come before their importers."""
    root = parse(text, filename)
    order: list[A.Program] = []
    done: set[str] = set()
    stack: list[str] = []
    root_key = os.path.normpath(os.path.abspath(filename)) if not filename.startswith("<") else filename

    def visit(prog: A.Program, key: str) -> None:
        stack.append(key)
        for item in prog.items:
            if not isinstance(item, A.Import):
                continue
            path = _resolve(prog.src.name, item.path)
            if path in stack:
                names = [os.path.basename(p) for p in stack[stack.index(path):]] + [os.path.basename(path)]
                raise ParseError(
                    f"import cycle: {' -> '.join(names)}", item.span.loc(),
                    help="a file cannot import itself, directly or through other files",
                )
            if path in done:
                continue
            try:
                with open(path, encoding="utf-8") as f:
                    sub_text = f.read()
            except FileNotFoundError:
                raise ParseError(f"cannot find imported file '{item.path}'", item.span.loc(), help=f"looked for {path}") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ParseError(f"cannot read imported file '{item.path}': {exc}", item.span.loc()) from None
            shown = os.path.relpath(path) if not os.path.isabs(prog.src.name) else path
            visit(parse(sub_text, shown), path)
        stack.pop()
        done.add(key)
        order.append(prog)

    visit(root, root_key)
    return order
