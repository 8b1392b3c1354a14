"""fix-direction on one-way couplers, and the ESP estimate."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from qglm_ir import ModuleBuilder
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.mapping.check import direction_violations, equivalent_up_to_layout
from qglm_ir.passes.mapping.esp import esp
from qglm_ir.passes.mapping.fix_direction import FixDirection
from qglm_ir.semantics import equivalent
from qglm_ir.targets import Device, GateCalibration, QubitCalibration, load_device
from qglm_ir.testing import kernels
from qglm_ir.verify import verify

from .conftest import kernel_of, map_module

ONE_WAY = Device("one-way-line", 4, ((0, 1), (2, 1), (2, 3)), basis_gates=("ecr", "cx", "rz", "sx", "x"))


@settings(max_examples=20, deadline=None)
@given(kernels(max_qubits=3, max_ops=10, gates=("cx", "ecr", "h", "rz", "cz", "swap", "cy"), measurements=False))
def test_fix_direction_is_exact(kernel) -> None:
    module = kernel.parent_op
    mapped, ctx = map_module(module, ONE_WAY)
    routed = mapped.clone()
    res = FixDirection().run(mapped, ctx)
    verify(mapped)
    k = kernel_of(mapped)
    left = direction_violations(k, ONE_WAY)
    assert all(v.op.name not in ("q.cx", "q.ecr") for v in left)
    assert res.stats["unfixed"] == len(left)
    assert equivalent(kernel_of(routed), k)
    assert equivalent_up_to_layout(kernel_of(module), k)


def test_fix_direction_flips_both_gates() -> None:
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2, qubit_args=True)
    kb.gate("h", 0)
    kb.gate("cx", 1, 0)
    kb.gate("ecr", 1, 0)
    kb.gate("cx", 0, 1)
    kb.finish()
    device = Device("pair", 2, ((0, 1),))
    mapped, ctx = map_module(mb.module, device)
    k = kernel_of(mapped)
    lay = k.properties["initial_layout"]
    assert len(direction_violations(k, device)) == (2 if lay == (0, 1) else 1)
    before = mapped.clone()
    res = FixDirection().run(mapped, ctx)
    assert res.changed and direction_violations(k, device) == []
    assert equivalent(kernel_of(before), k)
    # symmetric devices are untouched
    assert not FixDirection().run(mapped.clone(), PassContext(device=load_device("line:2"))).changed


def _calibrated_line() -> Device:
    gates = {("cx", (0, 1)): GateCalibration(0.01), ("cx", (1, 0)): GateCalibration(0.02),
             ("cx", (1, 2)): GateCalibration(0.05), ("cx", (2, 1)): GateCalibration(0.05),
             ("sx", (0,)): GateCalibration(0.001), ("sx", (1,)): GateCalibration(0.002),
             ("rz", (0,)): GateCalibration(0.0)}
    qubits = [QubitCalibration(readout_error=0.03), QubitCalibration(readout_error=0.04), QubitCalibration()]
    return load_device("line:3").with_calibration(qubits, gates)


def test_esp_formula() -> None:
    device = _calibrated_line()
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 3, qubit_args=True)
    kb.gate("sx", 0)
    kb.gate("rz", 0, params=[0.3])
    kb.gate("h", 1)  # uncalibrated 1q gate: worst calibrated 1q error on qubit 1 (sx)
    kb.gate("cx", 0, 1)
    kb.gate("cz", 1, 2)  # falls back to the best native gate on the coupler
    kb.gate("swap", 0, 1)  # three native 2q gates
    with kb.for_(0, 3):
        kb.gate("sx", 0)
    kb.finish()
    expected = (1 - 0.001) * (1 - 0.002) * (1 - 0.01) * (1 - 0.05) * (1 - 0.01) ** 3 * (1 - 0.001) ** 3
    assert esp(kb.op, device) == pytest.approx(expected)
    assert esp(kb.op, load_device("line:3")) is None


def test_esp_measurements_branches_and_broken() -> None:
    device = _calibrated_line()
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2)
    b = kb.measure(0)
    with kb.if_(b):
        kb.gate("cx", 0, 1)
    with kb.else_():
        kb.gate("cx", 1, 0)
    kb.finish([b])
    assert esp(kb.op, device) == pytest.approx((1 - 0.03) * (1 - 0.02))  # the worse branch
    broken = device.with_calibration(gates={**device.gates, ("cx", (1, 0)): GateCalibration(1.0)})
    assert esp(kb.op, broken) == 0.0  # a gate on a broken direction never succeeds
    flipped = device.with_calibration(gates={("cx", (0, 1)): GateCalibration(1.0), ("cz", (1, 0)): GateCalibration(0.2)})
    # the else-branch cx(1, 0) has no entry and falls back to the best *usable* gate on the coupler (cz 0.2)
    assert esp(kb.op, flipped) == 0.0
    only_else = ModuleBuilder("m2")
    k2 = only_else.kernel("k", 2, qubit_args=True)
    k2.gate("cx", 1, 0)
    k2.finish()
    assert math.isclose(esp(k2.op, flipped), 0.8)


def test_post_layout_moves_to_better_qubits_and_stays_equivalent() -> None:
    from qglm_ir.passes.mapping.layout import Layout
    from qglm_ir.passes.mapping.route import Route

    base = load_device("line:6")
    errs = {(0, 1): 0.001, (1, 2): 0.002, (2, 3): 0.08, (3, 4): 0.09, (4, 5): 0.07}
    gates = {}
    for (a, b), e in errs.items():
        gates[("cx", (a, b))] = GateCalibration(e)
        gates[("cx", (b, a))] = GateCalibration(e)
    device = base.with_calibration([QubitCalibration(readout_error=0.01)] * 6, gates)
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 3, qubit_args=True)
    for _ in range(2):
        kb.gate("cx", 0, 1)
        kb.gate("cx", 1, 2)
        kb.gate("cx", 0, 2)
    kb.finish()
    results = {}
    for post in (False, True):
        # a deliberately bad start: keep the good qubits 0-2 out of the layout, then route
        # with them available again
        m = mb.module.clone()
        ctx = PassContext(device=device)
        Layout(strategy="sabre", reserve=(0, 1, 2), engine="python").run(m, ctx)
        k = kernel_of(m)
        k.set_property("reserved_qubits", ())
        res = Route(engine="python", post_layout=post).run(m, ctx)
        results[post] = (esp(k, device), res.stats["relabelled"])
        assert equivalent_up_to_layout(kb.op, k)
    assert results[False][1] == 0 and results[True][1] == 1
    assert results[True][0] > results[False][0]
