"""Kernel invocations of a running CFG: from a ``kernel_call`` block to its statistic.

Shots (the ``shots`` argument of :func:`qglm_ir.engine.run`):

* ``None`` or ``0``: ``expval``/``probs`` are **exact** (the many-shots limit)
  whenever the simulator can compute the readout distribution (``tn``: always;
  ``aer``/``cirq``: kernels without mid-circuit measurement); otherwise they are
  estimated from the call's own ``shots``. ``counts`` uses the call's ``shots``.
* ``N > 0``: every ``expval``/``probs``/``counts`` is estimated from ``N`` samples.
* ``sample`` always draws the call's declared number of shots (its result type
  fixes it) and ``run`` (a host ``func.call`` of a kernel) is one shot.

Seeds: one ``numpy.random.default_rng(seed)`` per run hands every sampled
invocation its own seed in execution order, so a run is reproducible and
repeated invocations (host loops) are independent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.ir import Operation
from ..core.module import SymbolTable
from .errors import EngineError
from .executor import ParamValues, parse_loc
from .kernels import KernelSpec, Simulator, normalized


class KernelDispatcher:
    """``call_kernel`` for the :class:`~.executor.Executor` (see the module docstring)."""

    def __init__(self, module: Operation, simulator: Simulator, params: ParamValues, shots: int | None,
                 seed: int):
        self.symbols = SymbolTable(module)
        self.sim = simulator
        self.params = params
        self.shots = shots if shots else None
        self.rng = np.random.default_rng(seed)
        self._specs: dict[str, KernelSpec] = {}

    def spec(self, name: str) -> KernelSpec:
        s = self._specs.get(name)
        if s is None:
            k = self.symbols.lookup(name)
            if k is None or k.name != "q.kernel":
                raise EngineError(f"the CFG calls @{name}, which is not a q.kernel of the module")
            s = self._specs[name] = KernelSpec.of(k)
        return s

    def _sample(self, spec: KernelSpec, args: list[Any], params: dict[str, Any], n: int) -> np.ndarray:
        seed = int(self.rng.integers(0, 2**31 - 1))
        return np.asarray(self.sim.sample(spec, args, params, n, seed), dtype=np.int64)

    def _probs(self, spec: KernelSpec, args: list[Any], params: dict[str, Any], call_shots: int) -> np.ndarray:
        if self.shots is None:
            exact = self.sim.exact(spec, args, params)
            if exact is not None:
                return normalized(exact)
        n = self.shots or call_shots
        return np.bincount(self._sample(spec, args, params, n), minlength=1 << spec.width) / n

    def __call__(self, call: Mapping[str, Any], args: list[Any]) -> list[Any]:
        spec = self.spec(call["kernel"])
        loc = parse_loc(call.get("loc"))
        params = {p: self.params.get(p, loc) for p in call["params"]}
        stat = call["statistic"]
        k = spec.width
        if stat == "probs":
            return [self._probs(spec, args, params, call["shots"])]
        if stat == "expval":
            p = self._probs(spec, args, params, call["shots"])
            bits = (np.arange(p.size)[:, None] >> np.arange(k)[None, :]) & 1
            return [p @ (1.0 - 2.0 * bits)]
        if stat == "counts":
            n = self.shots or call["shots"]
            return [np.bincount(self._sample(spec, args, params, n), minlength=1 << k).astype(np.int64)]
        if stat == "sample":
            out = self._sample(spec, args, params, call["shots"])
            return [((out[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)]
        if stat == "run":
            out = int(self._sample(spec, args, params, 1)[0])
            return [bool((out >> j) & 1) for j in range(k)]
        raise EngineError(f"unknown statistic {stat!r} in kernel call of @{spec.name}", loc)
