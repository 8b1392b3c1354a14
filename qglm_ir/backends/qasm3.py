"""OpenQASM 3 backend: one kernel as OpenQASM 3 text.

The text is accepted by ``qiskit.qasm3.loads`` and by the ``openqasm3``
reference parser, and re-imports to a circuit equivalent to the kernel:

* ``include "stdgates.inc"``; table gates it lacks (``sxdg``, ``iswap``, ``ecr``,
  ``rxx``, ``ryy``, ``rzz``) are defined in the header when used; ``u`` is the
  builtin ``U``;
* symbolic parameters are ``input float[64]`` declarations; vector element
  ``theta[3]`` is spelled ``theta_3`` (the only form ``qiskit.qasm3.loads``
  round-trips);
* qubits are ``qubit[n] q``; bit registers as in the Qiskit backend (``c``,
  per returned tensor, ``mid``);
* ``if``/``else`` on a bit, ``for int _loop_iK in [a:s:b]`` (the induction
  variable appears in angles), ``while``; ``gphase`` for global phase; ``delay``;
* ``q.unitary`` is synthesized into ``U``/``cx`` (Qiskit synthesis).
"""

from __future__ import annotations

from ..core.ir import Operation
from . import _kernel_view as kv
from ._qasm_text import write_qasm


def view_to_qasm3(view: kv.CircuitView) -> str:
    return write_qasm(view, 3)


def to_qasm3(module: Operation, kernel: str | Operation | None = None) -> str:
    """OpenQASM 3 text of one kernel of ``module`` (``kernel=None``: the only kernel).

    Requires a verified module; raises :class:`~qglm_ir.core.errors.BackendError`
    for what a circuit cannot express. Linear in the kernel size.
    """
    return view_to_qasm3(kv.build_view(module, kernel))


__all__ = ["to_qasm3", "view_to_qasm3"]
