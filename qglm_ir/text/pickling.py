"""Pickling of :class:`~qglm_ir.core.module.Module` through the textual IR.

A module is a graph of millions of small slotted objects linked both ways
(use lists, parent and sibling pointers), which the default pickler cannot
handle (``mappingproxy`` properties) and would walk slowly if it could. The
text form is the contract of the IR (``print(parse(t)) == t``), compact, and
linear to print and parse, so a module travels as:

* its text (:func:`~qglm_ir.text.print_module`);
* the value name hints the text cannot carry: a hint that is not a valid
  identifier, or is shared by several values of one isolated op, is printed
  as ``%N`` and would come back as ``None`` (only those are stored);
* the source locations of the ops (``FILE:LINE:COL`` and length, pointing
  into the user's program, which diagnostics quote), as one flat integer
  array over the ops in pre-order, plus a table of the distinct
  ``(file, source text)`` pairs so every source text is sent once.

Guarantees: ``pickle.loads(pickle.dumps(m))`` is structurally identical to
``m`` (:func:`~qglm_ir.text.structurally_equal`), prints to the same text,
has the same name hint on every value and an equal ``loc`` on every op
(``None`` where ``m`` had none). Requires a module the printer can print
(any verified module is).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

from ..core.errors import Location
from ..core.ir import Operation, Value
from ..core.module import Module
from .parser import parse_module
from .printer import _run_printer

__all__ = ["reduce_module", "rebuild_module"]

_FIELDS = 5  # op index, source id, line, col, length


def _walk(root: Operation) -> Iterator[tuple[Operation, list[Value]]]:
    """Every op in pre-order with the values it defines (results, then the
    arguments of its regions' blocks): the same order before and after a
    print/parse round trip, since the text keeps ops, regions and blocks."""
    stack = [root]
    while stack:
        op = stack.pop()
        values: list[Value] = list(op.results)
        children: list[Operation] = []
        for r in op.regions:
            for b in r.blocks:
                values.extend(b.args)
                children.extend(b)
        yield op, values
        stack.extend(reversed(children))


def reduce_module(module: Module) -> tuple[Any, tuple[Any, ...]]:
    """``Module.__reduce__``: ``(rebuild_module, (text, hints, locs, sources))``."""
    printer = _run_printer(module, False)
    text = "\n".join(printer.out) + "\n"
    names = printer.names
    hints: list[tuple[int, str]] = []
    locs = array("i")  # 32-bit: 20 bytes per located op
    sources: dict[tuple[str, str | None], int] = {}
    vi = 0
    for oi, (op, values) in enumerate(_walk(module)):
        for v in values:
            hint = v.name_hint
            if hint is not None:
                printed = names.get(v, "%0")[1:]
                if printed != hint:  # the parser would give it `None` (numbered) instead
                    hints.append((vi, hint))
            vi += 1
        loc = op.loc
        if loc is not None:
            key = (loc.file, loc.source)
            sid = sources.setdefault(key, len(sources))
            locs.extend((oi, sid, loc.line, loc.col, loc.length))
    return rebuild_module, (text, hints, locs, list(sources))


def rebuild_module(
    text: str, hints: list[tuple[int, str]], locs: array, sources: list[tuple[str, str | None]]
) -> Module:
    """The inverse of :func:`reduce_module` (the unpickler calls it)."""
    module = parse_module(text, "<pickled module>")
    values: list[Value] = []
    ops: list[Operation] = []
    for op, vals in _walk(module):
        op.loc = None  # the parser points into `text`; the original locations follow
        ops.append(op)
        values.extend(vals)
    for vi, hint in hints:
        values[vi].name_hint = hint
    cache: dict[tuple[int, ...], Location] = {}
    for k in range(0, len(locs), _FIELDS):
        oi, sid, line, col, length = locs[k : k + _FIELDS]
        key = (sid, line, col, length)
        loc = cache.get(key)
        if loc is None:
            file, source = sources[sid]
            loc = cache[key] = Location(file, line, col, length, source)
        ops[oi].loc = loc
    return module
