"""Translation validation of the QEC passes: noiseless logical equivalence.

QEC passes add spare qubits, mid-circuit measurements and classical decoding,
so "same unitary" is the wrong question. The right one, in the noiseless case:
does the protected kernel compute the same *logical result*?

:func:`logically_equivalent` answers it per kernel (matched by name): both
versions are *compacted* (wires the kernel allocates but never touches are
dropped, so a kernel mapped onto 127 physical qubits that uses 5 is checked
on 5), then

* kernels returning classical values must have the same exact distribution of
  returned values (:func:`qglm_ir.semantics.outcome_distribution`, branch
  enumeration: syndrome bits, fan-out copies and votes included);
* measurement-free kernels with the same number of used wires must be
  unitarily equivalent up to global phase.

Anything else is reported as not checkable. Classical host code is compared
by the kernels it calls: the QEC passes never change a host function except
:mod:`.readout_mitigation`, which :func:`mitigation_is_inverse` checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.errors import QglmError
from ...core.ir import Operation
from ...core.module import Module
from ...core.types import FloatType, TensorType, i1
from .wires import analyze, kernel_name, kernels_of


def compact(kernel: Operation) -> Module:
    """A module holding a copy of ``kernel`` without its untouched ``alloc``/``dealloc`` wires."""
    module = kernel.parent.parent.parent if kernel.parent is not None else None  # type: ignore[union-attr]
    src = module if isinstance(module, Module) else None
    new = Module(src.sym_name if src is not None else None)
    if src is not None:
        for op in src.body:
            if op.name == "param.decl":
                new.append(op.clone())
    k = kernel.clone()
    new.append(k)
    kw = analyze(k)
    for _w, a in kw.allocs.items():
        u = a.results[0].single_user
        if u is not None and u.name == "q.dealloc":
            u.erase()
            a.erase()
    return new


def check_kernel(before: Operation, after: Operation, atol: float = 1e-7) -> tuple[bool | None, str]:
    """``(verdict, note)``: True/False when checked, None when it cannot be checked."""
    from ... import semantics

    ft_b = before.properties.get("function_type")
    ft_a = after.properties.get("function_type")
    if ft_b != ft_a:
        return False, "signature changed"
    results = getattr(ft_b, "results", ())
    kb = _only_kernel(compact(before))
    ka = _only_kernel(compact(after))
    inputs = sample_inputs(before)
    try:
        if any(not t.is_qubit for t in results):
            db = semantics.outcome_distribution(kb, inputs=inputs, record="returns")
            da = semantics.outcome_distribution(ka, inputs=inputs, record="returns")
            ok = _same(db, da, atol)
            return ok, "returned values " + ("agree" if ok else f"differ: {db} vs {da}")
        ok = bool(semantics.equivalent(kb, ka, inputs=inputs, atol=atol))
        return ok, "unitary " + ("agrees" if ok else "differs")
    except QglmError as err:
        return None, f"not checkable: {err.message}"


def sample_inputs(kernel: Operation, seed: int = 0) -> list[Any]:
    """Seeded values for the kernel's classical arguments (f64 in [-pi, pi], i64 in [0, 3], bits)."""
    rng = np.random.default_rng(seed)
    out: list[Any] = []
    for a in kernel.regions[0].block.args:
        t = a.type
        if t.is_qubit:
            continue
        shape = t.shape if isinstance(t, TensorType) else ()
        el = t.element if isinstance(t, TensorType) else t
        if isinstance(el, FloatType):
            x: Any = rng.uniform(-np.pi, np.pi, size=shape)
        elif el == i1:
            x = rng.integers(0, 2, size=shape).astype(bool)
        else:
            x = rng.integers(0, 4, size=shape)
        out.append(x if shape else x.item())
    return out


def _only_kernel(m: Module) -> Operation:
    return next(op for op in m.body if op.name == "q.kernel")


def _same(a: Mapping[tuple, float], b: Mapping[tuple, float], atol: float) -> bool:
    keys = set(a) | set(b)
    return all(abs(a.get(k, 0.0) - b.get(k, 0.0)) <= atol for k in keys)


def logical_report(before: Module, after: Module, atol: float = 1e-7) -> dict[str, tuple[bool | None, str]]:
    """Per kernel name: the verdict and note of :func:`check_kernel` (removed kernels fail)."""
    new = {kernel_name(k): k for k in kernels_of(after)}
    out: dict[str, tuple[bool | None, str]] = {}
    for k in kernels_of(before):
        name = kernel_name(k)
        if name not in new:
            out[name] = (False, "kernel removed")
            continue
        out[name] = check_kernel(k, new[name], atol)
    return out


def logically_equivalent(before: Module, after: Module, atol: float = 1e-7) -> bool:
    """Whether no kernel's noiseless logical result changed (uncheckable kernels pass;
    see :func:`logical_report` for the details)."""
    return all(v is not False for v, _ in logical_report(before, after, atol).values())


def mitigation_is_inverse(forward: np.ndarray, mitigate, atol: float = 1e-9) -> bool:
    """Whether ``mitigate(forward @ x) == x`` for a few random probability vectors ``x``."""
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = rng.dirichlet(np.ones(forward.shape[1]))
        if not np.allclose(mitigate(forward @ x), x, atol=atol):
            return False
    return True
