"""``qglmc run``: binding inputs from the command line, and the shots rule.

Inputs (``--input NAME=VALUE``, repeatable, and ``--inputs FILE.npz``):

* ``VALUE`` ending in ``.npy`` (or naming an existing file) is loaded with
  ``numpy.load``; otherwise it is a literal: a number (``0.5``, ``-3``), a
  boolean (``true``/``false``) or a nested list (``[1, 2.5]``, ``[[0,1],[1,0]]``),
  read with :func:`ast.literal_eval` (no code is evaluated);
* ``--inputs FILE.npz`` binds every array of the bundle by its key; an
  explicit ``--input`` wins over the bundle.

Before anything runs, every entry argument without a value and every module
parameter without an ``init`` or a value is named in one error
(:func:`check_missing`).

Shots: without ``--shots`` each kernel invocation is sampled with the shots
its program declares (``expval(k(x), shots=4000)``); ``--shots N`` samples
every invocation ``N`` times; ``--exact`` gives the many-shots limit where the
simulator can compute it (:class:`ProgramShots`).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .frontends.loader import InputError


def parse_value(name: str, text: str) -> np.ndarray:
    """The array ``--input NAME=TEXT`` binds (see the module docstring)."""
    raw = text.strip()
    if raw.endswith((".npy", ".npz")) or (raw and os.path.isfile(raw)):
        try:
            return np.load(raw, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot load input '{name}' from '{raw}': {exc}") from None
    low = raw.lower()
    if low in ("true", "false"):
        return np.asarray(low == "true")
    try:
        value = ast.literal_eval(raw.replace("true", "True").replace("false", "False"))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise InputError(f"--input {name}={text}: expected a number, true/false, a list like [1, 2] or a .npy file",
                         help="e.g. --input x=0.5  --input 'theta=[0.1, 0.2]'  --input x=x.npy") from None
    try:
        arr = np.asarray(value)
    except ValueError:
        arr = None
    if arr is None or arr.dtype == object or arr.dtype.kind not in "biuf":
        raise InputError(f"--input {name}={text}: not a number or a rectangular list of numbers")
    return arr


def load_inputs(items: Iterable[str], bundles: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Inputs from ``--inputs`` bundles then ``--input NAME=VALUE`` items (later wins)."""
    out: dict[str, np.ndarray] = {}
    for path in bundles:
        try:
            with np.load(path, allow_pickle=False) as z:
                if not hasattr(z, "files"):
                    raise InputError(f"--inputs {path}: expected a .npz bundle (numpy.savez), got one array",
                                     help="bind a single array with --input NAME=FILE.npy")
                for key in z.files:
                    out[key] = z[key]
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot load the input bundle '{path}': {exc}") from None
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"--input expects NAME=VALUE, got {item!r}",
                             help="e.g. --input x=0.5, --input 'x=[1,2]' or --input x=FILE.npy")
        out[name] = parse_value(name, value)
    return out


def check_missing(graph: Any, inputs: Mapping[str, Any]) -> None:
    """Raise one :class:`InputError` naming every input the run needs and lacks."""
    missing: list[str] = []
    for d in graph.graph["inputs"]:
        if d["name"] not in inputs:
            missing.append(f"{d['name']} ({d['type']}, argument of @{graph.graph['entry']})")
    for name, decl in sorted(graph.graph["params"].items()):
        if name not in inputs and decl.get("init") is None:
            missing.append(f"{name} ({decl['type']}, parameter without init)")
    if missing:
        names = [m.split(" ", 1)[0] for m in missing]
        example = " ".join(f"--input {n}=..." for n in names)
        raise InputError(f"{len(missing)} input(s) have no value: " + "; ".join(missing),
                         help=f"{example}   (or --inputs FILE.npz with these keys)")


class ProgramShots:
    """A simulator wrapper that never answers exactly, so every statistic is sampled
    with the invocation's own declared shots (the engine falls back to them)."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.name = getattr(inner, "name", "sim")

    def exact(self, spec: Any, args: list[Any], params: dict[str, Any]) -> None:
        return None

    def sample(self, spec: Any, args: list[Any], params: dict[str, Any], shots: int, seed: int) -> np.ndarray:
        return self.inner.sample(spec, args, params, shots, seed)


def run_program(module: Any, inputs: Mapping[str, Any], shots: int | None, exact: bool, simulator: str,
                seed: int, entry: str | None = None) -> dict[str, np.ndarray]:
    """Execute ``module`` under the shots rule of the module docstring."""
    from .backends.cfg import to_cfg
    from .engine.api import execute, make_simulator

    graph = to_cfg(module, entry)
    check_missing(graph, inputs)
    sim = make_simulator(simulator, module)
    if exact:
        return execute(module, graph, inputs, 0, sim, seed)
    if shots is None:
        return execute(module, graph, inputs, None, ProgramShots(sim), seed)
    return execute(module, graph, inputs, shots, sim, seed)


__all__ = ["ProgramShots", "check_missing", "load_inputs", "parse_value", "run_program"]
