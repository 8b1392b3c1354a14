"""Layout: VF2 first, SABRE otherwise, noise-aware, never on unusable or reserved qubits."""

from __future__ import annotations

import numpy as np
import pytest

from qglm_ir import ModuleBuilder
from qglm_ir.core.errors import PassError
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.mapping.check import coupling_violations, equivalent_up_to_layout
from qglm_ir.passes.mapping.decompose import decompose_wide_gates
from qglm_ir.passes.mapping.layout import Layout, auto_effort
from qglm_ir.passes.mapping.route import Route
from qglm_ir.passes.mapping.wires import analyze
from qglm_ir.targets import GateCalibration, QubitCalibration, load_device
from qglm_ir.verify import verify

from .conftest import kernel_of


def _chain(n: int, qubit_args: bool = False, measure: bool = True):
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", n, qubit_args=qubit_args)
    kb.gate("h", 0)
    for a in range(n - 1):
        kb.gate("cx", a, a + 1)
    bits = [kb.measure(q) for q in range(n)] if measure and not qubit_args else []
    kb.finish(bits)
    return mb.module


@pytest.mark.parametrize("qubit_args", [False, True])
def test_vf2_finds_swap_free_layout(qubit_args: bool) -> None:
    module = _chain(5, qubit_args)
    device = load_device("grid:3x3")
    m = module.clone()
    ctx = PassContext(device=device)
    res = Layout(engine="python").run(m, ctx)
    assert res.changed and res.stats["method"] == "vf2"
    k = kernel_of(m)
    verify(m)
    assert analyze(k).num_wires == 9
    assert coupling_violations(k, device) == []  # no routing needed
    rep = ctx.report["layout"]
    assert rep["kernels"]["k"]["method"] == "vf2"
    assert rep["initial"] == rep["final"] == list(k.properties["initial_layout"])
    assert k.properties["final_layout"] == k.properties["initial_layout"]
    assert equivalent_up_to_layout(kernel_of(module), k)
    assert Route(engine="python").run(m, ctx).stats["swaps"] == 0
    # idempotent: a laid-out kernel is left alone
    assert not Layout().run(m, ctx).changed


def test_sabre_when_no_embedding() -> None:
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 4)
    for a in range(4):
        for b in range(a + 1, 4):
            kb.gate("cz", a, b)
    kb.finish()
    m = mb.module.clone()
    res = Layout(engine="python", trials=4, iterations=1).run(m, PassContext(device=load_device("line:6")))
    assert res.stats["method"] == "sabre"
    assert equivalent_up_to_layout(kernel_of(mb.module), kernel_of(m))
    with pytest.raises(PassError, match="no swap-free"):
        Layout(strategy="vf2").run(mb.module.clone(), PassContext(device=load_device("line:6")))


def test_noise_aware_placement_prefers_good_parts() -> None:
    base = load_device("line:6")
    errs = {(0, 1): 0.05, (1, 2): 0.04, (2, 3): 0.002, (3, 4): 0.003, (4, 5): 0.06}
    gates = {}
    for (a, b), e in errs.items():
        gates[("cx", (a, b))] = GateCalibration(e)
        gates[("cx", (b, a))] = GateCalibration(e)
    qubits = [QubitCalibration(readout_error=0.01) for _ in range(6)]
    device = base.with_calibration(qubits, gates)
    m = _chain(3).clone()
    Layout().run(m, PassContext(device=device))
    assert sorted(kernel_of(m).properties["initial_layout"]) == [2, 3, 4]


def test_never_uses_unusable_or_reserved_qubits() -> None:
    base = load_device("grid:3x3")
    qubits = [QubitCalibration() for _ in range(9)]
    qubits[4] = QubitCalibration(usable=False)  # the centre
    gates = {("cx", (0, 1)): GateCalibration(1.0), ("cx", (1, 0)): GateCalibration(1.0),
             ("sx", (8,)): GateCalibration(1.0)}
    device = base.with_calibration(qubits, gates)
    assert device.usable_qubits == frozenset({0, 1, 2, 3, 5, 6, 7})
    for seed in range(3):
        m = _chain(4).clone()  # the usable, unreserved part holds a path of 4 (0-3-6-7)
        Layout(reserve=(2,), seed=seed, engine="python").run(m, PassContext(device=device))
        k = kernel_of(m)
        lay = k.properties["initial_layout"]
        assert not set(lay) & {2, 4, 8}
        assert k.properties["reserved_qubits"] == (2,)
        Route(engine="python").run(m, PassContext(device=device))
        assert coupling_violations(k, device) == []
        vid = analyze(k).vid
        touched = {vid[v] for op in k.regions[0].block if op.name != "q.dealloc"
                   for v in op.operands if v.type.is_qubit}
        assert not touched & {2, 4, 8}


def test_too_many_qubits() -> None:
    with pytest.raises(PassError, match="needs 5 qubits"):
        Layout().run(_chain(5).clone(), PassContext(device=load_device("line:4")))
    with pytest.raises(PassError, match="needs a device"):
        Layout().run(_chain(2).clone(), PassContext())
    with pytest.raises(PassError, match="not on device"):
        Layout(reserve=(9,)).run(_chain(2).clone(), PassContext(device=load_device("line:4")))


def test_mixed_kernel_rejected() -> None:
    from qglm_ir.core.ir import Operation
    from qglm_ir.core.types import qubit

    module = _chain(2, qubit_args=True).clone()
    k = kernel_of(module)
    body = k.regions[0].block
    body.insert_before(Operation("q.alloc", [], [qubit]), body.first)
    with pytest.raises(PassError, match="both takes qubit arguments and allocates"):
        Layout().run(module, PassContext(device=load_device("line:4")))


def test_trivial_strategy_and_classical_args() -> None:
    from qglm_ir.core.types import f64

    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 2, inputs=[("theta", f64)], qubit_args=True)
    kb.gate("rx", 1, params=[kb.input("theta")])
    kb.gate("cx", 1, 0)
    kb.finish()
    m = mb.module.clone()
    Layout(strategy="trivial").run(m, PassContext(device=load_device("line:3")))
    k = kernel_of(m)
    assert k.properties["initial_layout"] == (0, 1)
    args = k.regions[0].block.args
    assert [a.type.is_qubit for a in args] == [True, True, True, False]
    assert equivalent_up_to_layout(kernel_of(mb.module), k, inputs={"theta": 0.4})


def test_decompose_wide_gates_is_exact() -> None:
    from qglm_ir.semantics import unitary

    for gate in ("ccx", "cswap"):
        for perm in ((0, 1, 2), (2, 0, 1), (1, 2, 0)):
            mb = ModuleBuilder("m")
            kb = mb.kernel("k", 3, qubit_args=True)
            kb.gate(gate, *perm)
            kb.finish()
            ref = unitary(kb.op)
            assert decompose_wide_gates(kb.op) == 1
            assert not any(op.name in ("q.ccx", "q.cswap") for op in kb.op.regions[0].block)
            assert np.allclose(unitary(kb.op), ref, atol=1e-12)


def test_auto_effort_scales_down() -> None:
    assert auto_effort(100, 0, 0) == (32, 4)
    t, it = auto_effort(10_000, 0, 0)
    assert it == 1 and 4 <= t < 32
    assert auto_effort(10_000, 3, 1) == (3, 1)
