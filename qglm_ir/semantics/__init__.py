"""Tensor-network semantics of qglm kernels: the oracle every pass and backend is checked against.

Public API (see :mod:`.api` and :mod:`.equivalence` for the contracts)::

    statevector(kernel, *, inputs=None, params=None)      -> complex vector, little-endian
    unitary(kernel, *, inputs=None, params=None)          -> 2^n x 2^n matrix (<= 12 wires)
    probabilities(kernel, ...)                            -> basis-state probabilities
    readout_probabilities(kernel, ...)                    -> probabilities of the readout contract's bits
    expectation_z(kernel, ...)                            -> <Z> per output wire
    outcome_distribution(kernel, ..., record="auto")      -> {outcome tuple: probability}
    equivalent(a, b, *, inputs=None, params=None, atol=1e-7) -> bool (up to global phase)
    compare(a, b, ...)                                    -> EquivalenceReport (why not)
    tensor_network(kernel, ...)                           -> quimb TensorNetwork of the kernel

``kernel`` is a ``q.kernel`` operation inside a module (or a module with one
kernel). quimb and cotengra are imported lazily, on first contraction.
"""

from .api import (
    MAX_STATEVECTOR_WIRES,
    MAX_UNITARY_WIRES,
    expectation_z,
    outcome_distribution,
    probabilities,
    readout_probabilities,
    run_branches,
    statevector,
    trace,
    unitary,
)
from .equivalence import EquivalenceReport, compare, equivalent, tensor_network
from .network import PathCacheInfo, clear_path_cache, path_cache_info

__all__ = [
    "MAX_STATEVECTOR_WIRES",
    "MAX_UNITARY_WIRES",
    "EquivalenceReport",
    "PathCacheInfo",
    "clear_path_cache",
    "compare",
    "equivalent",
    "expectation_z",
    "outcome_distribution",
    "path_cache_info",
    "probabilities",
    "readout_probabilities",
    "run_branches",
    "statevector",
    "tensor_network",
    "trace",
    "unitary",
]

# Registers the evaluators of stats.* ops, which call back into this API.
from . import stats_eval  # noqa: E402, F401
