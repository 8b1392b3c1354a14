"""``rep-code``: protect a qubit through an idle segment with a repetition code on spares.

Requires: a device in the context; a kernel mapped by ``layout`` (alloc form:
spare physical qubits are untouched wires). Segments are explicit top-level
``q.delay`` ops and top-level idle windows (ALAP schedule) of at least
``min_window`` seconds on a selected qubit.

Guarantees, for each protected segment of qubit ``q`` with spares ``s_1..s_{d-1}``
(a tree of free qubits coupled to ``q``, grown breadth-first by calibrated error):

* **encode**: CNOT fan-out along the tree (``bit-flip``); ``phase-flip`` adds an
  ``h`` on all ``d`` qubits (so dephasing becomes correctable bit flips);
* the segment's idle time as a ``q.delay`` on each code qubit (pinning the
  encoding to the start of the segment under ALAP);
* **decode**, ``feed-forward``: the inverse fan-out (and ``h``s), mid-circuit
  ``q.measure`` of every spare (syndrome bits: the parity of each spare with
  its tree parent), the minimum-weight correction computed with ``arith`` ops
  (for a tree, flip ``q`` iff at least ``(d+1)/2`` implied errors), and an
  ``scf.if`` applying ``x`` to ``q``. The qubit continues as before;
* **decode**, ``post`` (only when the segment ends in ``q``'s final
  measurement): no quantum decoding; all ``d`` qubits are measured and every use
  of the measured bit reads their majority (classical decoding with ``arith``
  ops in the kernel's returned values).

Inserted measurements carry the attribute ``qec.role`` (``"syndrome"`` or
``"data"``) and ``qec.code`` (an id per protected segment) for
:mod:`.stim_export`. Without noise every syndrome is 0 and every data bit
agrees, so returned values are unchanged (:func:`.check.logically_equivalent`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from ...core.builder import Builder
from ...core.ir import Block, Operation, Region, Value
from ...core.module import Module
from ...core.types import i1, qubit
from ...dialects.q import DelayOp
from ...targets.noise_model import NoiseModel
from ..base import Pass, PassContext, PassResult
from .common import at_least, majority, model_from_ctx, replace_uses_except
from .schedule import delay_seconds, schedule
from .wires import KernelWires, analyze, kernels_of


def spare_tree(model: NoiseModel, q: int, free: set[int], size: int) -> list[tuple[int, int]]:
    """``size`` (parent, child) fan-out edges of free qubits grown breadth-first from ``q``.

    Children are taken cheapest first (2q error plus the child's readout error);
    empty if not enough free coupled qubits are reachable.
    """
    dev = model.device
    usable = set(dev.usable_edges)
    edges: list[tuple[int, int]] = []
    taken = {q}
    frontier = [q]
    while frontier and len(edges) < size:
        nxt = []
        for p in frontier:
            cands = [c for c in dev.neighbors[p] if c in free and c not in taken and (min(p, c), max(p, c)) in usable]
            cands.sort(key=lambda c, p=p: (model.gate_error("cx", (p, c)) + model.qubits[c].readout_error, c))
            for c in cands:
                if len(edges) >= size:
                    break
                edges.append((p, c))
                taken.add(c)
                nxt.append(c)
        frontier = nxt
    return edges if len(edges) == size else []


@dataclass
class Segment:
    """An idle stretch of wire ``wire``: value ``value`` idles ``length`` s before ``user``."""

    wire: int
    value: Value
    user: Operation
    length: float
    delay: Operation | None = None

    @property
    def ends_in_readout(self) -> bool:
        u = self.user
        return (u.name == "q.measure" and u.results[1].single_user is not None
                and u.results[1].single_user.name == "q.dealloc")  # type: ignore[union-attr]


def find_segments(kernel: Operation, model: NoiseModel, kw: KernelWires, min_window: float) -> list[Segment]:
    """Top-level idle segments (explicit delays and active ALAP windows), longest first per wire."""
    body = kw.body
    segs: list[Segment] = []
    for op in body:
        if op.name == "q.delay" and delay_seconds(op) >= min_window:
            u = op.results[0].single_user
            if u is not None and u.name != "q.dealloc":
                idle = DelayOp(op).qubit
                segs.append(Segment(kw.wire_of[idle], idle, u, delay_seconds(op), op))
    sched = schedule(kernel, model, "alap", kw)
    for w in sched.windows:
        if w.kind == "active" and w.depth == 0 and w.duration >= min_window and w.user.name != "q.delay":
            segs.append(Segment(w.wire, w.value, w.user, w.duration))
    segs.sort(key=lambda s: (s.wire, -s.length))
    return segs


def protect_segment(kw: KernelWires, seg: Segment, tree: Sequence[tuple[int, int]], kind: str,
                    decoding: str) -> None:
    """Insert the code around ``seg`` (see the module docstring)."""
    code = seg.wire  # one protection per qubit and kernel
    user = seg.user
    block = user.parent
    assert block is not None
    v = seg.value
    if seg.delay is not None:
        seg.delay.results[0].replace_all_uses_with(v)
        seg.delay.erase()
    # Current values of the code's qubits; spares come out of their deallocs.
    cur: dict[int, Value] = {seg.wire: v}
    deallocs: dict[int, Operation] = {}
    for _, c in tree:
        alloc = kw.allocs[c]
        d = alloc.results[0].single_user
        assert d is not None and d.name == "q.dealloc"
        d.detach()
        d.drop_all_references()
        deallocs[c] = d
        cur[c] = alloc.results[0]
    b = Builder.before_op(user)

    def gate(name: str, *wires: int) -> None:
        op = b.create("q." + name, [cur[w] for w in wires], [qubit] * len(wires))
        op.loc = user.loc
        for w, r in zip(wires, op.results):
            cur[w] = r

    for p, c in tree:
        gate("cx", p, c)
    wires = [seg.wire] + [c for _, c in tree]
    if kind == "phase-flip":
        for w in wires:
            gate("h", w)
    # Every code qubit idles explicitly, so ALAP cannot slide its encoding to the end.
    for w in wires:
        d = b.create("q.delay", [cur[w]], [qubit], {"duration": seg.length * 1e9, "unit": "ns"})
        d.loc = user.loc
        cur[w] = d.results[0]
    if kind == "phase-flip":
        for w in wires:
            gate("h", w)
    post = decoding == "post" and seg.ends_in_readout
    if post:
        _set_user_operand(user, v, cur[seg.wire])
        user.set_attribute("qec.role", "data")
        user.set_attribute("qec.code", code)
        bits = [user.results[0]]
        at = user
        for c in wires[1:]:
            m = Operation("q.measure", [cur[c]], [i1, qubit], attributes={"qec.role": "data", "qec.code": code},
                          loc=user.loc)
            block.insert_after(m, at)
            dd = Operation("q.dealloc", [m.results[1]], [], loc=user.loc)
            block.insert_after(dd, m)
            bits.append(m.results[0])
            at = dd
        anchor = at.next
        assert anchor is not None
        first = anchor.prev
        vote = majority(anchor, bits)
        voters = set()
        op = first.next if first is not None else None
        while op is not None and op is not anchor:
            voters.add(op)
            op = op.next
        replace_uses_except(user.results[0], vote, voters)
        return
    for p, c in reversed(tree):
        gate("cx", p, c)
    syndrome: dict[int, Value] = {}
    for c in wires[1:]:
        m = b.create("q.measure", [cur[c]], [i1, qubit], attributes={"qec.role": "syndrome", "qec.code": code})
        m.loc = user.loc
        syndrome[c] = m.results[0]
        cur[c] = m.results[1]
        dd = deallocs[c]
        dd.set_operands([cur[c]])
        block.insert_after(dd, m)
    # Implied error of each spare if q is right: e_c = e_parent xor syndrome_c.
    implied: dict[int, Value] = {}
    for p, c in tree:
        s = syndrome[c]
        implied[c] = s if p == seg.wire else b.create("arith.xor", [implied[p], s], [i1]).result
    flip = at_least(user, [implied[c] for c in wires[1:]], (len(wires) + 1) // 2)
    then, els = Block([qubit]), Block([qubit])
    fx = Builder.at_end(then).create("q.x", [then.args[0]], [qubit])
    Builder.at_end(then).create("scf.yield", [fx.results[0]])
    Builder.at_end(els).create("scf.yield", [els.args[0]])
    fix = b.create("scf.if", [flip, cur[seg.wire]], [qubit], regions=[Region([then]), Region([els])],
                   attributes={"qec.role": "correction", "qec.code": code})
    fix.loc = user.loc
    _set_user_operand(user, v, fix.results[0])


def _set_user_operand(user: Operation, old: Value, new: Value) -> None:
    for i, x in enumerate(user.operands):
        if x is old:
            user.set_operand(i, new)
            return
    raise AssertionError("segment value is not used by its user")


def apply_rep_code(kernel: Operation, model: NoiseModel, plans: Sequence[tuple[Segment, list[tuple[int, int]]]],
                   kind: str, decoding: str) -> int:
    kw = analyze(kernel)
    for seg, tree in plans:
        protect_segment(kw, seg, tree, kind, decoding)
    return len(plans)


def plan_rep_code(kernel: Operation, model: NoiseModel, qubits: Sequence[int], distance: int,
                  min_window: float) -> tuple[KernelWires, list[tuple[Segment, list[tuple[int, int]]]]]:
    """The longest segment per selected wire with a spare tree of ``distance - 1`` qubits."""
    kw = analyze(kernel)
    free = kw.spare_wires()
    pos = {op: i for i, op in enumerate(kw.body)}
    plans = []
    seen: set[int] = set()
    for seg in find_segments(kernel, model, kw, min_window):
        if seg.wire in seen or (qubits and seg.wire not in qubits):
            continue
        tree = spare_tree(model, seg.wire, free, distance - 1)
        if not tree or any(pos.get(kw.allocs[c], len(pos)) > pos.get(seg.user, -1) for _, c in tree):
            continue
        seen.add(seg.wire)
        free -= {c for _, c in tree}
        plans.append((seg, tree))
    return kw, plans


@dataclass(frozen=True)
class RepetitionCode(Pass):
    """Repetition code (bit- or phase-flip, d=3/5) on spares through idle segments.

    Options: ``qubits`` (physical qubits; empty = every qubit with a segment),
    ``distance`` (3 or 5), ``kind`` (bit-flip, phase-flip), ``decoding``
    (feed-forward, post: post falls back to feed-forward when the segment does
    not end in a final measurement), ``min_window`` (seconds).
    """

    name: ClassVar[str] = "rep-code"
    preserves: ClassVar[str] = "logical"
    qubits: tuple[int, ...] = ()
    distance: int = 3
    kind: Literal["bit-flip", "phase-flip"] = "bit-flip"
    decoding: Literal["feed-forward", "post"] = "post"
    min_window: float = 1e-6

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        from ...core.errors import PassError

        if self.distance not in (3, 5):
            raise PassError(f"rep-code: distance must be 3 or 5, got {self.distance}")
        model = model_from_ctx(ctx, self.name)
        n = 0
        for k in kernels_of(module):
            _, plans = plan_rep_code(k, model, self.qubits, self.distance, self.min_window)
            n += apply_rep_code(k, model, plans, self.kind, self.decoding)
        return PassResult(n > 0, {"segments": n})
