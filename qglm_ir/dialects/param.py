"""The ``param`` dialect: module-level model parameters.

Ops:
  param.decl  module-level symbol: ``sym_name``, ``type`` (a Type), ``trainable`` (bool),
              optional ``init`` (DenseArray of the type's shape, or a float for f64)
  param.get   () -> T   read parameter ``name`` (SymbolRef); T must equal the decl's type

A trainable parameter survives compilation symbolically; a frozen one may be
folded into constants by passes once its ``init`` is known.
"""

from __future__ import annotations

from ..core.attributes import DenseArray, SymbolRef
from ..core.ir import Operation
from ..core.opdef import PURE, SYMBOL, OpDef, register
from ..core.types import FloatType, IntegerType, TensorType, Type
from . import _checks as c


def _verify_decl(op: Operation) -> None:
    c.num_operands(op, 0)
    c.num_results(op, 0)
    c.prop(op, "sym_name", str)
    t = c.prop(op, "type", Type)
    if not isinstance(t, (TensorType, FloatType, IntegerType)):
        c.fail(f"parameters must be scalars or tensors, got {t}")
    c.prop(op, "trainable", bool)
    init = op.properties.get("init")
    if init is not None:
        if isinstance(t, TensorType):
            if not isinstance(init, DenseArray) or init.shape != t.shape:
                c.fail(f"init must be a dense array of shape {t.shape}")
        elif not isinstance(init, (int, float)) or isinstance(init, bool):
            c.fail("init of a scalar parameter must be a number")
    if op.parent_op is None or op.parent_op.name != "builtin.module":
        c.fail("param.decl must be at module level")


def _verify_get(op: Operation) -> None:
    c.num_operands(op, 0)
    c.num_results(op, 1)
    c.prop(op, "name", SymbolRef)


register(OpDef("param.decl", "declare a model parameter", frozenset({SYMBOL}), _verify_decl))
register(OpDef("param.get", "read a model parameter", frozenset({PURE}), _verify_get))
