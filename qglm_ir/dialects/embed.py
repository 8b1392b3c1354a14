"""Data embeddings: amplitude and density-matrix state preparation, compiled once.

Where the classical work lives (the design choice): an embedding is *two* ops.

* ``embed.amplitude_angles`` / ``embed.density_angles`` are **pure classical ops**
  (this ``embed`` dialect) mapping the data tensor to the rotation angles of a
  fixed circuit, with the numpy meaning of :mod:`qglm_ir.embedding.synthesis`
  registered as their evaluator. The semantics, the engine and every other
  consumer of classical evaluators run them like ``arith`` ops; data errors
  (a zero vector, a matrix that is not a density matrix) are
  :class:`SemanticsError` at the op's source location. The backends export a
  *symbolic* angles op as a parameter vector (``<name>[i]``) that
  :class:`qglm_ir.embedding.binding.Binder` fills per sample, vectorized over a
  batch; a constant operand folds (at lowering, or in the backend view).
* ``q.amplitude`` / ``q.density`` are **quantum ops** parameterized by those
  angles. Their tensor-network meaning is the unitary of the fixed template
  circuit (:func:`qglm_ir.embedding.synthesis.template`) bound to the angles,
  which maps ``|0...0>`` to the prepared state; the semantics contract them
  like a gate, and the ``expand-embeddings`` pass rewrites them into that
  circuit's gates (``ry``/``rz``/``cx``, ``q.global_phase``) before mapping, so
  a kernel compiles and maps once and each sample only binds angles.

Ops:
  embed.amplitude_angles (tensor<L x f64> | tensor<L x 2 x f64>) -> tensor<P x f64>
      properties: ``num_qubits`` (int), ``mode`` ("real" | "complex"),
      optional ``pad`` (float: the fill for L < 2^n; absent = L must be 2^n).
      ``mode = "complex"`` reads a trailing axis of 2 as (re, im).
  embed.density_angles   (tensor<d x d x f64>) -> tensor<P x f64>    ``num_qubits`` n, d = 2^n
      rho must be symmetric, PSD, trace 1 (checked when evaluated).
  q.amplitude (tensor<P x f64>, !q.qubit x n) -> !q.qubit x n     ``mode`` property
      On |0..0> prepares x/|x|; qubit operand j is bit j of the amplitude index.
  q.density   (tensor<P x f64>, !q.qubit x 2n) -> !q.qubit x 2n
      The first n qubits end in rho (reduced state); the last n hold its purification.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import SemanticsError
from ..core.evaluators import evaluator
from ..core.ir import Operation
from ..core.opdef import PURE, QUANTUM, OpDef, OpView, register
from ..core.types import FloatType, TensorType, qubit
from . import _checks as c

AMPLITUDE_ANGLES = "embed.amplitude_angles"
DENSITY_ANGLES = "embed.density_angles"
AMPLITUDE = "q.amplitude"
DENSITY = "q.density"
ANGLE_OPS = (AMPLITUDE_ANGLES, DENSITY_ANGLES)
STATE_OPS = (AMPLITUDE, DENSITY)


class AnglesOp(OpView):
    """``embed.amplitude_angles`` / ``embed.density_angles``: the data tensor they read."""

    OP = "embed.*_angles"
    OPERANDS = ("data",)


class StateOp(OpView):
    """``q.amplitude`` / ``q.density``: the angle vector, then the qubits it prepares."""

    OP = "q.amplitude|q.density"
    OPERANDS = ("angles", "*qubits")


def _synthesis() -> Any:
    # numpy-heavy module: imported on first use so `qglmc --help` stays fast
    from ..embedding import synthesis

    return synthesis


def _num_slots(num_qubits: int, mode: str) -> int:
    return (1 << num_qubits) - 1 if mode == "real" else 3 * ((1 << num_qubits) - 1) + 1


def _f64_tensor(t: object) -> bool:
    return isinstance(t, TensorType) and isinstance(t.element, FloatType)


def _verify_angles_result(op: Operation, slots: int) -> None:
    c.num_results(op, 1)
    want = TensorType((slots,), FloatType(64))
    if op.results[0].type != want:
        c.fail(f"result must be {want}, got {op.results[0].type}")


def _verify_amplitude_angles(op: Operation) -> None:
    c.num_operands(op, 1)
    n = c.prop(op, "num_qubits", int)
    mode = op.properties.get("mode", "real")
    if mode not in ("real", "complex"):
        c.fail(f"mode must be \"real\" or \"complex\", got {mode!r}")
    if not 1 <= n <= 16:  # type: ignore[operator]
        c.fail(f"num_qubits must be in 1..16, got {n}")
    t = op.operands[0].type
    if not _f64_tensor(t):
        c.fail(f"data must be an f64 tensor, got {t}")
    assert isinstance(t, TensorType)
    if mode == "complex":
        if len(t.shape) != 2 or t.shape[1] != 2:
            c.fail(f"complex data must be tensor<Lx2xf64> (re, im), got {t}")
        length = t.shape[0]
    else:
        if len(t.shape) != 1:
            c.fail(f"real data must be a vector tensor<Lxf64>, got {t}")
        length = t.shape[0]
    dim = 1 << n  # type: ignore[operator]
    pad = op.properties.get("pad")
    if pad is not None and not isinstance(pad, (int, float)):
        c.fail(f"pad must be a number, got {pad!r}")
    if length > dim or (length < dim and pad is None) or length == 0:
        c.fail(f"{length} amplitudes on {n} qubit(s) need {dim}" + ("" if length > dim else " or a pad value"))
    _verify_angles_result(op, _num_slots(n, str(mode)))  # type: ignore[arg-type]


def _verify_density_angles(op: Operation) -> None:
    c.num_operands(op, 1)
    n = c.prop(op, "num_qubits", int)
    if not 1 <= n <= 8:  # type: ignore[operator]
        c.fail(f"num_qubits must be in 1..8, got {n}")
    d = 1 << n  # type: ignore[operator]
    t = op.operands[0].type
    if not _f64_tensor(t) or t.shape != (d, d):  # type: ignore[union-attr]
        c.fail(f"a {n}-qubit density matrix must be tensor<{d}x{d}xf64>, got {t}")
    _verify_angles_result(op, _num_slots(2 * n, "real"))  # type: ignore[operator]


def state_op_qubits(op: Operation) -> int:
    """Width of the template a ``q.amplitude`` / ``q.density`` op expands to (its qubit count)."""
    return len(op.operands) - 1


def state_op_mode(op: Operation) -> str:
    """Template mode of a state op (``q.density`` always prepares a real purification)."""
    return "real" if op.name == DENSITY else str(op.properties.get("mode", "real"))


def _verify_state(op: Operation) -> None:
    if len(op.operands) < 2:
        c.fail("needs an angles tensor and at least one qubit")
    m = state_op_qubits(op)
    if op.name == DENSITY and m % 2:
        c.fail(f"q.density acts on 2n qubits (system, then purification), got {m}")
    mode = state_op_mode(op)
    if mode not in ("real", "complex"):
        c.fail(f"mode must be \"real\" or \"complex\", got {mode!r}")
    want = TensorType((_num_slots(m, mode),), FloatType(64))
    c.operand_type(op, 0, want, "angles operand")
    c.num_results(op, m)
    for i in range(1, m + 1):
        c.operand_type(op, i, qubit, "qubit operand")
    for r in op.results:
        if r.type != qubit:
            c.fail(f"results must be !q.qubit, got {r.type}")


register(OpDef(AMPLITUDE_ANGLES, "rotation angles of an amplitude embedding", frozenset({PURE}),
               _verify_amplitude_angles))
register(OpDef(DENSITY_ANGLES, "rotation angles of a density-matrix embedding (purification)",
               frozenset({PURE}), _verify_density_angles))
register(OpDef(AMPLITUDE, "prepare x/|x| from |0..0> (fixed circuit bound to angles)", frozenset({QUANTUM}),
               _verify_state))
register(OpDef(DENSITY, "prepare rho on the first n of 2n qubits by purification", frozenset({QUANTUM}),
               _verify_state))


# --------------------------------------------------------------------------- evaluators
def _located(op: Operation, exc: Exception) -> SemanticsError:
    return SemanticsError(f"{op.name}: {exc}", op.loc)


def amplitude_angles_of(op: Operation, data: Any) -> np.ndarray:
    """Angles of one sample (or a batch: leading axes are samples) for an ``embed.amplitude_angles``."""
    syn = _synthesis()
    n = int(op.properties["num_qubits"])  # type: ignore[arg-type]
    mode = str(op.properties.get("mode", "real"))
    pad = op.properties.get("pad")
    x = np.asarray(data, dtype=np.float64)
    single = x.ndim == (2 if mode == "complex" else 1)
    try:
        out = syn.amplitude_angles(x if not single else x[None], n, mode,
                                   pad=None if pad is None else float(pad),  # type: ignore[arg-type]
                                   complex_input=mode == "complex")
    except syn.EmbeddingDataError as exc:
        raise _located(op, exc) from None
    return out[0] if single else out


def density_angles_of(op: Operation, data: Any) -> np.ndarray:
    """Angles of one density matrix (or a batch ``(B, d, d)``) for an ``embed.density_angles``."""
    syn = _synthesis()
    n = int(op.properties["num_qubits"])  # type: ignore[arg-type]
    r = np.asarray(data, dtype=np.float64)
    try:
        out = syn.density_angles(r, n)
    except syn.EmbeddingDataError as exc:
        raise _located(op, exc) from None
    return out[0] if r.ndim == 2 else out


def angles_of(op: Operation, data: Any) -> np.ndarray:
    """Evaluate either angles op on concrete data (one sample or a batch)."""
    return amplitude_angles_of(op, data) if op.name == AMPLITUDE_ANGLES else density_angles_of(op, data)


@evaluator(AMPLITUDE_ANGLES, DENSITY_ANGLES)
def _eval_angles(op: Operation, args: list[Any]) -> list[Any]:
    out = angles_of(op, args[0])
    out.setflags(write=False)
    return [out]
