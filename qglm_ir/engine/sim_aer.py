"""Qiskit Aer simulator adapter (optional extra ``qglm[aer]``).

Each kernel is exported once with :mod:`qglm_ir.backends.qiskit` (symbolic
angles kept) and bound per invocation with ``assign_parameters``. Noise
annotations become ``qiskit.quantum_info.Kraus`` instructions (see
:mod:`.noise_markers`). Exact probabilities come from Aer's
``SaveProbabilities`` for kernels without mid-circuit measurement (statevector
method, or density matrix when noisy); otherwise the engine samples, reading
the readout register (``c`` for returned bits, an added ``readout`` register
measuring the contract's readout wires otherwise) from Aer's per-shot memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backends import _kernel_view as kv
from ..core.ir import Operation
from .errors import EngineError
from .kernels import KernelSpec, symbol_values
from .noise_markers import mark_noise, marker_index


def _require_aer() -> Any:
    try:
        import qiskit_aer
    except ImportError:
        raise EngineError(
            "the 'aer' simulator needs qiskit-aer, which is not installed",
            help="pip install 'qglm[aer]' (or qiskit-aer), or use --simulator tn",
        ) from None
    return qiskit_aer


def _with_channels(qc: Any, markers: dict[int, list[np.ndarray]]) -> Any:
    """A copy of ``qc`` with marker unitaries replaced by Kraus instructions (recursing into control flow)."""
    from qiskit.circuit import ControlFlowOp
    from qiskit.quantum_info import Kraus

    out = qc.copy_empty_like()
    for ci in qc.data:
        op = ci.operation
        if isinstance(op, ControlFlowOp):
            op = op.replace_blocks([_with_channels(b, markers) for b in op.blocks])
        elif op.name == "unitary" and op.num_qubits == 1:
            k = marker_index(op.to_matrix(), markers)
            if k is not None:
                op = Kraus(markers[k]).to_instruction()
        out.append(op, ci.qubits, ci.clbits, copy=False)
    return out


class AerSimulator:
    """Runs kernels on ``qiskit_aer.AerSimulator`` (see the module docstring)."""

    name = "aer"

    def __init__(self, module: Operation):
        self.aer = _require_aer()
        self.module = module
        self._circuits: dict[str, Any] = {}
        self._prepared: dict[tuple[str, str], tuple[Any, Any]] = {}

    def circuit(self, spec: KernelSpec) -> Any:
        qc = self._circuits.get(spec.name)
        if qc is None:
            from ..backends.qiskit import view_to_qiskit

            marked, markers = mark_noise(spec.module, spec.name)
            view = kv.build_view(marked, spec.name)
            view.layout = None  # simulate the program wires; the device layout is irrelevant here
            qc = view_to_qiskit(view)
            if markers:
                qc = _with_channels(qc, markers)
            self._circuits[spec.name] = qc
        return qc

    def prepared(self, spec: KernelSpec, mode: str) -> tuple[Any, Any]:
        """``(simulator, transpiled template)`` for ``mode`` "exact" (probabilities saved) or "sample"."""
        key = (spec.name, mode)
        hit = self._prepared.get(key)
        if hit is None:
            from qiskit import transpile
            from qiskit.circuit import ClassicalRegister
            from qiskit_aer.library import SaveProbabilities

            qc = self.circuit(spec).copy()
            read = [qc.qubits[w] for w in spec.readout_wires]
            if mode == "exact":
                qc.append(SaveProbabilities(len(read)), read)
                method = "density_matrix" if spec.noisy else "statevector"
            else:
                if spec.source == "wires":
                    reg = ClassicalRegister(len(read), "readout")
                    qc.add_register(reg)
                    qc.measure(read, reg)
                method = "density_matrix" if spec.noisy else "automatic"
            sim = self.aer.AerSimulator(method=method)
            hit = self._prepared[key] = (sim, transpile(qc, sim, optimization_level=0))
        return hit

    def bound(self, spec: KernelSpec, qc: Any, args: list[Any], params: dict[str, Any]) -> Any:
        if not qc.parameters:
            return qc
        values = symbol_values(spec, args, params)
        missing = [p.name for p in qc.parameters if p.name not in values]
        if missing:
            raise EngineError(f"kernel @{spec.name}: no value for circuit parameter(s) {', '.join(missing[:5])}")
        return qc.assign_parameters({p: values[p.name] for p in qc.parameters})

    def exact(self, spec: KernelSpec, args: list[Any], params: dict[str, Any]) -> np.ndarray | None:
        if spec.measures or spec.source != "wires":
            return None
        sim, qc = self.prepared(spec, "exact")
        result = sim.run(self.bound(spec, qc, args, params)).result()
        return np.asarray(result.data(0)["probabilities"], dtype=np.float64)

    def sample(self, spec: KernelSpec, args: list[Any], params: dict[str, Any], shots: int, seed: int) -> np.ndarray:
        sim, qc = self.prepared(spec, "sample")
        want = "readout" if spec.source == "wires" else "c"
        names = [r.name for r in qc.cregs]
        if want not in names:
            raise EngineError(f"kernel @{spec.name}: the exported circuit has no '{want}' register")
        pos = len(names) - 1 - names.index(want)  # memory strings list registers last-first
        job = sim.run(self.bound(spec, qc, args, params), shots=shots, seed_simulator=seed, memory=True)
        memory = job.result().get_memory()
        return np.fromiter((int(m.split(" ")[pos], 2) for m in memory), dtype=np.int64, count=len(memory))
