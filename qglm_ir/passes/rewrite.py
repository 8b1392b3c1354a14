"""A worklist rewrite driver: patterns applied until nothing on the worklist matches.

The shape of MLIR's greedy pattern driver and xDSL's ``PatternRewriteWalker``: a
:class:`RewritePattern` looks at one root op and, if it matches, rewrites the IR through a
:class:`PatternRewriter`. The rewriter tells the driver which ops a rewrite touched: ops it
created, ops it changed, and the *producers* of the ops it erased (their results now feed
other ops, so a pattern rooted at them may match now). Those go to the front of the
worklist (those some pattern roots at: another would be offered nothing), so a rewrite's
consequences are looked at before the rest of the program, as a whole-pass loop would only
find them in its next round. The driver stops when the worklist
is empty, or after ``max_rewrites`` successful rewrites (a pattern set that undoes itself
would never stop), reported as ``converged=False``.

Only producers of erased ops are requeued, not their users: qglm's patterns match from a
root *forward* along its wires (a gate and what follows it), so a change can only enable a
match at ops before it. A pattern that looks backward must requeue what it needs with
:meth:`PatternRewriter.notify_changed`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from ..core.eraser import Eraser
from ..core.ir import Operation, OpResult, Value


class RewritePattern:
    """One local rewrite. Subclasses implement :meth:`match_and_rewrite`.

    ``roots``: the op names the pattern can match (``None``: any op), so the driver does not
    call it on others. ``name`` keys the driver's per-pattern counts.
    """

    name: ClassVar[str] = "pattern"
    roots: frozenset[str] | None = None

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> bool:
        """Rewrite the IR at ``op`` through ``rewriter`` and return True, or change nothing
        and return False. Requires: ``op`` is live (in a block)."""
        raise NotImplementedError


class PatternRewriter:
    """The IR mutations a pattern may make, each reported to the driver.

    Ops are erased through an :class:`Eraser` (batched use-list pruning of classical
    operands, see :mod:`qglm_ir.core.eraser`); the caller flushes it.
    """

    __slots__ = ("eraser", "_touched", "on_create", "expand", "roots", "journal")

    def __init__(self, eraser: Eraser, on_create=None, expand=None) -> None:
        self.eraser = eraser
        self._touched: list[Operation] = []
        #: called with every op a pattern creates (e.g. to keep a pattern's index current)
        self.on_create = on_create
        #: ``expand(op)``: further ops a change at ``op`` may let match, requeued before it
        #: (patterns that look past neighbours: see :func:`.optimize.peephole.reach_back`)
        self.expand = expand
        #: the op names some pattern of the driver roots at (``None``: any); set by
        #: :class:`RewriteDriver`. :meth:`take` hands out no other op: it would be offered
        #: nothing (its expansion still counts)
        self.roots: frozenset[str] | None = None
        #: when a list: every live op touched (created, changed, or a producer of an erased
        #: op) is appended by :meth:`take`: what changed, for a caller that only revisits
        #: changed parts afterwards (not the expansions: ``expand`` returns unchanged ops)
        self.journal: list[Operation] | None = None

    def notify_changed(self, op: Operation) -> None:
        """``op`` (live) was changed or may match now: look at it again."""
        self._touched.append(op)

    def _producers(self, op: Operation) -> None:
        touched = self._touched
        for v in op.operands:
            if isinstance(v, OpResult) and v.op.parent is not None and v.op is not op:
                touched.append(v.op)

    def insert_before(self, new: Operation, anchor: Operation) -> Operation:
        """Insert ``new`` right before ``anchor`` in ``anchor``'s block; ``new`` is requeued."""
        anchor.parent.insert_before(new, anchor)  # type: ignore[union-attr]
        self._touched.append(new)
        if self.on_create is not None:
            self.on_create(new)
        return new

    def replace_values(self, old: Iterable[Value], new: Iterable[Value]) -> None:
        """Redirect every use of each ``old`` value to the matching ``new`` value."""
        for o, n in zip(old, new):
            if o is not n:
                o.replace_all_uses_with(n)

    def erase_op(self, op: Operation) -> None:
        """Erase ``op``, whose results must be unused by now; its producers are requeued."""
        self._producers(op)
        self.eraser.erase(op)

    def bypass_op(self, op: Operation, first_input: int) -> None:
        """Erase a value-preserving op (a gate: result ``k`` continues operand
        ``first_input + k``), wiring each result's users to the matching input."""
        operands = op.operands
        journal = self.journal
        for k, r in enumerate(op.results):
            if journal is not None:  # its users' neighbourhood changed too (not requeued: see above)
                journal.extend(r.uses)
            r.replace_all_uses_with(operands[first_input + k])
        self.erase_op(op)

    def replace_op(self, old: Operation, new: Operation) -> None:
        """Insert ``new`` before ``old``, move ``old``'s uses to ``new``'s results, erase ``old``."""
        self.insert_before(new, old)
        self.replace_values(old.results, new.results)
        self.erase_op(old)

    def take(self) -> list[Operation]:
        """The live ops to look at again since the last call, each once: for each live op
        touched, first-touched first, ``expand(op)`` then the op itself; only ops in
        :attr:`roots`."""
        t = self._touched
        if not t:
            return []
        self._touched = []
        expand = self.expand
        roots = self.roots
        journal = self.journal
        out: dict[Operation, None] = {}
        for op in dict.fromkeys(t):
            if op.parent is None:
                continue
            if expand is not None:
                for e in expand(op):
                    if roots is None or e.name in roots:
                        out.setdefault(e)
            if roots is None or op.name in roots:
                out.setdefault(op)
            if journal is not None:
                journal.append(op)
        return list(out)


@dataclass
class DriverResult:
    """What one driver run did."""

    rewrites: int = 0
    visited: int = 0  # live ops offered to the patterns (an op requeued counts again)
    converged: bool = True
    by_pattern: dict[str, int] = field(default_factory=dict)


class RewriteDriver:
    """Applies ``patterns`` greedily to the ops of a worklist.

    Each op popped from the front is offered to the patterns whose ``roots`` contain its
    name, in the given order (the first that rewrites wins); the ops the rewrite touched
    (see :class:`PatternRewriter`) go to the front, in the order they were touched. An
    erased op still on the worklist is skipped. Requires: patterns only mutate the IR
    through the rewriter. Guarantees: stops; when ``converged``, no pattern matched the
    last time it saw any op left on the worklist.
    """

    def __init__(self, patterns: Iterable[RewritePattern], rewriter: PatternRewriter) -> None:
        self.patterns = tuple(patterns)
        self.rewriter = rewriter
        roots = [p.roots for p in self.patterns]
        rewriter.roots = None if any(r is None for r in roots) else frozenset().union(*roots)
        self._by_name: dict[str, tuple[RewritePattern, ...]] = {}

    def _for(self, name: str) -> tuple[RewritePattern, ...]:
        ps = self._by_name.get(name)
        if ps is None:
            ps = self._by_name[name] = tuple(p for p in self.patterns if p.roots is None or name in p.roots)
        return ps

    def run(self, seed: Iterable[Operation], max_rewrites: int | None = None) -> DriverResult:
        """Rewrite until the worklist (initially ``seed``, in order) is empty.

        ``max_rewrites``: stop after that many rewrites (default: 4 per seed op + 1024, far
        above what terminating patterns need: each of qglm's removes at least one gate).
        """
        work = deque(seed)
        limit = 4 * len(work) + 1024 if max_rewrites is None else max_rewrites
        res = DriverResult()
        by = res.by_pattern
        rw = self.rewriter
        lookup = self._by_name
        pop = work.popleft
        visited = rewrites = 0  # (locals in the loop; written to ``res`` on the way out)
        while work:
            op = pop()
            if op.parent is None:
                continue
            visited += 1
            ps = lookup.get(op.name)
            if ps is None:
                ps = self._for(op.name)
            for p in ps:
                if p.match_and_rewrite(op, rw):
                    rewrites += 1
                    by[p.name] = by.get(p.name, 0) + 1
                    touched = rw.take()
                    if touched:
                        work.extendleft(reversed(touched))
                    if rewrites >= limit:
                        res.visited, res.rewrites = visited, rewrites
                        res.converged = not work
                        return res
                    break
        rw.take()
        res.visited, res.rewrites = visited, rewrites
        return res
