"""The semantics' public functions: states, unitaries, probabilities, outcome distributions.

Every function takes a ``q.kernel`` operation inside a module (or a module with
exactly one kernel), binds ``inputs`` (the kernel's classical arguments, a dict
by name or a list by position) and ``params`` (overrides of module
``param.decl`` values), and follows the wire convention
(:mod:`qglm_ir.dialects.kernel_wires`): input wires are the qubit arguments
then the ``q.alloc``s in execution order (the model's pre-order numbering
whenever each alloc runs once; an alloc in a loop body gets a fresh wire per
iteration here); output wires are the
returned qubits then every other wire by input-wire index; vectors and
matrices are little-endian over wires (wire 0 least significant), so wire
``i`` is Qiskit qubit ``i``. Qubit arguments start in |0> unless a function
says otherwise.

``method`` chooses how a measurement-free kernel is evaluated: ``"sweep"``
applies its gates to a numpy state (fastest up to ~24 wires), ``"tn"``
contracts its tensor network with a cached cotengra path; ``"auto"`` picks the
sweep for states/unitaries (they are dense anyway) and the network where it
saves memory (wide ``expectation_z``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.errors import SemanticsError
from ..core.ir import Operation
from ..core.module import SymbolTable
from ..dialects.kernel_wires import qubit_args
from .binding import Inputs, ParamResolver, Params, bind_inputs, kernel_label, resolve_kernel
from .interpreter import MAX_BRANCHES, Branch, Interpreter, RunResult
from .network import Network, add_circuit, close_untouched, contract
from .state import NeedsBranching, StateSink, Trace, TraceSink, apply_gate, fuse_1q, to_little_endian

MAX_STATEVECTOR_WIRES = 24
MAX_UNITARY_WIRES = 12
_ZERO = np.array([1.0, 0.0], dtype=np.complex128)
_METHODS = ("auto", "sweep", "tn")


def _setup(kernel: Operation, inputs: Inputs, params: Params) -> tuple[Operation, Interpreter, dict]:
    kernel, module = resolve_kernel(kernel)
    classical = bind_inputs(kernel, inputs)
    symbols = SymbolTable(module) if module is not None else None
    interp = Interpreter(ParamResolver(module, params), symbols)
    return kernel, interp, classical


def num_qubit_args(kernel: Operation) -> int:
    """The kernel's argument wires (:func:`qglm_ir.dialects.kernel_wires.qubit_args`)."""
    return len(qubit_args(kernel))


def trace(kernel: Operation, *, inputs: Inputs = None, params: Params = None) -> Trace:
    """The flat gate trace of a measurement-free kernel (loops unrolled, branches chosen).

    Raises :class:`SemanticsError` (a ``NeedsBranching``) at the first
    ``q.measure``/``q.reset``.
    """
    kernel, interp, classical = _setup(kernel, inputs, params)
    sink = TraceSink(num_qubit_args(kernel))
    res = interp.run(kernel, [Branch(sink)], classical)
    t = sink.trace
    t.outputs = res.outputs
    t.returns = res.returns[0]
    return t


def run_branches(
    kernel: Operation,
    *,
    inputs: Inputs = None,
    params: Params = None,
    arg_states: Sequence[np.ndarray] | None = None,
    max_branches: int = MAX_BRANCHES,
) -> RunResult:
    """Enumerate the kernel's measurement branches with state vectors.

    ``arg_states[i]`` is the initial 2-vector of qubit argument ``i`` (|0> by
    default). Each returned branch carries its Born weight, its measurement
    record and its normalised final state (a ``(2,)*n`` tensor, axis = slot).
    """
    kernel, interp, classical = _setup(kernel, inputs, params)
    interp.max_branches = max_branches
    k = num_qubit_args(kernel)
    states = list(arg_states) if arg_states is not None else [_ZERO] * k
    if len(states) != k:
        raise SemanticsError(f"kernel {kernel_label(kernel)} has {k} qubit argument(s), got {len(states)} states")
    return interp.run(kernel, [Branch(StateSink.product(states))], classical)


def _check_width(n: int, limit: int, what: str, kernel: Operation) -> None:
    if n > limit:
        raise SemanticsError(
            f"kernel {kernel_label(kernel)} has {n} wires; {what} is limited to {limit}",
            kernel.loc,
            help="use equivalent() or expectation_z(), which contract tensor networks",
        )


def _check_method(method: str) -> None:
    if method not in _METHODS:
        raise SemanticsError(f"unknown method {method!r} (use one of {', '.join(_METHODS)})")


# --------------------------------------------------------------- from a trace
def trace_statevector(t: Trace, method: str = "sweep") -> np.ndarray:
    """The output state of a trace with every input wire in |0>."""
    n = t.num_slots
    if method == "tn":
        net = Network()
        final = add_circuit(net, t, [_ZERO] * n)
        net.output = tuple(final[t.outputs[j]] for j in range(n - 1, -1, -1))
        return contract(net).reshape(1 << n)
    state = np.zeros((2,) * n, dtype=np.complex128)
    state[(0,) * n] = 1.0
    for m, slots in fuse_1q(t.ops):
        state = apply_gate(state, m, slots)
    return to_little_endian(state, t.outputs) * t.phase


def trace_unitary(t: Trace, method: str = "sweep") -> np.ndarray:
    """The ``2^n x 2^n`` matrix of a trace: rows = output wires, columns = input wires."""
    n = t.num_slots
    if method == "tn":
        net = Network()
        ins = [net.new_index() for _ in range(n)]
        final = add_circuit(net, t, ins)
        close_untouched(net, ins, final)
        net.output = tuple(final[t.outputs[j]] for j in range(n - 1, -1, -1)) + tuple(reversed(ins))
        return contract(net).reshape(1 << n, 1 << n)
    dim = 1 << n
    state = np.eye(dim, dtype=np.complex128).reshape((2,) * n + (dim,))
    state = np.transpose(state, list(range(n - 1, -1, -1)) + [n])
    for m, slots in fuse_1q(t.ops):
        state = apply_gate(state, m, slots)
    return to_little_endian(state, t.outputs, batch_dims=1) * t.phase


def branch_vector(b: Branch, outputs: Sequence[int]) -> np.ndarray:
    """A branch's final state as a little-endian vector over the output wires."""
    return to_little_endian(b.sink.state, outputs)


# ---------------------------------------------------------------- public API
def statevector(
    kernel: Operation, *, inputs: Inputs = None, params: Params = None, method: str = "auto"
) -> np.ndarray:
    """Final state (complex vector of length ``2^n``) with every input wire in |0>.

    Requires a kernel without ``q.measure``/``q.reset`` and at most
    :data:`MAX_STATEVECTOR_WIRES` wires; otherwise raises :class:`SemanticsError`.
    """
    _check_method(method)
    t = trace(kernel, inputs=inputs, params=params)
    _check_width(t.num_slots, MAX_STATEVECTOR_WIRES, "statevector()", resolve_kernel(kernel)[0])
    return trace_statevector(t, "tn" if method == "tn" else "sweep")


def unitary(
    kernel: Operation, *, inputs: Inputs = None, params: Params = None, method: str = "auto"
) -> np.ndarray:
    """The ``2^n x 2^n`` matrix from input wires to output wires (allocs count as inputs).

    This is the matrix ``qiskit.quantum_info.Operator`` gives for the same
    circuit. Requires no measurement/reset and at most
    :data:`MAX_UNITARY_WIRES` wires.
    """
    _check_method(method)
    t = trace(kernel, inputs=inputs, params=params)
    _check_width(t.num_slots, MAX_UNITARY_WIRES, "unitary()", resolve_kernel(kernel)[0])
    return trace_unitary(t, "tn" if method == "tn" else "sweep")


def probabilities(
    kernel: Operation, *, inputs: Inputs = None, params: Params = None, method: str = "auto"
) -> np.ndarray:
    """Probability of each computational basis state of the output wires (little-endian).

    For kernels that measure or reset, the mixture over measurement branches
    (mid-circuit measurements collapse, their outcomes are summed over).
    """
    _check_method(method)
    try:
        t = trace(kernel, inputs=inputs, params=params)
    except NeedsBranching:
        res = run_branches(kernel, inputs=inputs, params=params)
        _check_width(res.batch[0].sink.n, MAX_STATEVECTOR_WIRES, "probabilities()", resolve_kernel(kernel)[0])
        probs = np.zeros(1 << res.batch[0].sink.n)
        for b in res.batch:
            probs += b.weight * np.abs(branch_vector(b, res.outputs)) ** 2
        return probs
    _check_width(t.num_slots, MAX_STATEVECTOR_WIRES, "probabilities()", resolve_kernel(kernel)[0])
    sv = trace_statevector(t, "tn" if method == "tn" else "sweep")
    return np.abs(sv) ** 2


def _z_from_probs(probs: np.ndarray, n: int) -> np.ndarray:
    t = probs.reshape((2,) * n) if n else probs
    out = np.empty(n)
    for j in range(n):
        axis = n - 1 - j  # C-order axis of little-endian bit j
        marg = t.sum(axis=tuple(a for a in range(n) if a != axis))
        out[j] = marg[0] - marg[1]
    return out


def _z_tn(t: Trace) -> np.ndarray:
    """<Z_j> for every output wire by contracting <psi| Z_j |psi> (no dense state)."""
    n = t.num_slots
    zs = np.empty(n)
    z = np.array([[1.0, 0.0], [0.0, -1.0]], dtype=np.complex128)
    for j in range(n):
        net = Network()
        ket = add_circuit(net, t, [_ZERO] * n)
        mark = len(net.arrays)
        bra = add_circuit(net, t, [_ZERO] * n, conj=True)
        glue = {bra[s]: ket[s] for s in range(n) if s != t.outputs[j]}
        net.rename(glue, mark)
        s = t.outputs[j]
        net.add(z, (bra[s], ket[s]))
        zs[j] = float(np.real(contract(net)))
    return zs


def expectation_z(
    kernel: Operation, *, inputs: Inputs = None, params: Params = None, method: str = "auto"
) -> np.ndarray:
    """``<Z>`` of every output wire (array of length ``n``), all inputs in |0>.

    Measurement-free kernels wider than :data:`MAX_STATEVECTOR_WIRES` (or with
    ``method="tn"``) are evaluated by contracting one ``<psi|Z_j|psi>``
    network per wire, so a shallow 40-qubit kernel works.
    """
    _check_method(method)
    try:
        t = trace(kernel, inputs=inputs, params=params)
    except NeedsBranching:
        probs = probabilities(kernel, inputs=inputs, params=params)
        return _z_from_probs(probs, probs.size.bit_length() - 1)
    if method == "tn" or t.num_slots > MAX_STATEVECTOR_WIRES:
        return _z_tn(t)
    probs = np.abs(trace_statevector(t)) ** 2
    return _z_from_probs(probs, t.num_slots)


def _key_value(x: Any) -> Any:
    """A hashable, comparable form of a returned classical value."""
    if isinstance(x, np.ndarray):
        return _key_value(x.tolist()) if x.ndim else _key_value(x.item())
    if isinstance(x, list):
        return tuple(_key_value(v) for v in x)
    if isinstance(x, bool):
        return int(x)
    return x


def outcome_key(res: RunResult, i: int, record: str) -> tuple:
    b = res.batch[i]
    if record == "returns":
        return tuple(_key_value(v) for v in res.returns[i])
    return b.measurements


def resolve_record(kernel: Operation, record: str) -> str:
    if record not in ("auto", "returns", "measurements"):
        raise SemanticsError(f"record must be 'auto', 'returns' or 'measurements', got {record!r}")
    if record != "auto":
        return record
    k, _ = resolve_kernel(kernel)
    ftype = k.properties.get("function_type")
    results = getattr(ftype, "results", ())
    return "returns" if any(not t.is_qubit for t in results) else "measurements"


def outcome_distribution(
    kernel: Operation,
    *,
    inputs: Inputs = None,
    params: Params = None,
    record: str = "auto",
    max_branches: int = MAX_BRANCHES,
) -> dict[tuple, float]:
    """Exact distribution of the kernel's classical outcome, by branch enumeration.

    Keys: with ``record="returns"`` the tuple of returned classical values
    (``i1`` as 0/1, tensors as nested tuples); with ``"measurements"`` the
    tuple of all measurement bits in execution order. ``"auto"`` uses
    returns when the kernel returns classical values, else measurements.
    Every ``q.measure`` and ``q.reset`` splits a branch with Born
    probabilities (zero-probability branches are dropped); more than
    ``max_branches`` live branches raises :class:`SemanticsError`. Keys are
    sorted; probabilities sum to 1.
    """
    record = resolve_record(kernel, record)
    res = run_branches(kernel, inputs=inputs, params=params, max_branches=max_branches)
    dist: dict[tuple, float] = {}
    for i, b in enumerate(res.batch):
        key = outcome_key(res, i, record)
        dist[key] = dist.get(key, 0.0) + b.weight
    return dict(sorted(dist.items()))


def marginal(probs: np.ndarray, wires: Sequence[int]) -> np.ndarray:
    """Marginal of a little-endian distribution over ``wires`` (bit ``j`` of the result = ``wires[j]``)."""
    n = probs.size.bit_length() - 1
    if list(wires) == list(range(n)):
        return probs
    t = probs.reshape((2,) * n) if n else probs
    axes = [n - 1 - w for w in wires]  # C-order axis of little-endian wire w
    rest = tuple(a for a in range(n) if a not in axes)
    m = t.sum(axis=rest) if rest else t
    # m's axes are the kept axes in increasing order; put wires[-1] first (most significant)
    kept = sorted(axes)
    order = [kept.index(a) for a in reversed(axes)]
    return np.transpose(m, order).reshape(-1) if order else np.asarray(m).reshape(-1)


def readout_probabilities(kernel: Operation, *, inputs: Inputs = None, params: Params = None) -> np.ndarray:
    """Exact probability of each readout outcome under the kernel's readout contract.

    Length ``2^width`` (little-endian over readout bits, see
    :mod:`qglm_ir.dialects.readout`): returned bits for ``"bits"``, the final Z
    read of the program qubits (``"state"``) or of the listed ones (``"z"``)
    otherwise. A mapped kernel is evaluated on the wires it touches only, so a
    program on a 127-qubit device costs what the program costs.
    """
    from ..dialects.readout import readout_of
    from .active import restrict_to_active

    k, _ = resolve_kernel(kernel)
    readout = readout_of(k)
    if not readout.from_wires:
        from ..core.types import i1

        positions = [j for j, t in enumerate(getattr(k.properties.get("function_type"), "results", ())) if t == i1]
        probs = np.zeros(1 << readout.width)
        for key, p in outcome_distribution(k, inputs=inputs, params=params, record="returns").items():
            probs[sum(int(key[pos]) << j for j, pos in enumerate(positions))] += p
        return probs
    small, wires = restrict_to_active(k, keep=readout.wires)
    position = {w: j for j, w in enumerate(wires)}
    return marginal(probabilities(small, inputs=inputs, params=params), [position[w] for w in readout.wires])
