"""The structural verifier of the qglm IR.

:func:`verify` raises the first problem, :func:`verify_all` lists them all.
Both walk every op, including nested regions, in one iterative pass that is
linear in the number of ops (million-gate kernels, nesting depth ~50), and check:

* every op is registered, has its declared number of regions and passes its
  dialect's verify hook (operand/result counts and types, properties);
* operands are defined and dominate their use: defined earlier in the same
  block, as an argument of an enclosing block, or before the enclosing op in
  an ancestor block, never across an ISOLATED op (kernel, function, module);
* every block of an op with regions ends with a terminator (unless the op is
  NO_TERMINATOR), and terminators appear only last;
* symbols are unique per module and defined only at module level; symbol
  references resolve; ``func.call`` matches its callee's ``function_type`` and
  ``param.get`` its ``param.decl``'s ``type``;
* qubit linearity: every ``!q.qubit`` value (op result or block argument) is
  used exactly once, and only in the block that defines it (qubits enter
  regions as operands, never by capture).

Errors are :class:`~qglm_ir.core.errors.VerifyError` (precisely
:class:`OpVerifyError`, which also carries the offending ``op``). Their message
starts with ``'<op name>' op`` and their location is the op's ``loc``; for IR
without locations the message gives the op's walk position and enclosing
symbol instead.
"""

from __future__ import annotations

from ..core.errors import VerifyError
from ..core.ir import Operation
from ._walker import OpVerifyError, Verifier

__all__ = ["OpVerifyError", "verify", "verify_all"]


def verify(op_or_module: Operation) -> None:
    """Raise the first :class:`VerifyError` found in ``op_or_module`` (walk order).

    Accepts a module or any op; an op inside a module is checked in context
    (values defined before it are visible, symbols resolve in its module).
    Does not modify the IR.
    """
    errors = Verifier(fail_fast=True).run(op_or_module)
    if errors:
        raise errors[0]


def verify_all(module: Operation) -> list[VerifyError]:
    """Every :class:`VerifyError` in ``module`` (or any op), in walk order; empty if valid."""
    return Verifier(fail_fast=False).run(module)
