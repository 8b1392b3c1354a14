"""The ``builtin`` dialect: the module."""

from __future__ import annotations

from ..core.ir import Operation
from ..core.module import MODULE_OP
from ..core.opdef import ISOLATED, NO_TERMINATOR, OpDef, register
from . import _checks as c


def _verify_module(op: Operation) -> None:
    c.num_operands(op, 0)
    c.num_results(op, 0)
    c.single_block(op, 0)
    name = op.properties.get("sym_name")
    if name is not None and not isinstance(name, str):
        c.fail("sym_name must be a string")


register(OpDef(MODULE_OP, "top-level container of symbols", frozenset({NO_TERMINATOR, ISOLATED}), _verify_module, 1))
