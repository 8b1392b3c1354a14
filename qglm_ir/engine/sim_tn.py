"""The default simulator: qglm's own semantics (tensor networks / state vectors), no extra install.

Noise-free kernels use the public :mod:`qglm_ir.semantics` API (exact
probabilities, mid-circuit measurements enumerated as branches); kernels with
``noise.*`` annotations go through the density-matrix interpreter of
:mod:`.density`. Samples are drawn from the exact distribution with
``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import semantics
from ..core.ir import Operation
from ..semantics.api import marginal
from .density import noisy_readout_probabilities, with_channel_ops
from .kernels import KernelSpec, normalized


class TNSimulator:
    """Exact readout distributions from the IR semantics (see the module docstring)."""

    name = "tn"

    def __init__(self) -> None:
        self._noisy: dict[str, tuple[Operation, dict[Operation, list[np.ndarray]]]] = {}

    def exact(self, spec: KernelSpec, args: list[Any], params: dict[str, Any]) -> np.ndarray:
        if spec.noisy:
            prepared = self._noisy.get(spec.name)
            if prepared is None:
                prepared = self._noisy[spec.name] = with_channel_ops(spec.kernel)
            kernel, kraus = prepared
            probs = noisy_readout_probabilities(kernel, args, params, spec.source, kraus)
            return marginal(probs, spec.readout_wires) if spec.source == "wires" else probs
        if spec.source == "wires":
            probs = np.asarray(semantics.probabilities(spec.kernel, inputs=args, params=params), dtype=np.float64)
            return marginal(probs, spec.readout_wires)
        probs = np.zeros(1 << spec.width)
        dist = semantics.outcome_distribution(spec.kernel, inputs=args, params=params, record="returns")
        for key, p in dist.items():
            probs[sum(int(b) << j for j, b in enumerate(key))] += p
        return probs

    def sample(self, spec: KernelSpec, args: list[Any], params: dict[str, Any], shots: int, seed: int) -> np.ndarray:
        p = normalized(self.exact(spec, args, params))
        return np.random.default_rng(seed).choice(p.size, size=shots, p=p).astype(np.int64)
