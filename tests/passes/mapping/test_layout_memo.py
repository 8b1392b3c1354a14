"""Compile-scoped memo (qglm_ir.passes.memo) and the memoized VF2 candidate search of layout."""

from __future__ import annotations

import numpy as np
import rustworkx as rx

from qglm_ir.passes import memo
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.passes.mapping.layout import _relabelled, _vf2_rows
from qglm_ir.targets import load_device


def test_memo_is_content_keyed_and_scoped() -> None:
    calls: list[int] = []

    def compute(x: int):
        calls.append(x)
        return [x]

    assert memo.memoized(("t", 1), lambda: compute(1)) == [1]  # no scope: always computed
    memo.memoized(("t", 1), lambda: compute(1))
    assert calls == [1, 1]
    with memo.compile_scope():
        assert memo.active()
        a = memo.memoized(("t", 1), lambda: compute(1))
        b = memo.memoized(("t", 1), lambda: compute(1))
        c = memo.memoized(("t", 2), lambda: compute(2))
        assert a is b and c == [2]
        with memo.compile_scope():  # nested scopes share the outer memo
            assert memo.memoized(("t", 1), lambda: compute(1)) is a
    assert calls == [1, 1, 1, 2]
    assert not memo.active()
    with memo.compile_scope():  # a new compile starts empty
        memo.memoized(("t", 1), lambda: compute(1))
    assert calls == [1, 1, 1, 2, 1]


def _reference_rows(graph, seed, rounds, per_round, k, edges):
    """The candidates built one embedding at a time straight from rustworkx (the pre-memo code)."""
    im = rx.PyGraph()
    im.add_nodes_from(range(k))
    for a, b in edges:
        im.add_edge(a, b, None)
    rows = []
    for perm, cm in _relabelled(graph, seed, rounds):
        found = 0
        for m in rx.vf2_mapping(cm, im, subgraph=True, induced=False, id_order=False, call_limit=1_000_000):
            row = np.empty(k, dtype=np.int64)
            row[list(m.values())] = perm[list(m.keys())]
            rows.append(row)
            found += 1
            if found >= per_round:
                break
    return np.stack(rows)


def test_vf2_rows_match_rustworkx_and_the_memo_follows_the_pattern() -> None:
    graph = device_graph(load_device("qiskit:fake_sherbrooke"))
    path = ((0, 1), (1, 2), (2, 3))
    star = ((0, 1), (0, 2), (0, 3))
    with memo.compile_scope():
        a = _vf2_rows(graph, 1, 6, 8, 1_000_000, 4, path)
        assert a is not None
        np.testing.assert_array_equal(a, _reference_rows(graph, 1, 6, 8, 4, path))
        assert _vf2_rows(graph, 1, 6, 8, 1_000_000, 4, path) is a  # equal pattern: one search
        b = _vf2_rows(graph, 1, 6, 8, 1_000_000, 4, star)  # another pattern: another answer
        assert b is not None and not np.array_equal(a, b)
        np.testing.assert_array_equal(b, _reference_rows(graph, 1, 6, 8, 4, star))
        c = _vf2_rows(graph, 2, 6, 8, 1_000_000, 4, path)  # another seed: other relabelings
        assert not np.array_equal(a, c)
        # edge order steers VF2's enumeration, so it is part of the key
        d = _vf2_rows(graph, 1, 6, 8, 1_000_000, 4, ((2, 3), (1, 2), (0, 1)))
        np.testing.assert_array_equal(d, _reference_rows(graph, 1, 6, 8, 4, ((2, 3), (1, 2), (0, 1))))
        assert not a.flags.writeable
    # a pattern that does not embed (a triangle on heavy-hex): None, also when memoized
    tri = ((0, 1), (1, 2), (0, 2))
    with memo.compile_scope():
        assert _vf2_rows(graph, 1, 4, 8, 1_000_000, 3, tri) is None
        assert _vf2_rows(graph, 1, 4, 8, 1_000_000, 3, tri) is None
