"""Shared helpers for the mapping tests."""

from __future__ import annotations

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
