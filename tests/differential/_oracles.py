"""Oracles qglm did not write: Qiskit ``Statevector``/``Operator``, Cirq's simulator, Aer.

The central helper is :func:`equivalent_under_layout`: is an emitted physical
circuit the input circuit, up to global phase, once the emitted layout is
applied? The emitted circuit lives on ``N`` physical qubits (127 on
``fake_sherbrooke``) of which only a few are touched; the others are idle
ancillas. The check therefore

1. restricts the emitted circuit to its *active* physical qubits: those any
   instruction touches plus the images of the program qubits under the initial
   and final layouts (an idle program qubit still has to be accounted for);
2. builds the ``2^n x 2^n`` matrix ``W[y, x] = <y on final_layout, ancillas 0|
   C |x on initial_layout, ancillas 0>`` from one simulation of the Choi state
   (``n`` reference qubits in Bell pairs with the program qubits' initial
   positions) by Qiskit's ``Statevector`` or Cirq's ``Simulator``;
3. compares ``W`` with the input unitary ``U`` up to one global phase.

Equality ``W = e^{i phi} U`` with ``U`` unitary forces every column of ``W``
to have norm 1, so the ancillas provably start *and* end in ``|0>``: the check
is "equivalent on the subspace where ancillas start and end in |0>", which is
what a user composing or measuring the compiled circuit observes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ATOL = 1e-7


@dataclass(frozen=True)
class Verdict:
    """Outcome of one oracle comparison; ``bool(v)`` is ``v.ok``."""

    ok: bool
    reason: str = ""
    distance: float = 0.0

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class PhysicalLayout:
    """Where each program qubit sits on the device before and after the circuit.

    ``initial[i]``/``final[i]`` are physical qubit indices of program qubit ``i``
    (``TranspileLayout.initial_index_layout``/``final_index_layout`` with the
    ancillas filtered out).
    """

    initial: tuple[int, ...]
    final: tuple[int, ...]

    @staticmethod
    def identity(n: int) -> PhysicalLayout:
        return PhysicalLayout(tuple(range(n)), tuple(range(n)))

    @staticmethod
    def of(circuit, n_program: int) -> PhysicalLayout:
        """The layout a Qiskit circuit carries (``circuit.layout``), identity when it has none."""
        layout = circuit.layout
        if layout is None:
            return PhysicalLayout.identity(n_program)
        initial = tuple(layout.initial_index_layout(filter_ancillas=True))
        final = tuple(layout.final_index_layout(filter_ancillas=True))
        return PhysicalLayout(initial, final)


def unitary_up_to_phase(want: np.ndarray, got: np.ndarray, atol: float = ATOL) -> Verdict:
    """``got == e^{i phi} want`` for one phase ``phi``; the distance is the max entry deviation."""
    want, got = np.asarray(want), np.asarray(got)
    if want.shape != got.shape:
        return Verdict(False, f"shape {got.shape} != {want.shape}", float("inf"))
    k = np.unravel_index(np.argmax(np.abs(want)), want.shape)
    if abs(got[k]) < 1e-9:
        return Verdict(False, "emitted circuit has no amplitude where the input has its largest", 1.0)
    phase = got[k] / want[k]
    phase /= abs(phase)
    dist = float(np.max(np.abs(got - phase * want)))
    if dist > atol:
        return Verdict(False, f"max |W - e^(i phi) U| = {dist:.3g} > {atol:g}", dist)
    return Verdict(True, "", dist)


def active_qubits(touched: Sequence[int], layout: PhysicalLayout) -> list[int]:
    """Sorted physical qubits the check must simulate: touched ones plus the program's images."""
    return sorted(set(touched) | set(layout.initial) | set(layout.final))


def restricted_matrix(state: np.ndarray, m: int, final: Sequence[int]) -> np.ndarray:
    """``W[y, x]`` over the ``n = len(final)`` program qubits from one Choi state.

    ``state`` is the little-endian state of ``m`` active qubits followed by ``n``
    reference qubits, after preparing reference ``i`` in a Bell pair with the
    active qubit holding program qubit ``i`` and running the circuit: then
    ``state[phys(y) + (x << m)] = 2^(-n/2) W[y, x]`` where ``phys(y)`` puts bit
    ``y_i`` on the compact position ``final[i]`` and zeros on every ancilla.
    One simulation of ``m + n`` qubits gives all ``2^n`` columns.
    """
    n = len(final)
    phys = np.array([sum(((y >> i) & 1) << final[i] for i in range(n)) for y in range(2**n)])
    cols = np.arange(2**n) << m
    return state[phys[:, None] + cols[None, :]] * np.sqrt(2.0**n)


def _compact(layout: PhysicalLayout, active: list[int]) -> tuple[list[int], list[int]]:
    pos = {p: k for k, p in enumerate(active)}
    return [pos[p] for p in layout.initial], [pos[p] for p in layout.final]


def equivalent_under_layout(
    reference, emitted, layout: PhysicalLayout | None = None, atol: float = ATOL
) -> Verdict:
    """Qiskit oracle: is the Qiskit circuit ``emitted`` the input ``reference`` under ``layout``?

    ``reference``: a measurement-free ``QuantumCircuit`` (or anything ``Operator``
    accepts) on the ``n`` program qubits. ``emitted``: a measurement-free circuit on
    physical qubits; ``layout`` defaults to the one it carries (``emitted.layout``).
    Returns a :class:`Verdict` (see the module docstring for what is compared);
    the state is computed by Qiskit's ``Statevector``.
    """
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator, Statevector

    want = Operator(reference).data
    n = int(round(np.log2(want.shape[0])))
    layout = layout or PhysicalLayout.of(emitted, n)
    if len(layout.initial) != n or len(layout.final) != n:
        return Verdict(False, f"layout covers {len(layout.initial)} qubits, the input has {n}", float("inf"))
    touched: set[int] = set()
    for inst in emitted.data:
        if inst.operation.name in ("barrier", "delay"):
            continue
        if inst.clbits or inst.operation.name in ("measure", "reset"):
            return Verdict(False, f"emitted circuit has a non-unitary '{inst.operation.name}'", float("inf"))
        touched.update(emitted.find_bit(q).index for q in inst.qubits)
    active = active_qubits(sorted(touched), layout)
    pos = {p: k for k, p in enumerate(active)}
    m = len(active)
    init_c, final_c = _compact(layout, active)
    big = QuantumCircuit(m + n, global_phase=emitted.global_phase)
    for i in range(n):  # reference i in a Bell pair with program qubit i's initial position
        big.h(m + i)
        big.cx(m + i, init_c[i])
    for inst in emitted.data:
        if inst.operation.name in ("barrier", "delay"):
            continue
        big.append(inst.operation, [pos[emitted.find_bit(q).index] for q in inst.qubits])
    state = Statevector(big).data
    return unitary_up_to_phase(want, restricted_matrix(state, m, final_c), atol)


def cirq_equivalent_under_layout(reference, circuit, layout: PhysicalLayout, atol: float = ATOL) -> Verdict:
    """Cirq oracle: the same comparison for a ``cirq.Circuit`` whose qubits are ``LineQubit(physical)``.

    The state is computed by ``cirq.Simulator`` (complex128) with an explicit
    qubit order built from the layout, so Cirq's big-endian convention is
    handled here and nowhere else.
    """
    import cirq
    from qiskit.quantum_info import Operator

    want = Operator(reference).data
    n = int(round(np.log2(want.shape[0])))
    physical: list[int] = []
    for q in circuit.all_qubits():
        if not isinstance(q, cirq.LineQubit):
            return Verdict(False, f"cannot place Cirq qubit {q!r} on the layout", float("inf"))
        physical.append(q.x)
    if any(cirq.is_measurement(op) for op in circuit.all_operations()):
        return Verdict(False, "emitted Cirq circuit measures", float("inf"))
    active = active_qubits(sorted(physical), layout)
    m = len(active)
    init_c, final_c = _compact(layout, active)
    order = [cirq.LineQubit(p) for p in active]
    refs = [cirq.NamedQubit(f"reference_{i}") for i in range(n)]
    prep = cirq.Circuit([cirq.H(r) for r in refs], [cirq.CNOT(refs[i], order[init_c[i]]) for i in range(n)])
    sim = cirq.Simulator(dtype=np.complex128)
    state = sim.simulate(prep + circuit, qubit_order=order + refs).final_state_vector
    # Cirq: qubit_order[0] is the most significant bit; reverse the axes for little-endian.
    little = np.asarray(state).reshape([2] * (m + n)).transpose(list(range(m + n))[::-1]).reshape(-1)
    return unitary_up_to_phase(want, restricted_matrix(little, m, final_c), atol)


# ------------------------------------------------------------------ sampling
def tvd_threshold(outcomes: int, shots: int, alpha: float) -> float:
    """Two-sample total-variation bound at false-alarm rate ``alpha``.

    For one empirical distribution of ``shots`` samples over ``outcomes``
    categories, ``P(TV(p_hat, p) >= eps) <= 2^outcomes * exp(-2 shots eps^2)``
    (Hoeffding on each of the ``2^outcomes`` events ``p_hat(A) - p(A)``, union
    bound; TV is the max over events). Solving for ``eps`` at ``alpha / 2`` per
    sample and using the triangle inequality for two independent samples of the
    *same* distribution gives ``TV(p_hat_1, p_hat_2) < 2 eps`` with probability
    ``>= 1 - alpha``.
    """
    eps = np.sqrt((outcomes * np.log(2) + np.log(2 / alpha)) / (2 * shots))
    return float(2 * eps)


def tvd(p: dict[str, float], q: dict[str, float]) -> float:
    """Total variation distance between two distributions keyed by outcome."""
    keys = set(p) | set(q)
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys)


def clbit_keys(circuit) -> list[tuple[str, int]]:
    """``(register name, index)`` of every clbit of ``circuit`` in circuit order."""
    keys = []
    for bit in circuit.clbits:
        loc = circuit.find_bit(bit)
        if not loc.registers:
            keys.append(("", loc.index))
        else:
            reg, idx = loc.registers[0]
            keys.append((reg.name, idx))
    return keys


_AER_BASIS = ["u", "cx", "measure", "reset", "delay", "if_else", "for_loop", "while_loop", "switch_case"]


def aer_distribution(circuit, order: Sequence[tuple[str, int]], shots: int, seed: int) -> dict[str, float]:
    """Aer sample of ``circuit``, marginalised onto the clbits ``order`` (program order).

    Keys are bit strings with ``order[0]`` as the *leftmost* character; ``circuit``'s
    clbits are looked up by (register, index), so the emitted circuit may order them differently. Aer
    drops idle qubits itself (``enable_truncation``), so a 127-qubit device
    circuit with a few active qubits is cheap.
    """
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    sim = AerSimulator(method="statevector", seed_simulator=seed)
    # Custom gates from an OpenQASM file (e.g. ``xx_plus_yy``) are unrolled by Qiskit into Aer's basis;
    # optimization_level=0 and no coupling map: nothing else changes.
    circuit = transpile(circuit, basis_gates=_AER_BASIS, optimization_level=0)
    counts = sim.run(circuit, shots=shots).result().get_counts()
    keys = clbit_keys(circuit)
    where = {k: i for i, k in enumerate(keys)}
    missing = [k for k in order if k not in where]
    if missing:
        raise KeyError(f"emitted circuit has no clbits {missing} (it has {keys})")
    out: dict[str, float] = {}
    for raw, c in counts.items():
        bits = raw.replace(" ", "")[::-1]  # bits[i] = clbit i (Qiskit prints clbit 0 rightmost)
        key = "".join(bits[where[k]] for k in order)
        out[key] = out.get(key, 0.0) + c / shots
    return out
