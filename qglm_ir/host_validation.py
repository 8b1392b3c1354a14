"""End-to-end check of a compiled program's host outputs (the per-program half of ``--validate``).

Per kernel, :mod:`qglm_ir.passes.validation` proves the compiled circuit means
what the source meant. This module checks what a user of the *program* sees:
the host function's outputs, computed by the reference engine in exact mode
(``expval``/``probs`` exact, no sampling), on the source module and on the
compiled one, at seeded random inputs. Sampled statistics (``counts``,
``sample``) are compared through their exact distributions by the kernel
check, so outputs derived from them are not compared here.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from .core.errors import QglmError
from .core.module import Module

#: Host outputs must agree to this absolute tolerance (exact mode on both sides).
HOST_ATOL = 1e-9


def _random_arguments(module: Module, func: Any, seed: int) -> dict[str, Any]:
    """Seeded values for the entry's arguments and for every parameter without an ``init``
    (small, so activations stay in range: the check is about equality, not realism)."""
    from .passes.manager import random_value

    rng = np.random.default_rng(seed)
    args = [a for a in func.regions[0].block.args if not a.type.is_qubit]
    values: dict[str, Any] = {a.name_hint or f"arg{i}": random_value(a.type, rng) for i, a in enumerate(args)}
    for op in module.body:
        if op.name == "param.decl" and op.properties.get("init") is None:
            v = random_value(op.properties["type"], rng)
            values[str(op.properties["sym_name"])] = v * 0.1 if isinstance(v, (float, np.ndarray)) else v
    return values


def _sampled(module: Module) -> bool:
    return any(op.name in ("stats.counts", "stats.sample") for op in module.walk())


def check_host_outputs(source: Module, compiled: Module) -> tuple[bool | None, str]:
    """``(ok, why)``: ``True`` when every host output agrees within :data:`HOST_ATOL`,
    ``False`` on a difference (``why`` names the output), ``None`` when the host program
    cannot be checked (``why`` says so) — or ``(None, "")`` when there is no host program
    (a kernel alone is checked per kernel)."""
    from .backends.cfg import select_entry
    from .engine import run

    try:
        entry = select_entry(source, None)
    except QglmError:
        return None, ""
    if entry is None:
        return None, ""
    if _sampled(source):
        return None, "the host program reads sampled statistics (counts/sample); checked per kernel only"
    name = str(entry.properties.get("sym_name"))
    inputs = _random_arguments(source, entry, zlib.crc32(name.encode()))
    try:
        want = run(source, inputs, shots=None, entry=name)
        got = run(compiled, inputs, shots=None, entry=name)
    except QglmError as err:
        return None, f"host function @{name} could not be evaluated: {err.message}"
    for key in want:
        a, b = np.asarray(want[key]), np.asarray(got.get(key))
        if a.shape != b.shape:
            return False, f"host output {key} of @{name} has shape {b.shape}, the source gives {a.shape}"
        if a.size and np.issubdtype(a.dtype, np.number):
            dev = float(np.max(np.abs(a.astype(np.complex128) - b.astype(np.complex128))))
            if dev > HOST_ATOL:
                return False, f"host output {key} of @{name} differs from the source by {dev:.3g}"
        elif not np.array_equal(a, b):
            return False, f"host output {key} of @{name} differs from the source"
    return True, f"host outputs of @{name} agree with the source (exact mode)"
