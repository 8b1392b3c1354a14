"""The ``canonicalize`` lowering pass: constant folding, frozen params, constant
branches, empty loops, dead classical code."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

from qglm_ir import ModuleBuilder
from qglm_ir.builder import param_ref
from qglm_ir.core.module import Module
from qglm_ir.core.types import f64, tensor
from qglm_ir.passes import PassContext
from qglm_ir.passes.lower.canonicalize import Canonicalize
from qglm_ir.verify import verify

_sem = importlib.import_module("qglm_ir.semantics")
HAS_SEMANTICS = hasattr(_sem, "equivalent")


def names(m: Module) -> list[str]:
    return [o.name for o in m.walk()][1:]


def run(m: Module, **opts) -> tuple[Module, dict]:
    before = m.clone()
    res = Canonicalize(**opts).run(m, PassContext())
    verify(m)
    if HAS_SEMANTICS:
        for kb, ka in zip(
            (o for o in before.body if o.name == "q.kernel"), (o for o in m.body if o.name == "q.kernel")
        ):
            assert _sem.equivalent(kb, ka)
    return m, res.stats | {"changed": res.changed}


def angle_of(m: Module, gate: str) -> float:
    op = next(o for o in m.walk() if o.name == gate)
    c = op.operands[0].op
    assert c.name == "arith.constant"
    return c.properties["value"]


def test_folds_arith_chains_and_erases_dead_code():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 1)
    half = kb.arith("mul", kb.pi(), 0.5)
    ang = kb.arith("add", half, kb.arith("cos", 0.0))
    kb.gate("rz", 0, params=[ang])
    kb.arith("sub", ang, 3.0)  # unused
    kb.finish([])
    m, stats = run(mb.module)
    assert angle_of(m, "q.rz") == pytest.approx(math.pi / 2 + 1.0)
    assert stats["folded"] >= 3 and stats["erased"] >= 1
    assert names(m).count("arith.constant") == 1
    assert "arith.sub" not in names(m) and "arith.pi" not in names(m)
    m2, stats2 = run(m)
    assert not stats2["changed"]


def test_division_by_zero_is_not_folded():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 1)
    bad = kb.arith("div", 1.0, 0.0)
    kb.finish([bad])
    m = mb.module
    Canonicalize().run(m, PassContext())
    verify(m)
    assert "arith.div" in names(m)


def test_frozen_params_fold_trainable_stay():
    mb = ModuleBuilder("m")
    mb.param("w", tensor(2), trainable=False, init=np.array([0.25, 0.5]))
    mb.param("t", f64, trainable=True, init=0.75)
    kb = mb.kernel("k", 1)
    decls = {o.properties["sym_name"]: o for o in mb.module.body if o.name == "param.decl"}
    w = param_ref(kb.b, decls["w"])
    t = param_ref(kb.b, decls["t"])
    kb.gate("rx", 0, params=[kb.extract(w, 1)])
    kb.gate("ry", 0, params=[t])
    kb.finish([])
    kept, kept_stats = run(mb.module.clone(), fold_frozen_params=False)
    assert kept_stats["params_folded"] == 0 and names(kept).count("param.get") == 2
    m, stats = run(mb.module)
    assert stats["params_folded"] == 1
    assert angle_of(m, "q.rx") == 0.5
    assert names(m).count("param.get") == 1  # the trainable one survives


def test_constant_if_and_empty_loop_are_resolved():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2)
    kb.gate("h", 0)
    with kb.if_(kb.const(True)):
        kb.gate("x", 1)
    with kb.else_():
        kb.gate("z", 1)
    with kb.for_(3, 3):
        kb.gate("cx", 0, 1)
    with kb.for_(0, 2):
        kb.gate("s", 0)
    kb.finish([])
    m, stats = run(mb.module)
    assert stats["branches_resolved"] == 1 and stats["loops_removed"] == 1
    ns = names(m)
    assert "scf.if" not in ns and "q.z" not in ns and "q.x" in ns and "q.cx" not in ns
    assert ns.count("scf.for") == 1


def test_measured_condition_is_kept():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2)
    kb.gate("h", 0)
    b = kb.measure(0)
    with kb.if_(b):
        kb.gate("x", 1)
    kb.finish([b])
    m, stats = run(mb.module)
    assert "scf.if" in names(m) and not stats["changed"]


def test_options_disable_steps():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 1)
    kb.arith("add", 1.0, 2.0)
    kb.finish([])
    m, stats = run(mb.module, fold=False, dce=False)
    assert not stats["changed"] and "arith.add" in names(m)
