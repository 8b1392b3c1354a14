"""ASAP/ALAP timing with calibrated durations and idle windows, inside regions too."""

from __future__ import annotations

import pytest

from qglm_ir.builder import ModuleBuilder
from qglm_ir.passes.qec.schedule import schedule, trip_count
from qglm_ir.targets.noise_model import noise_model_of

from .helpers import toy_device


def _kernel():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 3)
    kb.gate("h", 0)
    kb.gate("cx", 0, 1)
    for _ in range(3):
        kb.gate("x", 2)
    bit = kb.measure(0)
    with kb.if_(bit):
        kb.gate("x", 1)
    kb.finish([bit, kb.measure(1)])
    return kb.op


def test_asap_and_alap_times_and_windows():
    m = noise_model_of(toy_device())
    k = _kernel()
    asap = schedule(k, m, "asap")
    alap = schedule(k, m, "alap")
    x_ops = [op for op in k.walk() if op.name == "q.x" and op.parent is k.regions[0].block]
    assert [round(asap.times[o][0] * 1e9) for o in x_ops] == [0, 36, 72]
    # ALAP pushes the lone x chain to the end; the length does not change
    assert alap.duration == asap.duration
    assert alap.times[x_ops[-1]][1] == pytest.approx(alap.duration)
    # wire 1 waits for the measurement of wire 0 + feed-forward latency before the if
    w1 = alap.windows_of(1)
    if_op = next(op for op in k.walk() if op.name == "scf.if")
    win = next(w for w in w1 if w.user is if_op)
    assert win.duration == pytest.approx(1e-6 + m.feedforward_latency)
    # the else branch idles while the then branch applies its x: a window inside the region
    assert any(w.depth == 1 and w.user.name == "scf.yield" for w in w1)
    assert not [w for w in alap.windows if w.kind == "fresh"]  # allocated just in time
    assert [w for w in asap.windows if w.kind == "fresh"]


def test_loops_multiply_their_body():
    m = noise_model_of(toy_device())
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2)
    with kb.for_(0, 4):
        kb.gate("cx", 0, 1)
        kb.gate("x", 0)
    kb.finish([kb.measure(1)])
    loop = next(op for op in kb.op.walk() if op.name == "scf.for")
    assert trip_count(loop) == 4
    s = schedule(kb.op, m, "alap")
    start, end = s.times[loop]
    assert end - start == pytest.approx(4 * (300e-9 + 36e-9))
    inner = [w for w in s.windows if w.depth == 1]
    assert inner and all(w.repeat == 4 for w in inner)
    assert s.exact
