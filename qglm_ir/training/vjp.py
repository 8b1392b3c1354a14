"""Reverse-mode rules (vector-Jacobian products) of the classical host ops.

A registry keyed by op name, like the evaluators (:mod:`qglm_ir.core.evaluators`):
``@vjp("nn.dense")`` registers ``fn(op, inputs, outputs, cotangents) -> list``
where ``inputs``/``outputs`` are the concrete operand/result values of one
evaluation (evaluator representation) and ``cotangents[k]`` is the cotangent
of result ``k`` (``None`` means zero). It returns one cotangent per operand,
with the operand's shape (a Python float for an ``f64`` scalar), or ``None``
where no gradient flows (integer and boolean operands, indices, predicates).

Ops whose results are piecewise constant in their inputs (comparisons, logic,
integer casts, constants) are registered in :data:`NON_DIFFERENTIABLE`: they
pass no gradient. An op in neither table raises :class:`TrainingError` at its
location, but only when a non-zero cotangent reaches it (:func:`pullback`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import Location
from ..core.ir import Operation
from ..core.types import FloatType, TensorType, Type
from ..dialects.arith import UnaryOp
from .errors import TrainingError

Cotangent = Any  # np.ndarray | float | None
VJP = Callable[[Operation, list[Any], list[Any], list[Cotangent]], list[Cotangent]]

_VJPS: dict[str, VJP] = {}

#: ops through which no gradient flows (their results do not vary smoothly with their operands)
NON_DIFFERENTIABLE = frozenset({
    "arith.constant", "arith.pi", "arith.cmp", "arith.and", "arith.or", "arith.xor", "arith.not",
})


def vjp(*names: str) -> Callable[[VJP], VJP]:
    """Decorator: ``@vjp("arith.add", "arith.sub")`` registers ``fn`` for those ops."""

    def deco(fn: VJP) -> VJP:
        for n in names:
            _VJPS[n] = fn
        return fn

    return deco


def get_vjp(name: str) -> VJP | None:
    """The rule registered for op ``name`` (``None`` if there is none)."""
    return _VJPS.get(name)


def is_float(t: Type) -> bool:
    """Whether values of type ``t`` carry gradients (``f64`` scalars and tensors)."""
    return isinstance(t.element if isinstance(t, TensorType) else t, FloatType)


def pullback(op: Operation, inputs: list[Any], outputs: list[Any], cotangents: list[Cotangent]) -> list[Cotangent]:
    """Operand cotangents of one evaluation of ``op`` (see the module docstring).

    Requires: ``cotangents`` has one entry per result. Guarantees: one entry
    per operand; ``None`` for non-float operands. Raises :class:`TrainingError`
    at ``op.loc`` when a non-zero cotangent reaches an op without a rule.
    """
    if all(c is None for c in cotangents) or op.name in NON_DIFFERENTIABLE:
        return [None] * len(inputs)
    fn = _VJPS.get(op.name)
    if fn is None:
        raise TrainingError(
            f"cannot differentiate through '{op.name}': it has no reverse-mode rule",
            with_source(op.loc),
            help="make the parameters this value depends on frozen, or compute it outside the differentiated path",
        )
    grads = fn(op, inputs, outputs, cotangents)
    return [g if is_float(v.type) else None for g, v in zip(grads, op.operands)]


def with_source(loc: Location | None) -> Location | None:
    """``loc`` with its file's text attached when it has none, so the diagnostic can quote the line.

    Host CFG locations carry only ``FILE:LINE:COL``; the file is read if it
    still exists (and is small), otherwise ``loc`` is returned unchanged.
    """
    if loc is None or loc.source is not None:
        return loc
    try:
        path = Path(loc.file)
        if not path.is_file() or path.stat().st_size > 1 << 22:
            return loc
        return dataclasses.replace(loc, source=path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return loc


def _arr(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _like(value: Any, g: np.ndarray) -> Any:
    """``g`` summed down to the shape of ``value`` (numpy broadcasting undone); a float for scalars."""
    shape = np.shape(value)
    g = np.asarray(g, dtype=np.float64)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for ax, n in enumerate(shape):
        if n == 1 and g.shape[ax] != 1:
            g = g.sum(axis=ax, keepdims=True)
    return float(g) if not shape else g.reshape(shape)


# ----------------------------------------------------------------------- nn
def _act_grad(kind: str, y: np.ndarray) -> np.ndarray | None:
    """d act / d z expressed through the activation's output ``y`` (None: identity)."""
    if kind == "relu":
        return (y > 0.0).astype(np.float64)
    if kind == "tanh":
        return 1.0 - y * y
    if kind == "sigmoid":
        return y * (1.0 - y)
    return None


@vjp("nn.dense")
def _dense(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    x, w = _arr(ins[0]), _arr(ins[1])
    gz = _arr(cts[0])
    d = _act_grad(str(op.properties.get("activation", "none")), _arr(outs[0]))
    if d is not None:
        gz = gz * d
    gx = gz @ w
    gw = gz.reshape(-1, gz.shape[-1]).T @ x.reshape(-1, x.shape[-1])  # summed over a batch axis if any
    grads: list[Cotangent] = [gx, gw]
    if len(ins) == 3:
        grads.append(gz.reshape(-1, gz.shape[-1]).sum(axis=0))
    return grads


@vjp("nn.relu", "nn.tanh", "nn.sigmoid", "nn.angle")
def _elementwise(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    y, g = _arr(outs[0]), _arr(cts[0])
    if op.name == "nn.angle":  # y = pi * s(x), dy/dx = pi * s * (1 - s) = y * (1 - y / pi)
        d = y * (1.0 - y / np.pi)
    else:
        d = _act_grad(op.name[3:], y)
    return [_like(ins[0], g * d)]


@vjp("nn.softmax")
def _softmax(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    y, g = _arr(outs[0]), _arr(cts[0])
    return [y * (g - np.sum(g * y, axis=-1, keepdims=True))]


@vjp("nn.normalize")
def _normalize(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    x, y, g = _arr(ins[0]), _arr(outs[0]), _arr(cts[0])
    eps = float(op.properties.get("eps", 1e-12))  # type: ignore[arg-type]
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    # Below eps the op divides by the constant eps: a plain scaling.
    inside = n > eps
    gx = np.where(inside, (g - y * np.sum(g * y, axis=-1, keepdims=True)) / np.maximum(n, eps), g / eps)
    return [gx]


@vjp("nn.embed")
def _embed(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    ids = np.asarray(ins[0], dtype=np.int64)
    table = _arr(ins[1])
    gt = np.zeros_like(table)
    np.add.at(gt, ids, _arr(cts[0]))  # repeated ids accumulate
    return [None, gt]


@vjp("nn.index")
def _index(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    gx = np.zeros(np.shape(ins[0]))
    gx[int(ins[1])] = _arr(cts[0])
    return [gx, None]


@vjp("nn.slice")
def _slice(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    gx = np.zeros(np.shape(ins[0]))
    gx[int(op.properties["start"]) : int(op.properties["stop"])] = _arr(cts[0])  # type: ignore[arg-type]
    return [gx]


@vjp("nn.broadcast")
def _broadcast(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    return [float(np.sum(_arr(cts[0])))]


@vjp("nn.reduce")
def _reduce(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    x, g = _arr(ins[0]), float(cts[0])
    kind = str(op.properties["kind"])
    if kind == "sum":
        return [np.full(x.shape, g)]
    if kind == "mean":
        return [np.full(x.shape, g / x.size)]
    gx = np.zeros(x.shape)  # max/min: the first extreme element takes the gradient (numpy's argmax)
    flat = int(np.argmax(x) if kind == "max" else np.argmin(x))
    gx.reshape(-1)[flat] = g
    return [gx]


# -------------------------------------------------------------------- arith
@vjp("arith.add", "arith.sub", "arith.mul", "arith.div")
def _binary(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    a, b, g = _arr(ins[0]), _arr(ins[1]), _arr(cts[0])
    if op.name == "arith.add":
        ga, gb = g, g
    elif op.name == "arith.sub":
        ga, gb = g, -g
    elif op.name == "arith.mul":
        ga, gb = g * b, g * a
    else:
        ga, gb = g / b, -g * a / (b * b)
    return [_like(ins[0], ga), _like(ins[1], gb)]


@vjp("arith.neg", "arith.sin", "arith.cos")
def _unary(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    a, g = _arr(ins[0]), _arr(cts[0])
    d = {"arith.neg": -np.ones_like(a), "arith.sin": np.cos(a), "arith.cos": -np.sin(a)}[op.name]
    return [_like(ins[0], g * d)]


@vjp("arith.select")
def _select(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    g = cts[0]
    return [None, g, None] if bool(ins[0]) else [None, None, g]


@vjp("arith.cast")
def _cast(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    # f64 -> f64 is the identity; a cast to or from an integer passes no gradient.
    if is_float(UnaryOp(op).input.type) and is_float(op.results[0].type):
        return [_like(ins[0], _arr(cts[0]))]
    return [None]


# ------------------------------------------------------------------- tensor
@vjp("tensor.extract")
def _extract(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    gx = np.zeros(np.shape(ins[0]))
    gx[tuple(int(i) for i in ins[1:])] = float(cts[0])
    return [gx] + [None] * (len(ins) - 1)


@vjp("tensor.from_elements")
def _from_elements(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    return [float(v) for v in _arr(cts[0]).reshape(-1)]


@vjp("tensor.concat")
def _concat(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    axis = int(op.properties.get("axis", 0))  # type: ignore[arg-type]
    cuts = np.cumsum([np.shape(x)[axis] for x in ins])[:-1]
    return list(np.split(_arr(cts[0]), cuts, axis=axis))


@vjp("tensor.reshape")
def _reshape(op: Operation, ins: list[Any], outs: list[Any], cts: list[Cotangent]) -> list[Cotangent]:
    return [_arr(cts[0]).reshape(np.shape(ins[0]))]
