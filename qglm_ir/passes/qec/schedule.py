"""ASAP / ALAP timing of a kernel with calibrated durations, and its idle windows.

:func:`schedule` gives every operation of a kernel (nested ``scf`` regions
included) a start and end time in seconds and lists every *idle window*: a
stretch where a qubit value waits between its producer and its consumer.

Timing model:

* a gate lasts its calibrated duration on its physical qubits (wire ``w`` =
  physical qubit ``w``, see :mod:`.wires`); virtual gates (``rz``...), barriers,
  classical ops and terminators take no time; ``q.measure``/``q.reset`` take
  the readout time; ``q.delay`` its ``duration`` (``dt`` = :data:`DT_SECONDS`);
* an op starts when all its operands are ready (a barrier thus aligns its
  wires); an ``scf.if`` also waits for its condition plus the model's
  feed-forward latency, runs its branches from one start, and ends when the
  longer branch ends; an ``scf.for`` with constant bounds lasts trip count x
  one iteration (iterations start together on all carried wires); loops with
  unknown trip counts count one iteration (``Schedule.exact`` is False);
* ``"alap"`` keeps the ASAP length and region spans, and moves every op as
  late as its consumers allow (qubits are allocated just in time), which is
  what IBM hardware does and what dynamical decoupling is placed into.

Requires a verified kernel whose ``scf`` regions keep wires in place.
Guarantees: ``times`` has an entry for every op; windows are non-overlapping
per wire within one region instance; times inside a loop body are those of
the first iteration (``IdleWindow.repeat`` says how often it recurs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ...core.ir import Block, BlockArgument, Operation, OpResult, Value
from ...dialects.arith import constant_int as _const_int
from ...dialects.scf import ForOp, IfOp
from ...targets.noise_model import NoiseModel
from .wires import KernelWires, analyze

#: Duration of one ``dt`` (IBM Eagle/Heron sample time) for ``q.delay`` in ``dt`` units.
DT_SECONDS = 2.0 / 9.0 * 1e-9
_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "dt": DT_SECONDS}
EPS = 1e-12

Policy = Literal["asap", "alap"]


@dataclass(frozen=True)
class IdleWindow:
    """Qubit value ``value`` (wire ``wire``) waits from ``start`` to ``end`` before ``user``.

    ``kind``: ``"fresh"`` (freshly allocated, still |0>), ``"discard"`` (the
    user is ``q.dealloc``) or ``"active"`` (the qubit holds state that is used
    later: the windows protections care about). ``depth`` is the region
    nesting level; ``repeat`` the number of times it recurs (loop trips).
    """

    wire: int
    start: float
    end: float
    value: Value
    user: Operation
    kind: str
    depth: int
    repeat: int = 1

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class Schedule:
    """Times (seconds) of every op and the idle windows of a kernel."""

    wires: KernelWires
    times: dict[Operation, tuple[float, float]] = field(default_factory=dict)
    windows: list[IdleWindow] = field(default_factory=list)
    duration: float = 0.0
    exact: bool = True
    policy: str = "alap"

    def windows_of(self, wire: int, kind: str | None = "active") -> list[IdleWindow]:
        return [w for w in self.windows if w.wire == wire and (kind is None or w.kind == kind)]

    def idle_time(self, wire: int, kind: str | None = "active") -> float:
        """Total idle time of ``wire`` (windows of ``kind``, loop repeats counted)."""
        return sum(w.duration * w.repeat for w in self.windows_of(wire, kind))


def delay_seconds(op: Operation) -> float:
    """Duration of a ``q.delay`` in seconds."""
    return float(op.properties.get("duration", 0.0)) * _UNITS.get(str(op.properties.get("unit", "dt")), 1.0)


def op_duration(op: Operation, kw: KernelWires, model: NoiseModel) -> float:
    """Duration (s) of a region-free op under ``model``."""
    name = op.name
    if not name.startswith("q.") or name in ("q.alloc", "q.dealloc", "q.barrier", "q.global_phase", "q.kernel"):
        return 0.0
    qs = list(kw.op_wires(op))
    if name == "q.delay":
        return delay_seconds(op)
    if name in ("q.measure", "q.reset"):
        return model.gate_duration(name[2:], qs)
    return model.gate_duration(name[2:], qs)



def trip_count(op: Operation) -> int | None:
    """Trip count of an ``scf.for`` with constant bounds, else ``None``."""
    lb, ub, st = (_const_int(v) for v in ForOp(op).bounds)
    if lb is None or ub is None or st is None or st <= 0:
        return None
    return max(0, -(-(ub - lb) // st))


class _Scheduler:
    def __init__(self, kw: KernelWires, model: NoiseModel):
        self.kw = kw
        self.model = model
        self.times: dict[Operation, tuple[float, float]] = {}
        self.ready: dict[Value, float] = {}
        self.span: dict[Operation, float] = {}
        self.exact = True

    # ------------------------------------------------------------------ ASAP
    def asap_block(self, block: Block, t0: float) -> float:
        """Schedule ``block`` ASAP from ``t0``; returns its end (the terminator's time)."""
        for a in block.args:
            self.ready[a] = t0
        end = t0
        for op in block:
            start = t0
            for v in op.operands:
                start = max(start, self.ready.get(v, t0))
            if op.name == "scf.if":
                start = max(start, self.ready.get(IfOp(op).cond, t0) + self.model.feedforward_latency)
            if op.regions:
                span = self.region_span(op, start)
                stop = start + span
            else:
                stop = start + op_duration(op, self.kw, self.model)
            self.times[op] = (start, stop)
            for r in op.results:
                self.ready[r] = stop
            end = max(end, stop)
        return end

    def region_span(self, op: Operation, start: float) -> float:
        if op.name == "scf.for":
            body = op.regions[0].block
            one = self.asap_block(body, start) - start
            n = trip_count(op)
            if n is None:
                self.exact = False
                n = 1
            self.span[op] = one
            return one * n
        if op.name == "scf.if":
            span = max(self.asap_block(b, start) - start for r in op.regions for b in r.blocks)
        else:  # scf.while: one "before" and one "after" iteration
            self.exact = False
            t = self.asap_block(op.regions[0].block, start)
            span = self.asap_block(op.regions[1].block, t) - start
        self.span[op] = span
        return span

    def finalize_terminators(self, block: Block, end: float) -> None:
        """Pin every terminator of ``block`` (and nested regions) to its region's end."""
        term = block.last
        if term is not None and not term.results and term.name in ("scf.yield", "scf.condition", "func.return"):
            self.times[term] = (end, end)
        for op in block:
            if op.regions:
                s, e = self.times[op]
                inner = s + self.span.get(op, e - s) if op.name == "scf.for" else e
                for region in op.regions:
                    for b in region.blocks:
                        self.finalize_terminators(b, inner)

    # ------------------------------------------------------------------ ALAP
    def alap_block(self, block: Block, t0: float, t_end: float) -> None:
        """Move the ops of ``block`` (already ASAP-timed, spans fixed) as late as possible."""
        deadline: dict[Value, float] = {}
        term = block.last
        for op in reversed(block):
            if op is term and op.name in ("scf.yield", "scf.condition", "func.return"):
                self.times[op] = (t_end, t_end)
                for v in op.operands:
                    deadline[v] = min(deadline.get(v, t_end), t_end)
                continue
            s0, e0 = self.times[op]
            dur = e0 - s0
            end = t_end
            for r in op.results:
                if r.uses:
                    end = min(end, deadline.get(r, t_end))
            start = max(t0, end - dur)
            end = start + dur
            self.times[op] = (start, end)
            if op.regions:
                inner_end = start + self.span.get(op, dur) if op.name == "scf.for" else end
                for region in op.regions:
                    for b in region.blocks:
                        self.alap_block(b, start, inner_end)
            for v in op.operands:
                lim = start
                if op.name == "scf.if" and v is IfOp(op).cond:
                    lim = start - self.model.feedforward_latency
                deadline[v] = min(deadline.get(v, t_end), lim)


def schedule(kernel: Operation, model: NoiseModel, policy: Policy = "alap",
             wires: KernelWires | None = None) -> Schedule:
    """Time every op of ``kernel`` and list its idle windows (see the module docstring)."""
    kw = wires if wires is not None else analyze(kernel)
    s = _Scheduler(kw, model)
    body = kernel.regions[0].block
    total = s.asap_block(body, 0.0)
    s.finalize_terminators(body, total)
    if policy == "alap":
        s.alap_block(body, 0.0, total)
    sched = Schedule(kw, s.times, [], total, s.exact, policy)
    _collect_windows(body, sched, 0, 1, 0.0)
    return sched


def _producer_end(v: Value, sched: Schedule, region_start: float) -> float:
    if isinstance(v, OpResult):
        return sched.times[v.op][1]
    assert isinstance(v, BlockArgument)
    return region_start


def _collect_windows(block: Block, sched: Schedule, depth: int, repeat: int, region_start: float) -> None:
    kw = sched.wires
    values: list[Value] = [a for a in block.args if a.type.is_qubit]
    for op in block:
        values.extend(r for r in op.results if r.type.is_qubit)
        if op.regions:
            start = sched.times[op][0]
            trips = trip_count(op) if op.name == "scf.for" else 1
            for region in op.regions:
                for b in region.blocks:
                    _collect_windows(b, sched, depth + 1, repeat * (trips or 1), start)
    for v in values:
        user = v.single_user
        if user is None:
            continue
        t0 = _producer_end(v, sched, region_start)
        t1 = sched.times[user][0]
        if t1 - t0 <= EPS:
            continue
        if isinstance(v, OpResult) and v.op.name in ("q.alloc", "q.reset"):
            kind = "fresh"
        elif user.name == "q.dealloc":
            kind = "discard"
        else:
            kind = "active"
        sched.windows.append(IdleWindow(kw.wire_of[v], t0, t1, v, user, kind, depth, repeat))
