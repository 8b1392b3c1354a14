"""Drawings of one kernel: PNG/SVG with Qiskit's mpl drawer, text with Cirq's diagram.

Mapped kernels are drawn on the physical qubits they use (idle device qubits
are left out), so a 127-qubit device does not yield 127 empty wires.
"""

from __future__ import annotations

from typing import Any

from . import RenderUnavailable
from ._mpl import figure_bytes, pyplot

#: Gates per row before the drawing folds onto the next row.
FOLD = 30


def _figure(module: Any, kernel: str | None) -> Any:
    from ..backends.qiskit import to_qiskit

    qc = to_qiskit(module, kernel)
    pyplot()
    try:
        import pylatexenc  # noqa: F401  (Qiskit's mpl drawer typesets gate labels with it)
    except ImportError:
        raise RenderUnavailable("circuit drawings need pylatexenc, which is not installed",
                                help="pip install 'qglm[draw]'   (matplotlib and pylatexenc)") from None
    return qc.draw(output="mpl", idle_wires=False, fold=FOLD)


def kernel_png(module: Any, kernel: str | None = None) -> bytes:
    """The kernel drawn by Qiskit's ``circuit_drawer`` (mpl) as PNG bytes."""
    return figure_bytes(_figure(module, kernel), "png")


def kernel_svg(module: Any, kernel: str | None = None) -> str:
    """The kernel drawn by Qiskit's ``circuit_drawer`` (mpl) as SVG text."""
    return figure_bytes(_figure(module, kernel), "svg").decode("utf-8")


def kernel_txt(module: Any, kernel: str | None = None) -> str:
    """The kernel as Cirq's text diagram (raises a located ``BackendError`` for what Cirq cannot hold)."""
    from ..backends.cirq import to_cirq

    return to_cirq(module, kernel).to_text_diagram(transpose=False) + "\n"


__all__ = ["kernel_png", "kernel_svg", "kernel_txt"]
