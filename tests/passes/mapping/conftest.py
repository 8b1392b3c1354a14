"""Shared helpers for the mapping tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qglm_ir import ModuleBuilder
from qglm_ir.core.ir import Operation
from qglm_ir.core.module import Module
from qglm_ir.passes.base import PassContext
from qglm_ir.passes.mapping.layout import Layout
from qglm_ir.passes.mapping.route import Route
from qglm_ir.targets import Device


def kernel_of(module: Operation) -> Operation:
    return next(op for op in module.regions[0].block if op.name == "q.kernel")


def map_module(module: Module, device: Device, seed: int = 0, **route_opts) -> tuple[Module, PassContext]:
    """Layout + route a copy of ``module``; returns the copy and the context."""
    out = module.clone()
    ctx = PassContext(device=device, seed=seed)
    Layout(engine="python").run(out, ctx)
    Route(engine="python", **route_opts).run(out, ctx)
    return out, ctx


def random_module(n: int, gates: int, seed: int, two_qubit: Sequence[str] = ("cx", "cz")) -> Module:
    """``gates`` rounds of a 2q gate (drawn from ``two_qubit``) between two random qubits and
    an ``h`` on a random one: needs swaps on a heavy-hex device. A single 2q gate name draws
    no random number for it, so the kernels of each choice stay fixed per seed."""
    rng = np.random.default_rng(seed)
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", n)
    for _ in range(gates):
        a, b = (int(x) for x in rng.choice(n, 2, replace=False))
        kb.gate(str(rng.choice(list(two_qubit))) if len(two_qubit) > 1 else two_qubit[0], a, b)
        kb.gate("h", int(rng.integers(n)))
    kb.finish()
    return mb.module
