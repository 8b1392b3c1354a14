"""The logical-equivalence checker catches broken protections."""

from __future__ import annotations

from qglm_ir.core.ir import OpResult
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.qec.check import compact, logical_report, logically_equivalent
from qglm_ir.passes.qec.redundant_readout import RedundantReadout
from qglm_ir.passes.qec.rep_code import RepetitionCode

from .helpers import mapped_readout_kernel, toy_device


def test_compact_drops_untouched_wires():
    _, kernel = mapped_readout_kernel(5, 2, "x")
    small = compact(kernel)
    k = next(op for op in small.body if op.name == "q.kernel")
    assert sum(op.name == "q.alloc" for op in k.walk()) == 1


def test_unconditional_correction_is_caught():
    module, kernel = mapped_readout_kernel(5, 0, "x", idle=5e-6)
    before = module.clone()
    RepetitionCode(decoding="feed-forward").run(module, PassContext(device=toy_device()))
    assert logically_equivalent(before, module)
    fix = next(op for op in kernel.walk() if op.name == "scf.if")
    cond = fix.operands[0]
    assert isinstance(cond, OpResult)
    # corrupt the decoder: correct when the syndrome says "no error"
    from qglm_ir.core.builder import Builder
    from qglm_ir.core.types import i1

    neg = Builder.before_op(fix).create("arith.not", [cond], [i1]).result
    fix.set_operand(0, neg)
    verdict, _ = logical_report(before, module)["k"]
    assert verdict is False and not logically_equivalent(before, module)


def test_wrong_vote_is_caught():
    from qglm_ir.core.builder import Builder
    from qglm_ir.core.types import i1

    module, kernel = mapped_readout_kernel(5, 0, "x")
    before = module.clone()
    RedundantReadout().run(module, PassContext(device=toy_device()))
    assert logically_equivalent(before, module)
    ret = kernel.regions[0].block.last
    ret.set_operand(0, Builder.before_op(ret).create("arith.not", [ret.operands[0]], [i1]).result)
    assert not logically_equivalent(before, module)
