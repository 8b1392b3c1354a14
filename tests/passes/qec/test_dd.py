"""Dynamical decoupling: memory experiments with quasi-static vs purely Markovian noise."""

from __future__ import annotations

import pytest

from qglm_ir import semantics
from qglm_ir.builder import ModuleBuilder
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.qec.dd import DynamicalDecoupling
from qglm_ir.passes.qec.noisy_sim import bit_error, simulate
from qglm_ir.passes.qec.policy import QecPolicy
from qglm_ir.passes.qec.schedule import schedule
from qglm_ir.targets.noise_model import noise_model_of, with_noise_extras
from qglm_ir.verify import verify

from .helpers import mapped_readout_kernel, toy_device

IDLE = 10e-6


def _fidelity_loss(device, protect) -> tuple[float, float, float]:
    """(error without idle, error with idle, error with idle after ``protect``) of |+> memory."""
    model = noise_model_of(device)
    _, k0 = mapped_readout_kernel(5, 0, "h")
    _, k1 = mapped_readout_kernel(5, 0, "h", idle=IDLE)
    m2, k2 = mapped_readout_kernel(5, 0, "h", idle=IDLE)
    protect(m2, device)
    verify(m2)
    return tuple(bit_error(simulate(k, model), [0]) for k in (k0, k1, k2))  # type: ignore[return-value]


def _dd(module, device):
    DynamicalDecoupling(sequence="xy4").run(module, PassContext(device=device))


def _policy(module, device):
    QecPolicy(budget=0).run(module, PassContext(device=device))  # DD alone: no spare qubits


@pytest.mark.parametrize("protect", [_dd, _policy])
def test_dd_recovers_most_of_the_idle_loss_under_quasi_static_detuning(protect):
    dev = with_noise_extras(toy_device(t1=150e-6), {0: 25e3})
    e0, e1, e2 = _fidelity_loss(dev, protect)
    assert e1 - e0 > 0.1  # idling really hurts here
    assert (e1 - e2) >= 0.5 * (e1 - e0)


def test_auto_policy_declines_dd_under_markovian_noise_where_it_would_not_help():
    dev = toy_device(t1=60e-6, t2=40e-6)  # T2 < 2 T1: Markovian dephasing, no coherent terms
    module, kernel = mapped_readout_kernel(5, 0, "h", idle=IDLE)
    ctx = PassContext(device=dev)
    res = QecPolicy(budget=0).run(module, ctx)
    (entry,) = ctx.report["qec"]
    assert entry["chosen"] == "none" and entry["options"]["dd"] < 0
    assert "Markovian" in entry["reason"]
    assert not res.changed and not any(op.name in ("q.x", "q.y") for op in kernel.walk())
    e0, e1, e2 = _fidelity_loss(dev, _dd)
    assert e1 - e0 > 0.05
    assert e2 >= e1 - 1e-4  # forcing DD does not help (it only adds pulse error)


@pytest.mark.parametrize("sequence,pulses", [("xx", 2), ("xy4", 4), ("cpmg", 4)])
def test_dd_keeps_the_schedule_and_the_unitary_inside_regions(sequence, pulses):
    dev = toy_device()
    model = noise_model_of(dev)
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2, qubit_args=True)
    with kb.for_(0, 2):
        kb.gate("h", 1)
        kb.gate("cx", 0, 1)
        kb.gate("rx", 0, params=[0.3])
        for _ in range(20):
            kb.gate("sx", 0)  # wire 1 idles through these, inside the loop
    kb.finish()
    module = mb.module
    before = module.clone()
    old = schedule(kb.op, model, "alap")
    res = DynamicalDecoupling(sequence=sequence).run(module, PassContext(device=dev))
    verify(module)
    assert res.changed
    new = schedule(kb.op, model, "alap")
    assert new.duration == pytest.approx(old.duration)
    loop = next(op for op in kb.op.walk() if op.name == "scf.for")
    names = [op.name for op in loop.regions[0].block]
    assert names.count("q.delay") == pulses + 1
    old_k = next(op for op in before.body if op.name == "q.kernel")
    assert semantics.equivalent(old_k, kb.op)
