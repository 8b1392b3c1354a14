"""Work two consumers of the same block share: the block's unitary (``drop-near-local`` and
``fuse-2q`` both ask for it, :func:`qglm_ir.passes.optimize.fuse_2q.block_matrix`) and the KAK
decomposition of a block ``fuse-2q`` accepts (counted first, then synthesized from the same
decomposition, :func:`qglm_ir.passes.optimize.synthesis._decompose`). Sharing must not change
an answer: checked against the unshared computations."""

from __future__ import annotations

import numpy as np
from qiskit.quantum_info import random_unitary

from qglm_ir import caches
from qglm_ir.passes.optimize import fuse_2q, synthesis
from qglm_ir.passes.optimize.fuse_2q import block_matrix, block_unitary, resynthesis
from qglm_ir.passes.optimize.near_local import local_replacement
from qglm_ir.passes.optimize.synthesis import const_matrix, plain_2q_counts, synth_2q

_BLOCK = (("rz", (0.3,), (0,)), ("cx", (), (0, 1)), ("sx", (), (1,)), ("cx", (), (1, 0)),
          ("rz", (1.1,), (1,)), ("cx", (), (0, 1)), ("rz", (0.7,), (0,)), ("cx", (), (1, 0)))


def test_block_product_is_computed_once_for_both_passes():
    caches.clear()
    assert local_replacement(_BLOCK, "cx", "ZSX", 1e-9) is None  # far from local
    assert resynthesis(_BLOCK, "cx", "ZSX", False) is not None  # 4 cx -> at most 3
    info = fuse_2q.block_matrix.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    expected = block_unitary([(None, const_matrix(n, a), p) for n, a, p in _BLOCK])
    assert np.array_equal(block_matrix(_BLOCK), expected)


def test_an_accepted_block_is_decomposed_once():
    caches.clear()
    u = random_unitary(4, seed=7).data
    counts = plain_2q_counts(u, "cx", "ZSX")
    gates = synth_2q(u, "cx", "ZSX")
    info = synthesis._decompose.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    caches.clear()  # the same answers from scratch, in the other order
    assert synth_2q(u, "cx", "ZSX") == gates
    assert plain_2q_counts(u, "cx", "ZSX") == counts == (len(gates), sum(1 for g in gates if len(g[2]) == 2))
