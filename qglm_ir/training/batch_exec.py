"""A batch of host executions in lock-step, with the kernel calls of the batch evaluated together.

Every sample runs as its own :class:`~.host.TapedRun` generator (so host
control flow may differ between samples); :func:`lockstep` advances all of them
until each waits on a kernel call or has finished, then hands *all* waiting
calls to one ``evaluate`` function, which groups them by kernel and statistic
and evaluates each group with ONE :class:`~.kernel.KernelProgram` call
(``forward`` on the way forward, ``vjp`` on the way back).

:class:`HostBatch` ties it together for a compiled module: build once, then
``forward(inputs_batch)`` -> per-sample outputs, ``backward(cotangents)`` ->
gradients of the chosen parameters summed over the batch.

Statistics: ``expval`` and ``probs`` are exact (the many-shots limit) and
differentiable; ``counts``/``sample``/``run`` calls, and kernels the quantum side
cannot differentiate (mid-circuit measurement), are evaluated sample by sample
by the engine's dispatcher and raise :class:`TrainingError` only if a gradient
has to flow through them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from ..core.ir import Operation
from ..engine.api import make_simulator, output_names, split_inputs
from ..engine.dispatch import KernelDispatcher
from ..engine.executor import Executor, ParamValues, parse_loc
from .errors import TrainingError
from .host import KernelCall, Sweep, TapedRun
from .vjp import with_source

DIFFERENTIABLE_STATS = ("expval", "probs")
METHODS = ("adjoint", "parameter-shift")


def lockstep(sweeps: Sequence[Sweep], evaluate: Callable[[list[KernelCall]], list[Any]]) -> list[Any]:
    """Drive ``sweeps`` together; return each one's return value, in order.

    ``evaluate(calls)`` gets every call the sweeps wait on at one moment and
    returns one reply per call (what the corresponding generator is resumed with).
    """
    out: list[Any] = [None] * len(sweeps)
    pending: dict[int, KernelCall] = {}

    def step(k: int, reply: Any, first: bool = False) -> None:
        try:
            pending[k] = next(sweeps[k]) if first else sweeps[k].send(reply)
        except StopIteration as stop:
            out[k] = stop.value

    for k in range(len(sweeps)):
        step(k, None, first=True)
    while pending:
        ks = sorted(pending)
        replies = evaluate([pending.pop(k) for k in ks])
        for k, r in zip(ks, replies):
            step(k, r)
    return out


class _Fixed:
    """The parameter values one call saw, for the engine dispatcher's ``params.get``."""

    def __init__(self, values: Mapping[str, Any]):
        self.values = values

    def get(self, name: str, loc: Any = None) -> Any:
        return self.values[name]


class KernelBackend:
    """Evaluates the kernel calls of a batch (see the module docstring).

    ``method``: ``"adjoint"`` or ``"parameter-shift"``; ``shots``: ``None``
    (exact gradients) or samples per shifted circuit (parameter-shift only);
    ``noise``: a :class:`~.noise.NoiseSpec` applied to every differentiable
    kernel call, forward and backward; ``client``: a ``distributed.Client`` on
    whose cluster parameter shift evaluates its shifted circuits.
    """

    def __init__(self, module: Operation, method: str = "adjoint", shots: int | None = None, seed: int = 0,
                 noise: Any = None, client: Any = None):
        if method not in METHODS:
            raise TrainingError(f"unknown differentiation method {method!r} (choose {' or '.join(METHODS)})")
        if shots is not None and (shots <= 0 or method != "parameter-shift"):
            raise TrainingError("shots (a positive number) go with method='parameter-shift' only; "
                                "adjoint differentiation is exact")
        if noise is not None and method == "adjoint":
            raise TrainingError("adjoint differentiation needs a pure state: use method='parameter-shift' with noise")
        if client is not None and method == "adjoint":
            raise TrainingError("a Dask client distributes parameter-shift evaluations; adjoint differentiation "
                                "runs in this process", help="use method='parameter-shift' with client=")
        self.module = module
        self.method = method
        self.shots = shots
        self.seed = seed
        self.noise = noise
        self.client = client
        self.dispatcher = KernelDispatcher(module, make_simulator("tn", module), _Fixed({}), None,  # type: ignore[arg-type]
                                           seed)
        self._programs: dict[str, Any] = {}
        self._calls = 0  # vjp batches so far: each gets its own sampling seed

    def program(self, name: str) -> Any:
        """The kernel's :class:`KernelProgram`, or the :class:`TrainingError` saying why there is none."""
        hit = self._programs.get(name)
        if hit is None:
            from .kernel import KernelProgram

            try:
                hit = KernelProgram.from_spec(self.dispatcher.spec(name))
            except TrainingError as exc:
                hit = exc
            self._programs[name] = hit
        return hit

    def _groups(self, calls: list[KernelCall]) -> dict[tuple[str, str], list[int]]:
        groups: dict[tuple[str, str], list[int]] = {}
        for i, c in enumerate(calls):
            groups.setdefault((c.call["kernel"], c.call["statistic"]), []).append(i)
        return groups

    @staticmethod
    def _stack(prog: Any, calls: list[KernelCall]) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
        args = [np.stack([np.asarray(c.args[j], dtype=np.float64) for c in calls]) for j in range(len(prog.inputs))]
        params = {name: np.stack([np.asarray(c.params[name], dtype=np.float64) for c in calls])
                  for name, _ in prog.params}
        return args, params

    def forward(self, calls: list[KernelCall]) -> list[list[Any]]:
        """Results of every call (one list of result values per call)."""
        out: list[list[Any]] = [[] for _ in calls]
        for (kernel, stat), idx in self._groups(calls).items():
            prog = self.program(kernel) if stat in DIFFERENTIABLE_STATS else None
            if prog is None or isinstance(prog, TrainingError):
                for i in idx:
                    self.dispatcher.params = _Fixed(calls[i].params)  # type: ignore[assignment]
                    out[i] = self.dispatcher(calls[i].call, calls[i].args)
                continue
            group = [calls[i] for i in idx]
            args, params = self._stack(prog, group)
            rows = prog.forward(args, params, stat, noise=self.noise)
            for i, row in zip(idx, rows):
                out[i] = [np.asarray(row, dtype=np.float64)]
        return out

    def vjp(self, calls: list[KernelCall]) -> list[tuple[list[Any], dict[str, Any]]]:
        """``(argument cotangents, parameter cotangents)`` of every call (with its ``cotangent``)."""
        out: list[tuple[list[Any], dict[str, Any]]] = [([], {}) for _ in calls]
        for (kernel, stat), idx in self._groups(calls).items():
            prog = self.program(kernel) if stat in DIFFERENTIABLE_STATS else None
            if prog is None or isinstance(prog, TrainingError):
                loc = with_source(parse_loc(calls[idx[0]].call.get("loc")))
                why = f": {prog.message}" if isinstance(prog, TrainingError) else \
                    f": its statistic '{stat}' is sampled (only expval and probs are differentiable)"
                raise TrainingError(f"cannot differentiate the call of kernel @{kernel}{why}", loc,
                                    help=getattr(prog, "help", None))
            group = [calls[i] for i in idx]
            args, params = self._stack(prog, group)
            cot = np.stack([c.cotangent for c in group])  # type: ignore[misc]
            self._calls += 1
            g_args, g_params = prog.vjp(args, params, stat, cot, method=self.method, shots=self.shots,
                                        seed=self.seed + self._calls, noise=self.noise, client=self.client)
            for r, i in enumerate(idx):
                out[i] = ([np.asarray(g[r]) for g in g_args], {name: np.asarray(g[r]) for name, g in g_params.items()})
        return out


class HostBatch:
    """Batched, taped execution of a compiled module's host program.

    ``graph``: the module's CFG (:func:`qglm_ir.backends.cfg.to_cfg`);
    ``params``: values of module parameters (overrides of the ``init``s; required
    for parameters without one); ``wrt``: names to differentiate with respect to
    (default: every *trainable* parameter the CFG lists). Frozen parameters are
    never differentiated.
    """

    def __init__(self, module: Operation, graph: nx.DiGraph, params: Mapping[str, Any] | None = None,
                 wrt: Sequence[str] | None = None, backend: KernelBackend | None = None):
        self.module = module
        self.graph = graph
        self.backend = backend or KernelBackend(module)
        decls = graph.graph["params"]
        self.trainable = tuple(n for n, d in decls.items() if d.get("trainable"))
        self.wrt = self._checked(self.trainable if wrt is None else wrt)
        self.executor = Executor(graph, self.backend.forward, ParamValues(decls, {}))  # stubs + types, reused
        self.set_params(params or {})
        self.runs: list[TapedRun] = []

    def _checked(self, wrt: Sequence[str]) -> frozenset[str]:
        decls = self.graph.graph["params"]
        inputs = {d["name"] for d in self.graph.graph["inputs"]}
        for name in wrt:
            if name in decls and not decls[name].get("trainable"):
                raise TrainingError(f"parameter @{name} is frozen: it gets no gradient",
                                    help="declare it trainable to train it")
            if name not in decls and name not in inputs:
                raise TrainingError(f"@{self.graph.graph['entry']} has no trainable parameter or input named '{name}'",
                                    help="trainable parameters: " + (", ".join(self.trainable) or "none"))
        return frozenset(wrt)

    @property
    def outputs(self) -> list[str]:
        """Output names (``out0``, ``out1``...), as :func:`qglm_ir.engine.run` names them."""
        return output_names(self.graph)

    def set_params(self, params: Mapping[str, Any]) -> None:
        """Replace the parameter overrides (for example after an optimizer step)."""
        _, overrides = split_inputs(self.graph, params)
        self.params = ParamValues(self.graph.graph["params"], overrides)

    def forward(self, inputs: Sequence[Mapping[str, Any]], wrt: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """Run every sample; outputs stacked along a leading batch axis, keyed ``out0``...

        ``wrt`` (optional): the names differentiated by the :meth:`backward` of
        this forward only (default: the ``wrt`` the batch was built with).
        """
        if not inputs:
            raise TrainingError("empty batch: give at least one input mapping")
        names = self.wrt if wrt is None else self._checked(wrt)
        split = [split_inputs(self.graph, x) for x in inputs]
        self.runs = [TapedRun(self.executor, self._params_for(ov), names) for _, ov in split]
        outs = lockstep([r.forward(a) for r, (a, _) in zip(self.runs, split)], self.backend.forward)
        return {name: np.stack([np.asarray(o[k]) for o in outs]) for k, name in enumerate(self.outputs)}

    def _params_for(self, overrides: Mapping[str, Any]) -> ParamValues:
        if not overrides:
            return self.params
        return ParamValues(self.graph.graph["params"], {**self.params.overrides, **overrides})

    def backward(self, cotangents: Mapping[str, np.ndarray], runs: list[TapedRun] | None = None,
                 ) -> dict[str, np.ndarray]:
        """Gradients of ``sum_b sum_k <cotangents[out_k][b], out_k[b]>`` for every name of ``wrt``.

        ``cotangents`` maps output names to arrays with the batch axis first
        (a missing output: zero). Requires a preceding :meth:`forward`.
        Guarantees: every name in ``wrt`` has an entry (zeros when nothing it
        influences reached an output), with the parameter's or input's shape;
        input gradients are per sample, ``(B, *shape)``. ``runs``: the taped
        runs of an earlier forward (default: the last one's).
        """
        runs = self.runs if runs is None else runs
        if not runs:
            raise TrainingError("backward() needs a forward() first")
        names = self.outputs
        for k in cotangents:
            if k not in names:
                raise TrainingError(f"no output named '{k}' (outputs: {', '.join(names)})")
        sweeps = [r.backward([None if k not in cotangents else np.asarray(cotangents[k][b]) for k in names])
                  for b, r in enumerate(runs)]
        per_sample = lockstep(sweeps, self.backend.vjp)
        return self._collect(per_sample, runs[0].wrt, runs[0].params)

    def _collect(self, per_sample: list[dict[str, Any]], wrt: frozenset[str], params: ParamValues,
                 ) -> dict[str, np.ndarray]:
        decls = self.graph.graph["params"]
        out: dict[str, np.ndarray] = {}
        for name in sorted(wrt):
            if name in decls:
                total = np.zeros(np.shape(params.get(name)))
                for g in per_sample:
                    if name in g:
                        total = total + g[name]
                out[name] = total
            else:  # an entry input: one gradient per sample
                d = next(d for d in self.graph.graph["inputs"] if d["name"] == name)
                shape = tuple(int(s) for s in _shape_of(d["type"]))
                out[name] = np.stack([np.asarray(g.get(name, np.zeros(shape)), dtype=np.float64).reshape(shape)
                                      for g in per_sample])
        return out


def _shape_of(type_str: str) -> tuple[int, ...]:
    from ..backends.cfg import parse_type_str
    from ..core.types import TensorType

    t = parse_type_str(type_str)
    return t.shape if isinstance(t, TensorType) else ()
