"""Small hand-built programs used by several backend tests."""

from __future__ import annotations

import numpy as np

from qglm_ir import ModuleBuilder
from qglm_ir.builder import param_ref
from qglm_ir.core.types import f64, tensor


def feedforward_module():
    """ry(theta) on q0, measure, X on q1 if 1 else H on q2; a loop with iv-dependent rz."""
    mb = ModuleBuilder("demo")
    mb.param("w", tensor(3), trainable=True, init=np.array([0.1, 0.2, 0.3]))
    kb = mb.kernel("ff", num_qubits=3, inputs=[("theta", f64)])
    w = param_ref(kb.b, mb.module.lookup("w"))
    kb.gate("ry", 0, params=[kb.input("theta")])
    kb.gate("rx", 1, params=[kb.arith("mul", kb.extract(w, 1), 2.0)])
    bit = kb.measure(0)
    with kb.if_(bit):
        kb.gate("x", 1)
    with kb.else_():
        kb.gate("h", 2)
    with kb.for_(0, 3) as i:
        kb.gate("rz", 2, params=[kb.arith("mul", kb.b.create("arith.cast", [i], [f64]).result, 0.5)])
    b2 = kb.measure(1)
    kb.finish([bit, b2])
    return mb.module


def bell_module(theta: float | None = None):
    mb = ModuleBuilder("bell")
    kb = mb.kernel("bell", num_qubits=2)
    kb.gate("h", 0)
    kb.gate("cx", 0, 1)
    if theta is not None:
        kb.gate("rz", 1, params=[theta])
    a = kb.measure(0)
    b = kb.measure(1)
    kb.finish([a, b])
    return mb.module
