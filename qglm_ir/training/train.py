"""Training loops for compiled hybrid programs: minibatches, Adam/SGD, gradient clipping, noise injection.

:func:`fit` trains the trainable parameters of a prepared :class:`~.batch_exec.HostBatch`
on a :class:`Dataset`: every epoch shuffles the samples (seeded), and every
minibatch is one batched forward + backward (kernel calls of the minibatch
evaluated together) followed by one optimizer step on the clipped gradient.

Noise-aware training: with ``options.noise`` (a :class:`~.noise.NoiseSpec`,
usually ``NoiseSpec.from_device(device)``), every kernel call runs under that
noise, scaled by an injection schedule that rises linearly from
``1 / noise_ramp`` of its strength in the first epoch to full strength at
epoch ``noise_ramp`` (default: half the epochs) and stays there. Noise needs
``method="parameter-shift"`` (adjoint differentiation assumes a pure state).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .batch_exec import HostBatch
from .errors import TrainingError
from .grad import resolve_loss, value_and_grad

OPTIMIZERS = ("adam", "sgd")


@dataclass
class Dataset:
    """Samples for training: entry inputs ``(N, ...)`` by name, with ``labels`` (N,) or ``targets`` (N, ...)."""

    inputs: dict[str, np.ndarray]
    labels: np.ndarray | None = None
    targets: np.ndarray | None = None

    def __len__(self) -> int:
        return len(next(iter(self.inputs.values())))

    @property
    def loss(self) -> str:
        """The loss the data asks for: cross-entropy against labels, else mean squared error."""
        return "cross-entropy" if self.labels is not None else "mse"

    def batch(self, idx: np.ndarray) -> tuple[list[dict[str, np.ndarray]], np.ndarray]:
        """The samples ``idx`` as one input mapping each, and their labels/targets."""
        rows = [{k: v[i] for k, v in self.inputs.items()} for i in idx]
        y = self.labels if self.labels is not None else self.targets
        assert y is not None
        return rows, y[idx]


@dataclass
class TrainOptions:
    """How :func:`fit` trains (see the module docstring)."""

    epochs: int = 10
    lr: float = 0.05
    batch_size: int = 32
    optimizer: str = "adam"
    clip: float | None = 1.0  # max global L2 norm of the gradient (None: no clipping)
    seed: int = 0
    noise: Any = None  # NoiseSpec at full strength
    noise_ramp: int | None = None  # epochs to reach full noise strength (default: max(1, epochs // 2))

    def noise_scale(self, epoch: int) -> float:
        """Fraction of the full noise strength injected in ``epoch`` (0-based); 0 without noise."""
        if self.noise is None:
            return 0.0
        return min(1.0, (epoch + 1) / (self.noise_ramp or max(1, self.epochs // 2)))

    def noise_at(self, epoch: int) -> Any:
        """The noise of ``epoch`` under the injection schedule (``None`` without noise)."""
        return None if self.noise is None else self.noise.scaled(self.noise_scale(epoch))


@dataclass
class EpochStats:
    """One epoch of :func:`fit`: mean minibatch loss, accuracy on the training data (labels only)."""

    epoch: int
    loss: float
    accuracy: float | None
    noise_scale: float
    seconds: float
    grad_norm: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


class Adam:
    """Adam (Kingma & Ba) on a dict of numpy arrays."""

    def __init__(self, lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self.t = 0

    def step(self, params: dict[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        self.t += 1
        for k, g in grads.items():
            m = self.m[k] = self.b1 * self.m.get(k, 0.0) + (1 - self.b1) * g
            v = self.v[k] = self.b2 * self.v.get(k, 0.0) + (1 - self.b2) * g * g
            mh = m / (1 - self.b1**self.t)
            vh = v / (1 - self.b2**self.t)
            params[k] = params[k] - self.lr * mh / (np.sqrt(vh) + self.eps)


class SGD:
    """Plain stochastic gradient descent."""

    def __init__(self, lr: float):
        self.lr = lr

    def step(self, params: dict[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        for k, g in grads.items():
            params[k] = params[k] - self.lr * g


def clip_global(grads: dict[str, np.ndarray], max_norm: float | None) -> float:
    """Scale ``grads`` (in place) so their global L2 norm is at most ``max_norm``; return the norm before."""
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
    if max_norm is not None and norm > max_norm:
        for k in grads:
            grads[k] = grads[k] * (max_norm / norm)
    return norm


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose largest entry is at the label."""
    return float(np.mean(np.argmax(probs, axis=-1) == np.asarray(labels).reshape(-1)))


def evaluate(host: HostBatch, data: Dataset, params: Mapping[str, np.ndarray], noise: Any = None,
             batch_size: int = 256) -> tuple[float, float | None]:
    """``(loss, accuracy)`` of ``params`` on ``data`` (accuracy only with labels), under ``noise``."""
    host.set_params(params)
    saved, host.backend.noise = host.backend.noise, noise
    try:
        outs = []
        for s in range(0, len(data), batch_size):
            rows, _ = data.batch(np.arange(s, min(len(data), s + batch_size)))
            outs.append(host.forward(rows, wrt=())["out0"])
    finally:
        host.backend.noise = saved
    out = {"out0": np.concatenate(outs)}
    y = data.labels if data.labels is not None else data.targets
    loss, _ = resolve_loss(data.loss)(out, y)
    return loss, accuracy(out["out0"], data.labels) if data.labels is not None else None


def fit(host: HostBatch, data: Dataset, params: Mapping[str, np.ndarray], options: TrainOptions,
        on_step: Callable[[int, int, float], None] | None = None,
        on_epoch: Callable[[EpochStats], None] | None = None) -> tuple[dict[str, np.ndarray], list[EpochStats]]:
    """Train ``host``'s trainable parameters from ``params``; return ``(trained values, per-epoch stats)``.

    ``params``: starting values of every trainable parameter (see
    :func:`~.params.initial_values`). ``on_step(epoch, step, loss)`` after every
    minibatch, ``on_epoch(stats)`` after every epoch. Deterministic for a
    given ``options.seed``.
    """
    if options.optimizer not in OPTIMIZERS:
        raise TrainingError(f"unknown optimizer {options.optimizer!r} (choose {', '.join(OPTIMIZERS)})")
    if options.epochs < 1 or options.batch_size < 1 or not options.lr > 0:
        raise TrainingError("epochs and batch size must be >= 1 and the learning rate > 0")
    if len(data) == 0:
        raise TrainingError("the data set is empty")
    values = {k: np.array(params[k], dtype=np.float64) for k in host.trainable}
    opt = Adam(options.lr) if options.optimizer == "adam" else SGD(options.lr)
    rng = np.random.default_rng(options.seed)
    history: list[EpochStats] = []
    for epoch in range(options.epochs):
        t0 = time.perf_counter()
        noise = options.noise_at(epoch)
        host.backend.noise = noise
        order = rng.permutation(len(data))
        losses, norms, correct = [], [], 0
        for step, s in enumerate(range(0, len(data), options.batch_size)):
            idx = order[s : s + options.batch_size]
            rows, y = data.batch(idx)
            host.set_params(values)
            r = value_and_grad(host, rows, data.loss, y)
            grads = {k: r.grads[k] for k in host.trainable if k in host.wrt}
            norms.append(clip_global(grads, options.clip))
            opt.step(values, grads)
            losses.append(float(r.loss or 0.0) * len(idx))
            if data.labels is not None:
                correct += int(np.sum(np.argmax(r.outputs["out0"], axis=-1) == y))
            if on_step is not None:
                on_step(epoch, step, float(r.loss or 0.0))
        stats = EpochStats(
            epoch=epoch,
            loss=sum(losses) / len(data),
            accuracy=correct / len(data) if data.labels is not None else None,
            noise_scale=options.noise_scale(epoch),
            seconds=time.perf_counter() - t0,
            grad_norm=float(np.mean(norms)),
        )
        history.append(stats)
        if on_epoch is not None:
            on_epoch(stats)
    host.set_params(values)
    return values, history
