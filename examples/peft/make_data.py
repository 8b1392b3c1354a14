"""Generate the PEFT example's synthetic data set and frozen backbone (deterministic: fixed seeds).

    python examples/peft/make_data.py     # writes backbone.npz and data.npz next to this file

Files: ``backbone.npz``/``data.npz`` for the 8-qubit example, ``backbone4.npz``/
``data4.npz`` for its 4-qubit variant (``-D n_qubits=4``), used for noise-aware
training (density matrices of 4 qubits are cheap). The backbone (``encoder``, ``project``, ``head`` of ``examples/peft_classifier.qglm``)
is a random, frozen network. Labels come from a *teacher*: the same model with
a hidden adapter ``ADAPTER``; only samples the teacher classifies with a clear
margin are kept, half of each class. Training the adapter from its declared
``zeros()`` has to recover the teacher's decision rule. Arrays are stored as
float16 to keep the files small (they are synthetic; qglm reads them as f64).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
N_TRAIN, N_TEST = 96, 64
ADAPTER = np.array([2.2, -1.4, 2.8, 0.9, -2.5, 1.7, -0.6, 2.4])  # the teacher's adapter (never shipped)
#: the example's width, and a 4-qubit variant (``-D n_qubits=4``) for noise-aware training, whose
#: density-matrix simulation is cheap enough to train in seconds
WIDTHS = {8: "", 4: "4"}
#: seeds per width, picked so the teacher labels both classes often enough for a balanced set
SEEDS = {8: 2026, 4: 2035}


def backbone(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {
        "encoder_w": rng.normal(size=(128, 768)) / np.sqrt(768),
        "encoder_b": rng.normal(size=128) * 0.1,
        "project_w": rng.normal(size=(n, 128)) * 2.5 / np.sqrt(128),
        "project_b": np.zeros(n),
        "head_w": rng.normal(size=(2, n)) * 2.0,
        "head_b": np.zeros(2),
    }


def _expval_z(theta: np.ndarray, adapter: np.ndarray) -> np.ndarray:
    """<Z_i> of ry(theta) on each qubit, a CNOT ring, ry(adapter): a plain numpy statevector (the oracle)."""
    n = theta.shape[1]
    out = np.empty((len(theta), n))
    for b, th in enumerate(theta):
        psi = np.zeros([2] * n)
        psi[(0,) * n] = 1.0
        for i, a in enumerate(list(th)):
            psi = _ry(psi, a, i)
        for i in range(n):
            psi = _cx(psi, i, (i + 1) % n)
        for i, a in enumerate(adapter):
            psi = _ry(psi, a, i)
        p = psi**2
        for i in range(n):
            p0 = np.take(p, 0, axis=n - 1 - i).sum()  # qubit i is bit i of the outcome (little-endian)
            out[b, i] = 2 * p0 - 1
    return out


def _ry(psi: np.ndarray, a: float, q: int) -> np.ndarray:
    ax = psi.ndim - 1 - q
    c, s = np.cos(a / 2), np.sin(a / 2)
    x0, x1 = np.take(psi, 0, axis=ax), np.take(psi, 1, axis=ax)
    return np.stack([c * x0 - s * x1, s * x0 + c * x1], axis=ax)


def _cx(psi: np.ndarray, c: int, t: int) -> np.ndarray:
    psi = psi.copy()
    ac, at = psi.ndim - 1 - c, psi.ndim - 1 - t
    idx = [slice(None)] * psi.ndim
    idx[ac] = 1
    sub = psi[tuple(idx)]
    at2 = at if at < ac else at - 1
    psi[tuple(idx)] = np.flip(sub, axis=at2)
    return psi


def teacher_probs(x: np.ndarray, w: dict[str, np.ndarray], adapter: np.ndarray) -> np.ndarray:
    h = np.maximum(x @ w["encoder_w"].T + w["encoder_b"], 0.0)
    f = np.tanh(h @ w["project_w"].T + w["project_b"])
    theta = np.pi / (1.0 + np.exp(-f))
    logits = _expval_z(theta, adapter) @ w["head_w"].T + w["head_b"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main() -> None:
    for n, suffix in WIDTHS.items():
        write(n, suffix)


def write(n: int, suffix: str) -> None:
    """``backbone{suffix}.npz`` and ``data{suffix}.npz`` for the ``n``-qubit model."""
    rng = np.random.default_rng(SEEDS[n])
    w = {k: v.astype(np.float16).astype(np.float64) for k, v in backbone(rng, n).items()}
    pool = rng.normal(size=(1200, 768)).astype(np.float16).astype(np.float64)
    p = teacher_probs(pool, w, ADAPTER[:n])
    margin = np.abs(p[:, 1] - p[:, 0])
    labels = np.argmax(p, axis=1)
    keep: list[int] = []
    per_class = (N_TRAIN + N_TEST) // 2
    for c in (0, 1):
        idx = np.flatnonzero(labels == c)
        keep += list(idx[np.argsort(-margin[idx])][:per_class])
    keep = rng.permutation(np.array(keep))
    x, y = pool[keep], labels[keep]
    np.savez(HERE / f"backbone{suffix}.npz", **{k: v.astype(np.float16) for k, v in w.items()})
    np.savez(HERE / f"data{suffix}.npz", embedding=x[:N_TRAIN].astype(np.float16), labels=y[:N_TRAIN],
             test_embedding=x[N_TRAIN:].astype(np.float16), test_labels=y[N_TRAIN:])


if __name__ == "__main__":
    main()
