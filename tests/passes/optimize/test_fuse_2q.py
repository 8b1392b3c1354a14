from __future__ import annotations

import numpy as np

from qglm_ir.passes.optimize.fuse_2q import Fuse2Q

from ._circuits import kernel
from ._oracle import equivalent
from ._support import CX_BASIS, count_2q, names, run


def _fuse(k, basis=None):
    before = k.parent_op.clone().lookup("k")
    two = count_2q(k)
    res = run(Fuse2Q(), k.parent_op, basis)
    assert equivalent(before, k)
    assert count_2q(k) <= two
    return res


def _random_layers(kb, rng, pairs, layers):
    for _ in range(layers):
        a, b = pairs[rng.integers(len(pairs))]
        kb.gate("cx", a, b)
        for q in (a, b):
            kb.gate("u", q, params=list(rng.uniform(-3, 3, 3)))


def test_long_two_qubit_block_reaches_three_cnots():
    rng = np.random.default_rng(7)
    k = kernel(2, lambda kb: _random_layers(kb, rng, [(0, 1), (1, 0)], 12))
    assert count_2q(k) == 12
    _fuse(k, CX_BASIS)
    assert count_2q(k) == 3
    assert set(names(k)) <= set(CX_BASIS)


def test_swap_pair_is_kept_when_not_cheaper():
    k = kernel(2, lambda kb: kb.gate("swap", 0, 1) and None)
    res = _fuse(k)
    assert names(k) == ["swap"] and not res.changed


def test_cz_target_and_blocks_stop_at_third_wire():
    def body(kb):
        kb.gate("cx", 0, 1)
        kb.gate("cx", 0, 1)
        kb.gate("h", 0)
        kb.gate("cx", 1, 2)  # another pair: ends the block on wire 1
        kb.gate("cx", 0, 1)
        kb.gate("cx", 1, 0)
        kb.gate("cx", 0, 1)
        kb.gate("cx", 1, 0)
    k = kernel(3, body)
    _fuse(k, ("cz", "rz", "sx", "x"))
    assert count_2q(k) <= 4


def test_generic_blocks_need_at_most_three_cnots():
    # cx layers sandwiched by random u gates realise generic 4x4 unitaries
    for seed in range(3):
        rng = np.random.default_rng(seed)
        k = kernel(2, lambda kb, rng=rng: _random_layers(kb, rng, [(0, 1)], 6))
        _fuse(k)
        assert count_2q(k) <= 3


def test_symbolic_gates_are_not_fused():
    def body(kb):
        kb.gate("cx", 0, 1)
        kb.gate("rz", 1, params=[kb.w0])
        kb.gate("cx", 0, 1)
    k = kernel(2, body)
    _fuse(k)
    assert names(k) == ["cx", "rz", "cx"]
