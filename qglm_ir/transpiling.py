"""A ``qiskit.transpile``-shaped entry point: ``qglm_ir.transpile(circuits, ...)``.

It takes the arguments ``qiskit.transpile`` takes for the same purpose and
returns what it returns: one ``QuantumCircuit`` for one circuit, a list for a
list, each with ``circuit.layout`` a ``TranspileLayout`` when a device was
given (``initial_layout``, ``input_qubit_mapping``, routing ``final_layout``,
read back with ``layout.initial_index_layout()`` / ``final_index_layout()``).

Argument precedence follows Qiskit: ``target`` wins over ``backend``;
``coupling_map`` and ``basis_gates`` given next to a backend replace the
backend's couplers and gate set (its calibration is then not used). The work
is :func:`qglm_ir.compile` (import with
:func:`~qglm_ir.frontends.interop.from_qiskit`, the preset pipeline of
``optimization_level``, export with :func:`~qglm_ir.backends.qiskit.to_qiskit`);
the circuits' ``Parameter`` objects are the caller's own again in the output,
so ``assign_parameters`` with the input's parameters works.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .core.errors import DeviceError
from .targets.convert import as_device, device_from_coupling_map, normalize_basis

if TYPE_CHECKING:  # pragma: no cover
    from qiskit import QuantumCircuit


def _device(backend: Any, target: Any, coupling_map: Any, basis_gates: Sequence[str] | None) -> Any:
    """The device the arguments describe, or ``None`` when they name only a gate set."""
    if target is not None:
        base = as_device(target)
    elif backend is not None:
        base = as_device(backend)
    else:
        base = None
    if coupling_map is None:
        if base is not None and basis_gates is not None:
            from dataclasses import replace

            return replace(base, basis_gates=normalize_basis(basis_gates), gates={})
        return base
    basis = basis_gates if basis_gates is not None else (list(base.basis_gates) if base is not None else None)
    return device_from_coupling_map(coupling_map, basis)


def _restore_parameters(out: QuantumCircuit, source: QuantumCircuit) -> QuantumCircuit:
    """Replace the exported circuit's parameters by the source's objects of the same name."""
    mine = {p.name: p for p in source.parameters}
    mapping = {p: mine[p.name] for p in out.parameters if p.name in mine and mine[p.name] is not p}
    return out.assign_parameters(mapping, inplace=False) if mapping else out


def _keep_registers(view: Any, source: QuantumCircuit) -> None:
    """Give the output the source's classical registers when they tile its clbits in order.

    :func:`~qglm_ir.frontends.interop.from_qiskit` returns every clbit in circuit
    order, which the exporter puts in one register ``c``; splitting it back into
    the source's registers keeps ``get_counts()`` keys and register names as the
    caller wrote them.
    """
    from .backends import _kernel_view as kv

    regs = view.registers
    tiled = [b for r in source.cregs for b in r] == list(source.clbits)
    if not (source.cregs and tiled and len(regs) == 1 and regs[0].name == "c"
            and len(regs[0].clbits) == source.num_clbits):
        return
    bits, i, out = regs[0].clbits, 0, []
    for creg in source.cregs:
        out.append(kv.Register(creg.name, bits[i:i + len(creg)]))
        i += len(creg)
    view.registers = out


def _one(qc: QuantumCircuit, device: Any, basis: tuple[str, ...] | None, level: int, seed: int) -> QuantumCircuit:
    from .api import compile as qglm_compile
    from .backends._kernel_view import build_view
    from .backends.qiskit import view_to_qiskit
    from .frontends.interop import from_qiskit

    module = from_qiskit(qc)
    compiled = qglm_compile(module, device=device, optimization_level=level, seed=seed, basis=basis)
    view = build_view(compiled)
    _keep_registers(view, qc)
    out = view_to_qiskit(view)
    out = _restore_parameters(out, qc)
    out.name = qc.name
    if qc.metadata:
        out.metadata = dict(qc.metadata)
    return out


def transpile(
    circuits: QuantumCircuit | Sequence[QuantumCircuit],
    backend: Any = None,
    target: Any = None,
    coupling_map: Any = None,
    basis_gates: Sequence[str] | None = None,
    optimization_level: int | None = 2,
    seed_transpiler: int | None = None,
) -> QuantumCircuit | list[QuantumCircuit]:
    """Compile Qiskit circuits with qglm, the way ``qiskit.transpile`` is called.

    ``backend`` is a ``BackendV2``, ``target`` a ``Target``, ``coupling_map`` a
    ``CouplingMap`` or a list of ``[a, b]`` couplers, ``basis_gates`` a list of
    gate names (``['cx', 'rz', 'sx', 'x']``; ``u3``/``u1``/``cnot`` are
    understood); ``optimization_level`` 0-3 (``None`` means 2, as in Qiskit);
    ``seed_transpiler`` fixes layout and routing choices (``None`` means 0, so
    results are reproducible by default). Returns a circuit for a circuit and a
    list for a list. Raises :class:`DeviceError` for arguments that describe
    no device, :class:`~qglm_ir.core.errors.QglmError` subclasses for circuits
    qglm cannot represent; never mutates the inputs.
    """
    from qiskit import QuantumCircuit

    level = 2 if optimization_level is None else int(optimization_level)
    if level not in (0, 1, 2, 3):
        raise DeviceError(f"optimization_level must be 0, 1, 2 or 3, got {optimization_level!r}")
    single = isinstance(circuits, QuantumCircuit)
    batch = [circuits] if single else list(circuits)
    for c in batch:
        if not isinstance(c, QuantumCircuit):
            raise TypeError(f"transpile expects QuantumCircuit objects, got {type(c).__name__}")
    device = _device(backend, target, coupling_map, basis_gates)
    basis = normalize_basis(basis_gates) if (basis_gates is not None and device is None) else None
    seed = 0 if seed_transpiler is None else int(seed_transpiler)
    out = [_one(c, device, basis, level, seed) for c in batch]
    return out[0] if single else out


__all__ = ["transpile"]
