"""``dd``: dynamical decoupling in the idle windows of a kernel, keeping its schedule.

Requires: a device in the context (durations and errors come from its
calibration, :mod:`.schedule` gives the ALAP idle windows; wire ``w`` =
physical qubit ``w``).

Guarantees: in every *active* idle window (the qubit holds state that is used
later; fresh and discarded qubits are skipped) on a selected qubit that is at
least ``min_window`` seconds long and fits the pulses, and in every explicit
``q.delay`` of such a qubit, the idle is replaced by the sequence with CPMG
spacing ``tau/2n, P1, tau/n, P2, ..., Pn, tau/2n`` (``tau`` = idle time left
after the ``n`` pulses) as gates and ``q.delay`` ops (unit ``ns``), so the
window keeps its length and the schedule of every other op is unchanged.
Windows inside ``scf`` regions are padded inside the region. Sequences:
``xx`` (X X), ``xy4`` (X Y X Y), ``cpmg`` (``repeats`` pairs of X). Each is
the identity up to a global phase, so the pass preserves the kernel's
unitary (checked by the standard translation validation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from ...core.ir import Operation, Value
from ...core.module import Module
from ...dialects.q import DelayOp
from ...targets.noise_model import NoiseModel
from ..base import Pass, PassContext, PassResult
from .common import gate_before, model_from_ctx, qubit_op_before
from .schedule import delay_seconds, schedule
from .wires import analyze, kernels_of

Sequence_ = Literal["xx", "xy4", "cpmg"]


def pulses_of(sequence: str, repeats: int = 2) -> list[str]:
    """Gate names of one DD sequence."""
    if sequence == "xx":
        return ["x", "x"]
    if sequence == "xy4":
        return ["x", "y", "x", "y"]
    if sequence == "cpmg":
        return ["x", "x"] * max(1, repeats)
    raise ValueError(f"unknown DD sequence {sequence!r}")


def pad_window(user: Operation, value: Value, wire: int, length: float, pulses: list[str],
               model: NoiseModel) -> bool:
    """Insert ``pulses`` with CPMG spacing and delays filling ``length`` seconds before
    ``user`` on ``value``; returns False (and changes nothing) if they do not fit."""
    n = len(pulses)
    busy = sum(model.gate_duration(p, (wire,)) for p in pulses)
    free = length - busy
    if free < 0:
        return False
    gaps = [free / (2 * n)] + [free / n] * (n - 1) + [free / (2 * n)]
    cur = value
    for k in range(n + 1):
        if gaps[k] > 0:
            d = qubit_op_before(user, "q.delay", cur, {"duration": gaps[k] * 1e9, "unit": "ns"})
            cur = d.results[-1]
        if k < n:
            cur = gate_before(user, pulses[k], [cur]).results[0]
    return True


def apply_dd(kernel: Operation, model: NoiseModel, sequence: str = "xy4", qubits: tuple[int, ...] = (),
             min_window: float = 0.0, repeats: int = 2) -> int:
    """Pad the idle windows and delays of ``kernel`` (see module docstring); returns how many."""
    kw = analyze(kernel)
    sched = schedule(kernel, model, "alap", kw)
    pulses = pulses_of(sequence, repeats)
    sel = set(qubits)
    delays = [op for op in kernel.walk() if op.name == "q.delay"]  # the program's own, not ours
    count = 0
    for w in sched.windows:
        if w.kind != "active" or (sel and w.wire not in sel) or w.duration < min_window:
            continue
        count += pad_window(w.user, w.value, w.wire, w.duration, pulses, model)
    for op in delays:
        wire = kw.wire_of.get(DelayOp(op).qubit)
        if wire is None or (sel and wire not in sel):
            continue
        length = delay_seconds(op)
        if length < min_window or DelayOp(op).qubit.uses != [op]:
            continue
        user = op.results[0].single_user
        if user is None or user.name == "q.dealloc":
            continue
        v = DelayOp(op).qubit
        # Detach the explicit delay and pad its slot instead.
        op.results[0].replace_all_uses_with(v)
        op.erase()
        if pad_window(user, v, wire, length, pulses, model):
            count += 1
        else:
            qubit_op_before(user, "q.delay", v, dict(op.properties))
    return count


@dataclass(frozen=True)
class DynamicalDecoupling(Pass):
    """Dynamical decoupling (XX, XY4, CPMG) in idle windows, keeping the schedule.

    Options: ``sequence`` (xx, xy4, cpmg), ``qubits`` (physical qubits; empty
    = all), ``min_window`` (seconds; shorter windows are left alone),
    ``repeats`` (X pairs of ``cpmg``).
    """

    name: ClassVar[str] = "dd"
    preserves: ClassVar[str] = "unitary"
    sequence: Sequence_ = "xy4"
    qubits: tuple[int, ...] = ()
    min_window: float = 0.0
    repeats: int = 2

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        model = model_from_ctx(ctx, self.name)
        n = 0
        for k in kernels_of(module):
            n += apply_dd(k, model, self.sequence, self.qubits, self.min_window, self.repeats)
        return PassResult(n > 0, {"windows": n})
