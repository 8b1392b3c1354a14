"""``run``: execute a compiled module's host program with a chosen simulator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np

from ..backends.cfg import to_cfg
from ..core.ir import Operation
from .dispatch import KernelDispatcher
from .errors import EngineError
from .executor import Executor, ParamValues
from .kernels import Simulator

SIMULATORS = ("tn", "aer", "cirq")


def make_simulator(name: str, module: Operation) -> Simulator:
    """The simulator called ``name`` (``tn``, ``aer`` or ``cirq``) for ``module``'s kernels."""
    if name == "tn":
        from .sim_tn import TNSimulator

        return TNSimulator()
    if name == "aer":
        from .sim_aer import AerSimulator

        return AerSimulator(module)
    if name == "cirq":
        from .sim_cirq import CirqSimulator

        return CirqSimulator(module)
    raise EngineError(f"unknown simulator {name!r} (choose one of {', '.join(SIMULATORS)})")


def split_inputs(graph: nx.DiGraph, inputs: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(arguments, parameter overrides)``: names of entry arguments first, then of module parameters."""
    args: dict[str, Any] = {}
    params: dict[str, Any] = {}
    arg_names = {d["name"] for d in graph.graph["inputs"]}
    for name, value in (inputs or {}).items():
        if name in arg_names:
            args[name] = value
        elif name in graph.graph["params"]:
            params[name] = value
        else:
            known = sorted(arg_names) + sorted(graph.graph["params"])
            raise EngineError(
                f"@{graph.graph['entry']} has no input or parameter named '{name}'",
                help="known names: " + (", ".join(known) or "none"),
            )
    return args, params


def output_names(graph: nx.DiGraph) -> list[str]:
    """Keys of :func:`run`'s result: ``out0``, ``out1``... one per returned value."""
    return [f"out{i}" for i in range(len(graph.graph["outputs"]))]


def execute(
    module: Operation,
    graph: nx.DiGraph,
    inputs: Mapping[str, Any] | None = None,
    shots: int | None = None,
    simulator: str | Simulator = "tn",
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Run an already built CFG ``graph`` of ``module`` (see :func:`run`)."""
    if shots is not None and shots < 0:
        raise EngineError(f"shots must be >= 0 (0 or None: exact where possible), got {shots}")
    sim = make_simulator(simulator, module) if isinstance(simulator, str) else simulator
    arg_values, overrides = split_inputs(graph, inputs)
    params = ParamValues(graph.graph["params"], overrides)
    dispatcher = KernelDispatcher(module, sim, params, shots, seed)
    results = Executor(graph, dispatcher, params).run(arg_values)
    return {name: np.asarray(v) for name, v in zip(output_names(graph), results)}


def run(
    module: Operation,
    inputs: Mapping[str, np.ndarray] | None = None,
    shots: int | None = None,
    simulator: str = "tn",
    seed: int = 0,
    *,
    entry: str | None = None,
) -> dict[str, np.ndarray]:
    """Execute ``module``'s host program and return its results as numpy arrays.

    ``inputs`` binds the entry function's arguments by name and, for names that
    are not arguments, overrides module parameters (``param.decl``; required for
    parameters without an ``init``). ``shots``: ``None``/``0`` gives exact
    ``expval``/``probs`` where the simulator can (see :mod:`.dispatch`), ``N``
    samples every invocation ``N`` times. ``simulator``: ``"tn"`` (qglm's own
    semantics, default), ``"aer"`` (qiskit-aer, optional extra) or ``"cirq"``.
    ``seed`` makes every sampled result reproducible. ``entry`` picks the host
    function (default: see :func:`qglm_ir.backends.cfg.select_entry`).

    Noise annotations (``noise.*``) are honoured by every simulator (density
    matrices). Results are keyed ``out0``, ``out1``... in return order. Raises a
    :class:`~qglm_ir.core.errors.QglmError` subclass for bad inputs or programs.
    Never mutates ``module``.
    """
    return execute(module, to_cfg(module, entry), inputs, shots, simulator, seed)
