"""Layouts from Qiskit's ``SabreLayout`` as extra starting points for qglm's layout search.

Qiskit's SABRE layout (Rust, many seeded trials) sometimes finds placements qglm's own
search does not reach: on ``examples/prompt_encoder.qglm`` (a 4-qubit CX ring) on
``heavy-hex:3`` it places the ring around a degree-3 qubit, where each swap merges with the
CX before it (7 CX after resynthesis against qglm's 10). Only the *layout* is taken: qglm's
engine routes from it and the candidate competes with qglm's own starts on the same cost
estimate (:func:`.layout.sabre_layout`), so the result is never worse by that estimate and
stays a qglm IR with qglm's layout bookkeeping.

Requires: ``qiskit`` (a core dependency). The circuit given to Qiskit holds only the 2q gates
(as ``cx``, in program order) of the interacting wires; the coupling map is the largest usable
component of the device, relabelled densely.
"""

from __future__ import annotations

from .effort import qiskit_effort
from .graph import DeviceGraph


def sabre_problem(graph: DeviceGraph, pairs: list[tuple[int, int]],
                  rank: dict[int, int] | None = None) -> tuple[list[int], list[int], object] | None:
    """What Qiskit's SABRE is given for the 2q gates ``pairs`` (wire pairs, program order):
    ``(active, comp, circuit)``: the interacting wires (sorted by ``rank[w]`` when given, else
    by wire; circuit qubit ``i`` is ``active[i]``), the largest usable component of ``graph``
    (sorted; Qiskit's physical qubit ``j`` is ``comp[j]``) and the circuit of ``cx`` gates,
    gate ``k`` on ``pairs[k]``; None when there is nothing to place or the wires do not fit.
    The gates carry no labels: a labelled gate is a new Python object per gate (Qiskit's
    unlabelled ``cx`` is a shared singleton, about 30x cheaper to append), and the routed
    gates are told apart by their wires instead (:func:`.qiskit_route.joint_route`).

    Why ``rank``: Qiskit's layout search starts from a few fixed layouts (trivial and dense ones)
    besides its random trials, and those follow the circuit's qubit numbering. Numbered as the
    program numbers its qubits (neighbours in the program usually interact), Qiskit's search
    does what it does on the original circuit; numbered by the physical wires of qglm's
    layout it did measurably worse (su2_full_50 on ``heavy-hex:7``, seeds 1-6: 1224-1290
    swaps against 1249-1310)."""
    if not pairs or not graph.components:
        return None
    active = sorted({v for e in pairs for v in e}, key=(lambda v: (rank.get(v, v), v)) if rank else None)
    comp = sorted(graph.components[0])
    if len(active) > len(comp):
        return None
    from qiskit import QuantumCircuit

    v_index = {v: i for i, v in enumerate(active)}
    qc = QuantumCircuit(len(active))
    for a, b in pairs:
        qc.cx(v_index[a], v_index[b])
    return active, comp, qc


def component_coupling(graph: DeviceGraph, comp: list[int]) -> object:
    """Qiskit ``CouplingMap`` of ``comp`` (both directions), relabelled densely as in :func:`sabre_problem`."""
    from qiskit.transpiler import CouplingMap

    p_index = {p: i for i, p in enumerate(comp)}
    return CouplingMap([e for a, b in graph.edges if a in p_index and b in p_index
                        for e in ((p_index[a], p_index[b]), (p_index[b], p_index[a]))])


_SABRE_TARGETS: dict[tuple[int, tuple[tuple[int, int], ...]], object] = {}


def sabre_target(coupling: object) -> object:
    """The ``Target`` that ``SabreLayout(coupling)`` builds for a ``CouplingMap`` (``u`` and
    ``cx`` on every edge), built once per coupling map and shared.

    Why: given a CouplingMap, ``SabreLayout.__init__`` deep-copies it and builds this Target on
    every construction (about 2 ms on heavy-hex:7, 3 ms on fake_sherbrooke; two or more per
    device compile); given the Target it only stores it. Layouts and routings are the same
    either way (random cx circuits on heavy-hex:3, grid:4x4 and fake_sherbrooke in
    ``tests/passes/mapping/test_sabre_target.py``; heavy-hex:7 checked by hand). SabreLayout
    only reads its target."""
    from qiskit.transpiler import Target

    key = (coupling.size(), tuple(coupling.get_edges()))  # type: ignore[attr-defined]
    target = _SABRE_TARGETS.get(key)
    if target is None:
        if len(_SABRE_TARGETS) >= 32:  # a few devices per process; bound it anyway
            _SABRE_TARGETS.clear()
        target = _SABRE_TARGETS[key] = Target.from_configuration(basis_gates=["u", "cx"], coupling_map=coupling)
    return target


def qiskit_sabre_start(graph: DeviceGraph, pairs: list[tuple[int, int]], seed: int,
                       layout_trials: int | None = None, max_iterations: int | None = None) -> dict[int, int] | None:
    """Placement (wire -> physical qubit) of the interacting wires of ``pairs`` chosen by
    ``qiskit.transpiler.passes.SabreLayout`` on the largest usable component of ``graph``, or
    None when they do not fit or Qiskit declines (any exception: this is only a candidate).
    ``layout_trials``/``max_iterations``: default 16 and 4, less on large kernels
    (:func:`.effort.qiskit_effort`)."""
    trials, iterations = qiskit_effort(len(pairs), 16)
    layout_trials = trials if layout_trials is None else layout_trials
    max_iterations = iterations if max_iterations is None else max_iterations
    try:
        problem = sabre_problem(graph, pairs)
        if problem is None:
            return None
        active, comp, qc = problem
        from qiskit.converters import circuit_to_dag
        from qiskit.transpiler.passes import SabreLayout

        cm = component_coupling(graph, comp)
        if cm.size() < len(comp):  # pragma: no cover - a component always has edges here
            return None
        sabre = SabreLayout(sabre_target(cm), seed=seed, max_iterations=max_iterations, swap_trials=layout_trials,
                            layout_trials=layout_trials, skip_routing=True)
        sabre.run(circuit_to_dag(qc))
        layout = sabre.property_set["layout"]
        return {v: comp[layout[qc.qubits[i]]] for i, v in enumerate(active)}
    except Exception:  # noqa: BLE001  (a candidate only: qglm's own search still runs)
        return None
