"""The ``func`` dialect: host functions, calls and returns.

Ops:
  func.func    a host function (``sym_name``, ``function_type``), one body region
  func.call    call a ``func.func`` or ``q.kernel`` by symbol (``callee`` property)
  func.return  terminator of ``func.func`` and ``q.kernel`` bodies
"""

from __future__ import annotations

from ..core.attributes import SymbolRef
from ..core.ir import Operation
from ..core.opdef import FUNCTION_LIKE, ISOLATED, RETURN_LIKE, SYMBOL, TERMINATOR, OpDef, register
from ..core.types import FunctionType
from . import _checks as c


def function_type(op: Operation) -> FunctionType:
    t = op.properties.get("function_type")
    assert isinstance(t, FunctionType)
    return t


def verify_function_like(op: Operation) -> None:
    """Shared by ``func.func`` and ``q.kernel``: name, signature, entry args, return."""
    c.prop(op, "sym_name", str)
    ftype = c.prop(op, "function_type", FunctionType)
    assert isinstance(ftype, FunctionType)
    c.num_operands(op, 0)
    c.num_results(op, 0)
    if len(op.regions) != 1:
        c.fail(f"expects one body region, got {len(op.regions)}")
    body = c.single_block(op, 0)
    c.block_args(body, ftype.inputs, "entry block arguments vs. signature inputs")
    ret = c.terminator(body, ("func.return",), "body")
    c.types_match([v.type for v in ret.operands], ftype.results, "returned values vs. signature")


def _verify_func(op: Operation) -> None:
    verify_function_like(op)


def _verify_call(op: Operation) -> None:
    # The callee's signature is checked by the verifier's symbol pass, which has the table.
    c.prop(op, "callee", SymbolRef)
    if op.regions:
        c.fail("func.call has no regions")


def _verify_return(op: Operation) -> None:
    c.num_results(op, 0)
    parent = op.parent_op
    if parent is None or parent.name not in ("func.func", "q.kernel"):
        c.fail("func.return must be directly inside func.func or q.kernel")


register(OpDef("func.func", "host function", frozenset({SYMBOL, FUNCTION_LIKE, ISOLATED}), _verify_func, 1))
register(OpDef("func.call", "call a function or kernel by symbol", frozenset(), _verify_call, 0))
register(OpDef("func.return", "return from a function or kernel", frozenset({TERMINATOR, RETURN_LIKE}), _verify_return, 0))
