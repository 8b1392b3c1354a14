"""``qglm_ir.grad``: derivatives of a hybrid program's outputs or of a loss, w.r.t. its trainable parameters.

The program is compiled once (:func:`prepare`): values given for *frozen*
parameters become their ``init`` before compilation, so the compiler folds
them into constants (they get no gradient and do not appear in the artifacts,
:func:`~.params.drop_folded`);
values for *trainable* parameters are bound at run time, so the same compiled
program serves every training step.

Reverse mode runs through the host program (:mod:`.host`, rules in :mod:`.vjp`)
and through every kernel call (:mod:`.kernel`: adjoint or parameter-shift), a
batch at a time (:mod:`.batch_exec`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.ir import Operation
from .batch_exec import HostBatch, KernelBackend
from .errors import TrainingError
from .params import bind_values, drop_folded

Outputs = dict[str, np.ndarray]
#: a loss: ``fn(outputs, targets) -> (value, {output name: d value / d output})``; outputs have a batch axis
Loss = Callable[[Outputs, Any], tuple[float, dict[str, np.ndarray]]]


@dataclass
class Gradients:
    """What :func:`grad` returns: the batch's outputs, the loss (if any) and the gradients."""

    outputs: Outputs  # out0, out1...: batch axis first
    grads: dict[str, np.ndarray]  # trainable parameter -> gradient (summed over the batch)
    loss: float | None = None


def prepare(program: Any, params: Mapping[str, Any] | None = None, *, entry: str | None = None,
            **compile_options: Any) -> tuple[Operation, Any, dict[str, Any]]:
    """Compile ``program`` for training: ``(module, host CFG, run-time parameter values)``.

    ``program``: anything :func:`qglm_ir.compile` accepts (a path, a Module...).
    Frozen values in ``params`` are folded (see the module docstring).
    """
    from ..api import as_module, compile
    from ..backends.cfg import to_cfg

    source = as_module(program).clone()
    rest = bind_values(source, params or {}, frozen_only=True)
    module = compile(source, **compile_options)
    drop_folded(module)
    return module, to_cfg(module, entry), rest


def cross_entropy(outputs: Outputs, labels: Any, output: str = "out0", eps: float = 1e-12) -> tuple[float, dict]:
    """Mean ``-log p[label]`` of a probability output ``(B, C)`` (a softmax) against integer labels ``(B,)``."""
    p = np.asarray(outputs[output], dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64).reshape(-1)
    if p.ndim != 2 or y.shape != (p.shape[0],):
        raise TrainingError(f"cross-entropy needs {output} of shape (B, C) and labels (B,), "
                            f"got {p.shape} and {np.shape(labels)}")
    if y.size and (y.min() < 0 or y.max() >= p.shape[1]):
        raise TrainingError(f"labels must lie in 0..{p.shape[1] - 1}")
    rows = np.arange(p.shape[0])
    picked = np.maximum(p[rows, y], eps)
    g = np.zeros_like(p)
    g[rows, y] = -1.0 / (picked * p.shape[0])
    return float(-np.mean(np.log(picked))), {output: g}


def mse(outputs: Outputs, targets: Any, output: str = "out0") -> tuple[float, dict]:
    """Mean over the batch of the summed squared error of ``output`` against ``targets``."""
    y = np.asarray(outputs[output], dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64).reshape(y.shape)
    d = y - t
    return float(np.sum(d * d) / y.shape[0]), {output: 2.0 * d / y.shape[0]}


LOSSES: dict[str, Loss] = {"cross-entropy": cross_entropy, "mse": mse}


def resolve_loss(loss: str | Loss) -> Loss:
    """A loss function from its name (``cross-entropy``, ``mse``) or the function itself."""
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise TrainingError(f"unknown loss {loss!r} (choose {', '.join(LOSSES)}, or pass a function)")
    return LOSSES[loss]


def grad(
    program: Any,
    inputs_batch: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any] | None = None,
    loss: str | Loss | None = None,
    method: str = "adjoint",
    shots: int | None = None,
    *,
    targets: Any = None,
    cotangent: Mapping[str, np.ndarray] | None = None,
    wrt: Sequence[str] | None = None,
    noise: Any = None,
    seed: int = 0,
    entry: str | None = None,
    client: Any = None,
) -> Gradients:
    """Gradients of a hybrid program w.r.t. its trainable parameters, over a batch.

    ``inputs_batch``: one mapping of entry inputs per sample. ``params``:
    parameter values (frozen ones are folded at compile time, trainable ones
    override their ``init``). With ``loss`` (``"cross-entropy"`` / ``"mse"`` with
    ``targets``, or ``fn(outputs, targets) -> (value, cotangents)``) the result
    holds d loss / d param; without, ``cotangent`` (``{out_k: (B, ...)}``,
    default all ones) gives the vector-Jacobian product ``sum <cotangent, outputs>``.
    ``method``: ``"adjoint"`` (exact, simulator) or ``"parameter-shift"`` (runs on
    hardware; ``shots=N`` samples each shifted circuit N times, seeded by ``seed``).
    ``noise``: a :class:`~.noise.NoiseSpec` (parameter-shift only). ``wrt``:
    a subset of the trainable parameters (or entry inputs) to differentiate.
    ``client``: a ``distributed.Client``; parameter shift then evaluates its
    shifted circuits on that cluster (same results as here).

    Outputs are exact (no shot noise). Frozen parameters get no gradient.
    """
    module, graph, rest = prepare(program, params, entry=entry)
    host = HostBatch(module, graph, rest, wrt, KernelBackend(module, method, shots, seed, noise, client))
    return value_and_grad(host, inputs_batch, loss, targets, cotangent)


def value_and_grad(host: HostBatch, inputs_batch: Sequence[Mapping[str, Any]], loss: str | Loss | None = None,
                   targets: Any = None, cotangent: Mapping[str, np.ndarray] | None = None) -> Gradients:
    """Forward and backward of an already prepared :class:`HostBatch` (see :func:`grad`)."""
    outputs = host.forward(inputs_batch)
    value: float | None = None
    if loss is not None:
        if cotangent is not None:
            raise TrainingError("give either a loss or a cotangent, not both")
        value, cts = resolve_loss(loss)(outputs, targets)
    elif cotangent is not None:
        cts = {k: np.asarray(v, dtype=np.float64) for k, v in cotangent.items()}
        for k, v in cts.items():
            if k in outputs and v.shape != outputs[k].shape:
                raise TrainingError(f"cotangent of {k} has shape {v.shape}, the output has {outputs[k].shape}")
    else:
        cts = {k: np.ones_like(v, dtype=np.float64) for k, v in outputs.items()}
    return Gradients(outputs, host.backward(cts), value)
