"""Compile Python sources to IR through the DSL's checks and lowering.

Pipeline (no second lowering: the Python subset is a second *syntax* of the
``.qglm`` language)::

    ast.parse (never import or exec)  ->  units (module-level declarations,
    sibling imports followed)  ->  closure of the entry  ->  DSL dataclass AST
    (spans point into the .py text)  ->  dsl.checks  ->  dsl.lower  ->  verify

Module-level names form one namespace across the file and the sibling files
it imports (as ``import "x.qglm"`` does in the DSL). With an ``entry``, only
the entry and what it transitively mentions are compiled; without one, every
decorated function, parameter and layer is.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ...core.errors import Location, ParseError
from ...core.module import Module
from ...limits import call_with_deep_stack
from ..dsl import ast as A
from ..dsl.checks import check_programs
from ..dsl.lower import lower_programs
from ..source import check_import_path, folder_tree_of
from .bodies import BodyTranslator
from .exprs import Env
from .units import TopDecl, Unit, read_unit

#: declaration kinds that become DSL declarations
COMPILED = ("const", "param", "layer", "kernel", "model", "function")
FUNCTIONS = ("kernel", "model", "function")

#: ``extern(name)`` -> ``(text, filename)`` sources defining ``name`` outside the sources read so far
#: (decorator mode: constants and decorated functions from the function's ``__globals__``)
Extern = Callable[[str], "list[tuple[str, str]] | None"]


def _read(path: str, shown: str, node: object, spans: object) -> str:
    # Same rules as the main file (regular file, size, UTF-8), errors located at the import.
    from ..source import read_source

    at = spans.error("", node).loc  # type: ignore[attr-defined]
    return read_source(path, shown=shown, at=at, what="imported Python file")


class Session:
    """Sources read for one compilation, their shared namespace, and the translation."""

    def __init__(self, extern: Extern | None = None, captured: frozenset[str] = frozenset()):
        self.extern = extern
        self.captured = set(captured)
        self.units: list[Unit] = []
        self.keys: dict[str, Unit] = {}
        self.namespace: dict[str, TopDecl] = {}
        self._stack: list[str] = []
        self._tree: str | None = None

    # ------------------------------------------------------------ reading
    def add_source(self, text: str, filename: str) -> Unit:
        """Read ``text`` and the sibling files it imports; dependencies register first."""
        key = filename if filename.startswith("<") else os.path.normpath(os.path.abspath(filename))
        hit = self.keys.get(key)
        if hit is not None:
            return hit
        if not self.units and not self._stack:
            self._tree = folder_tree_of(filename)  # imports must stay inside the main file's folder tree
        unit = read_unit(text, filename)
        self._visit(unit, key)
        return unit

    def _visit(self, unit: Unit, key: str) -> None:
        self._stack.append(key)
        for imp in unit.imports:
            if imp.path in self._stack:
                chain = [os.path.basename(k) for k in self._stack[self._stack.index(imp.path):]] + [os.path.basename(imp.path)]
                raise unit.spans.error(
                    f"import cycle: {' -> '.join(chain)}", imp.node,
                    help="a file cannot import itself, directly or through other files",
                )
            dep = self.keys.get(imp.path)
            if dep is None:
                shown = os.path.relpath(imp.path) if not os.path.isabs(unit.src.name) else imp.path
                check_import_path(imp.path, self._tree, shown, unit.spans.error("", imp.node).loc)
                dep = read_unit(_read(imp.path, shown, imp.node, unit.spans), shown)
                self._visit(dep, imp.path)
            for alias in imp.names or []:
                if alias.asname is not None and alias.asname != alias.name:
                    raise unit.spans.error(
                        "renaming a qglm import ('as') is not supported", alias,
                        help=f"import it under its own name: from {imp.module} import {alias.name}",
                    )
                if not any(d.name == alias.name for d in dep.decls) and alias.name not in self.namespace:
                    raise unit.spans.error(
                        f"'{imp.module}' defines no '{alias.name}'", alias,
                        help="import a constant, param, layer or decorated function defined there",
                    )
        self._stack.pop()
        self.keys[key] = unit
        self.units.append(unit)
        for d in unit.decls:
            self._register(d)

    def _register(self, d: TopDecl) -> None:
        prev = self.namespace.get(d.name)
        if prev is None or prev.kind in ("opaque", "plain"):
            self.namespace[d.name] = d
            return
        if d.kind in ("opaque", "plain"):
            return  # Python code rebinding a qglm name (e.g. under __main__) is host code
        where = f"{prev.unit.src.name}:{prev.node.lineno}"
        raise d.unit.spans.error(
            f"'{d.name}' is already defined (at {where})", _name_node(d),
            help="module-level names are read as declarations: define each name once",
        )

    def lookup(self, name: str) -> TopDecl | None:
        """The declaration of ``name``, asking ``extern`` for names the sources leave undefined
        (or define by Python code qglm does not run)."""
        hit = self.namespace.get(name)
        if (hit is None or hit.kind == "opaque") and self.extern is not None and name not in self.captured:
            for text, filename in self.extern(name) or []:
                self.add_source(text, filename)
            hit = self.namespace.get(name)
        return hit

    # ------------------------------------------------------------ closure
    def entry_decl(self, entry: str, where: Unit) -> TopDecl:
        d = self.lookup(entry)
        funcs = sorted(n for n, x in self.namespace.items() if x.kind in FUNCTIONS)
        listing = ("decorated functions here: " + ", ".join(funcs)) if funcs else "decorate the function with @kernel, @model or @function"
        if d is None:
            raise ParseError(
                f"no function named '{entry}' in {where.src.name}",
                Location(where.src.name, 1, 1, 1, where.src.text), help=listing,
            )
        if d.kind == "plain":
            raise d.unit.spans.error(
                f"'{entry}' is not decorated, so qglm does not compile it", d.unit.spans.def_name(d.node),  # type: ignore[arg-type]
                help=f"put @model (or @kernel / @function) on the line above 'def {entry}'",
            )
        if d.kind not in FUNCTIONS:
            raise d.unit.spans.error(
                f"'{entry}' is a {d.kind if d.kind != 'opaque' else 'Python value'}, not a kernel or model", _name_node(d),
                help=listing,
            )
        return d

    def closure(self, roots: list[TopDecl]) -> set[int]:
        """Ids of the compiled declarations reachable from ``roots``."""
        seen: set[int] = set()
        todo = list(roots)
        while todo:
            d = todo.pop()
            if id(d) in seen:
                continue
            seen.add(id(d))
            for name in sorted(d.deps):
                dep = self.lookup(name)
                if dep is not None and dep.kind in COMPILED and id(dep) not in seen:
                    todo.append(dep)
        return seen

    # --------------------------------------------------------- translation
    def translate(self, d: TopDecl) -> A.Decl:
        env = Env(d.unit, self.namespace, captured=self.captured)
        t = BodyTranslator(env)
        if d.kind == "const":
            try:
                return t.const(d)
            except ParseError as err:
                # Say which constant a body needed, not only what is wrong in its definition.
                raise ParseError(
                    f"module-level '{d.name}' is not a compile-time value: {err.message}", err.loc,
                    help=err.help or "module-level values must be literals or arithmetic on constants",
                ) from None
        if d.kind == "param":
            return t.param(d)
        if d.kind == "layer":
            return t.layer(d)
        return t.function(d)

    def programs(self, entry: str | None, root: Unit) -> list[A.Program]:
        if entry is not None:
            roots = [self.entry_decl(entry, root)]
        else:
            roots = [d for d in self.namespace.values() if d.kind in ("param", "layer", *FUNCTIONS)]
        keep = self.closure(roots)
        out = []
        for unit in self.units:
            items = [self.translate(d) for d in unit.decls if id(d) in keep and self.namespace.get(d.name) is d]
            if items:
                out.append(A.Program(unit.src, items))
        return out

    def build(self, entry: str | None, root: Unit, defines: dict[str, str] | None = None) -> Module:
        """Translate, check, lower and verify (see the module docstring)."""
        programs = self.programs(entry, root)
        check_programs(programs)
        module = lower_programs(programs, defines)
        from ...verify import verify

        verify(module)
        return module


def _name_node(d: TopDecl) -> object:
    node = d.node
    if hasattr(node, "targets"):
        return node.targets[0]  # type: ignore[attr-defined]
    if hasattr(node, "target"):
        return node.target  # type: ignore[attr-defined]
    if hasattr(node, "name") and hasattr(node, "args"):
        return d.unit.spans.def_name(node)  # type: ignore[arg-type]
    return node


def compile_source(
    text: str, filename: str = "<input>", entry: str | None = None, defines: dict[str, str] | None = None
) -> Module:
    """Compile Python source text to a verified module, without running it.

    ``entry`` names the ``@model``/``@kernel``/``@function`` to compile with
    everything it uses (None: every decorated function, param and layer).
    Sibling imports (``from ansatz import *``) resolve relative to
    ``filename``'s directory. ``defines`` override module-level constants as
    ``-D`` does for ``.qglm`` files. Raises :class:`ParseError` with the
    location of the offending construct on bad input.
    """
    def run() -> Module:
        session = Session()
        root = session.add_source(text, filename)
        return session.build(entry, root, defines)

    return call_with_deep_stack(run)  # translation and lowering recurse per nesting level


def compile_file(path: str | os.PathLike[str], entry: str | None = None, defines: dict[str, str] | None = None) -> Module:
    """Compile the Python file at ``path`` (see :func:`compile_source`); it is read, never imported."""
    from ..loader import read_text

    return compile_source(read_text(path), str(path), entry, defines)
