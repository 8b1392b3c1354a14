"""Reference semantics of the ``stats`` ops (see :mod:`qglm_ir.dialects.stats`).

Registers classical evaluators for ``stats.expval/probs/counts/sample``: each
runs its callee kernel through the public semantics API with the op's
operands bound positionally to the kernel's classical arguments, computes the
exact distribution of the readout bits, and then

* ``expval``: ``E[(-1)^b_j]`` per readout bit (exact: the many-shots limit);
* ``probs``: the exact outcome probabilities (little-endian index);
* ``counts``: a multinomial draw of ``shots`` outcomes;
* ``sample``: ``shots`` independent outcomes as a ``shots x k`` bool array;

draws use ``numpy.random.default_rng(seed)`` with the op's ``seed`` property
(default 0), so evaluation is deterministic. Module parameters come from their
``param.decl`` init values (the evaluator interface carries no other bindings).
Importing this module registers the evaluators.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import SemanticsError
from ..core.evaluators import evaluator
from ..core.ir import Operation
from ..dialects import stats as stats_dialect
from .api import readout_probabilities as kernel_readout_probabilities


def readout_probabilities(op: Operation, args: list[Any]) -> np.ndarray:
    """Exact probability of each readout outcome of ``op``'s callee (length ``2^k``)."""
    kernel = stats_dialect.find_callee(op)
    if kernel is None or kernel.name != "q.kernel":
        raise SemanticsError(f"{op.name}: callee {op.properties.get('callee')} is not a q.kernel", op.loc)
    return np.asarray(kernel_readout_probabilities(kernel, inputs=list(args)), dtype=np.float64)


def _bits(indices: np.ndarray, k: int) -> np.ndarray:
    return ((indices[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)


def _width(op: Operation) -> int:
    t = op.results[0].type
    shape = getattr(t, "shape", ())
    if op.name == "stats.expval":
        return int(shape[0])
    if op.name == "stats.sample":
        return int(shape[1])
    return int(shape[0]).bit_length() - 1


@evaluator(*stats_dialect.STATS_OPS)
def _eval_stats(op: Operation, args: list[Any]) -> list[Any]:
    probs = readout_probabilities(op, args)
    k = _width(op)
    if probs.size != 1 << k:
        raise SemanticsError(f"{op.name}: callee has {probs.size.bit_length() - 1} readout bits, result expects {k}", op.loc)
    probs = np.clip(probs, 0.0, None)
    probs = probs / probs.sum()
    if op.name == "stats.probs":
        return [probs]
    if op.name == "stats.expval":
        signs = 1.0 - 2.0 * _bits(np.arange(1 << k), k)  # (2^k, k): (-1)^b_j
        return [probs @ signs]
    shots = int(op.properties["shots"])  # type: ignore[arg-type]
    rng = np.random.default_rng(int(op.properties.get("seed", 0)))  # type: ignore[arg-type]
    if op.name == "stats.counts":
        return [rng.multinomial(shots, probs).astype(np.int64)]
    return [_bits(rng.choice(1 << k, size=shots, p=probs), k)]
