"""``qglmc passes [NAME]``: every pass with its options (type and default), in plain text.

Pass docstrings are written in reST for the API docs; the terminal gets them
with the markup removed (:func:`plain`). Options are the pass dataclass's
fields (see :mod:`qglm_ir.passes.base`), printed as pipeline text spells them:
``route{trials=8}``.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from typing import IO, Any

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?([^`<]*?)(?:\s*<[^>]*>)?`")
_LITERAL = re.compile(r"``([^`]+)``")
_INTERPRETED = re.compile(r"(?<![`\w])`([^`]+)`(?![`\w])")


def plain(text: str) -> str:
    """``text`` without reST inline markup: ``:func:`~a.b``` -> ``b``, ````x```` -> ``x``."""

    def role(m: re.Match[str]) -> str:
        target = m.group(1).strip()
        return target.rsplit(".", 1)[-1] if m.group(0).split("`", 1)[1].startswith("~") else target

    text = _ROLE.sub(role, text)
    text = _LITERAL.sub(r"\1", text)
    return _INTERPRETED.sub(r"\1", text)


def _type_name(t: Any) -> str:
    s = t if isinstance(t, str) else getattr(t, "__name__", str(t))
    m = re.fullmatch(r"Literal\[(.*)\]", s)
    if m:  # Literal['a', 'b'] -> one of a|b
        return "|".join(x.strip().strip("'\"") for x in m.group(1).split(","))
    return s.replace("typing.", "")


def _default(f: dataclasses.Field) -> str:  # type: ignore[type-arg]
    if f.default is not dataclasses.MISSING:
        v = f.default
    elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        v = f.default_factory()  # type: ignore[misc]
    else:
        return "(required)"
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _resolved(cls: type) -> dict[str, Any]:
    import typing

    try:  # resolve aliases such as `Sequence_ = Literal[...]` to what they spell
        return typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001  (an unresolvable annotation: show it as written)
        return {}


def _hint_name(h: Any, fallback: Any) -> str:
    import typing

    if typing.get_origin(h) is typing.Literal:
        return "|".join(str(a) for a in typing.get_args(h))
    return _type_name(fallback)


def options(cls: type) -> list[tuple[str, str, str]]:
    """``(name, type, default)`` of every option of a pass class."""
    if not dataclasses.is_dataclass(cls):
        return []
    hints = _resolved(cls)
    return [(f.name, _hint_name(hints.get(f.name), f.type), _default(f)) for f in dataclasses.fields(cls) if f.init]


def _docstring(cls: type) -> str:
    import inspect

    return inspect.cleandoc(cls.__doc__ or "")


def write_list(out: IO[str]) -> None:
    """One paragraph per pass: name, summary, options."""
    from .passes.registry import iter_passes

    for name, cls, text in iter_passes():
        if cls is None:
            out.write(f"{name:<18} (unavailable) {text}\n")
            continue
        out.write(f"{name:<18} {plain(text)}\n")
        opts = options(cls)
        if opts:
            spelled = ", ".join(f"{n}: {t} = {d}" for n, t, d in opts)
            for line in textwrap.wrap(spelled, 90):
                out.write(f"{'':<19}{line}\n")
    out.write("\nqglmc passes NAME explains one pass; options go in pipeline text: route{trials=8,lookahead=10}\n")


def write_one(name: str, out: IO[str]) -> None:
    """Everything about pass ``name``; raises ``PassError`` (with close matches) for unknown names."""
    from .passes.registry import get_pass

    cls = get_pass(name)
    out.write(f"{name}\n\n")
    doc = _docstring(cls)
    out.write(plain(doc).rstrip() + "\n")
    if "module docstring" in doc:  # the class defers to its module: show that text too
        import inspect
        import sys

        mod_doc = inspect.cleandoc(getattr(sys.modules.get(cls.__module__), "__doc__", "") or "")
        if mod_doc:
            out.write("\n" + plain(mod_doc).rstrip() + "\n")
    opts = options(cls)
    out.write("\noptions:\n" if opts else "\noptions: none\n")
    width = max((len(n) for n, _, _ in opts), default=0)
    for n, t, d in opts:
        out.write(f"  {n:<{width}}  {t}  (default {d})\n")
    example = ",".join(f"{n}={d}" for n, _, d in opts[:2] if d not in ("(required)", "none"))
    out.write(f"\nexample: qglmc compile prog.qglm --passes '{name}{{{example}}}'\n" if example else "")


__all__ = ["options", "plain", "write_list", "write_one"]
