"""PyTorch bridge: a compiled hybrid program as a ``torch.nn.Module``.

``QglmModule(program, params=None, method="adjoint")`` compiles ``program``
once (frozen values in ``params`` are folded, see :func:`qglm_ir.training.grad.prepare`);
its trainable parameters become ``nn.Parameter``s (float64) named like the
program's parameters, initialised from ``params``, the declared ``init`` or a
seeded draw (:func:`qglm_ir.training.params.initial_values`).

``module(x)`` (one tensor per entry input, batch axis first, in declaration
order; or keyword arguments by input name) runs the whole batch through the
host program, kernel calls of the batch evaluated together, and returns the
output (a tuple if the program returns several values). The backward pass is a
``torch.autograd.Function`` that runs qglm's reverse sweep: adjoint or
parameter-shift for the kernels, hand-written rules for the host ops. Gradients
also flow to inputs that require them.

This module imports torch; ``import qglm_ir`` does not import this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from .training.batch_exec import HostBatch, KernelBackend
from .training.grad import prepare
from .training.params import initial_values


class _HostFunction(torch.autograd.Function):
    """``(inputs..., params...) -> outputs...`` through a :class:`HostBatch` (see the module docstring)."""

    @staticmethod
    def forward(ctx: Any, qm: QglmModule, n_inputs: int, *tensors: torch.Tensor) -> Any:  # type: ignore[override]
        host = qm.host
        inputs, params = tensors[:n_inputs], tensors[n_inputs:]
        input_names = qm.input_names
        wrt = [n for n, need in zip(input_names, ctx.needs_input_grad[2:2 + n_inputs]) if need]
        wrt += [n for n, need in zip(qm.param_names, ctx.needs_input_grad[2 + n_inputs:]) if need]
        host.set_params({n: p.detach().cpu().numpy() for n, p in zip(qm.param_names, params)})
        arrays = [t.detach().cpu().numpy() for t in inputs]
        batch = [{n: a[b] for n, a in zip(input_names, arrays)} for b in range(arrays[0].shape[0])]
        outs = host.forward(batch, wrt=wrt)
        ctx.qm, ctx.runs, ctx.wrt, ctx.n_inputs = qm, host.runs, wrt, n_inputs
        ctx.shapes = [tuple(t.shape) for t in tensors]
        return tuple(torch.from_numpy(np.ascontiguousarray(outs[k], dtype=np.float64)) for k in host.outputs)

    @staticmethod
    def backward(ctx: Any, *grad_outputs: torch.Tensor) -> Any:  # type: ignore[override]
        qm: QglmModule = ctx.qm
        host = qm.host
        cts = {k: g.detach().cpu().numpy().astype(np.float64) for k, g in zip(host.outputs, grad_outputs)
               if g is not None}
        grads = host.backward(cts, ctx.runs) if ctx.wrt else {}
        names = qm.input_names + qm.param_names
        out: list[torch.Tensor | None] = [None, None]
        for name, shape, need in zip(names, ctx.shapes, ctx.needs_input_grad[2:]):
            g = grads.get(name) if need else None
            out.append(None if g is None else torch.from_numpy(np.asarray(g, dtype=np.float64).reshape(shape)))
        return tuple(out)


class QglmModule(torch.nn.Module):
    """A compiled hybrid program as a torch module (see the module docstring).

    ``method``: ``"adjoint"`` or ``"parameter-shift"``; ``shots``: sampled
    parameter-shift gradients (``None``: exact); ``noise``: a
    :class:`~qglm_ir.training.noise.NoiseSpec` applied to the kernels;
    ``seed``: initial values of parameters without one, and gradient sampling;
    ``client``: a ``distributed.Client`` on which parameter shift runs its shifted circuits.
    """

    def __init__(self, program: Any, params: Mapping[str, Any] | None = None, *, method: str = "adjoint",
                 shots: int | None = None, noise: Any = None, seed: int = 0, entry: str | None = None,
                 client: Any = None):
        super().__init__()
        module, graph, rest = prepare(program, params, entry=entry)
        self.host = HostBatch(module, graph, {}, (), KernelBackend(module, method, shots, seed, noise, client))
        self.input_names = [d["name"] for d in graph.graph["inputs"]]
        start = initial_values(graph.graph["params"], rest, seed)
        self.param_names = list(start)
        for name, value in start.items():
            self.register_parameter(name, torch.nn.Parameter(torch.from_numpy(value)))

    def call(self, inputs: Mapping[str, torch.Tensor], params: Mapping[str, torch.Tensor]) -> Any:
        """The functional form: outputs for explicit ``inputs`` and trainable ``params`` tensors."""
        missing = [n for n in self.input_names if n not in inputs]
        if missing:
            raise TypeError(f"missing input(s): {', '.join(missing)} (inputs: {', '.join(self.input_names)})")
        tensors = [torch.as_tensor(inputs[n], dtype=torch.float64) for n in self.input_names]
        tensors += [params[n] for n in self.param_names]
        outs = _HostFunction.apply(self, len(self.input_names), *tensors)
        return outs[0] if len(outs) == 1 else outs

    def forward(self, *args: torch.Tensor, **kwargs: torch.Tensor) -> Any:
        """Outputs for a batch: one tensor per entry input (positional in order, or by name)."""
        if len(args) > len(self.input_names):
            raise TypeError(f"{len(args)} inputs given, the program takes {len(self.input_names)}")
        inputs = dict(zip(self.input_names, args))
        inputs.update(kwargs)
        return self.call(inputs, {n: getattr(self, n) for n in self.param_names})

    def parameter_values(self) -> dict[str, np.ndarray]:
        """Current trainable values as numpy arrays (what ``qglmc compile -P`` takes)."""
        return {n: getattr(self, n).detach().cpu().numpy().copy() for n in self.param_names}
