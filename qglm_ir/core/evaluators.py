"""Registry of classical evaluators: the numpy meaning of each classical op.

An evaluator takes the op and the concrete values of its operands (numpy
scalars/arrays, Python bools/ints/floats) and returns the list of its result
values. Dialects register evaluators for their classical ops next to their
definitions; :mod:`qglm_ir.semantics` and the engine look them up. Quantum
ops are not evaluated here (the semantics contracts them as tensors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .ir import Operation

Evaluator = Callable[[Operation, list[Any]], list[Any]]

_EVALUATORS: dict[str, Evaluator] = {}


def evaluator(*names: str) -> Callable[[Evaluator], Evaluator]:
    """Decorator: ``@evaluator("arith.add", "arith.sub")`` registers ``fn`` for those ops."""

    def deco(fn: Evaluator) -> Evaluator:
        for n in names:
            _EVALUATORS[n] = fn
        return fn

    return deco


def get_evaluator(name: str) -> Evaluator | None:
    return _EVALUATORS.get(name)


def evaluate_op(op: Operation, args: list[Any]) -> list[Any]:
    """Evaluate a classical op; raises ``KeyError`` naming the op if none is registered."""
    fn = _EVALUATORS.get(op.name)
    if fn is None:
        raise KeyError(f"no classical evaluator registered for {op.name}")
    return fn(op, args)
