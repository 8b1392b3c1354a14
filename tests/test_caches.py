"""qglm_ir.caches.clear: every process-wide cache emptied, results unchanged."""

from __future__ import annotations

import qglm_ir
from qglm_ir import caches
from qglm_ir.frontends.qasm import load_qasm
from qglm_ir.passes.optimize import fuse_1q, fuse_2q, synthesis
from qglm_ir.text import print_module

SOURCE = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
rz(0.3) q[0]; sx q[0]; rz(1.1) q[0];
cx q[0], q[1]; ry(0.7) q[1]; cx q[0], q[1]; rzz(0.4) q[1], q[2];
cx q[1], q[2]; rx(0.2) q[2]; cx q[1], q[2];
"""


def _compile():
    return qglm_ir.compile(load_qasm(SOURCE), optimization_level=3, basis="cx,rz,sx,x")


def test_clear_empties_the_synthesis_caches_and_keeps_results() -> None:
    first = print_module(_compile())
    filled = [f for f in (fuse_2q.resynthesis, synthesis._synth_2q_cached, fuse_1q._run_synthesis)
              if f.cache_info().currsize]
    assert filled, "the compile should have cached some synthesis"
    assert caches.clear() >= len(filled)
    assert all(f.cache_info().currsize == 0 for f in filled)
    assert print_module(_compile()) == first  # recomputed, the same answers
