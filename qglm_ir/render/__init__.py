"""Pictures of programs: circuit drawings, the host CFG, the device map, charts.

* :mod:`.circuits`: a kernel as PNG/SVG (Qiskit's ``circuit_drawer``, mpl) or
  text (Cirq's diagram); needs matplotlib and pylatexenc (``qglm[draw]``).
* :mod:`.cfg`: the host CFG rendered by Graphviz ``dot``.
* :mod:`.figures`: the device map coloured by calibration with the layout
  marked, and the per-pass time / gate-count chart.

Every renderer is deterministic for the same input (fixed SVG ids, no
timestamps) and raises :class:`RenderUnavailable` naming what to install
when its library or program is missing.
"""

from __future__ import annotations

from ..core.errors import QglmError


class RenderUnavailable(QglmError):
    """A picture needs a library or program that is not installed."""


__all__ = ["RenderUnavailable"]
