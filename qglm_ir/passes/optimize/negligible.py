"""``drop-negligible``: remove constant gates whose effect is below a fidelity cutoff.

Why: a QFT on ``n`` qubits has controlled phases ``cp(pi / 2**k)`` down to ``k = n - 1``;
past ``k ~ 20`` they are the identity to within ``1e-12`` average gate infidelity, yet each
one still costs two CX and, on a device, swaps to bring its qubits together. Qiskit O3
removes them before layout (``RemoveIdentityEquivalent``, cutoff ``1e-12`` at its default
``approximation_degree=1.0``): on ``heavy-hex:7`` it routes 1,790 of QFT-100's 4,950
``cp`` gates, which is most of the gap between qglm (11,635 CX) and Qiskit (7,785) measured
with ``benchmarks/bench_corpus.py --names qft_100``.

This is an approximation, chosen explicitly: the cutoff is on the *average gate fidelity*
``F = (d |Tr U / d|^2 + 1) / (d + 1)`` (``d = 2^n``) of each gate alone, the criterion and
default of Qiskit's pass. A removed one-angle gate has ``|angle| <~ 2.6e-6``, so an amplitude
can move by about that much per removed gate; translation validation (``--validate``, which
compares amplitudes to ``1e-8``) can notice that on a small kernel holding such a gate.
``tolerance=0`` keeps every gate (exact compilation).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from ...core.module import Module
from ...dialects.gates import GATES
from ..base import ApproximatingPass, PassContext, PassResult
from .angles import AngleFolder
from .wires import Eraser, gates_in_order, kernels, remove_gate, spec_of, sweep_dead_classical

#: Qiskit's ``MINIMUM_TOL`` (``RemoveIdentityEquivalent`` at ``approximation_degree=1.0``).
DEFAULT_TOLERANCE = 1e-12


@lru_cache(maxsize=1 << 14)
def gate_infidelity(name: str, angles: tuple[float, ...]) -> float:
    """``1 - F_avg`` of gate ``name(*angles)`` against the identity, up to global phase."""
    m = GATES[name].matrix(*angles)
    d = m.shape[0]
    f_pro = abs(np.trace(m) / d) ** 2
    return float(1.0 - (d * f_pro + 1.0) / (d + 1.0))


@dataclass(frozen=True)
class DropNegligible(ApproximatingPass):
    """Remove every gate with constant angles whose average gate infidelity against the
    identity (up to global phase) is below ``tolerance``.

    Requires: a verified module. Guarantees: only parametrised gates whose angles all fold to
    constants are removed (symbolic and trainable angles are never touched, nor are fixed gates
    like ``cx``), each one with ``1 - F_avg < tolerance``; no gate is added; regions are
    handled like the top-level block. Statistics: ``removed`` and, when some gate was
    removed, ``max_infidelity`` (the largest ``1 - F_avg`` among them). Translation
    validation treats it as an approximation (``preserves = "approximation"``).
    """

    name: ClassVar[str] = "drop-negligible"
    tolerance: float = DEFAULT_TOLERANCE

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        if self.tolerance == 0.0:
            return PassResult(False, {"removed": 0})
        folder = AngleFolder(module)
        eraser = Eraser()
        removed = 0
        worst = 0.0
        for kernel in kernels(module):
            here = 0
            for op in gates_in_order(kernel):
                spec = spec_of(op)
                if spec is None or spec.num_params == 0:
                    continue
                vals = folder.consts(op.operands[: spec.num_params])
                if vals is None:
                    continue
                infidelity = gate_infidelity(spec.name, tuple(vals))
                if infidelity < self.tolerance:
                    worst = max(worst, infidelity)
                    remove_gate(op, spec, eraser)
                    here += 1
            if here:
                sweep_dead_classical(kernel, eraser)
            removed += here
        eraser.flush()
        if not removed:
            return PassResult(False, {"removed": 0})
        return PassResult(True, {"removed": removed, "max_infidelity": float(f"{worst:.3g}")})
