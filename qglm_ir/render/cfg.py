"""The host CFG as SVG, rendered by Graphviz ``dot`` from :func:`qglm_ir.backends.cfg.to_dot`."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from . import RenderUnavailable


def dot_program() -> str | None:
    """Path of Graphviz ``dot``, or ``None`` when it is not installed."""
    return shutil.which("dot")


def cfg_dot(module: Any, entry: str | None = None) -> str:
    """The CFG in DOT (Graphviz) text."""
    from ..backends.cfg import to_dot

    return to_dot(module, entry)


def cfg_svg(module: Any, entry: str | None = None) -> str:
    """The CFG rendered to SVG by ``dot -Tsvg``; :class:`RenderUnavailable` without Graphviz."""
    dot = dot_program()
    if dot is None:
        raise RenderUnavailable("rendering the host CFG needs Graphviz 'dot', which is not installed",
                                help="apt-get install graphviz (or brew install graphviz); "
                                     "--target dot writes the DOT text without it")
    proc = subprocess.run([dot, "-Tsvg"], input=cfg_dot(module, entry), capture_output=True, text=True,
                          timeout=120, check=False)
    if proc.returncode != 0:
        raise RenderUnavailable(f"dot failed: {proc.stderr.strip()[:500]}")
    return proc.stdout


__all__ = ["cfg_dot", "cfg_svg", "dot_program"]
