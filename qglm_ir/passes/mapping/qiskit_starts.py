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

from ..memo import memoized
from .effort import QISKIT_TRIALS, qiskit_effort
from .graph import DeviceGraph


def sabre_problem(graph: DeviceGraph, pairs: list[tuple[int, int]], rank: dict[int, int] | None = None
                  ) -> tuple[list[int], list[int], object, tuple[tuple[int, int], ...]] | None:
    """What Qiskit's SABRE is given for the 2q gates ``pairs`` (wire pairs, program order):
    ``(active, comp, circuit, gates)``: the interacting wires (sorted by ``rank[w]`` when given,
    else by wire; circuit qubit ``i`` is ``active[i]``), the largest usable component of
    ``graph`` (sorted; Qiskit's physical qubit ``j`` is ``comp[j]``), the circuit of ``cx``
    gates, gate ``k`` on ``pairs[k]``, and those gates as circuit qubit pairs (the circuit's
    content, see :func:`sabre_run`); None when there is nothing to place or the wires do not fit.
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
    gates = tuple((v_index[a], v_index[b]) for a, b in pairs)
    qc = QuantumCircuit(len(active))
    for i, j in gates:
        qc.cx(i, j)
    return active, comp, qc, gates


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


def sabre_run(gates: tuple[tuple[int, int], ...], comp: list[int], dag: object, coupling: object, seed: int,
              trials: int, iterations: int) -> tuple[list[int], object]:
    """Qiskit's ``SabreLayout`` (``trials`` layout and swap trials, ``iterations``
    forward-backward iterations, ``seed``) with its routing on ``dag``, the circuit of
    :func:`sabre_problem` whose content is ``gates`` on the component ``comp`` (``coupling``
    its :func:`component_coupling`). Returns ``(phys, routed)``: circuit qubit ``i`` starts on
    Qiskit's physical qubit ``phys[i]`` (an index into ``comp``) and ``routed`` is the routed
    ``DAGCircuit`` (read only: it may be shared). Raises what Qiskit raises.

    Memoized per compile (:func:`..memo.memoized`) by that content, so the same run is made
    once: layout's Qiskit start (:func:`qiskit_sabre_start`) and route's first Qiskit
    candidate (:func:`.qiskit_route.joint_order`, program numbering, the compile seed) give
    Qiskit the same circuit of the same kernel (checked on the corpus: every plain kernel on
    ``heavy-hex:7``), and the start keeps the routing for route. Why the start routes: Qiskit's
    layout trials route the circuit anyway (each trial's iterations and its swap trials), so
    the final routing adds little (measured: QV-20 and QFT-50 onto ``heavy-hex:7``, 20
    trials: same CPU with and without ``skip_routing`` within 4%, same layout)."""

    def run() -> tuple[list[int], object]:
        from qiskit.transpiler.passes import SabreLayout

        sabre = SabreLayout(sabre_target(coupling), seed=seed, max_iterations=iterations, swap_trials=trials,
                            layout_trials=trials)
        routed = sabre.run(dag)
        layout = sabre.property_set["layout"]
        return [layout[q] for q in dag.qubits], routed  # type: ignore[attr-defined]

    return memoized(("qiskit-sabre", gates, tuple(comp), seed, trials, iterations), run)


def qiskit_sabre_start(graph: DeviceGraph, pairs: list[tuple[int, int]], seed: int) -> dict[int, int] | None:
    """Placement (wire -> physical qubit) of the interacting wires of ``pairs`` chosen by
    ``qiskit.transpiler.passes.SabreLayout`` on the largest usable component of ``graph``, or
    None when they do not fit or Qiskit declines (any exception: this is only a candidate).
    Effort: :data:`.effort.QISKIT_TRIALS` trials of 4 iterations, less on large kernels
    (:func:`.effort.qiskit_effort`), as route's Qiskit candidates, so this run serves route's
    first one too (see :func:`sabre_run`)."""
    trials, iterations = qiskit_effort(len(pairs), QISKIT_TRIALS)
    try:
        problem = sabre_problem(graph, pairs)
        if problem is None:
            return None
        active, comp, qc, gates = problem
        from qiskit.converters import circuit_to_dag

        cm = component_coupling(graph, comp)
        if cm.size() < len(comp):  # pragma: no cover - a component always has edges here
            return None
        phys, _routed = sabre_run(gates, comp, circuit_to_dag(qc), cm, seed, trials, iterations)
        return {v: comp[phys[i]] for i, v in enumerate(active)}
    except Exception:  # noqa: BLE001  (a candidate only: qglm's own search still runs)
        return None
