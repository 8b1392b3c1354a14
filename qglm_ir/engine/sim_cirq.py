"""Cirq simulator adapter: ``cirq.Simulator`` / ``cirq.DensityMatrixSimulator``.

Each kernel is exported once with :mod:`qglm_ir.backends.cirq` on
``LineQubit(i)`` = wire ``i`` (device qubits are ignored for simulation) and
resolved per invocation with ``cirq.resolve_parameters``. Noise annotations
become ``cirq.KrausChannel``s (see :mod:`.noise_markers`) and switch to the
density-matrix simulator. Exact probabilities come from the final state
(or density matrix) of kernels without mid-circuit measurement; otherwise the
engine samples with ``run``, reading the keys ``c_<j>`` (returned bits) or an
added ``readout`` measurement of every wire.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backends import _kernel_view as kv
from ..core.ir import Operation
from ..semantics.api import marginal
from .errors import EngineError
from .kernels import KernelSpec, outcomes_from_bits, symbol_values
from .noise_markers import mark_noise, marker_index


class CirqSimulator:
    """Runs kernels on Cirq's simulators (see the module docstring)."""

    name = "cirq"

    def __init__(self, module: Operation):
        import cirq

        self.cirq = cirq
        self.module = module
        self._circuits: dict[str, Any] = {}

    def circuit(self, spec: KernelSpec) -> Any:
        c = self._circuits.get(spec.name)
        if c is None:
            from ..backends.cirq import view_to_cirq

            marked, markers = mark_noise(spec.module, spec.name)
            view = kv.build_view(marked, spec.name, symbolic_loops=False)
            view.device_qubits = None
            view.layout = None
            c = view_to_cirq(view)
            if markers:
                c = self._with_channels(c, markers)
            self._circuits[spec.name] = c
        return c

    def _with_channels(self, circuit: Any, markers: dict[int, list[np.ndarray]]) -> Any:
        cirq = self.cirq

        def swap(op: Any, _moment: int) -> Any:
            inner = op.without_classical_controls()
            gate = getattr(inner, "gate", None)
            if isinstance(gate, cirq.MatrixGate) and gate.num_qubits() == 1:
                k = marker_index(cirq.unitary(gate), markers)
                if k is not None:
                    new = cirq.KrausChannel(markers[k]).on(*inner.qubits)
                    return new.with_classical_controls(*op.classical_controls) if op.classical_controls else new
            return op

        return cirq.map_operations(circuit, swap, deep=True)

    def resolved(self, spec: KernelSpec, args: list[Any], params: dict[str, Any]) -> Any:
        c = self.circuit(spec)
        names = self.cirq.parameter_names(c)
        if not names:
            return c
        values = symbol_values(spec, args, params)
        missing = sorted(n for n in names if n not in values)
        if missing:
            raise EngineError(f"kernel @{spec.name}: no value for circuit parameter(s) {', '.join(missing[:5])}")
        return self.cirq.resolve_parameters(c, self.cirq.ParamResolver({n: values[n] for n in names}))

    def qubits(self, spec: KernelSpec) -> list[Any]:
        return [self.cirq.LineQubit(i) for i in range(spec.num_wires)]

    def exact(self, spec: KernelSpec, args: list[Any], params: dict[str, Any]) -> np.ndarray | None:
        if spec.measures or spec.source != "wires":
            return None
        cirq = self.cirq
        c = self.resolved(spec, args, params)
        order = list(reversed(self.qubits(spec)))  # Cirq is big-endian: the last wire is the top bit
        if spec.noisy:
            rho = cirq.DensityMatrixSimulator(dtype=np.complex128).simulate(c, qubit_order=order).final_density_matrix
            return marginal(np.real(np.diagonal(rho)).astype(np.float64), spec.readout_wires)
        psi = cirq.Simulator(dtype=np.complex128).simulate(c, qubit_order=order).final_state_vector
        return marginal((np.abs(psi) ** 2).astype(np.float64), spec.readout_wires)

    def sample(self, spec: KernelSpec, args: list[Any], params: dict[str, Any], shots: int, seed: int) -> np.ndarray:
        cirq = self.cirq
        c = self.resolved(spec, args, params)
        if spec.source == "wires":
            wires = self.qubits(spec)
            c = c + cirq.Circuit(cirq.measure(*(wires[w] for w in spec.readout_wires), key="readout"))
        if spec.measures and not spec.noisy:
            # Cirq re-simulates every repetition of a circuit with mid-circuit measurements;
            # deferring them (ancillas + controlled gates) makes all measurements terminal,
            # so one simulation serves every shot. Circuits it cannot defer run as they are
            # (as do noisy ones: defer_measurements hashes operations, KrausChannel is unhashable).
            try:
                c = cirq.defer_measurements(c)
            except (ValueError, TypeError):
                pass
        sim = (cirq.DensityMatrixSimulator if spec.noisy else cirq.Simulator)(seed=seed, dtype=np.complex128)
        result = sim.run(c, repetitions=shots)
        if spec.source == "wires":
            return outcomes_from_bits(result.records["readout"][:, -1, :])
        cols = []
        for j in range(spec.width):
            key = f"c_{j}"
            if key not in result.records:
                raise EngineError(f"kernel @{spec.name}: returned bit {j} is not a measurement Cirq can record")
            cols.append(result.records[key][:, -1, 0])
        return outcomes_from_bits(np.stack(cols, axis=1) if cols else np.zeros((shots, 0), dtype=np.int64))
