"""Ranking routed candidates by what ``-O3`` delivers: the 2q count after the post-routing
clean-up, not the router's estimate.

Why: ``route`` has several routed versions of a kernel (its own SABRE trials from the chosen
layout, Qiskit's joint placement and routing, see :mod:`.qiskit_route`). The router's estimate
(:func:`.engine.routed_2q_cost`) counts a swap as one gate only when it directly follows a 2q
gate on the same pair; ``-O3`` then translates to the basis and runs its fixed point (cancel,
merge-rotations, fuse-2q, fuse-1q, remove-dead), which also merges swaps into the blocks
*after* them, cancels CX pairs a swap's CX meets, and so on. On small kernels the estimate
picks the worse candidate often enough to matter (measured on ``examples/`` on
``heavy-hex:3``, see ``tests/passes/mapping/test_examples_vs_qiskit.py``), so there each
candidate is run through that clean-up on a copy and the fewest 2q gates wins (then the
lower 2q depth, then the estimate).

Cost: one clean-up per candidate, so only kernels with at most :data:`SCORE_MAX_2Q` routed
two-qubit operations are scored this way; larger ones keep the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.ir import Operation
from ...core.module import Module
from ..base import Pass, PassContext, PassResult

#: Kernels with more routed 2q ops (gates plus swaps) than this are ranked by the estimate.
SCORE_MAX_2Q = 400


@dataclass(frozen=True)
class Score:
    """What the user gets from one routed candidate: 2q gates and 2q depth after clean-up."""

    two_q: int
    depth_2q: int


def routed_2q_ops(kernel: Operation, cap: int | None = None) -> int:
    """Two-qubit gate ops (swaps included) anywhere in ``kernel``; with ``cap``, the walk stops
    at ``cap + 1`` of them (enough for callers that only compare the count with ``cap`` or
    less: ``route`` on large kernels, where the full walk read every op for nothing)."""
    from .route import is_routed_2q

    if cap is None:
        return sum(1 for op in kernel.walk() if is_routed_2q(op))
    n = 0
    for op in kernel.walk():
        if is_routed_2q(op):
            n += 1
            if n > cap:
                break
    return n


def cleaned_score(module: Module, kernel: Operation, ctx: PassContext) -> Score:
    """2q count and 2q depth of a copy of the routed ``kernel`` after ``-O3``'s post-routing
    clean-up (``to-basis``, :data:`..presets.NEAR_LOCAL`, then the fixed-point group of
    :data:`..presets.O3_LOOP_IN_BASIS`).

    Requires: ``kernel`` routed for ``ctx.device`` (in ``module`` or detached); ``module``
    holds the symbols the kernel may use (frozen parameters fold through them). Guarantees:
    neither ``module`` nor ``kernel`` is changed (a probe module with copies is cleaned)."""
    return clean_up(module, kernel, ctx).score


@dataclass(frozen=True)
class Cleaned:
    """:func:`clean_up`'s probe: the score, the cleaned probe module and each pass with its
    result, in run order. ``exact``: the probe was an exact copy of ``module`` with the
    candidate in place of its only kernel, so once the candidate is that kernel, ``probe``
    is what the pipeline's same passes give (see :func:`..memo.offer_replay`)."""

    score: Score
    probe: Module
    steps: tuple[tuple[Pass, PassResult], ...]
    exact: bool


def clean_up(module: Module, kernel: Operation, ctx: PassContext) -> Cleaned:
    """:func:`cleaned_score` with the cleaned probe kept (same requirements and guarantees)."""
    from ..presets import NEAR_LOCAL, O3_LOOP_IN_BASIS, instantiate, make_group, run_group

    probe = Module("probe")
    ops = list(module)
    for op in ops:
        if op.name != "q.kernel":
            probe.append(op.clone())
    copy = kernel.clone()
    probe.append(copy)
    # Exact copy: the probe keeps the module's order only when its only kernel is its last op,
    # and clones of separate ops share no values only when no top-level op has results.
    exact = (bool(ops) and ops[-1].name == "q.kernel" and sum(op.name == "q.kernel" for op in ops) == 1
             and not any(op.results for op in ops))
    if exact:
        probe.properties = module.properties
        probe.attributes = module.attributes
    pctx = PassContext(device=ctx.device, basis=ctx.basis, seed=ctx.seed)
    steps: list[tuple[Pass, PassResult]] = []
    for name in ("to-basis", *NEAR_LOCAL):
        p = instantiate(name)
        steps.append((p, p.run(probe, pctx)))
    group = [instantiate(name) for name in O3_LOOP_IN_BASIS]
    item = make_group(tuple(group))
    if isinstance(item, Pass):  # run once, as run_group would: the pipeline runs it as one pass
        steps.append((item, item.run(probe, pctx)))
    else:
        run_group(group, probe, pctx)
        exact = False
    return Cleaned(Score(routed_2q_ops(copy), _depth_2q(copy)), probe, tuple(steps), exact)


def _depth_2q(kernel: Operation) -> int:
    """Longest chain of 2q gates through qubit values (regions count as one step each)."""
    from .route import is_routed_2q

    level: dict[object, int] = {}
    best = 0
    for op in kernel.walk():
        qs = [v for v in op.operands if v.type.is_qubit]
        d = max((level.get(v, 0) for v in qs), default=0)
        if is_routed_2q(op):
            d += 1
            best = max(best, d)
        for r in op.results:
            if r.type.is_qubit:
                level[r] = d
    return best
