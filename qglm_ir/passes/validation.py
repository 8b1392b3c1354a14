"""Translation validation: does a compiled kernel mean what its source meant?

:func:`check_kernel` compares a source kernel with its compiled form for
everything its readout contract (:mod:`qglm_ir.dialects.readout`) says a
caller observes, under the compiled kernel's recorded layouts:

* **Measurement-free kernels** (any contract): the map from input states of
  the *program qubits* to output states, not just the state reached from
  |0...0> — a kernel that allocates its qubits is still composed by users.
  Program qubit ``k`` enters the compiled kernel on wire ``initial_layout[k]``
  and leaves on ``final_layout[k]``; every other (ancilla) wire starts in |0>
  and must end in |0>. With at most :data:`EXACT_QUBITS` program qubits every
  basis state is pushed through (the whole unitary); wider kernels get
  stimuli: random basis states and Haar-random (entangled) states, which a
  non-equivalent pair of unitaries cannot both pass. Outputs are compared
  amplitude by amplitude up to one global phase, so an angle changed by 1e-6
  is caught (a fidelity test would square it away). Only the wires a kernel
  touches are simulated: a 10-qubit program on a 127-qubit device costs a
  ~12-wire simulation.
  Beyond :data:`MAX_WIRES` active wires, amplitudes ``<chi|U|psi>`` for random
  product states are contracted as tensor networks instead (cotengra paths),
  with ancillas projected back on <0|; their ratios must be one global phase.
  Clifford kernels of any width are instead compared exactly by the canonical
  stabilizers of their Choi states (stim).
* **Kernels with measurement or reset**: the exact joint distribution of the
  returned values together with the contract's readout, from |0...0>.

A check that cannot be done (a contraction too wide for memory, an op the
semantics cannot evaluate) gives ``ok=None`` with the reason; callers must
report it as *not validated*, never as validated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.errors import QglmError
from ..core.ir import Operation
from ..dialects.readout import readout_of

#: The whole input space (every basis state) is checked while program qubits plus the
#: active wires of the wider kernel stay within this many (the batch of states is dense).
EXACT_BUDGET = 16
#: Active wires (of either kernel) beyond which a dense check is refused.
MAX_WIRES = 22
#: Amplitude updates (gates x 2^wires x states) the dense check may spend; beyond it the
#: stabilizer or tensor-network checks are tried instead.
DENSE_BUDGET = 1e9
#: Stimuli for wider kernels: random basis states and Haar-random states.
BASIS_STIMULI = 1
RANDOM_STIMULI = 2


@dataclass(frozen=True)
class Verdict:
    """``ok``: True (equivalent), False (a counterexample), None (could not check; ``why`` says why)."""

    ok: bool | None
    method: str
    why: str = ""
    deviation: float = 0.0


def _layouts(kernel: Operation, n: int) -> tuple[list[int], list[int]]:
    init = kernel.properties.get("initial_layout")
    final = kernel.properties.get("final_layout", init)
    if init is None:
        return list(range(n)), list(range(n))
    return [int(p) for p in init], [int(p) for p in final]  # type: ignore[union-attr]


def _stimuli(n: int, exact: bool, seed: int) -> tuple[np.ndarray, str]:
    """Input states of ``n`` program qubits as a ``(2,)*n + (K,)`` tensor (axis k = program qubit k)."""
    dim = 1 << n
    if exact:
        states = np.eye(dim, dtype=np.complex128)
        how = f"all {dim} basis states"
    else:
        rng = np.random.default_rng(seed)
        basis = np.zeros((dim, BASIS_STIMULI), dtype=np.complex128)
        basis[rng.integers(1, dim, size=BASIS_STIMULI), np.arange(BASIS_STIMULI)] = 1.0
        haar = rng.normal(size=(dim, RANDOM_STIMULI)) + 1j * rng.normal(size=(dim, RANDOM_STIMULI))
        haar /= np.linalg.norm(haar, axis=0, keepdims=True)
        states = np.concatenate([basis, haar], axis=1)
        how = f"{BASIS_STIMULI} random basis + {RANDOM_STIMULI} Haar-random states"
    # little-endian index -> C-order axes (b_{n-1}, ..., b_0); reverse so axis k is qubit k
    t = states.reshape((2,) * n + (states.shape[1],))
    return np.transpose(t, list(range(n - 1, -1, -1)) + [n]), how


def _evolve(trace: Any, inputs_of: Sequence[int], outputs_of: Sequence[int], stimuli: np.ndarray) -> np.ndarray:
    """Push ``stimuli`` (program qubit k on input slot ``inputs_of[k]``, the rest |0>) through
    ``trace`` touching only active slots; return the ``(2^n, K)`` component with every
    non-program output slot in |0> (rows: C-order over program qubits 0..n-1)."""
    from ..semantics.state import apply_gate, fuse_1q

    n = len(inputs_of)
    active = _active(trace, inputs_of, outputs_of)
    pos = {s: i for i, s in enumerate(active)}
    m = len(active)
    k = stimuli.shape[-1]
    # state axes: active slot order, then batch; program inputs from the stimuli, ancillas |0>
    state = np.zeros((2,) * m + (k,), dtype=np.complex128)
    index: list[Any] = [0] * m + [slice(None)]
    src_axes = []
    for q in range(n):
        index[pos[inputs_of[q]]] = slice(None)
        src_axes.append(pos[inputs_of[q]])
    # the sliced view's axes follow increasing active position; order the stimuli to match
    order = sorted(range(n), key=lambda q: src_axes[q])
    state[tuple(index)] = np.transpose(stimuli, order + [n])
    for mat, slots in fuse_1q(trace.ops):
        state = apply_gate(state, mat, [pos[s] for s in slots])
    out_index: list[Any] = [0] * m + [slice(None)]
    dst_axes = []
    for q in range(n):
        out_index[pos[outputs_of[q]]] = slice(None)
        dst_axes.append(pos[outputs_of[q]])
    sub = state[tuple(out_index)] * trace.phase
    # sub's axes follow increasing active position of the output slots; reorder to qubit order
    by_pos = sorted(range(n), key=lambda q: dst_axes[q])
    perm = [by_pos.index(q) for q in range(n)] + [n]
    return np.transpose(sub, perm).reshape(1 << n, k)


def _active(trace: Any, inputs_of: Sequence[int], outputs_of: Sequence[int]) -> list[int]:
    """Slots a trace touches plus the program's input and output slots (idle ancillas excluded)."""
    touched = {s for _, slots in trace.ops for s in slots}
    return sorted(touched | set(inputs_of) | set(outputs_of))


def _trace(kernel: Operation, inputs: Any) -> Any:
    from ..semantics import trace

    return trace(kernel, inputs=inputs)


def _unitary_check(before: Operation, after: Operation, inputs: Any, atol: float, seed: int) -> Verdict:
    n = readout_of(before).num_program_qubits
    tb, ta = _trace(before, inputs), _trace(after, inputs)
    ib, fb = _layouts(before, n)
    ia, fa = _layouts(after, n)
    if len(ia) != n or len(fa) != n:
        return Verdict(False, "unitary", f"layouts of length {len(ia)}/{len(fa)} for {n} program qubit(s)")
    ob, oa = [tb.outputs[w] for w in fb], [ta.outputs[w] for w in fa]
    wb, wa = len(_active(tb, ib, ob)), len(_active(ta, ia, oa))
    width = max(wb, wa)
    exact = width + n <= EXACT_BUDGET
    stimuli_count = 1 << n if exact else BASIS_STIMULI + RANDOM_STIMULI
    dense_cost = (len(tb.ops) * (1 << wb) + len(ta.ops) * (1 << wa)) * stimuli_count
    if width > MAX_WIRES or dense_cost > DENSE_BUDGET:
        stabilizer = _stabilizer_check(tb, ta, ib, ob, ia, oa)
        if stabilizer is not None:
            return stabilizer
        return _amplitude_check(tb, ta, ib, ob, ia, oa, atol, seed)
    stimuli, how = _stimuli(n, exact, seed)
    b = _evolve(tb, ib, ob, stimuli)
    a = _evolve(ta, ia, oa, stimuli)
    overlap = np.vdot(b, a)
    phase = overlap / abs(overlap) if abs(overlap) > 1e-12 else 1.0
    deviation = float(np.max(np.abs(a - phase * b))) if a.size else 0.0
    ok = deviation <= atol
    why = "" if ok else f"outputs differ by {deviation:.3g} (amplitude, after a global phase) on {how}"
    return Verdict(ok, f"unitary ({how})", why, deviation)


def _random_qubit(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=2) + 1j * rng.normal(size=2)
    return v / np.linalg.norm(v)


_ZERO = np.array([1.0, 0.0], dtype=np.complex128)


def _amplitude(trace: Any, ins: Sequence[int], outs: Sequence[int], psi: list[np.ndarray],
               chi: list[np.ndarray]) -> complex:
    """``<chi (x) 0...|trace|psi (x) 0...>``: program qubit k enters on slot ``ins[k]`` in
    ``psi[k]`` and is projected on ``chi[k]`` at slot ``outs[k]``; every other slot starts
    in |0> and is projected on <0| (ancillas must come back)."""
    from ..semantics.network import Network, add_circuit, contract

    net = Network()
    starts: list[np.ndarray] = [_ZERO] * trace.num_slots
    for k, s in enumerate(ins):
        starts[s] = psi[k]
    final = add_circuit(net, trace, starts)
    bra: dict[int, np.ndarray] = {s: _ZERO for s in range(trace.num_slots)}
    for k, s in enumerate(outs):
        bra[s] = chi[k]
    for s, v in bra.items():
        net.add(np.conj(v), (final[s],))
    return complex(contract(net, max_cost=AMPLITUDE_MAX_COST))


#: Random product-state amplitude samples of the wide (tensor-network) check.
AMPLITUDE_SAMPLES = 3
#: Flops one amplitude contraction may cost (a few seconds of numpy on a small machine);
#: beyond it the kernel is reported as not validated rather than checked for minutes.
AMPLITUDE_MAX_COST = 5e8


def _amplitude_check(tb: Any, ta: Any, ib: Sequence[int], ob: Sequence[int], ia: Sequence[int],
                     oa: Sequence[int], atol: float, seed: int) -> Verdict:
    """Wide kernels: compare ``<chi|.|psi>`` for random product states by tensor-network
    contraction (no dense state). Two unitaries that differ by more than a global phase
    differ on almost every product-state pair (a non-zero multilinear polynomial), so
    the ratios of the amplitudes must all equal one unit-modulus constant."""
    from ..core.errors import SemanticsError

    rng = np.random.default_rng(seed)
    n = len(ib)
    ratios: list[complex] = []
    try:
        for _ in range(AMPLITUDE_SAMPLES):
            psi = [_random_qubit(rng) for _ in range(n)]
            chi = [_random_qubit(rng) for _ in range(n)]
            a = _amplitude(tb, ib, ob, psi, chi)
            b = _amplitude(ta, ia, oa, psi, chi)
            if max(abs(a), abs(b)) < 1e-14:
                continue  # both (numerically) zero: no information, and no difference
            if min(abs(a), abs(b)) < 1e-14:
                return Verdict(False, "amplitudes", f"amplitude {b:.3g} where the source has {a:.3g}", 1.0)
            ratios.append(b / a)
    except SemanticsError as err:
        return Verdict(None, "amplitudes", err.message)
    if not ratios:
        return Verdict(None, "amplitudes", "every sampled amplitude vanished")
    ref = ratios[0]
    deviation = max([abs(abs(ref) - 1.0)] + [abs(r - ref) for r in ratios])
    how = f"{len(ratios)} random product-state amplitudes"
    if deviation > atol:
        return Verdict(False, f"amplitudes ({how})", f"amplitude ratios differ by {deviation:.3g}", deviation)
    return Verdict(True, f"amplitudes ({how})", "", deviation)


def _clifford_ops(trace: Any) -> list[tuple[Any, tuple[int, ...]]] | None:
    """The trace's gates as stim tableaux, or ``None`` if stim is missing or a gate is not Clifford."""
    try:
        import stim
    except ImportError:
        return None
    ops = []
    for mat, slots in trace.ops:
        try:
            ops.append((stim.Tableau.from_unitary_matrix(mat, endian="little"), slots))
        except ValueError:
            return None
    return ops


def _choi_stabilizers(ops: list, ins: Sequence[int], outs: Sequence[int], total: int) -> list:
    """Canonical stabilizers of the Choi state: program qubit k maximally entangled with a
    reference qubit before the circuit; qubits reordered to (program outputs, references,
    the rest), so two circuits with the same Clifford map give the same list."""
    import stim

    n = len(ins)
    sim = stim.TableauSimulator()
    sim.set_num_qubits(total)
    refs = [total - n + k for k in range(n)]
    for k in range(n):
        sim.h(refs[k])
        sim.cnot(refs[k], ins[k])
    for tab, slots in ops:
        sim.do_tableau(tab, list(slots))
    first = list(outs) + refs
    order = first + [q for q in range(total) if q not in set(first)]
    where = list(range(total))  # where[q]: current position of original qubit q
    at = list(range(total))  # at[p]: original qubit now at position p
    for p, q in enumerate(order):
        cur = where[q]
        if cur != p:
            sim.swap(p, cur)
            a, b = at[p], at[cur]
            at[p], at[cur] = b, a
            where[a], where[b] = cur, p
    return sim.canonical_stabilizers()


def _stabilizer_check(tb: Any, ta: Any, ib: Sequence[int], ob: Sequence[int], ia: Sequence[int],
                      oa: Sequence[int]) -> Verdict | None:
    """Clifford kernels of any width: compare the Choi states' canonical stabilizers (stim),
    an exact check of the map up to global phase. ``None`` when a kernel is not Clifford."""
    ops_b, ops_a = _clifford_ops(tb), _clifford_ops(ta)
    if ops_b is None or ops_a is None:
        return None
    n = len(ib)
    total = max(tb.num_slots, ta.num_slots) + n
    same = _choi_stabilizers(ops_b, ib, ob, total) == _choi_stabilizers(ops_a, ia, oa, total)
    how = "stabilizer (Choi state, stim)"
    return Verdict(True, how) if same else Verdict(False, how, "the Clifford maps differ", 1.0)


def _distribution_check(before: Operation, after: Operation, inputs: Any, atol: float) -> Verdict:
    from ..semantics import outcome_distribution, readout_probabilities

    pb = readout_probabilities(before, inputs=inputs)
    pa = readout_probabilities(after, inputs=inputs)
    if pb.shape != pa.shape:
        return Verdict(False, "distribution", f"readout widths differ ({pb.size} vs {pa.size} outcomes)")
    deviation = float(np.max(np.abs(pb - pa))) if pb.size else 0.0
    if deviation > atol:
        return Verdict(False, "distribution", f"readout probabilities differ by {deviation:.3g}", deviation)
    rb = readout_of(before)
    if rb.kind != "bits":  # returned values beyond the readout (e.g. none) still must agree jointly
        db = outcome_distribution(before, inputs=inputs, record="returns")
        da = outcome_distribution(after, inputs=inputs, record="returns")
        for key in set(db) | set(da):
            d = abs(db.get(key, 0.0) - da.get(key, 0.0))
            if d > atol:
                return Verdict(False, "distribution", f"returned values differ in probability by {d:.3g}", d)
    return Verdict(True, "distribution (from |0...0>)", "", deviation)


def _measures(kernel: Operation) -> bool:
    return any(op.name in ("q.measure", "q.reset") for op in kernel.walk())


def check_kernel(before: Operation, after: Operation, *, inputs: Any = None, atol: float = 1e-8,
                 seed: int = 0) -> Verdict:
    """Compare ``after`` (compiled, possibly mapped) with ``before`` under ``before``'s readout contract.

    Requires: both kernels in modules (parameters resolve), the same classical
    signature; ``after``'s layouts (if any) have one entry per program qubit.
    Guarantees: ``ok=True`` only when the check ran and found no difference
    above ``atol``; see the module docstring for what is compared.
    """
    try:
        if readout_of(before).kind == "z" or _measures(before) or _measures(after):
            return _distribution_check(before, after, inputs, atol)
        return _unitary_check(before, after, inputs, atol, seed)
    except QglmError as err:
        return Verdict(None, "semantics", err.message)
