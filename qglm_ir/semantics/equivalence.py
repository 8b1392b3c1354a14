"""Equivalence of kernels, and the quimb tensor network of a kernel.

What "equivalent" means (``a`` and ``b`` with the same bindings):

* **Measurement-free kernels** are equivalent when they have the same numbers
  of qubit arguments and output wires, return equal classical values, and
  their isometries (qubit arguments -> output wires, every ``q.alloc`` in |0>)
  are equal up to one global phase. ``q.alloc``'d wires are *not* inputs
  here: an ``rz`` right after an alloc is a global phase. (``unitary()``, like
  Qiskit's ``Operator``, does treat them as inputs.)

  - ``method="exact"`` (default up to ``EXACT_LIMIT``: 2^(args + wires) <= 2^20
    entries) computes both isometries and compares them entry by entry
    (``max |e^{i phi} A - B| <= atol``, phi from ``tr(A^dag B)``), like
    ``qiskit.quantum_info.Operator.equiv``.
  - ``method="tn"`` (default above that, e.g. 40 shallow qubits) samples
    ``samples`` seeded random product states ``psi`` on the qubit arguments
    and contracts (1) the overlap network ``<psi| A^dag B |psi>``, requiring
    ``| |overlap| - 1 | <= atol`` with the same phase for every sample, and
    (2) amplitudes ``<chi|A|psi>``, ``<chi|B|psi>`` against random product
    bras ``chi``, requiring ``b = e^{i phi} a`` to relative ``atol``. (1) is
    the global test; (2) keeps the test first-order sensitive when the input
    is fixed (alloc-only kernels), where ``1 - |overlap|`` is only second
    order in a perturbation. A sampled test can in principle miss a
    difference; with random states it does so with probability zero.

* **Kernels that measure or reset** are compared as instruments: for
  |0> inputs (and ``samples`` random product states on qubit arguments, if
  any) the distributions of the classical record (``record``: returned values,
  else all measurement bits; see :func:`outcome_distribution`) must agree
  within ``atol``, and for each outcome the unnormalised post-measurement
  density matrix over all output wires (returned and deallocated) must agree
  within ``atol`` when there are at most ``DENSITY_LIMIT`` output wires
  (wider: distributions only).

Modules: ``compare(module_a, module_b)`` compares every kernel by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.errors import SemanticsError
from ..core.ir import Operation
from ..core.module import MODULE_OP
from ..dialects.kernel_wires import qubit_args
from .api import (
    _ZERO,
    outcome_key,
    resolve_record,
    run_branches,
    trace,
    trace_statevector,
    trace_unitary,
)
from .binding import Inputs, Params, resolve_kernel
from .network import Network, add_circuit, close_untouched, contract, to_quimb
from .state import NeedsBranching, Trace, apply_gate, fuse_1q, to_little_endian

EXACT_LIMIT = 20  # log2 of the number of isometry entries computed exactly
DENSITY_LIMIT = 10  # output wires up to which post-measurement density matrices are compared
_TINY = 1e-300


@dataclass(frozen=True)
class EquivalenceReport:
    """Outcome of :func:`compare`: the verdict, how it was reached and where it fails."""

    equivalent: bool
    method: str  # "exact", "tn", "branches", "structure"
    max_deviation: float
    where: str = ""

    def __bool__(self) -> bool:
        return self.equivalent

    def describe(self) -> str:
        verdict = "equivalent" if self.equivalent else "NOT equivalent"
        text = f"{verdict} (method={self.method}, max deviation {self.max_deviation:.3g})"
        return f"{text}: {self.where}" if self.where else text


def _basis(index: int, n: int) -> str:
    """``|b_{n-1} ... b_0>`` spelling of a little-endian basis index."""
    return "|" + format(index, f"0{n}b") + ">" if n else "|>"


def _random_qubit(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=2) + 1j * rng.normal(size=2)
    return v / np.linalg.norm(v)


def _isometry(t: Trace) -> np.ndarray:
    """``2^n x 2^k`` matrix: qubit arguments (columns) -> output wires, allocs in |0>."""
    k, n = t.num_args, t.num_slots
    if k == n:
        return trace_unitary(t)
    if k == 0:
        return trace_statevector(t).reshape(-1, 1)
    dim = 1 << k
    eye = np.eye(dim, dtype=np.complex128).reshape((2,) * k + (dim,))
    eye = np.transpose(eye, list(range(k - 1, -1, -1)) + [k])
    state = eye
    for _ in range(n - k):
        state = np.multiply.outer(state, _ZERO)
    state = np.moveaxis(state, k, n)
    for m, slots in fuse_1q(t.ops):
        state = apply_gate(state, m, slots)
    return to_little_endian(state, t.outputs, batch_dims=1) * t.phase


def _compare_exact(ta: Trace, tb: Trace, atol: float) -> EquivalenceReport:
    a = _isometry(ta)
    b = _isometry(tb)
    inner = np.vdot(a, b)
    phase = inner / abs(inner) if abs(inner) > _TINY else 1.0
    diff = np.abs(a * phase - b)
    idx = int(np.argmax(diff))
    dev = float(diff.flat[idx])
    row, col = divmod(idx, a.shape[1])
    n, k = ta.num_slots, ta.num_args
    where = ""
    if dev > atol:
        where = (
            f"amplitude of output {_basis(row, n)} for input {_basis(col, k)} (args) differs: "
            f"{a[row, col] * phase:.6g} vs {b[row, col]:.6g}"
        )
    return EquivalenceReport(dev <= atol, "exact", dev, where)


def _overlap(ta: Trace, tb: Trace, starts: list[np.ndarray]) -> complex:
    net = Network()
    ka = add_circuit(net, ta, starts[: ta.num_args] + [_ZERO] * (ta.num_slots - ta.num_args), conj=True)
    mark = len(net.arrays)
    kb = add_circuit(net, tb, starts[: tb.num_args] + [_ZERO] * (tb.num_slots - tb.num_args))
    net.rename({kb[tb.outputs[j]]: ka[ta.outputs[j]] for j in range(len(ta.outputs))}, mark)
    return complex(contract(net))


def _amplitude(t: Trace, starts: list[np.ndarray], bra: Sequence[np.ndarray]) -> complex:
    net = Network()
    final = add_circuit(net, t, starts[: t.num_args] + [_ZERO] * (t.num_slots - t.num_args))
    for j, s in enumerate(t.outputs):
        net.add(np.conj(bra[j]), (final[s],))
    return complex(contract(net))


def _compare_tn(ta: Trace, tb: Trace, atol: float, samples: int, seed: int) -> EquivalenceReport:
    rng = np.random.default_rng(seed)
    n, k = ta.num_slots, ta.num_args
    ref: complex | None = None
    worst = 0.0
    where = ""
    for s in range(max(1, samples)):
        psi = [_random_qubit(rng) for _ in range(k)]
        ov = _overlap(ta, tb, psi)
        mag = abs(ov)
        dev = abs(mag - 1.0)
        phase = ov / mag if mag > _TINY else 1.0
        if ref is None:
            ref = phase
        dev = max(dev, abs(phase - ref))
        if dev > worst:
            worst = dev
            where = f"overlap <psi|A^dag B|psi> = {ov:.9g} for random product input sample {s}"
        chi = [_random_qubit(rng) for _ in range(n)]
        a = _amplitude(ta, psi, chi)
        b = _amplitude(tb, psi, chi)
        scale = max(abs(a), abs(b))
        if scale > _TINY:
            rel = abs(b - ref * a) / scale
            if rel > worst:
                worst = rel
                where = (
                    f"amplitude <chi|.|psi> for random product states (sample {s}) differs by a "
                    f"relative {rel:.3g} beyond the global phase"
                )
    return EquivalenceReport(worst <= atol, "tn", worst, where if worst > atol else "")


def _branch_summary(
    kernel: Operation, inputs: Inputs, params: Params, record: str, arg_states: list[np.ndarray] | None
) -> tuple[dict[tuple, float], dict[tuple, np.ndarray] | None, int]:
    res = run_branches(kernel, inputs=inputs, params=params, arg_states=arg_states)
    n = res.batch[0].sink.n
    dist: dict[tuple, float] = {}
    rhos: dict[tuple, np.ndarray] | None = {} if n <= DENSITY_LIMIT else None
    for i, b in enumerate(res.batch):
        key = outcome_key(res, i, record)
        dist[key] = dist.get(key, 0.0) + b.weight
        if rhos is not None:
            v = to_little_endian(b.sink.state, res.outputs)
            r = b.weight * np.outer(v, v.conj())
            rhos[key] = rhos[key] + r if key in rhos else r
    return dist, rhos, n


def _compare_branches(
    a: Operation, b: Operation, inputs: Inputs, params: Params, atol: float, samples: int, seed: int, record: str
) -> EquivalenceReport:
    ka, _ = resolve_kernel(a)
    kb, _ = resolve_kernel(b)
    ra, rb = resolve_record(ka, record), resolve_record(kb, record)
    if ra != rb:
        return EquivalenceReport(False, "branches", float("inf"), f"one kernel returns classical values, the other does not ({ra} vs {rb})")
    k = len(qubit_args(ka))
    rng = np.random.default_rng(seed)
    cases: list[list[np.ndarray] | None] = [None]
    if k:
        cases += [[_random_qubit(rng) for _ in range(k)] for _ in range(max(0, samples - 1))]
    worst = 0.0
    where = ""
    for c, states in enumerate(cases):
        da, rhoa, na = _branch_summary(ka, inputs, params, ra, states)
        db, rhob, nb = _branch_summary(kb, inputs, params, ra, states)
        label = "|0> inputs" if states is None else f"random product input sample {c}"
        if na != nb:
            return EquivalenceReport(False, "branches", float("inf"), f"{na} vs {nb} output wires")
        for key in sorted(set(da) | set(db)):
            dev = abs(da.get(key, 0.0) - db.get(key, 0.0))
            if dev > worst:
                worst = dev
                where = f"P(outcome {key}) = {da.get(key, 0.0):.9g} vs {db.get(key, 0.0):.9g} ({label})"
            if rhoa is not None and rhob is not None:
                zero = np.zeros((1 << na, 1 << na))
                diff = np.abs(rhoa.get(key, zero) - rhob.get(key, zero))
                idx = int(np.argmax(diff))
                dev = float(diff.flat[idx])
                if dev > worst:
                    worst = dev
                    r, col = divmod(idx, 1 << na)
                    where = (
                        f"post-measurement state for outcome {key} differs at density-matrix entry "
                        f"({_basis(r, na)}, {_basis(col, na)}) ({label})"
                    )
    return EquivalenceReport(worst <= atol, "branches", worst, where if worst > atol else "")


def _returns_equal(ra: list, rb: list) -> bool:
    if len(ra) != len(rb):
        return False
    return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(ra, rb))


def _compare_kernels(
    a: Operation, b: Operation, inputs: Inputs, params: Params, atol: float, method: str,
    samples: int, seed: int, record: str,
) -> EquivalenceReport:
    try:
        ta = trace(a, inputs=inputs, params=params)
        tb = trace(b, inputs=inputs, params=params)
    except NeedsBranching:
        return _compare_branches(a, b, inputs, params, atol, samples, seed, record)
    if ta.num_args != tb.num_args or ta.num_slots != tb.num_slots:
        return EquivalenceReport(
            False, "structure", float("inf"),
            f"{ta.num_args} vs {tb.num_args} qubit arguments, {ta.num_slots} vs {tb.num_slots} wires",
        )
    if len(ta.outputs) != len(tb.outputs) or not _returns_equal(ta.returns, tb.returns):
        return EquivalenceReport(False, "structure", float("inf"), f"returned classical values differ: {ta.returns} vs {tb.returns}")
    if method == "auto":
        method = "exact" if ta.num_slots + ta.num_args <= EXACT_LIMIT else "tn"
    if method == "exact":
        return _compare_exact(ta, tb, atol)
    if method == "tn":
        return _compare_tn(ta, tb, atol, samples, seed)
    raise SemanticsError(f"unknown method {method!r} (use 'auto', 'exact' or 'tn')")


def compare(
    a: Operation,
    b: Operation,
    *,
    inputs: Inputs = None,
    params: Params = None,
    atol: float = 1e-7,
    method: str = "auto",
    samples: int = 4,
    seed: int = 0,
    record: str = "auto",
) -> EquivalenceReport:
    """Compare two kernels (or two modules, kernel by kernel); see the module docstring.

    Returns an :class:`EquivalenceReport` whose ``where`` names the first
    output where the kernels differ most.
    """
    if a.name == MODULE_OP and b.name == MODULE_OP:
        ka = {str(op.properties.get("sym_name")): op for op in a.regions[0].block if op.name == "q.kernel"}
        kb = {str(op.properties.get("sym_name")): op for op in b.regions[0].block if op.name == "q.kernel"}
        if set(ka) != set(kb):
            return EquivalenceReport(False, "structure", float("inf"), f"kernels {sorted(ka)} vs {sorted(kb)}")
        worst = EquivalenceReport(True, "exact", 0.0)
        for name in ka:
            r = _compare_kernels(ka[name], kb[name], inputs, params, atol, method, samples, seed, record)
            if not r.equivalent:
                return EquivalenceReport(False, r.method, r.max_deviation, f"kernel @{name}: {r.where}")
            if r.max_deviation >= worst.max_deviation:
                worst = r
        return worst
    return _compare_kernels(a, b, inputs, params, atol, method, samples, seed, record)


def equivalent(
    a: Operation,
    b: Operation,
    *,
    inputs: Inputs = None,
    params: Params = None,
    atol: float = 1e-7,
    **options: Any,
) -> bool:
    """Whether ``a`` and ``b`` are equivalent up to global phase (see the module docstring).

    ``options`` are passed to :func:`compare` (``method``, ``samples``, ``seed``, ``record``).
    """
    return compare(a, b, inputs=inputs, params=params, atol=atol, **options).equivalent


def tensor_network(
    kernel: Operation, *, inputs: Inputs = None, params: Params = None, mode: str = "state"
) -> Any:
    """The kernel as a ``quimb.tensor.TensorNetwork``.

    ``mode="state"``: every input wire starts in |0>; the open indices are
    ``out0..out{n-1}`` (output wires). ``mode="operator"``: input wire ``i``
    is the open index ``in{i}``. Single-qubit gates are fused into their
    neighbours (the network's structure is that of the multi-qubit gates).
    """
    k, _ = resolve_kernel(kernel)
    t = trace(k, inputs=inputs, params=params)
    net = Network()
    names: dict[int, str] = {}
    if mode == "state":
        final = add_circuit(net, t, [_ZERO] * t.num_slots)
    elif mode == "operator":
        ins = [net.new_index() for _ in range(t.num_slots)]
        names.update({ind: f"in{i}" for i, ind in enumerate(ins)})
        final = add_circuit(net, t, ins)
        close_untouched(net, ins, final)
    else:
        raise SemanticsError(f"mode must be 'state' or 'operator', got {mode!r}")
    for j, s in enumerate(t.outputs):
        names[final[s]] = f"out{j}"
    return to_quimb(net, names)
