"""qiskit_starts.sabre_target: SabreLayout given the shared Target places and routes exactly as
SabreLayout given the CouplingMap (which rebuilds that Target on every construction)."""

from __future__ import annotations

import random

import pytest
from qiskit import QuantumCircuit
from qiskit.converters import circuit_to_dag
from qiskit.transpiler.passes import SabreLayout

from qglm_ir.api import load_device
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.passes.mapping.qiskit_starts import component_coupling, sabre_target


def _run(arg: object, dag, seed: int, skip_routing: bool) -> tuple:
    sabre = SabreLayout(arg, seed=seed, max_iterations=4, swap_trials=4, layout_trials=4, skip_routing=skip_routing)
    routed = sabre.run(dag)
    layout = tuple(sabre.property_set["layout"][q] for q in dag.qubits)
    if skip_routing:
        return layout, None
    return layout, [(n.op.name, tuple(routed.find_bit(b).index for b in n.qargs))
                    for n in routed.topological_op_nodes()]


@pytest.mark.parametrize("spec", ["heavy-hex:3", "grid:4x4", "qiskit:fake_sherbrooke"])
def test_shared_target_places_and_routes_as_the_coupling_map(spec: str) -> None:
    graph = device_graph(load_device(spec))
    comp = sorted(graph.components[0])
    coupling = component_coupling(graph, comp)
    rng = random.Random(spec)
    for trial in range(4):
        n = rng.randint(4, min(20, len(comp)))
        qc = QuantumCircuit(n)
        for _ in range(rng.randint(10, 120)):
            a, b = rng.sample(range(n), 2)
            qc.cx(a, b)
        dag = circuit_to_dag(qc)
        for skip in (True, False):
            assert _run(sabre_target(coupling), dag, trial, skip) == _run(coupling, dag, trial, skip)


def test_target_is_built_once_per_coupling_map() -> None:
    graph = device_graph(load_device("heavy-hex:3"))
    comp = sorted(graph.components[0])
    first = sabre_target(component_coupling(graph, comp))
    assert sabre_target(component_coupling(graph, comp)) is first  # an equal map built again
    other = device_graph(load_device("grid:3x3"))
    target = sabre_target(component_coupling(other, sorted(other.components[0])))
    assert target is not first and target.num_qubits == len(other.components[0])
