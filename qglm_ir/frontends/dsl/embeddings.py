"""``amplitude(x) q`` and ``density(rho) q``: the DSL's data-embedding statements.

They look like gate statements (``NAME(args) qubits``) and are checked and
lowered here so the gate code stays about gates:

* ``amplitude(x[, pad=0.0][, complex=true]) q`` prepares ``x/|x|`` on the
  ``n`` qubits named (qubit ``j`` = bit ``j`` of the amplitude index).
  ``x`` is ``f64[L]`` (or ``f64[L, 2]`` of (re, im) with ``complex=true``),
  ``L <= 2^n``; shorter vectors need ``pad=VALUE`` (usually ``0.0``).
* ``density(rho) q`` prepares the density matrix ``rho`` (``f64[d, d]``,
  ``d = 2^n``) on the ``n`` qubits named, through a purification on ``n``
  fresh qubits allocated by the statement (named ``density[k]``).

Lowering emits ``embed.amplitude_angles`` / ``embed.density_angles`` (the
classical angle computation, located at the statement) and ``q.amplitude`` /
``q.density`` (see :mod:`qglm_ir.dialects.embed`). Data known at compile time
is embedded right here: its angles become a constant, and a zero vector or a
matrix that is not a density matrix is a compile-time error at the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...core.errors import ParseError
from ...core.types import TensorType, f64, i64, qubit
from ...dialects import embed
from . import ast as A

if TYPE_CHECKING:  # pragma: no cover
    from .lower import Lowerer

#: statement name -> accepted keyword arguments
EMBEDDINGS: dict[str, tuple[str, ...]] = {"amplitude": ("pad", "complex"), "density": ()}


def _err(message: str, span: A.Span, help: str | None = None) -> ParseError:
    return ParseError(message, span.loc(), help=help)


def check_embedding_stmt(s: A.GateStmt) -> None:
    """Shape of an embedding statement: one data argument, known keywords (no types yet)."""
    if len(s.params) != 1:
        raise _err(f"'{s.name}' takes one data argument, got {len(s.params)}", s.name_span,
                   help=f"write {s.name}(data) qubits")
    allowed = EMBEDDINGS[s.name]
    seen: set[str] = set()
    for k in s.kwargs:
        if k.name not in allowed:
            hint = f"'{s.name}' accepts {', '.join(allowed)}" if allowed else f"'{s.name}' takes no options"
            raise _err(f"unknown option '{k.name}' for '{s.name}'", k.span, help=hint)
        if k.name in seen:
            raise _err(f"option '{k.name}' given twice", k.span)
        seen.add(k.name)


def _static_option(lw: Lowerer, k: A.KwArg, kind: type) -> Any:
    from .lower import _is_static, type_name, type_of

    v = lw.expr(k.value)
    if not _is_static(v):
        raise _err(f"option '{k.name}' must be known at compile time", k.value.span)
    if kind is bool:
        if not isinstance(v, (bool, np.bool_)):
            raise _err(f"option '{k.name}' must be true or false, got {type_name(type_of(v))}", k.value.span)
        return bool(v)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise _err(f"option '{k.name}' must be a number, got {type_name(type_of(v))}", k.value.span)
    return float(v)


def lower_embedding(lw: Lowerer, s: A.GateStmt) -> None:
    """Lower one embedding statement (module docstring) into the current kernel."""
    from ...embedding import synthesis
    from .lower import _is_static, type_name, type_of

    fn = lw.fn
    assert fn is not None
    kw = {k.name: k for k in s.kwargs}
    pad = _static_option(lw, kw["pad"], float) if "pad" in kw else None
    cplx = _static_option(lw, kw["complex"], bool) if "complex" in kw else False
    data_span = s.params[0].span
    data = lw.expr(s.params[0])
    t = type_of(data)
    wires = [w for r in s.qubits for w in lw.wires_of(r)]
    for w in wires:
        if wires.count(w) > 1:
            raise _err(f"'{s.name}' uses qubit {fn.wire_names[w]} more than once", s.span)
    n = len(wires)
    if not isinstance(t, TensorType) or t.element not in (f64, i64):
        raise _err(f"'{s.name}' data must be a tensor of numbers, got {type_name(t)}", data_span)
    if n > synthesis.MAX_QUBITS or (s.name == "density" and n > 8):
        raise _err(f"'{s.name}' on {n} qubits is too large", s.span)
    if s.name == "amplitude":
        mode = "complex" if cplx else "real"
        want_rank = 2 if cplx else 1
        if len(t.shape) != want_rank or (cplx and t.shape[1] != 2):
            shape = "f64[L, 2] (re, im)" if cplx else "f64[L]"
            raise _err(f"amplitude data must be {shape}, got {type_name(t)}", data_span,
                       help=None if cplx or len(t.shape) != 2 or t.shape[1] != 2 else "add complex=true for (re, im) pairs")
        length, dim = t.shape[0], 1 << n
        if length > dim:
            raise _err(f"{length} amplitudes do not fit on {n} qubit(s) (at most {dim})", data_span,
                       help=f"use {max(1, (length - 1).bit_length())} qubits")
        if length < dim and pad is None:
            raise _err(f"{length} amplitudes on {n} qubit(s) need {dim}", data_span,
                       help="pass pad=0.0 to fill the rest with zeros")
        props: dict[str, object] = {"num_qubits": n, "mode": mode}
        if pad is not None:
            props["pad"] = pad
        slots = synthesis.num_slots(n, mode)
        angles_name, state_name = embed.AMPLITUDE_ANGLES, embed.AMPLITUDE
    else:
        mode = "real"
        d = 1 << n
        if t.shape != (d, d):
            raise _err(f"a density matrix on {n} qubit(s) must be f64[{d}, {d}], got {type_name(t)}", data_span)
        if fn.frame.parent is not None:
            raise _err("'density' allocates purification qubits: use it at the top level of a kernel", s.span)
        props = {"num_qubits": n}
        slots = synthesis.num_slots(2 * n, "real")
        angles_name, state_name = embed.DENSITY_ANGLES, embed.DENSITY
    at = TensorType((slots,), f64)
    if _is_static(data):
        arr = np.asarray(data, dtype=np.float64)
        try:
            if s.name == "amplitude":
                vals = synthesis.amplitude_angles(arr, n, mode, pad=pad, complex_input=cplx)[0]
            else:
                vals = synthesis.density_angles(arr, n)[0]
        except synthesis.EmbeddingDataError as exc:
            raise _err(str(exc), data_span) from None
        angles = lw.const(vals, at, s.span)
    else:
        src = data if t.element == f64 else lw.float_like(data, data_span, f"'{s.name}' data")
        angles = lw.create(angles_name, [src], [at], s.span, props)
    if s.name == "density":  # the purifying register: fresh qubits, live until the kernel ends
        base = len(fn.wire_names)
        for k in range(n):
            fn.frame.wires[base + k] = lw.create("q.alloc", [], [qubit], s.span)
            fn.wire_names.append(f"density[{k}]")
        wires = wires + list(range(base, base + n))
    op = lw.apply(state_name, wires, [angles], s.span, {"mode": mode} if s.name == "amplitude" else None)
    op.loc = s.span.loc()
