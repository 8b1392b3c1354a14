"""The worklist rewrite driver (:mod:`qglm_ir.passes.rewrite`) and the -O3 group built on it
(:mod:`qglm_ir.passes.optimize.fixpoint`): golden IR-in/IR-out, the requeue of producers,
the max-rewrite bound, and the result against Qiskit's ``Operator`` of the input."""

from __future__ import annotations

import textwrap
from typing import ClassVar

import numpy as np
from hypothesis import HealthCheck, given, settings
from qiskit.quantum_info import Operator

from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.core.eraser import Eraser
from qglm_ir.core.ir import Operation
from qglm_ir.core.types import qubit
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.optimize.angles import AngleFolder
from qglm_ir.passes.optimize.fixpoint import OptimizeFixpoint, local_patterns
from qglm_ir.passes.optimize.local import run_local_patterns
from qglm_ir.passes.optimize.wires import SPECS, kernels
from qglm_ir.passes.rewrite import PatternRewriter, RewriteDriver, RewritePattern
from qglm_ir.testing import kernels as kernel_strategy
from qglm_ir.text import parse_module, print_module

from ._oracle import equivalent
from ._support import CX_BASIS, count_2q

_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class AdjacentPair(RewritePattern):
    """Removes ``g g`` when the next op on the wire is the same self-inverse 1q gate: it sees
    only its root's direct successor, so it matches again only if the driver requeues."""

    name: ClassVar[str] = "adjacent-pair"

    def __init__(self, gate: str) -> None:
        self.roots = frozenset({f"q.{gate}"})

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> bool:
        uses = op.results[0].uses
        if not uses or uses[0].name != op.name:
            return False
        nxt = uses[0]
        rewriter.bypass_op(op, 0)
        rewriter.bypass_op(nxt, 0)
        return True


class Flip(RewritePattern):
    """Replaces ``x`` by a new ``x`` forever: a pattern set that never converges."""

    name: ClassVar[str] = "flip"
    roots = frozenset({"q.x"})

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> bool:
        rewriter.replace_op(op, Operation("q.x", [op.operands[0]], [qubit], loc=op.loc))
        return True


class _Deaf(PatternRewriter):
    """A rewriter that never tells the driver what a rewrite touched."""

    def take(self) -> list[Operation]:
        super().take()
        return []


NESTED_PAIRS = textwrap.dedent("""\
    module @m {
      q.kernel @k() -> () {
        %q0 = q.alloc
        %a = q.h %q0
        %b = q.x %a
        %c = q.x %b
        %d = q.h %c
        %e = q.z %d
        q.dealloc %e
        func.return
      }
    }
""")


def _run(text: str, patterns, requeue: bool = True, max_rewrites: int | None = None):
    module = parse_module(text)
    (k,) = kernels(module)
    eraser = Eraser()
    rw = PatternRewriter(eraser) if requeue else _Deaf(eraser)
    seed = [op for op in k.walk() if op.name in SPECS]
    res = RewriteDriver(patterns, rw).run(seed, max_rewrites)
    eraser.flush()
    return module, k, res


def _gate_lines(module) -> list[str]:
    return [ln.strip() for ln in print_module(module).splitlines() if " = q." in ln and "alloc" not in ln]


def test_golden_requeued_producer_matches_another_patterns_rewrite():
    # Program order: h (no h follows: no match), x x (removed; their producer h is requeued),
    # then h h meet and go. Only z is left.
    module, _, res = _run(NESTED_PAIRS, [AdjacentPair("h"), AdjacentPair("x")])
    assert _gate_lines(module) == ["%e = q.z %q0"]
    assert res.rewrites == 2 and res.converged and res.by_pattern == {"adjacent-pair": 2}


def test_golden_without_requeue_the_outer_pair_stays():
    module, _, res = _run(NESTED_PAIRS, [AdjacentPair("h"), AdjacentPair("x")], requeue=False)
    assert _gate_lines(module) == ["%a = q.h %q0", "%d = q.h %a", "%e = q.z %d"]
    assert res.rewrites == 1


def test_max_rewrites_bound_stops_a_pattern_set_that_never_converges():
    module, k, res = _run(NESTED_PAIRS, [Flip()], max_rewrites=7)
    assert res.rewrites == 7 and not res.converged
    # the IR is still valid and still means the same (x replaced by x)
    assert [op.name for op in k.walk() if op.name in SPECS] == ["q.h", "q.x", "q.x", "q.h", "q.z"]
    # the default bound is finite too (4 per seed op + 1024)
    _, _, res = _run(NESTED_PAIRS, [Flip()])
    assert res.rewrites == 4 * 5 + 1024 and not res.converged


class _Recording(PatternRewriter):
    """A rewriter that keeps every list :meth:`take` hands the driver."""

    def __init__(self, eraser: Eraser, expand=None) -> None:
        super().__init__(eraser, expand=expand)
        self.handed: list[list[str]] = []

    def take(self) -> list[Operation]:
        out = super().take()
        self.handed.append([op.name for op in out])
        return out


def test_take_hands_out_only_ops_a_pattern_roots_at_and_journals_what_changed():
    # x x go; their producer h is touched, but only ``x`` has a pattern: offering h would do
    # nothing, so it is not queued (nor is the z the expansion names); the journal still
    # records h (its successor changed), not the expansion z (an unchanged op).
    module = parse_module(NESTED_PAIRS)
    (k,) = kernels(module)
    z = next(op for op in k.walk() if op.name == "q.z")
    rw = _Recording(Eraser(), expand=lambda op: [z])
    rw.journal = []
    res = RewriteDriver([AdjacentPair("x")], rw).run([op for op in k.walk() if op.name in SPECS])
    assert res.rewrites == 1
    assert rw.handed[0] == []  # was ["q.z", "q.h"]
    # (the users of what a bypass removed are journaled too: the second x, then the last h)
    assert [op.name for op in rw.journal] == ["q.x", "q.h", "q.h"]
    # a driver with a pattern rooted at h (and z) gets both, expansion first
    module = parse_module(NESTED_PAIRS)
    (k,) = kernels(module)
    z = next(op for op in k.walk() if op.name == "q.z")
    rw = _Recording(Eraser(), expand=lambda op: [z])
    RewriteDriver([AdjacentPair("x"), AdjacentPair("h"), AdjacentPair("z")], rw).run(
        [op for op in k.walk() if op.name in SPECS])
    assert rw.handed[0] == ["q.z", "q.h"]


CANCEL_AFTER_MERGE = textwrap.dedent("""\
    module @m {
      q.kernel @k() -> () {
        %q0 = q.alloc
        %q1 = q.alloc
        %t1 = arith.constant 0.25 : f64
        %t2 = arith.constant 0.5 : f64
        %t3 = arith.constant -0.75 : f64
        %c0, %c1 = q.cz %q0, %q1
        %a = q.h %c0
        %b = q.rz(%t1) %a
        %d = q.rz(%t2) %b
        %e = q.rz(%t3) %d
        %f = q.h %e
        %g0, %g1 = q.cx %f, %c1
        q.dealloc %g0
        q.dealloc %g1
        func.return
      }
    }
""")


def test_golden_local_patterns_cancel_fires_on_a_producer_merging_requeued():
    # h meets nothing (rz blocks it); rz(0.25) + rz(0.5) -> rz(0.75) (merging), which cancels
    # with rz(-0.75); their producer h is requeued and cancels with the other h. Without the
    # requeue the h pair would wait for a second whole-pass round.
    module = parse_module(CANCEL_AFTER_MERGE)
    (k,) = kernels(module)
    eraser = Eraser()
    res, _ = run_local_patterns(k, AngleFolder(module), eraser, local_patterns)
    eraser.flush()
    assert [op.name for op in k.walk() if op.name in SPECS] == ["q.cz", "q.cx"]
    assert res.converged and res.by_pattern == {"merge-rotations": 1, "cancel-inverses": 2}


@settings(max_examples=150, **_SETTINGS)
@given(kernel=kernel_strategy(min_qubits=1, max_qubits=4, max_ops=24, measurements=False, control_flow=False,
                              symbolic=False, qubit_args=True,
                              gates=("h", "x", "s", "sdg", "t", "tdg", "sx", "rz", "rx", "ry", "p", "cx", "cz",
                                     "cp", "rzz", "swap", "crz")))
def test_local_patterns_keep_the_operator(kernel) -> None:
    module = kernel.parent_op
    ref = Operator(to_qiskit(module.clone()))
    eraser = Eraser()
    before_2q = count_2q(kernel)
    run_local_patterns(kernel, AngleFolder(module), eraser, local_patterns)
    eraser.flush()
    got = Operator(to_qiskit(module))
    assert got.equiv(ref, atol=1e-8)
    assert count_2q(kernel) <= before_2q


@settings(max_examples=100, **_SETTINGS)
@given(kernel=kernel_strategy(min_qubits=2, max_qubits=3, max_ops=20, measurements=False, control_flow=False,
                              symbolic=False, qubit_args=True))
def test_fixpoint_keeps_the_operator(kernel) -> None:
    module = kernel.parent_op
    ref = Operator(to_qiskit(module.clone()))
    OptimizeFixpoint().run(module, PassContext(basis=CX_BASIS))
    assert Operator(to_qiskit(module)).equiv(ref, atol=1e-8)


@settings(max_examples=150, **_SETTINGS)
@given(kernel=kernel_strategy(max_qubits=3, max_ops=14))
def test_fixpoint_mixed_population(kernel) -> None:
    # measurements, feed-forward, loops, symbolic angles: the branching-statevector oracle
    before = kernel.parent_op.clone().lookup("k")
    OptimizeFixpoint().run(kernel.parent_op, PassContext())
    assert equivalent(before, kernel, observable=True)


def test_fixpoint_is_a_fixed_point_of_the_old_group():
    # After the group, none of the member passes finds anything more.
    from qglm_ir.passes.optimize.cancel import Cancel
    from qglm_ir.passes.optimize.merge_rotations import MergeRotations

    rng = np.random.default_rng(5)
    lines = ["module @m {", "  q.kernel @k(%q0: !q.qubit, %q1: !q.qubit, %q2: !q.qubit) -> "
             "(!q.qubit, !q.qubit, !q.qubit) {"]
    cur = ["%q0", "%q1", "%q2"]
    for i in range(120):
        g = rng.choice(["h", "x", "s", "sdg", "t", "cx", "cz", "rz"])
        if g in ("cx", "cz"):
            a, b = rng.choice(3, size=2, replace=False)
            lines.append(f"    %g{i}a, %g{i}b = q.{g} {cur[a]}, {cur[b]}")
            cur[a], cur[b] = f"%g{i}a", f"%g{i}b"
        elif g == "rz":
            a = rng.integers(3)
            lines.append(f"    %c{i} = arith.constant {rng.choice([0.25, -0.25, 0.5])} : f64")
            lines.append(f"    %g{i} = q.rz(%c{i}) {cur[a]}")
            cur[a] = f"%g{i}"
        else:
            a = rng.integers(3)
            lines.append(f"    %g{i} = q.{g} {cur[a]}")
            cur[a] = f"%g{i}"
    lines += [f"    func.return {', '.join(cur)} : !q.qubit, !q.qubit, !q.qubit", "  }", "}"]
    module = parse_module("\n".join(lines))
    ref = Operator(to_qiskit(module.clone()))
    ctx = PassContext(basis=CX_BASIS)
    assert OptimizeFixpoint().run(module, ctx).changed
    for p in (Cancel(), MergeRotations()):
        assert not p.run(module, ctx).changed, p.name
    assert Operator(to_qiskit(module)).equiv(ref, atol=1e-8)


def test_fixpoint_hands_fuse_1q_only_gates_near_the_changes(monkeypatch):
    # The driver's journal also holds the constants that fed an erased rotation; they have no
    # run of their own (fuse-1q would look at the run of their first user, unchanged).
    import sys
    from pathlib import Path

    from qglm_ir.passes.optimize import fixpoint

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
    from bench_optimize_scaling import BASIS, build

    from qglm_ir.passes.manager import PassManager
    from qglm_ir.passes.presets import build_preset

    seen: list[list[str]] = []
    real = fixpoint.fuse_1q_kernel

    def spy(*args, **kwargs):
        near = args[7] if len(args) > 7 else kwargs.get("only_near")
        if near is not None:
            seen.append(sorted({op.name for op in near}))
        return real(*args, **kwargs)

    monkeypatch.setattr(fixpoint, "fuse_1q_kernel", spy)
    module = build(3000, 8)
    PassManager(build_preset(3, basis=True).items, verify_each=False).run(module, PassContext(basis=BASIS))
    assert seen, "no second fuse-1q round: the test circuit no longer exercises the journal"
    assert all(name in SPECS for names in seen for name in names), seen
