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
from ..source import check_import_path, folder_tree_of, read_source
from . import ast as A
from .parser import parse


def _resolve(importer: str, target: str) -> str:
    folder = os.getcwd() if importer.startswith("<") else os.path.dirname(os.path.abspath(importer))
    return os.path.normpath(os.path.join(folder, target))


def load_programs(text: str, filename: str) -> list[A.Program]:
    """Parse ``text`` and everything it imports; dependencies come before their importers."""
    root = parse(text, filename)
    tree = folder_tree_of(filename)
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
            at = item.span.loc()
            if not item.path.endswith(".qglm"):
                # Never parse (and so never quote) a file that is not a .qglm program.
                raise ParseError(f"cannot import '{item.path}': imports must name a .qglm file", at)
            check_import_path(path, tree, item.path, at)
            if not os.path.lexists(path):
                raise ParseError(f"cannot find imported file '{item.path}'", at, help=f"looked for {path}")
            sub_text = read_source(path, shown=item.path, at=at, what="imported .qglm file")
            shown = os.path.relpath(path) if not os.path.isabs(prog.src.name) else path
            visit(parse(sub_text, shown), path)
        stack.pop()
        done.add(key)
        order.append(prog)

    visit(root, root_key)
    return order
