"""Small hand-built kernels for the unit tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qglm_ir import KernelBuilder, ModuleBuilder
from qglm_ir.builder import param_ref
from qglm_ir.core.ir import Operation
from qglm_ir.core.types import tensor


def kernel(n: int, body: Callable[[KernelBuilder], list], *, trainable: bool = True,
           qubit_args: bool = True) -> Operation:
    """A module with a 2-element parameter ``w`` (init 0.3, 1.1) and kernel ``k`` built by ``body``.

    ``body(kb)`` may read ``kb.w0`` / ``kb.w1`` (the parameter's elements) and
    returns the classical values to return.
    """
    mb = ModuleBuilder("t")
    decl = mb.param("w", tensor(2), trainable=trainable, init=np.array([0.3, 1.1]))
    kb = mb.kernel("k", n, qubit_args=qubit_args)
    w = param_ref(kb.b, decl)
    kb.w0 = kb.extract(w, 0)  # type: ignore[attr-defined]
    kb.w1 = kb.extract(w, 1)  # type: ignore[attr-defined]
    return kb.finish(body(kb) or [])
