"""Branch enumeration: measurement distributions, feed-forward, reset, merges, caps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qglm_ir import ModuleBuilder
from qglm_ir import semantics as S
from qglm_ir.core.errors import SemanticsError
from qglm_ir.core.types import i64

ATOL = 1e-10


def bell_measured():
    mb = ModuleBuilder()
    kb = mb.kernel("bell", 2)
    kb.gate("h", 0)
    kb.gate("cx", 0, 1)
    a = kb.measure(0)
    b = kb.measure(1)
    return kb.finish([a, b])


def test_bell_distribution():
    dist = S.outcome_distribution(bell_measured())
    assert dist.keys() == {(0, 0), (1, 1)}
    assert dist[(0, 0)] == pytest.approx(0.5) and dist[(1, 1)] == pytest.approx(0.5)


def test_measurement_record_without_returns():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2)
    kb.gate("ry", 0, params=[2 * math.asin(math.sqrt(0.3))])  # P(1) = 0.3
    kb.measure(0)
    kb.gate("x", 1)
    kb.measure(1)
    kb.finish()
    dist = S.outcome_distribution(kb.op)
    assert dist == pytest.approx({(0, 1): 0.7, (1, 1): 0.3})


def teleport(theta: float):
    """Teleport ry(theta)|0> from q0 to q2 with feed-forward; return q2's measurement."""
    mb = ModuleBuilder()
    kb = mb.kernel("teleport", 3)
    kb.gate("ry", 0, params=[theta])
    kb.gate("h", 1)
    kb.gate("cx", 1, 2)
    kb.gate("cx", 0, 1)
    kb.gate("h", 0)
    m0 = kb.measure(0)
    m1 = kb.measure(1)
    with kb.if_(m1):
        kb.gate("x", 2)
    with kb.if_(m0):
        kb.gate("z", 2)
    m2 = kb.measure(2)
    return kb.finish([m0, m1, m2])


@pytest.mark.parametrize("theta", [0.0, 0.7, math.pi / 2, 2.5])
def test_teleportation_feed_forward(theta):
    k = teleport(theta)
    dist = S.outcome_distribution(k)
    c2, s2 = math.cos(theta / 2) ** 2, math.sin(theta / 2) ** 2
    want = {}
    for m0 in (0, 1):
        for m1 in (0, 1):
            for m2, p in ((0, c2), (1, s2)):
                if p > 1e-15:
                    want[(m0, m1, m2)] = 0.25 * p
    assert dist.keys() == want.keys()
    for key, p in want.items():
        assert dist[key] == pytest.approx(p, abs=ATOL)
    # Mixture over branches: q2 ends in |m2>, q0/q1 in their measured values.
    z = S.expectation_z(k)
    assert z == pytest.approx([0.0, 0.0, c2 - s2], abs=ATOL)


def test_reset_and_probabilities_mixture():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2)
    kb.gate("h", 0)
    kb.gate("cx", 0, 1)
    kb.reset(0)
    kb.finish()
    np.testing.assert_allclose(S.probabilities(kb.op), [0.5, 0, 0.5, 0], atol=ATOL)
    with pytest.raises(SemanticsError, match="not unitary"):
        S.statevector(kb.op)


def test_measured_if_whose_branch_swaps_its_qubits_is_merged():
    # then-branch yields (q1, q0): the results' wires differ per branch and must be permuted.
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2, qubit_args=True)
    kb.gate("h", 0)
    kb.gate("x", 1)
    m = kb.measure(0)
    with kb.if_(m):
        kb.gate("id", 0)
        kb.gate("id", 1)
    k = kb.finish([m])
    if_op = next(op for op in k.walk() if op.name == "scf.if")
    y = if_op.regions[0].blocks[0].last
    y.set_operands(list(reversed(y.operands)))
    # m = 1: returned (r0, r1) = (old q1 = |1>, old q0 = |1>) -> |11>;
    # m = 0: (r0, r1) = (q0 = |0>, q1 = |1>) -> |10> (index 2).
    np.testing.assert_allclose(S.probabilities(k), [0, 0, 0.5, 0.5], atol=ATOL)
    res = S.run_branches(k)
    assert sorted(b.measurements for b in res.batch) == [(0,), (1,)]


def test_loop_bound_from_measurement():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2)
    kb.gate("h", 0)
    m = kb.measure(0)
    n = kb.b.create("arith.cast", [m], [i64]).result
    ub = kb.b.create("arith.add", [n, kb.const(1)], [i64]).result
    with kb.for_(0, ub):
        kb.gate("x", 1)
    m1 = kb.measure(1)
    k = kb.finish([m, m1])
    assert S.outcome_distribution(k) == pytest.approx({(0, 1): 0.5, (1, 0): 0.5})


def test_alloc_in_one_measured_branch_pads_the_other():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1)
    kb.gate("h", 0)
    m = kb.measure(0)
    k = kb.finish([m])
    # Insert into the kernel: if m { a = alloc; a = x a; dealloc a }.
    from qglm_ir.core.builder import Builder
    from qglm_ir.core.ir import Block, Operation, Region
    from qglm_ir.core.types import qubit

    then, els = Block(), Block()
    tb = Builder.at_end(then)
    a = tb.create("q.alloc", [], [qubit]).result
    a = tb.create("q.x", [a], [qubit]).result
    tb.create("q.dealloc", [a])
    tb.create("scf.yield", [])
    Builder.at_end(els).create("scf.yield", [])
    ret = k.regions[0].blocks[0].last
    dealloc = ret.prev
    k.regions[0].blocks[0].insert_before(Operation("scf.if", [m], [], regions=[Region([then]), Region([els])]), dealloc)
    probs = S.probabilities(k)
    # wire 0: measured qubit; wire 1: the ancilla (|1> only when m = 1).
    np.testing.assert_allclose(probs, [0.5, 0, 0, 0.5], atol=ATOL)


def test_repeat_until_success_terminates_by_pruning():
    # while (measure(h q) == 1) {}: infinitely many branches in principle, weights 2^-k.
    from qglm_ir.core.builder import Builder
    from qglm_ir.core.ir import Block, Region
    from qglm_ir.core.types import i1, qubit

    from ._ir import kernel_op

    def body(b, args):
        q = b.create("q.alloc", [], [qubit]).result
        before = Block([qubit])
        bb = Builder.at_end(before)
        h = bb.create("q.h", [before.args[0]], [qubit]).result
        meas = bb.create("q.measure", [h], [i1, qubit])
        bb.create("scf.condition", [meas.results[0], meas.results[1]])
        after = Block([qubit])
        Builder.at_end(after).create("scf.yield", [after.args[0]])
        w = b.create("scf.while", [q], [qubit], regions=[Region([before]), Region([after])])
        return [w.results[0]]

    k = kernel_op("rus", [], body)
    probs = S.probabilities(k)
    assert probs[0] == pytest.approx(1.0, abs=1e-12)


def test_branch_cap():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 4)
    for q in range(4):
        kb.gate("h", q)
        kb.measure(q)
    kb.finish()
    assert len(S.outcome_distribution(kb.op)) == 16
    with pytest.raises(SemanticsError, match="more than 8 measurement branches"):
        S.outcome_distribution(kb.op, max_branches=8)


def test_measurement_dependent_angle():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 2)
    kb.gate("h", 0)
    m = kb.measure(0)
    angle = kb.arith("mul", kb.b.create("arith.cast", [m], [kb.const(0.0).type]).result, math.pi)
    kb.gate("ry", 1, params=[angle])
    m1 = kb.measure(1)
    k = kb.finish([m, m1])
    assert S.outcome_distribution(k) == pytest.approx({(0, 0): 0.5, (1, 1): 0.5})
