"""OpenQASM 2 backend: one kernel as OpenQASM 2 text (``qelib1.inc``).

OpenQASM 2 lacks much of what kernels use, so this backend rewrites what it can
without changing the program's meaning and refuses the rest with a
:class:`~qglm_ir.core.errors.BackendError` naming the feature:

* ``scf.for`` loops are unrolled (bounds are constants);
* ``scf.if`` on a bit becomes ``if(reg==k) op;`` on every op of the branch (the
  else branch with the opposite value). OpenQASM 2 compares whole registers, so
  a register holding a condition bit is split into 1-bit registers
  ``<reg>_<i>``. Nested control flow in a branch, a branch that rewrites its own
  condition bit, and ``scf.while`` are refused;
* symbolic parameters are refused (OpenQASM 2 has no inputs: bind them first);
* global phase and delays are dropped (the program is equal up to global phase;
  an idle qubit is the identity); barriers inside a condition are dropped;
* ``iswap``, ``ecr`` and ``ryy`` are defined in the header when used; ``u`` is ``u3``;
  ``q.unitary`` is synthesized into ``u3``/``cx``.

The text is accepted by ``qiskit.qasm2.loads`` with
``custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS``.
"""

from __future__ import annotations

from ..core.ir import Operation
from . import _kernel_view as kv
from ._qasm_text import write_qasm


def view_to_qasm2(view: kv.CircuitView) -> str:
    return write_qasm(view, 2)


def to_qasm2(module: Operation, kernel: str | Operation | None = None) -> str:
    """OpenQASM 2 text of one kernel of ``module`` (``kernel=None``: the only kernel).

    Requires a verified module; raises :class:`~qglm_ir.core.errors.BackendError`
    for OpenQASM-3-only features (see the module docstring).
    """
    return view_to_qasm2(kv.build_view(module, kernel, symbolic_loops=False))


__all__ = ["to_qasm2", "view_to_qasm2"]
