"""``qec``: choose, qubit by qubit, the protection the calibration says pays for itself.

Requires: a device in the context. Spare-based protections need a kernel
mapped by ``layout`` (otherwise only DD is considered, and the report says why).

For every used physical qubit ``q`` of every kernel the policy predicts, from
the :class:`~qglm_ir.targets.noise_model.NoiseModel` alone
(:mod:`.predict`), the *success-probability gain* of each option:

* ``dd``: refocused coherent idle error (quasi-static detuning, ZZ) in its
  active idle windows minus the pulses' gate error (negative under purely
  Markovian T1/T2, so it is declined there);
* ``redundant-readout`` (2 spares): plain readout error minus the predicted
  error of the fan-out-and-vote readout;
* ``rep-code`` (bit- or phase-flip, d=3, 2 spares) through the qubit's longest
  top-level idle segment: post-processing decoding when the segment ends in
  the final measurement (unprotected error of idle + readout vs. the code's),
  feed-forward otherwise (average of Z- and X-basis information loss,
  including the unprotected decoding tail);
* ``none``: gain 0.

Then it picks, greedily by gain, the best option per qubit whose gain
exceeds ``min_gain`` while the spare qubits used stay within ``budget`` (per
kernel), applies the choices with the ``dd``, ``redundant-readout`` and
``rep-code`` rewrites, and writes one entry per qubit into
``ctx.report["qec"]``: ``{kernel, qubit, chosen, predicted_gain, reason}``.
``policy=none`` only reports (nothing is changed).

Guarantees the same as the passes it applies: noiseless logical results are
unchanged (:func:`.check.logically_equivalent`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from ...core.ir import Operation
from ...core.module import Module
from ...dialects.q import MeasureOp
from ...targets.noise_model import NoiseModel
from ..base import Pass, PassContext, PassResult
from .dd import apply_dd, pulses_of
from .predict import dd_gain, repetition_error
from .redundant_readout import apply_redundant_readout, choose_readout_spares, predict_readout_error
from .rep_code import Segment, find_segments, protect_segment, spare_tree
from .schedule import schedule
from .wires import analyze, final_measurements, kernel_name, kernels_of


@dataclass
class Option:
    """One candidate protection of one qubit."""

    kind: str
    gain: float
    spares: list[int] = field(default_factory=list)
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def _gains(opts: list[Option]) -> dict[str, float | None]:
    """Predicted gain per option for the report (``None``: not possible here)."""
    return {o.kind: (o.gain if math.isfinite(o.gain) else None) for o in opts}


def _fmt_gain(g: float) -> str:
    return f"{g:+.3g}" if math.isfinite(g) else "n/a"


def _pct(x: float) -> str:
    return f"{100 * x:.3g}%"


def feedforward_error(model: NoiseModel, q: int, tree: list[tuple[int, int]], length: float,
                      kind: str | None) -> float:
    """Predicted information loss (mean of Z- and X-basis error) of ``length`` s of idle on
    ``q``, unprotected (``kind=None``) or with a feed-forward repetition code on ``tree``."""
    qn = model.qubits[q]
    tail = 0.0
    if kind is not None:
        spares = [c for _, c in tree]
        tail = 2 * max(model.gate_duration("cx", e) for e in tree) + max(
            model.qubits[c].readout_duration for c in spares) + model.feedforward_latency

    def z_loss(t: float) -> float:
        return 0.5 * (1 - math.exp(-t / qn.t1)) if math.isfinite(qn.t1) else 0.0

    def x_loss(t: float, t2: float) -> float:
        return 0.5 * (1 - math.exp(-t / t2)) if math.isfinite(t2) else 0.0

    if kind is None:
        return 0.5 * (z_loss(length) + x_loss(length, qn.t2))
    wires = [q] + [c for _, c in tree]
    fan = [(wires.index(p), wires.index(c)) for p, c in tree]
    basis = "z" if kind == "bit-flip" else "x"
    protected = repetition_error(model, wires, fan, idle=length, basis=basis, readout=False)
    # The unprotected basis: any one of the d qubits flips it (parity of independent flips).
    keep = 1.0
    for w in wires:
        t2 = model.qubits[w].t2 if basis == "z" else model.qubits[w].t1 * 2
        keep *= math.exp(-length / t2) if math.isfinite(t2) else 1.0
    exposed = 0.5 * (1 - keep)
    tail_loss = 0.5 * (z_loss(tail) + x_loss(tail, qn.t2))
    return 0.5 * (protected + exposed) + tail_loss


def options_for(model: NoiseModel, kernel: Operation, q: int, sched, free: set[int], segs: list[Segment],
                measured: bool, dd_sequence: str, mapped: bool) -> list[Option]:
    """Every candidate protection of qubit ``q`` with its predicted gain."""
    opts: list[Option] = []
    # --- dynamical decoupling
    pulses = len(pulses_of(dd_sequence))
    min_dd = sum(model.gate_duration(p, (q,)) for p in pulses_of(dd_sequence))
    windows = [w.duration for w in sched.windows_of(q) for _ in range(w.repeat) if w.duration >= min_dd]
    delays = [s.length for s in segs if s.delay is not None]
    idle = windows + delays
    if idle:
        g = dd_gain(model, q, idle, pulses)
        if model.has_coherent_idle_noise(q):
            why = (f"{len(idle)} idle window(s), {sum(idle) * 1e6:.3g} us: refocuses quasi-static detuning "
                   f"{model.qubits[q].detuning_spread_hz:.3g} Hz / ZZ, costs {pulses} pulses per window")
        else:
            why = ("idle noise is purely Markovian (T1/T2), which DD cannot refocus; "
                   f"its {pulses * len(idle)} pulses would only add gate error")
        opts.append(Option("dd", g, reason=why, detail={"windows": len(idle)}))
    if not mapped:
        return opts
    # --- redundant readout
    if measured:
        spares = choose_readout_spares(model, q, free, 2)
        if not spares:
            opts.append(Option("redundant-readout", -math.inf, [],
                               "final readout, but fewer than 2 free coupled spare qubits"))
        else:
            before = predict_readout_error(model, q)
            after = predict_readout_error(model, q, spares)
            opts.append(Option("redundant-readout", before - after, spares,
                               f"readout error {_pct(before)} -> {_pct(after)} with spares {spares}"))
    # --- repetition code through the longest segment
    seg = segs[0] if segs else None
    if seg is not None:
        tree = spare_tree(model, q, free, 2)
        if not tree:
            opts.append(Option("rep-code", -math.inf, [],
                               f"{seg.length * 1e6:.3g} us idle segment, but fewer than 2 free spare qubits nearby"))
        else:
            wires = [q] + [c for _, c in tree]
            fan = [(wires.index(p), wires.index(c)) for p, c in tree]
            if seg.ends_in_readout:
                base = repetition_error(model, [q], [], idle=seg.length, basis="z")
                for kind, basis in (("bit-flip", "z"), ("phase-flip", "x")):
                    err = repetition_error(model, wires, fan, idle=seg.length, basis=basis)
                    opts.append(Option(f"rep-code:{kind}:post", base - err, [c for _, c in tree],
                                       f"{seg.length * 1e6:.3g} us idle before readout: error {_pct(base)} -> "
                                       f"{_pct(err)} with a d=3 {kind} code on {wires[1:]} (decoded by vote)",
                                       {"segment": seg, "tree": tree, "kind": kind, "decoding": "post"}))
            else:
                base = feedforward_error(model, q, tree, seg.length, None)
                for kind in ("bit-flip", "phase-flip"):
                    err = feedforward_error(model, q, tree, seg.length, kind)
                    opts.append(Option(f"rep-code:{kind}:feed-forward", base - err, [c for _, c in tree],
                                       f"{seg.length * 1e6:.3g} us idle: state error {_pct(base)} -> {_pct(err)} "
                                       f"with a d=3 {kind} code on {wires[1:]} and feed-forward correction",
                                       {"segment": seg, "tree": tree, "kind": kind, "decoding": "feed-forward"}))
    return opts


@dataclass(frozen=True)
class QecPolicy(Pass):
    """Per-qubit error suppression/correction chosen from calibration (see module docstring).

    Options: ``policy`` (auto: apply the best option per qubit; none: only
    report), ``budget`` (spare qubits per kernel), ``min_gain`` (smallest
    predicted success-probability gain worth acting on), ``dd_sequence``.
    """

    name: ClassVar[str] = "qec"
    preserves: ClassVar[str] = "logical"
    policy: Literal["auto", "none"] = "auto"
    budget: int = 8
    min_gain: float = 1e-4
    dd_sequence: Literal["xx", "xy4", "cpmg"] = "xy4"

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        from .common import model_from_ctx

        model = model_from_ctx(ctx, self.name)
        entries = ctx.report.setdefault("qec", [])
        counts = {"dd": 0, "redundant-readout": 0, "rep-code": 0, "none": 0}
        for kernel in kernels_of(module):
            for entry in self._kernel(kernel, model):
                entries.append(entry)
                counts[entry["chosen"].split(":")[0]] = counts.get(entry["chosen"].split(":")[0], 0) + 1
        changed = self.policy == "auto" and any(v for k, v in counts.items() if k != "none")
        return PassResult(changed, {k.replace("-", "_"): v for k, v in counts.items()})

    def _kernel(self, kernel: Operation, model: NoiseModel) -> list[dict[str, Any]]:
        kw = analyze(kernel)
        name = kernel_name(kernel)
        if kw.num_wires > model.device.num_qubits:
            return [{"kernel": name, "qubit": None, "chosen": "none", "predicted_gain": 0.0,
                     "reason": f"kernel has {kw.num_wires} wires, the device {model.device.num_qubits} qubits"}]
        sched = schedule(kernel, model, "alap", kw)
        spare_set = kw.spare_wires()
        used = sorted({w for op in kernel.walk() if op.name != "q.dealloc" for w in kw.op_wires(op)})
        measured = {kw.wire_of[MeasureOp(m).qubit] for m in final_measurements(kw)}
        segs_all = find_segments(kernel, model, kw, 1e-6) if kw.mapped else []
        ranked: list[tuple[int, list[Option]]] = []
        for q in used:
            segs = [s for s in segs_all if s.wire == q]
            opts = options_for(model, kernel, q, sched, spare_set, segs, q in measured, self.dd_sequence, kw.mapped)
            opts.sort(key=lambda o: -o.gain)
            ranked.append((q, opts))
        # Greedy: qubits whose best option gains most get their spares first.
        ranked.sort(key=lambda r: -(r[1][0].gain if r[1] else 0.0))
        free = set(spare_set)
        budget = self.budget
        chosen: dict[int, tuple[Option | None, str]] = {}
        for q, opts in ranked:
            pick: Option | None = None
            why = ""
            for o in opts:
                if o.gain <= self.min_gain:
                    break
                if len(o.spares) > budget or not set(o.spares) <= free:
                    why = f"{o.kind} would gain {o.gain:.3g} but the spare budget/qubits are used up; "
                    continue
                pick = o
                break
            if pick is not None:
                budget -= len(pick.spares)
                free -= set(pick.spares)
            chosen[q] = (pick, why)
        entries = []
        for q in used:
            pick, why = chosen[q]
            opts = dict(ranked)[q]
            if pick is None:
                best = opts[0] if opts else None
                if best is None:
                    reason = why + ("no idle window, final readout or spare neighbour to protect"
                                    if kw.mapped else "kernel is not mapped (run layout first): no spare qubits, "
                                    "and no idle window worth DD")
                else:
                    reason = why + "declined, predicted gains: " + "; ".join(
                        f"{o.kind} {_fmt_gain(o.gain)} ({o.reason})" for o in opts)
                    if not kw.mapped:
                        reason += "; kernel is not mapped (run layout first), so spare-based codes were not considered"
                entries.append({"kernel": name, "qubit": q, "chosen": "none", "predicted_gain": 0.0,
                                "reason": reason, "options": _gains(opts)})
            else:
                entries.append({"kernel": name, "qubit": q, "chosen": pick.kind, "predicted_gain": pick.gain,
                                "reason": pick.reason, "spares": list(pick.spares),
                                "options": _gains(opts)})
        if self.policy == "auto":
            self._apply(kernel, model, chosen)
        return entries

    def _apply(self, kernel: Operation, model: NoiseModel, chosen: dict[int, tuple[Option | None, str]]) -> None:
        kw = analyze(kernel)
        readout = {q: o.spares for q, (o, _) in chosen.items() if o is not None and o.kind == "redundant-readout"}
        for _q, (o, _) in chosen.items():
            if o is not None and o.kind.startswith("rep-code"):
                d = o.detail
                protect_segment(kw, d["segment"], d["tree"], d["kind"], d["decoding"])
        if readout:
            apply_redundant_readout(kernel, model, spares_for=readout)
        dd_qubits = tuple(q for q, (o, _) in chosen.items() if o is not None and o.kind == "dd")
        if dd_qubits:
            apply_dd(kernel, model, self.dd_sequence, dd_qubits)
