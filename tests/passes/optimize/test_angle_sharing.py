"""Folded ``arith.constant`` angles are shared by the folders of one pass-manager run; every
other value is folded per folder (rewrites redirect operands, so its answer can change)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from qglm_ir.core import Builder, Module, f64
from qglm_ir.passes import Pass, PassContext, PassResult
from qglm_ir.passes.manager import PassManager
from qglm_ir.passes.optimize import angles
from qglm_ir.passes.optimize.angles import AngleFolder, constant_angles_scope


def _sum_module():
    m = Module()
    b = Builder.at_end(m.body)
    c1, c2, c3 = (b.create("arith.constant", [], [f64], {"value": x}).result for x in (1.0, 2.0, 5.0))
    s = b.create("arith.add", [c1, c2], [f64]).result
    return m, c1, c3, s


def test_constants_shared_within_a_run_and_sums_refolded() -> None:
    m, c1, c3, s = _sum_module()
    with constant_angles_scope():
        assert AngleFolder(m).consts([c1, s]) == [1.0, 3.0]
        table = angles._RUN_CONSTANTS.get()
        assert table is not None and table[c1] == 1.0 and s not in table
        c1.replace_all_uses_with(c3)  # a rewrite between two passes: the sum is now 5 + 2
        later = AngleFolder(m)
        assert later.const(s) == 7.0 and later.consts([c1, c3]) == [1.0, 5.0]
        with constant_angles_scope():  # a nested run shares the outer table
            assert angles._RUN_CONSTANTS.get() is table
    assert angles._RUN_CONSTANTS.get() is None  # nothing outlives the run


@dataclass(frozen=True)
class _SeeTable(Pass):
    name: ClassVar[str] = "test-see-constants"
    seen: list = None  # type: ignore[assignment]

    def run(self, module, ctx: PassContext) -> PassResult:
        self.seen.append(angles._RUN_CONSTANTS.get())
        return PassResult(False)


def test_pass_manager_run_opens_one_table_for_all_passes() -> None:
    seen: list = []
    PassManager([_SeeTable(seen), _SeeTable(seen)]).run(_sum_module()[0])
    assert seen[0] is not None and seen[0] is seen[1]
    assert angles._RUN_CONSTANTS.get() is None
