"""Training data from ``.npz`` files, checked against the program's entry inputs.

A data file holds one array per entry input, named like the input, with the
samples along the first axis (``embedding: (N, 768)`` for an input
``embedding: f64[768]``), and either ``labels`` (``(N,)`` integers: class
indices of a probability output, cross-entropy) or ``targets`` (``(N, ...)``
shaped like the output: mean squared error). Optional ``test_<name>`` arrays
(``test_embedding``, ``test_labels``...) form a held-out set.

Every problem is a :class:`DataError` naming the file and the array: a missing
file or key, a wrong per-sample shape, different sample counts, labels out of
range for the output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..backends.cfg import parse_type_str
from ..core.types import TensorType
from .errors import TrainingError
from .train import Dataset


class DataError(TrainingError):
    """A bad training data file; rendered ``FILE: error: MESSAGE`` (a binary file has no lines)."""

    def __init__(self, path: str | Path, message: str, help: str | None = None):
        super().__init__(message, None, help)
        self.path = str(path)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def render(self, default_file: str = "<input>") -> str:
        return super().render(self.path)


def _shape(type_str: str) -> tuple[int, ...]:
    t = parse_type_str(type_str)
    return tuple(t.shape) if isinstance(t, TensorType) else ()


def load_dataset(path: str | Path, graph: Any) -> tuple[Dataset, Dataset | None]:
    """``(training set, test set or None)`` from ``path`` for the CFG ``graph``'s entry inputs."""
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: np.asarray(f[k]) for k in f.files}
    except FileNotFoundError:
        raise DataError(path, "the data file does not exist") from None
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(path, f"not a readable .npz file ({exc})",
                        help="write it with numpy.savez(path, NAME=array, ..., labels=array)") from None
    train = _dataset(path, arrays, graph, "")
    test = _dataset(path, arrays, graph, "test_") if any(k.startswith("test_") for k in arrays) else None
    return train, test


def _dataset(path: str | Path, arrays: dict[str, np.ndarray], graph: Any, prefix: str) -> Dataset:
    decls = graph.graph["inputs"]
    inputs: dict[str, np.ndarray] = {}
    n: int | None = None
    for d in decls:
        key = prefix + d["name"]
        if key not in arrays:
            keys = ", ".join(sorted(arrays)) or "none"
            raise DataError(path, f"missing array '{key}' for input '{d['name']}' ({d['type']}) of "
                                  f"@{graph.graph['entry']}", help=f"arrays in the file: {keys}")
        a = arrays[key]
        want = _shape(d["type"])
        if a.dtype.kind not in "biuf" or a.ndim != len(want) + 1 or a.shape[1:] != want:
            raise DataError(path, f"'{key}' must hold (N, {', '.join(map(str, want))}) numbers "
                                  f"(one {d['type']} per sample), got shape {a.shape} dtype {a.dtype}")
        if n is not None and a.shape[0] != n:
            raise DataError(path, f"'{key}' has {a.shape[0]} samples, the other arrays {n}")
        n = a.shape[0]
        inputs[d["name"]] = a
    labels = arrays.get(prefix + "labels")
    targets = arrays.get(prefix + "targets")
    if labels is None and targets is None:
        raise DataError(path, f"missing '{prefix}labels' (class indices, cross-entropy) or '{prefix}targets' "
                              "(values, mean squared error)")
    y = labels if labels is not None else targets
    assert y is not None
    name = prefix + ("labels" if labels is not None else "targets")
    if y.dtype.kind not in "biuf" or y.ndim == 0 or (n is not None and y.shape[0] != n):
        raise DataError(path, f"'{name}' must hold one row per sample ({n}), got shape {y.shape} dtype {y.dtype}")
    if labels is not None:
        if labels.ndim != 1 or labels.dtype.kind not in "iub" or (labels.size and labels.min() < 0):
            raise DataError(path, f"'{name}' must be non-negative integer class indices of shape (N,), "
                                  f"got shape {labels.shape} dtype {labels.dtype}")
        out = _shape(graph.graph["outputs"][0]["type"])
        if len(out) != 1 or (labels.size and labels.max() >= out[0]):
            raise DataError(path, f"'{name}' holds class {int(labels.max())}, but the output "
                                  f"{graph.graph['outputs'][0]['type']} has {out[0] if out else 0} classes")
        return Dataset(inputs, labels=labels.astype(np.int64))
    out_shape = _shape(graph.graph["outputs"][0]["type"])
    if y.shape[1:] != out_shape:
        raise DataError(path, f"'{name}' must be shaped like the output: (N, {', '.join(map(str, out_shape))}), "
                              f"got {y.shape}")
    return Dataset(inputs, targets=np.asarray(targets, dtype=np.float64))
