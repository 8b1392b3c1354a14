"""The fast two-qubit block collector (``fuse_2q.two_qubit_blocks``) and the cheap
near-local skip of ``drop-near-local``.

The collector is compared op for op with the reference implementation it replaced
(``_blocks_reference``) on random kernels, alone and while ``fuse-2q`` replaces blocks
between steps (new gates may join later blocks); a golden kernel pins the block shapes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from qglm_ir.passes.optimize import fuse_2q, near_local
from qglm_ir.passes.optimize.angles import AngleFolder
from qglm_ir.passes.optimize.fuse_2q import Fuse2Q, block_unitary, two_qubit_blocks
from qglm_ir.passes.optimize.near_local import DropNearLocal, far_from_local, local_ratio
from qglm_ir.passes.optimize.synthesis import const_matrix
from qglm_ir.testing import kernels
from qglm_ir.text.printer import print_module

from . import _blocks_reference as reference
from ._circuits import kernel
from ._oracle import equivalent
from ._support import CX_BASIS, count_2q, names, run

_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DENSE = ("h", "x", "sx", "rz", "rx", "u", "cx", "cz", "cp", "rzz", "swap", "ccx")


def _shape(blocks) -> list:
    return [(g, [(op, key, pos) for op, key, pos in ops], list(ins), list(outs), n2)
            for g, ops, ins, outs, n2 in blocks]


def _same_blocks(k) -> None:
    module = k.parent_op
    new = _shape(two_qubit_blocks(k, AngleFolder(module)))
    old = _shape(reference.two_qubit_blocks(k, AngleFolder(module)))
    assert len(new) == len(old)
    for a, b in zip(new, old):
        assert a[0] is b[0] and a[4] == b[4]
        assert [(id(op), key, pos) for op, key, pos in a[1]] == [(id(op), key, pos) for op, key, pos in b[1]]
        assert all(x is y for x, y in zip(a[2] + a[3], b[2] + b[3]))


@settings(max_examples=200, **_SETTINGS)
@given(k=kernels(max_qubits=4, max_ops=30))
def test_same_blocks_as_reference_mixed(k) -> None:
    _same_blocks(k)


@settings(max_examples=200, **_SETTINGS)
@given(k=kernels(min_qubits=2, max_qubits=4, max_ops=40, gates=DENSE, measurements=False, control_flow=False))
def test_same_blocks_as_reference_dense(k) -> None:
    _same_blocks(k)


@settings(max_examples=100, **_SETTINGS)
@given(k=kernels(min_qubits=2, max_qubits=4, max_ops=40, gates=DENSE, measurements=False, control_flow=False,
                 symbolic=False))
def test_fuse_2q_output_same_as_with_reference_collector(k) -> None:
    """Blocks replaced while the collection runs (new gates can join later blocks): the
    IR after ``fuse-2q`` is identical with either collector."""
    module = k.parent_op
    twin = module.clone()
    before = module.clone().lookup("k")
    run(Fuse2Q(), module, CX_BASIS)
    saved = fuse_2q.two_qubit_blocks
    fuse_2q.two_qubit_blocks = reference.two_qubit_blocks
    try:
        run(Fuse2Q(), twin, CX_BASIS)
    finally:
        fuse_2q.two_qubit_blocks = saved
    assert print_module(module) == print_module(twin)
    assert equivalent(before, k)


def test_golden_blocks() -> None:
    """Blocks in program order; a 1q gate joins the first block reaching it; a gate on a third
    wire ends a wire; a symbolic gate on the pair ends both; a claimed gate is not re-used."""
    def body(kb):
        kb.gate("h", 0)
        kb.gate("cx", 0, 1)
        kb.gate("rz", 1, params=[0.5])
        kb.gate("cz", 1, 0)
        kb.gate("cx", 1, 2)       # third wire: ends wire 1 of the first block
        kb.gate("x", 0)           # wire 0 keeps growing
        kb.gate("cp", 0, 2, params=[0.25])
        kb.gate("rzz", 0, 2, params=[kb.w0])  # symbolic on the pair: ends the (0, 2) block
        kb.gate("h", 2)
    k = kernel(3, body)
    blocks = list(two_qubit_blocks(k, AngleFolder(k.parent_op)))
    got = [[(key[0], pos) for _, key, pos in ops] for _, ops, _, _, _ in blocks]
    assert got == [
        [("h", (0,)), ("cx", (0, 1)), ("rz", (1,)), ("cz", (1, 0)), ("x", (0,))],
        [("cx", (0, 1))],
        [("cp", (0, 1))],
    ]
    assert [n2 for *_, n2 in blocks] == [2, 1, 1]


# -- drop-near-local: a block with one 2q gate is decided by that gate --------------------------

@pytest.mark.parametrize("gate, angles", [("cx", ()), ("cz", ()), ("cp", (0.3,)), ("rzz", (1e-3,)),
                                          ("cp", (1e-7,)), ("swap", ())])
def test_single_gate_pretest_matches_block_pretest(gate, angles) -> None:
    """Local unitaries around the one 2q gate leave the Schmidt ratio unchanged, so the
    per-gate answer is the block's answer."""
    rng = np.random.default_rng(5)
    for _ in range(20):
        a, b, c, d = (const_matrix("u", tuple(rng.uniform(-3, 3, 3))) for _ in range(4))
        ops = [(None, ("u", ()), (0,)), (None, ("u", ()), (1,)), (None, (gate, angles), (0, 1)),
               (None, ("u", ()), (0,)), (None, ("u", ()), (1,))]
        u = block_unitary([(None, a, (0,)), (None, b, (1,)), (None, const_matrix(gate, angles), (0, 1)),
                           (None, c, (0,)), (None, d, (1,))])
        assert far_from_local(ops) == (local_ratio(u) > near_local._PRETEST)


def test_two_gate_blocks_are_not_prejudged() -> None:
    ops = [(None, ("cx", ()), (0, 1)), (None, ("cx", ()), (0, 1))]  # cx cx = identity: local
    assert not far_from_local(ops)


def test_single_cx_blocks_skip_the_block_unitary(monkeypatch) -> None:
    """A block whose one 2q gate is a cx is never near local: decided without
    ``local_replacement`` (fails on the code before the skip, which called it per block)."""
    calls = []
    real = near_local.local_replacement
    monkeypatch.setattr(near_local, "local_replacement", lambda *a: calls.append(a) or real(*a))

    def body(kb):
        for q in range(3):
            kb.gate("h", q)
            kb.gate("cx", q, (q + 1) % 3)
            kb.gate("rz", q, params=[0.1 * q + 0.2])
    k = kernel(3, body)
    res = run(DropNearLocal(), k.parent_op, CX_BASIS)
    assert not res.changed and calls == []


def test_single_near_local_gate_block_is_still_replaced() -> None:
    """The skip must not hide a near-local single-gate block: ``h cp(1e-7) h`` loses its 2q gate."""
    def body(kb):
        kb.gate("h", 0)
        kb.gate("h", 1)
        kb.gate("cp", 0, 1, params=[1e-7])
        kb.gate("h", 0)
    k = kernel(2, body)
    before = k.parent_op.clone().lookup("k")
    res = run(DropNearLocal(), k.parent_op, CX_BASIS)
    assert res.changed and count_2q(k) == 0 and "cp" not in names(k)
    assert 0.0 < res.stats["max_infidelity"] < 1e-9
    assert equivalent(before, k, atol=1e-6)  # within the oracle's tolerance, not exactly


# -- synthesis helpers: direct rotation matrices and the exactness-test unitary -----------------

@pytest.mark.parametrize("name", ["rz", "p", "rx", "ry", "u"])
def test_direct_matrices_are_bitwise_the_gate_table(name) -> None:
    """``const_matrix`` builds these without ``GATES[name].matrix``: every entry (signed zeros
    included) must be the same bits, or block unitaries and hence outputs would drift."""
    from qglm_ir.dialects.gates import GATES

    rng = np.random.default_rng(11)
    n = GATES[name].num_params
    samples = [tuple(rng.uniform(-7, 7, n)) for _ in range(200)]
    samples += [(0.0,) * n, (-0.0,) * n, (np.pi,) * n, (-np.pi / 2,) * n]
    for angles in samples:
        ours = const_matrix.__wrapped__(name, angles)
        ref = np.array(GATES[name].matrix(*angles), dtype=np.complex128)
        assert ours.tobytes() == ref.tobytes(), (name, angles)


def test_check_unitary_agrees_with_gates_unitary() -> None:
    from qglm_ir.passes.optimize.synthesis import _check_unitary, gates_unitary, phase_distance

    rng = np.random.default_rng(3)
    one = ["rz", "sx", "x", "h", "u", "ry"]
    two = ["cx", "cz", "ecr", "iswap", "rzz"]
    from qglm_ir.dialects.gates import GATES

    for _ in range(200):
        gates = []
        for _ in range(rng.integers(0, 12)):
            if rng.random() < 0.3:
                name = two[rng.integers(len(two))]
                qs = (0, 1) if rng.random() < 0.5 else (1, 0)
            else:
                name = one[rng.integers(len(one))]
                qs = (int(rng.integers(2)),)
            gates.append((name, tuple(rng.uniform(-4, 4, GATES[name].num_params)), qs))
        a = gates_unitary(gates)
        b = _check_unitary(gates)
        assert np.max(np.abs(a - b)) < 1e-13 and phase_distance(a, b) < 1e-13
