"""Commutation-aware routing DAGs: wire classes are sound, DAGs stay linear, routing stays correct."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qglm_ir import ModuleBuilder
from qglm_ir.dialects.gates import GATES, gate_matrix
from qglm_ir.passes.mapping.check import coupling_violations, equivalent_up_to_layout
from qglm_ir.passes.mapping.commute import OTHER, DagBuilder, wire_classes
from qglm_ir.passes.mapping.engine import build_succ, sabre_route_jit, sabre_route_py
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.targets import load_device
from qglm_ir.testing import kernels
from qglm_ir.verify import verify

from .conftest import kernel_of, map_module

COMMUTING_GATES = ("rz", "rx", "sx", "s", "h", "cx", "cz", "cp", "rzz", "crx", "rxx", "cy")


def _gate_op(name: str):
    """The gate op of a one-gate kernel, for :func:`wire_classes`."""
    spec = GATES[name]
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", spec.num_qubits)
    kb.gate(name, *range(spec.num_qubits), params=[0.3] * spec.num_params)
    kb.finish()
    kernel = kernel_of(mb.module)
    return next(op for op in kernel.regions[0].block if op.name == "q." + name)


def _embed(mat: np.ndarray, qubits: tuple[int, ...], n: int) -> np.ndarray:
    """``mat`` (little-endian over ``qubits``) as an ``n``-qubit operator (Qiskit's qargs convention)."""
    from qiskit.quantum_info import Operator

    return Operator(np.eye(2 ** n)).compose(Operator(mat), qargs=list(qubits)).data


NAMES = sorted(n for n, s in GATES.items() if s.num_qubits <= 2)


@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(NAMES, 2)))
def test_same_class_on_shared_wires_implies_commuting(a: str, b: str) -> None:
    """Every placement of two gates on three qubits that the classes call commuting does commute."""
    ca, cb = wire_classes(_gate_op(a)), wire_classes(_gate_op(b))
    ma = gate_matrix(a, [0.37] * GATES[a].num_params)
    mb = gate_matrix(b, [1.1] * GATES[b].num_params)
    n = 3
    for qa in itertools.permutations(range(n), GATES[a].num_qubits):
        for qb in itertools.permutations(range(n), GATES[b].num_qubits):
            shared = set(qa) & set(qb)
            if not shared:
                continue
            if any(ca[qa.index(w)] == OTHER or ca[qa.index(w)] != cb[qb.index(w)] for w in shared):
                continue
            x, y = _embed(ma, qa, n), _embed(mb, qb, n)
            assert np.allclose(x @ y, y @ x), f"{a}{qa} and {b}{qb} were classed as commuting"


def test_embed_matches_kron() -> None:
    cx = gate_matrix("cx", [])
    # cx on (control 0, target 1) of 3 qubits = I (x) CX in little-endian order
    assert np.allclose(_embed(cx, (0, 1), 3), np.kron(np.eye(2), cx))


def test_dag_edges_stay_linear() -> None:
    """Alternating long runs of commuting gates cost one join node per run, not a full bipartite join."""
    dag = DagBuilder(3)
    for run in range(20):
        for i in range(50):
            cls = 1 if run % 2 == 0 else 2
            dag.add([0, 1 + i % 2], [cls, OTHER])
    edges = sum(len(p) for p in dag.preds)
    assert edges < 5 * len(dag.preds)
    assert sum(dag.is_join) == 19


def test_commuting_ladder_is_one_layer() -> None:
    """A cp ladder on a shared qubit: every rung is ready at once; an h closes it."""
    dag = DagBuilder(4)
    rungs = [dag.add([0, k], [1, 1]) for k in (1, 2, 3)]
    h = dag.add([0], [OTHER])
    assert all(dag.preds[r] == [] for r in rungs)
    (j,) = dag.preds[h]
    assert dag.is_join[j] and sorted(dag.preds[j]) == rungs


def _shared_dag(rng: np.random.Generator, nv: int, n_nodes: int):
    """A commutation DAG of random cz/cx/h gates (fronts share qubits)."""
    dag = DagBuilder(nv)
    node_a, node_b = [], []
    for _ in range(n_nodes):
        r = rng.random()
        if r < 0.8:
            a, b = (int(x) for x in rng.choice(nv, 2, replace=False))
            cls = [1, 1] if r < 0.5 else [1, 2]
            n = dag.add([a, b], cls)
        else:
            a, b = int(rng.integers(nv)), -1
            n = dag.add([a], [OTHER])
        while len(node_a) < n:  # join nodes created on the way
            node_a.append(-1)
            node_b.append(-1)
        node_a.append(a)
        node_b.append(b)
    while len(node_a) < len(dag.preds):
        node_a.append(-1)
        node_b.append(-1)
    ptr, idx, npred = build_succ(len(dag.preds), dag.preds)
    return np.array(node_a, dtype=np.int64), np.array(node_b, dtype=np.int64), ptr, idx, npred, dag.preds


@pytest.mark.parametrize("seed", [0, 1])
def test_numba_matches_python_on_shared_fronts(seed: int) -> None:
    from .test_engine import _replay, _run

    rng = np.random.default_rng(seed)
    g = device_graph(load_device("heavy-hex:3"))
    dag = _shared_dag(rng, 12, 300)
    v2p0 = rng.permutation(g.num_qubits)[:12].astype(np.int64)
    a = _run(sabre_route_py, dag, v2p0, g, seed + 1)
    b = _run(sabre_route_jit, dag, v2p0, g, seed + 1)
    assert a[3] == b[3] and a[5] == b[5]
    for x, y in zip(a[:3], b[:3]):
        assert np.array_equal(x[: a[3]], y[: a[3]])
    _replay(dag, v2p0, g, a)


@settings(max_examples=25, deadline=None)
@given(kernels(min_qubits=3, max_qubits=5, max_ops=16, gates=COMMUTING_GATES, measurements=False,
               control_flow=False), st.sampled_from(["line:5", "ring:5"]), st.integers(0, 3))
def test_routing_commuting_gates_is_equivalent(kernel, spec, seed) -> None:
    module = kernel.parent_op
    device = load_device(spec)
    mapped, _ = map_module(module, device, seed)
    verify(mapped)
    assert coupling_violations(kernel_of(mapped), device) == []
    assert equivalent_up_to_layout(kernel_of(module), kernel_of(mapped))


def test_qft_ladder_needs_fewer_swaps_with_commutation() -> None:
    """On a line, a QFT's cp ladders reorder freely; the plain DAG cannot reorder them."""
    import math

    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 6)
    for i in range(6):
        kb.gate("h", i)
        for j in range(i + 1, 6):
            kb.gate("cp", j, i, params=[math.pi / 2 ** (j - i)])
    kb.finish()
    module = mb.module
    device = load_device("line:6")
    # qglm's own engine only: Qiskit's candidate routes the plain DAG in both runs
    with_c, ctx_c = map_module(module, device, 0, qiskit=False)
    without, ctx_p = map_module(module, device, 0, commute=False, qiskit=False)
    assert equivalent_up_to_layout(kernel_of(module), kernel_of(with_c))
    count = lambda m: sum(1 for op in kernel_of(m).regions[0].block if op.name == "q.swap")  # noqa: E731
    assert count(with_c) < count(without)
