"""Numpy meaning of the classical ops of the ``arith``, ``tensor`` and ``param`` dialects.

Each function is registered with :func:`qglm_ir.core.evaluators.evaluator` and
follows the registry's contract: it receives the op and the concrete values of
its operands and returns the list of its result values.

Value representation (what evaluators accept and return):

* ``f64`` -> Python ``float``; ``i64`` -> Python ``int`` (wrapped to signed 64 bits,
  like the hardware type); ``i1`` -> Python ``bool``;
* ``tensor<...>`` -> a numpy array of that shape with dtype ``float64``, ``int64``
  or ``bool`` (never mutated in place: arrays from constants are read-only).

Numpy scalars are accepted as operands (they come out of tensors) and
normalised to Python scalars on the way out, so downstream code (gate angle
lookups, dictionary keys of outcome distributions) sees one representation.

Errors a user can cause with a well-typed program (division by zero, an index
out of range, a parameter without a value) raise :class:`SemanticsError` with
the op's location; ill-typed ops are the verifier's business.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.attributes import DenseArray, SymbolRef
from ..core.errors import SemanticsError
from ..core.evaluators import evaluator
from ..core.ir import Operation
from ..core.types import FloatType, IntegerType, TensorType, Type

_I64_MIN = -(1 << 63)
_U64 = 1 << 64


def _wrap_i64(x: int) -> int:
    """Two's-complement wrap of a Python int to the i64 range."""
    if _I64_MIN <= x < -_I64_MIN:
        return x
    return (x - _I64_MIN) % _U64 + _I64_MIN


def _numpy_dtype(t: Type) -> type:
    elem = t.element if isinstance(t, TensorType) else t
    if isinstance(elem, FloatType):
        return np.float64
    if isinstance(elem, IntegerType) and elem.width == 1:
        return np.bool_
    return np.int64


def coerce(value: Any, t: Type) -> Any:
    """Convert ``value`` to the canonical representation of type ``t`` (see module docstring)."""
    if isinstance(t, TensorType):
        arr = np.asarray(value, dtype=_numpy_dtype(t))
        return arr.reshape(t.shape) if arr.shape != t.shape else arr
    if isinstance(value, np.ndarray):
        value = value.item()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(t, FloatType):
        return float(value)
    if isinstance(t, IntegerType):
        if t.width == 1:
            return bool(value)
        return _wrap_i64(int(value))
    return value


def _fail(op: Operation, message: str) -> SemanticsError:
    return SemanticsError(f"{op.name}: {message}", op.loc)


# ----------------------------------------------------------------- constants
@evaluator("arith.constant")
def _eval_constant(op: Operation, args: list[Any]) -> list[Any]:
    v = op.properties.get("value")
    t = op.results[0].type
    if isinstance(v, DenseArray):
        return [coerce(v.array, t)]
    return [coerce(v, t)]


@evaluator("arith.pi")
def _eval_pi(op: Operation, args: list[Any]) -> list[Any]:
    return [math.pi]


# ---------------------------------------------------------------- arithmetic
_SCALAR_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "arith.add": operator.add,
    "arith.sub": operator.sub,
    "arith.mul": operator.mul,
}
_ARRAY_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "arith.add": np.add,
    "arith.sub": np.subtract,
    "arith.mul": np.multiply,
}


@evaluator("arith.add", "arith.sub", "arith.mul", "arith.div")
def _eval_binary(op: Operation, args: list[Any]) -> list[Any]:
    a, b = args
    t = op.results[0].type
    is_int = _numpy_dtype(t) is np.int64
    if op.name == "arith.div":
        if np.any(np.asarray(b) == 0):
            raise _fail(op, "division by zero")
        if isinstance(t, TensorType):
            if is_int:
                # Truncating division (C/MLIR ``divsi``), not numpy's floor division.
                q = np.abs(a) // np.abs(b)
                return [coerce(np.sign(a) * np.sign(b) * q, t)]
            return [coerce(np.true_divide(a, b), t)]
        if is_int:
            a, b = int(a), int(b)
            q = abs(a) // abs(b)
            return [coerce(q if (a >= 0) == (b >= 0) else -q, t)]
        return [coerce(float(a) / float(b), t)]
    if isinstance(t, TensorType):
        return [coerce(_ARRAY_BINARY[op.name](a, b), t)]
    if is_int:
        return [coerce(_SCALAR_BINARY[op.name](int(a), int(b)), t)]
    return [coerce(_SCALAR_BINARY[op.name](float(a), float(b)), t)]


@evaluator("arith.neg", "arith.sin", "arith.cos")
def _eval_unary(op: Operation, args: list[Any]) -> list[Any]:
    (a,) = args
    t = op.results[0].type
    if op.name == "arith.neg":
        return [coerce(np.negative(a) if isinstance(t, TensorType) else -a, t)]
    if isinstance(t, TensorType):
        fn = np.sin if op.name == "arith.sin" else np.cos
        return [coerce(fn(a), t)]
    fn1 = math.sin if op.name == "arith.sin" else math.cos
    return [coerce(fn1(float(a)), t)]


_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


@evaluator("arith.cmp")
def _eval_cmp(op: Operation, args: list[Any]) -> list[Any]:
    pred = op.properties.get("predicate")
    fn = _CMP.get(pred) if isinstance(pred, str) else None
    if fn is None:
        raise _fail(op, f"unknown predicate {pred!r}")
    a, b = (coerce(x, op.operands[0].type) for x in args)
    return [bool(fn(a, b))]


@evaluator("arith.cast")
def _eval_cast(op: Operation, args: list[Any]) -> list[Any]:
    (a,) = args
    src = op.operands[0].type
    dst = op.results[0].type
    a = coerce(a, src)
    if isinstance(dst, IntegerType) and dst.width > 1 and isinstance(a, float):
        if not math.isfinite(a):
            raise _fail(op, f"cannot convert {a} to {dst}")
        a = math.trunc(a)  # fptosi semantics: round toward zero
    return [coerce(a, dst)]


@evaluator("arith.select")
def _eval_select(op: Operation, args: list[Any]) -> list[Any]:
    c, a, b = args
    return [a if bool(c) else b]


@evaluator("arith.and", "arith.or", "arith.xor", "arith.not")
def _eval_logic(op: Operation, args: list[Any]) -> list[Any]:
    if op.name == "arith.not":
        return [not bool(args[0])]
    a, b = bool(args[0]), bool(args[1])
    if op.name == "arith.and":
        return [a and b]
    if op.name == "arith.or":
        return [a or b]
    return [a != b]


# -------------------------------------------------------------------- tensor
@evaluator("tensor.extract")
def _eval_extract(op: Operation, args: list[Any]) -> list[Any]:
    arr = np.asarray(args[0])
    idx = tuple(int(i) for i in args[1:])
    for axis, (i, n) in enumerate(zip(idx, arr.shape)):
        if not 0 <= i < n:
            raise _fail(op, f"index {i} out of range for dimension {axis} of size {n}")
    return [coerce(arr[idx], op.results[0].type)]


@evaluator("tensor.from_elements")
def _eval_from_elements(op: Operation, args: list[Any]) -> list[Any]:
    t = op.results[0].type
    return [coerce(np.array([coerce(a, t.element) for a in args]), t)]  # type: ignore[union-attr]


@evaluator("tensor.concat")
def _eval_concat(op: Operation, args: list[Any]) -> list[Any]:
    axis = op.properties.get("axis", 0)
    return [coerce(np.concatenate([np.asarray(a) for a in args], axis=int(axis)), op.results[0].type)]  # type: ignore[arg-type]


@evaluator("tensor.reshape")
def _eval_reshape(op: Operation, args: list[Any]) -> list[Any]:
    return [coerce(np.asarray(args[0]), op.results[0].type)]


# --------------------------------------------------------------------- param
def param_init(decl: Operation) -> Any:
    """The initial value of a ``param.decl`` in evaluator representation, or ``None``."""
    init = decl.properties.get("init")
    t = decl.properties.get("type")
    if init is None or not isinstance(t, Type):
        return None
    return coerce(init.array if isinstance(init, DenseArray) else init, t)


@evaluator("param.get")
def _eval_param_get(op: Operation, args: list[Any]) -> list[Any]:
    """Read a parameter's ``init`` from the enclosing module.

    The semantics and the engine resolve ``param.get`` themselves when the
    caller overrides parameter values; this generic evaluator serves callers
    that just want the declared values.
    """
    ref = op.properties.get("name")
    if not isinstance(ref, SymbolRef):
        raise _fail(op, "missing 'name' property")
    module = op.parent_op
    while module is not None and module.name != "builtin.module":
        module = module.parent_op
    decl = None
    if module is not None:
        for sym in module.regions[0].block:
            if sym.name == "param.decl" and sym.properties.get("sym_name") == ref.name:
                decl = sym
                break
    if decl is None:
        raise _fail(op, f"parameter @{ref.name} is not declared in the enclosing module")
    value = param_init(decl)
    if value is None:
        raise SemanticsError(
            f"parameter @{ref.name} has no value: it declares no init",
            op.loc,
            help=f"pass params={{'{ref.name}': ...}}",
        )
    return [coerce(value, op.results[0].type)]
