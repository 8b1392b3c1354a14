"""``readout-mitigation``: tensored calibration-matrix inversion as classical host ops.

Requires: a device in the context. Works on the ``stats.expval`` and
``stats.probs`` ops of host functions (``func.func``); their callee's readout
bits must each be a direct ``q.measure`` result (or the implicit end-of-kernel
measurement of every output wire, see :mod:`qglm_ir.dialects.stats`), so every
bit has one physical qubit ``p`` (wire ``p``) with confusion matrix
``M_p = [[1-p01, p10], [p01, 1-p10]]`` (``M[read, prepared]``).

Guarantees: every use of the stats result reads the mitigated value instead,
computed by ops inserted right after it (each marked ``qec.mitigation``):

* ``stats.expval``: ``(z - (p10 - p01)) * 1/(1 - p01 - p10)`` per bit, as
  ``arith.sub``/``arith.mul`` with constant tensors (exact inverse of the
  per-qubit readout channel on ``<Z>``);
* ``stats.probs``: ``nn.dense(p, W)`` with ``W = M_{k-1}^-1 (x) ... (x) M_0^-1``
  (little-endian like the outcome index), at most :data:`MAX_BITS` bits.

Mitigated values are unbiased estimates of the noiseless ones under the
tensored readout model; quasi-probabilities may leave [0, 1]. The pass does
not preserve noiseless semantics (it undoes noise that the noiseless
semantics does not have): its check is :func:`.check.mitigation_is_inverse`.
Ops whose bits cannot be attributed (votes, counts, samples) are left alone
and counted in ``skipped``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...core.attributes import DenseArray
from ...core.builder import Builder
from ...core.ir import Operation, OpResult
from ...core.module import Module
from ...core.types import FunctionType, TensorType, f64, i1
from ...dialects.q import MeasureOp
from ...dialects.stats import find_callee
from ...targets.noise_model import NoiseModel, confusion_matrix
from ..base import Pass, PassContext, PassResult
from .common import model_from_ctx, replace_uses_except
from .wires import analyze

MAX_BITS = 10


def readout_qubits(kernel: Operation) -> list[int] | None:
    """Physical qubit of each readout bit of ``kernel`` (``None`` if a bit is not a plain
    measurement)."""
    ftype = kernel.properties.get("function_type")
    assert isinstance(ftype, FunctionType)
    ret = kernel.regions[0].block.last
    assert ret is not None
    bits = [v for v in ret.operands if v.type == i1]
    kw = analyze(kernel)
    if not bits:
        return list(range(kw.num_wires))  # implicit measurement of every output wire
    out = []
    for b in bits:
        if not (isinstance(b, OpResult) and b.op.name == "q.measure"):
            return None
        out.append(kw.wire_of[MeasureOp(b.op).qubit])
    return out


def mitigation_matrix(model: NoiseModel, qubits: list[int]) -> np.ndarray:
    """``W`` with ``W @ (M @ p) = p`` for the tensored confusion ``M`` over ``qubits``."""
    w = np.array([[1.0]])
    for q in qubits:  # bit j is least significant first: kron puts later bits in front
        w = np.kron(np.linalg.inv(confusion_matrix(model, q)), w)
    return w


def _const(b: Builder, array: np.ndarray) -> OpResult:
    t = TensorType(array.shape, f64)
    op = b.create("arith.constant", (), [t], {"value": DenseArray(np.asarray(array, dtype=np.float64))},
                  {"qec.mitigation": True})
    return op.results[0]


def mitigate(op: Operation, model: NoiseModel) -> bool:
    """Insert the mitigation of stats op ``op`` (see module docstring); False if not possible."""
    kernel = find_callee(op)
    if kernel is None or kernel.name != "q.kernel":
        return False
    qubits = readout_qubits(kernel)
    if qubits is None or any(q >= len(model.qubits) for q in qubits):
        return False
    x = op.results[0]
    b = Builder.after_op(op)
    if op.name == "stats.expval":
        p01 = np.array([model.qubits[q].p01 for q in qubits])
        p10 = np.array([model.qubits[q].p10 for q in qubits])
        if np.any(p01 + p10 >= 1):
            return False
        shift = _const(b, p10 - p01)
        scale = _const(b, 1.0 / (1.0 - p01 - p10))
        d = b.create("arith.sub", [x, shift], [x.type], attributes={"qec.mitigation": True})
        y = b.create("arith.mul", [d.results[0], scale], [x.type], attributes={"qec.mitigation": True})
        replace_uses_except(x, y.results[0], {d})
        return True
    if op.name == "stats.probs" and len(qubits) <= MAX_BITS:
        w = _const(b, mitigation_matrix(model, qubits))
        y = b.create("nn.dense", [x, w], [x.type], {"activation": "none"}, {"qec.mitigation": True})
        replace_uses_except(x, y.results[0], {y})
        return True
    return False


@dataclass(frozen=True)
class ReadoutMitigation(Pass):
    """Tensored readout-error mitigation of ``stats.expval``/``stats.probs`` in host code."""

    name: ClassVar[str] = "readout-mitigation"
    preserves: ClassVar[str] = "mitigation"

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        model = model_from_ctx(ctx, self.name)
        done = skipped = 0
        for fn in module.body:
            if fn.name != "func.func":
                continue
            for op in list(fn.walk()):
                if op.name in ("stats.expval", "stats.probs", "stats.counts", "stats.sample"):
                    if op.name in ("stats.expval", "stats.probs") and mitigate(op, model):
                        done += 1
                    else:
                        skipped += 1
        return PassResult(done > 0, {"mitigated": done, "skipped": skipped})
