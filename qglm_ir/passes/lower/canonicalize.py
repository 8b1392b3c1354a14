"""``canonicalize``: fold constant classical code, resolve constant branches, drop dead pure ops.

Requires: a verified module. Guarantees (all semantics-preserving, so
``preserves = "unitary"``):

* a pure op whose operands are all constants and whose result is a scalar
  (``f64``, ``i64``, ``i1``) is replaced by an ``arith.constant`` holding the
  value its registered classical evaluator computes (non-finite results and
  ops without an evaluator are left alone);
* with ``fold-frozen-params``, ``param.get`` of a *frozen* parameter that has
  an ``init`` becomes a constant (trainable parameters are never folded);
* ``scf.if`` on a constant condition is replaced by the chosen branch;
  ``scf.for`` with constant bounds and no iterations by its initial values;
* pure ops whose results are unused are erased (dead classical code).

Quantum ops are never touched. Runs in time linear in the number of ops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...core.attributes import DenseArray
from ...core.evaluators import get_evaluator
from ...core.ir import Block, Operation, Value
from ...core.module import Module
from ...core.opdef import CONSTANT_LIKE, PURE, get_opdef
from ...core.types import FloatType, IntegerType, TensorType, i1
from ...dialects.scf import ForOp, IfOp
from ..base import Pass, PassContext, PassResult


def _ensure_evaluators() -> None:
    # The classical evaluators live in a dialect module that registers them on
    # import; import it if present so folding works whatever was imported first.
    try:
        import importlib

        importlib.import_module("qglm_ir.dialects.classical_eval")
    except ModuleNotFoundError:
        pass


def _is(op: Operation, trait: str) -> bool:
    d = get_opdef(op.name)
    return d is not None and trait in d.traits


def constant_value(v: Value) -> object | None:
    """The compile-time value of ``v`` if it is a constant-like op's result, else ``None``."""
    op = getattr(v, "op", None)
    if op is None or not _is(op, CONSTANT_LIKE):
        return None
    if op.name == "arith.constant":
        value = op.properties.get("value")
        return value.array if isinstance(value, DenseArray) else value
    if op.name == "arith.pi":
        return math.pi
    fn = get_evaluator(op.name)
    if fn is None:
        return None
    try:
        return fn(op, [])[0]
    except Exception:  # an evaluator that cannot run here simply means "not constant"
        return None


def _scalar_for(value: object, type_: object) -> bool | int | float | None:
    """``value`` as a Python scalar of IR type ``type_``, or ``None`` if it does not fit."""
    if isinstance(value, np.ndarray):
        if value.shape != ():
            return None
        value = value.item()
    elif isinstance(value, np.generic):
        value = value.item()
    if type_ == i1:
        return bool(value) if isinstance(value, (bool, int)) else None
    if isinstance(type_, IntegerType):
        if isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63:
            return None
        return value
    if isinstance(type_, FloatType):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        f = float(value)
        return f if math.isfinite(f) else None
    return None


@dataclass(frozen=True)
class Canonicalize(Pass):
    """Fold constants, resolve constant branches and erase dead pure ops (classical only)."""

    name: ClassVar[str] = "canonicalize"
    preserves: ClassVar[str] = "unitary"

    fold: bool = True
    fold_frozen_params: bool = True
    dce: bool = True

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        _ensure_evaluators()
        stats = {"folded": 0, "params_folded": 0, "branches_resolved": 0, "loops_removed": 0, "erased": 0}
        frozen = self._frozen_params(module) if self.fold_frozen_params else {}
        # Pre-order walk: a fold's operands (defined earlier) are already folded.
        for op in list(module.walk()):
            if op.parent is None:  # erased or inlined away by an earlier step
                continue
            if op.name == "param.get":  # only frozen params fold, never via evaluators
                if frozen and self._fold_param(op, frozen):
                    stats["params_folded"] += 1
            elif op.name == "scf.if":
                if self._resolve_if(op):
                    stats["branches_resolved"] += 1
            elif op.name == "scf.for":
                if self._remove_empty_for(op):
                    stats["loops_removed"] += 1
            elif self.fold and _is(op, PURE) and not _is(op, CONSTANT_LIKE):
                if self._fold(op):
                    stats["folded"] += 1
        if self.dce:
            stats["erased"] = self._erase_dead(module)
        return PassResult(any(stats.values()), dict(stats))

    # ---------------------------------------------------------------- folding
    @staticmethod
    def _frozen_params(module: Module) -> dict[str, object]:
        out: dict[str, object] = {}
        for op in module.body:
            if op.name == "param.decl" and op.properties.get("trainable") is False:
                init = op.properties.get("init")
                name = op.properties.get("sym_name")
                if init is not None and isinstance(name, str):
                    out[name] = init
        return out

    @staticmethod
    def _replace_with_constant(op: Operation, value: object) -> None:
        const = Operation("arith.constant", (), [op.results[0].type], {"value": value}, loc=op.loc)
        assert op.parent is not None
        op.parent.insert_before(const, op)
        const.results[0].name_hint = op.results[0].name_hint
        op.results[0].replace_all_uses_with(const.results[0])
        op.erase()

    def _fold_param(self, op: Operation, frozen: dict[str, object]) -> bool:
        ref = op.properties.get("name")
        init = frozen.get(getattr(ref, "name", ""))
        if init is None or len(op.results) != 1:
            return False
        t = op.results[0].type
        if isinstance(t, TensorType):
            if not isinstance(init, DenseArray) or init.shape != t.shape:
                return False
            value: object = init
        else:
            value = _scalar_for(init, t)
            if value is None:
                return False
        self._replace_with_constant(op, value)
        return True

    def _fold(self, op: Operation) -> bool:
        if len(op.results) != 1 or op.regions or not op.operands:
            return False
        fn = get_evaluator(op.name)
        if fn is None:
            return False
        args = []
        for v in op.operands:
            c = constant_value(v)
            if c is None:
                return False
            args.append(c)
        try:
            with np.errstate(all="raise"):
                out = fn(op, args)
        except Exception:  # e.g. division by zero: leave it for run time to report
            return False
        value = _scalar_for(out[0], op.results[0].type) if out else None
        if value is None:
            return False
        self._replace_with_constant(op, value)
        return True

    # ----------------------------------------------------------- control flow
    @staticmethod
    def _inline(op: Operation, block: Block, inputs: list[Value]) -> None:
        """Replace ``op`` by the body of ``block`` (args bound to ``inputs``)."""
        assert op.parent is not None
        for arg, value in zip(block.args, inputs):
            arg.replace_all_uses_with(value)
        term = block.last
        assert term is not None and term.name == "scf.yield"
        yielded = list(term.operands)
        for inner in block:
            if inner is term:
                break
            inner.detach()
            op.parent.insert_before(inner, op)
        term.erase()
        for res, value in zip(op.results, yielded):
            res.replace_all_uses_with(value)
        op.erase()

    def _resolve_if(self, op: Operation) -> bool:
        cond = constant_value(IfOp(op).cond)
        if not isinstance(cond, (bool, np.bool_)):
            return False
        block = op.regions[0 if cond else 1].block
        self._inline(op, block, IfOp(op).inputs)
        return True

    def _remove_empty_for(self, op: Operation) -> bool:
        lb, ub, step = (constant_value(v) for v in ForOp(op).bounds)
        if not all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in (lb, ub, step)):
            return False
        if not (step > 0 and lb >= ub):  # type: ignore[operator]
            return False
        for res, init in zip(op.results, ForOp(op).iter_args):
            res.replace_all_uses_with(init)
        op.erase()
        return True

    # -------------------------------------------------------------------- DCE
    @staticmethod
    def _erase_dead(module: Module) -> int:
        """Erase unused pure ops; linear: each op is pushed when it may have become dead."""
        stack = [op for op in module.walk() if _is(op, PURE) and not op.regions]
        # pop() takes the last op in program order first: users before their
        # definitions, so one sweep frees whole dead chains.
        erased = 0
        while stack:
            op = stack.pop()
            if op.parent is None or any(r.uses for r in op.results):
                continue
            producers = [v.op for v in op.operands if hasattr(v, "op")]
            op.erase()
            erased += 1
            for p in producers:
                if _is(p, PURE) and not p.regions and p.parent is not None:
                    stack.append(p)
        return erased
