"""Deterministic matplotlib output (Agg backend, no timestamps, fixed SVG ids)."""

from __future__ import annotations

import io
from typing import Any

from . import RenderUnavailable


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend; :class:`RenderUnavailable` without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        raise RenderUnavailable("drawing needs matplotlib, which is not installed",
                                help="pip install 'qglm[draw]'   (matplotlib and pylatexenc)") from None
    matplotlib.use("Agg", force=True)
    matplotlib.rcParams["svg.hashsalt"] = "qglm"  # stable element ids across runs
    matplotlib.rcParams["svg.fonttype"] = "path"  # no dependence on the viewer's fonts
    import matplotlib.pyplot as plt

    return plt


def figure_bytes(fig: Any, fmt: str, dpi: int = 110) -> bytes:
    """``fig`` as PNG or SVG bytes, without the timestamps matplotlib writes by default."""
    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", metadata=meta)
    pyplot().close(fig)
    return buf.getvalue()
