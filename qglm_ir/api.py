"""The public compile entry point: ``qglm_ir.compile(program, ...) -> Module``.

:func:`compile` copies its input (``module.clone()``) before running any pass,
so the caller's program is never mutated. :func:`compile_with_report` returns
the same module plus the report dict the CLI writes with ``--report``.
"""

from __future__ import annotations

import difflib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from .core.errors import DeviceError, Location, ParseError, QglmError
from .core.gcpause import gc_paused
from .core.module import Module
from .metrics import esp as esp_of
from .metrics import kernels, module_metrics
from .passes.base import Pass, PassContext
from .passes.manager import PassManager, PipelineItem, Repeat
from .passes.pipeline import format_pass, parse_pipeline
from .passes.presets import build_preset
from .report import build_report


@dataclass
class CompileResult:
    """A compiled module and its report (see :mod:`qglm_ir.report`)."""

    module: Module
    report: dict[str, Any]


def load_device(spec: str) -> Any:
    """A device model from a spec string via :func:`qglm_ir.targets.load_device`.

    Raises :class:`DeviceError` while device support is not installed.
    """
    try:
        from .targets import load_device as _load
    except ImportError:
        raise DeviceError(
            f"--device {spec}: device targets are not available yet in this version of qglm",
            help="compile without --device, or give --basis GATES to target a gate set",
        ) from None
    return _load(spec)


def parse_basis(basis: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """Validate target gate names (``"cx,rz,sx,x"`` or a list) against the gate table."""
    if basis is None:
        return None
    from .dialects.gates import GATES

    text = basis if isinstance(basis, str) else ",".join(basis)
    names: list[str] = []
    col = 1
    for part in text.split(","):
        name = part.strip()
        lead = len(part) - len(part.lstrip())
        if name not in GATES:
            close = difflib.get_close_matches(name, list(GATES), n=3, cutoff=0.5)
            raise ParseError(
                f"unknown gate '{name}' in the basis" if name else "empty gate name in the basis",
                Location("<basis>", 1, col + lead, max(1, len(name)), text),
                help=f"did you mean {', '.join(repr(c) for c in close)}?" if close else "gates: " + " ".join(GATES),
            )
        if name not in names:
            names.append(name)
        col += len(part) + 1
    return tuple(names)


def as_module(program: Any) -> Module:
    """Accept a Module, a path to a program file, a Qiskit ``QuantumCircuit`` or a ``cirq.Circuit``."""
    if isinstance(program, Module):
        return program
    if isinstance(program, (str, os.PathLike)):
        from .frontends.loader import load_program

        return load_program(program)
    cls = type(program)
    mod = cls.__module__ or ""
    if mod.startswith("qiskit") and cls.__name__ == "QuantumCircuit":
        from .frontends.interop import from_qiskit

        return from_qiskit(program)
    if mod.startswith("cirq") and cls.__name__ == "Circuit":
        from .frontends.interop import from_cirq

        return from_cirq(program)
    if hasattr(program, "__qglm_module__"):  # a @qglm_ir.kernel / @qglm_ir.model function
        return program.__qglm_module__()
    raise TypeError(f"cannot compile a {cls.__name__}: give a Module, a file path, a QuantumCircuit or a cirq.Circuit")


def _pipeline(
    passes: str | Sequence[Pass | str] | None, level: int, device: bool, basis: bool
) -> tuple[list[PipelineItem], list[str]]:
    if passes is None:
        preset = build_preset(level, device=device, basis=basis)
        return preset.items, preset.warnings
    if isinstance(passes, str):
        return list(parse_pipeline(passes, "--passes")), []
    items: list[PipelineItem] = []
    for p in passes:
        if isinstance(p, str):
            items.extend(parse_pipeline(p, "--passes"))
        elif isinstance(p, (Pass, Repeat)):
            items.append(p)
        else:
            raise TypeError(f"passes must be Pass instances or pipeline text, got {p!r}")
    return items, []


def _pipeline_text(items: list[PipelineItem]) -> str:
    return ",".join(i.name if isinstance(i, Repeat) else format_pass(i) for i in items)


def _verify(module: Module) -> None:
    try:
        from .verify import verify
    except ImportError:  # the verifier may not be installed in a partial checkout
        return
    verify(module)


def _device_esp(device: Any, module: Module) -> float | None:
    """ESP of the compiled module when the device has calibration.

    Uses the device model's ``gate_error(gate, qubits)`` and
    ``measure_error(qubit)``. Mapped kernels address physical qubits by wire
    index, so no layout is applied here; an unmapped program's ESP is what it
    would be on the first qubits of the device.
    """
    if device is None or not getattr(device, "has_calibration", False):
        return None
    gate_error = getattr(device, "gate_error", None)
    measure_error = getattr(device, "measure_error", None)
    if not callable(gate_error) or not callable(measure_error):
        return None

    def error_of(name: str, qubits: tuple[int, ...]) -> float | None:
        if any(q < 0 for q in qubits):
            return None
        return measure_error(qubits[0]) if name == "measure" else gate_error(name, qubits)

    ks = kernels(module)
    if not ks:
        return None
    p = 1.0
    for k in ks:
        p *= esp_of(k, error_of)
    return p


@dataclass
class _Compiled:
    """What one compile produced, before any report is built (see :func:`_compile`)."""

    module: Module
    source: Module
    result: Any  # passes.manager.PipelineResult
    ctx: PassContext
    device: Any
    device_spec: str | None
    gates: tuple[str, ...] | None
    items: list[PipelineItem]
    warnings: list[str]
    input_name: str | None
    started: float


def _compile(
    program: Any,
    device: Any,
    optimization_level: int,
    passes: str | Sequence[Pass | str] | None,
    seed: int,
    basis: str | Iterable[str] | None,
    *,
    validate: bool | str = False,
    input_name: str | None = None,
    **manager_options: Any,
) -> _Compiled:
    """Verify, run the pipeline on a copy of ``program`` and validate; no report work
    (metrics, ESP), which :func:`compile` does not need and :func:`compile_with_report` adds.
    ``manager_options`` go to :class:`PassManager` (``verify_each``, the IR printing options,
    ``on_pass_start``)."""
    t0 = time.perf_counter()
    if isinstance(program, (str, os.PathLike)) and input_name is None:
        input_name = str(program)
    source = as_module(program)
    # One collector pause for the whole compile (verify, clone, every pass), not one per
    # step: each re-enable starts a young-generation collection over everything the step
    # allocated (the clone: the whole module), so per-step pauses scanned the growing module
    # again and again, about 5% of a small circuit's compile, finding next to nothing (erased
    # ops are freed by reference counting, see core.eraser). Not when validating: the
    # manager's per-pass snapshots become cyclic garbage the collector must free as it goes.
    with gc_paused() if not validate else nullcontext():
        _verify(source)
        device_spec = device if isinstance(device, str) else getattr(device, "spec", None)
        if isinstance(device, str):
            device = load_device(device)
        elif device is not None:  # a Qiskit BackendV2/Target/CouplingMap or a cirq.Device becomes a Device
            from .targets.convert import as_device

            converted = as_device(device)
            if converted is not device:
                device_spec = device_spec or getattr(converted, "name", None)
            device = converted
        gates = parse_basis(basis)
        if gates is None and device is not None:
            from .dialects.gates import GATES

            native = tuple(g for g in getattr(device, "basis_gates", ()) if g in GATES)
            gates = native or None
        items, warnings = _pipeline(passes, optimization_level, device is not None, gates is not None)
        module = source.clone()
        ctx = PassContext(device=device, basis=gates, seed=seed)
        pm = PassManager(items, validate=validate, **manager_options)
        result = pm.run(module, ctx)
    if validate:
        from .host_validation import check_host_outputs

        ok, why = check_host_outputs(result.reference or source, module)
        if ok is False:
            from .passes.manager import ValidationError

            raise ValidationError(f"translation validation failed: {why}", None,
                                  help="this is a compiler bug, please report it")
        if ok is True:
            result.checks.append(why)
        elif why:  # an empty reason: no host program, nothing to check here
            result.notes.append(f"not validated: {why}")
            result.validated = False
    return _Compiled(module, source, result, ctx, device, device_spec, gates, items, warnings, input_name, t0)


def compile_with_report(
    program: Any,
    device: Any = None,
    optimization_level: int = 2,
    passes: str | Sequence[Pass | str] | None = None,
    seed: int = 0,
    basis: str | Iterable[str] | None = None,
    *,
    validate: bool | str = False,
    verify_each: bool | None = None,
    print_ir_after_all: bool = False,
    print_ir_after: Iterable[str] = (),
    ir_printer: Callable[[str, str], None] | None = None,
    on_pass_start: Callable[[str], None] | None = None,
    input_name: str | None = None,
) -> CompileResult:
    """Compile ``program`` into a new module and report what happened.

    ``device`` is a device model or a spec string (``line:5``...); ``passes``
    overrides the ``optimization_level`` preset with pipeline text or pass
    instances; ``basis`` sets the target gate set without a device (a device
    brings its own). The input is verified first and never mutated.

    ``validate``: ``True`` (or ``"end"``) checks every kernel of the result
    against the source under its readout contract and layouts
    (:mod:`qglm_ir.passes.validation`), naming the first pass that broke it,
    and the host program's outputs in exact mode (:mod:`qglm_ir.host_validation`);
    ``"each"`` checks after every pass. ``report["validated"]`` is ``False``
    (with the reasons in ``warnings``) when some check could not be done.
    """
    c = _compile(program, device, optimization_level, passes, seed, basis, validate=validate,
                 verify_each=verify_each, print_ir_after_all=print_ir_after_all, print_ir_after=print_ir_after,
                 ir_printer=ir_printer, on_pass_start=on_pass_start, input_name=input_name)
    result, module = c.result, c.module
    with gc_paused():
        before = module_metrics(c.source)  # the source is never mutated: its metrics are the input's
        after = module_metrics(module)
        esp = _device_esp(c.device, module)
    layout = c.ctx.report.get("layout")
    if layout is not None:
        layout = {"initial": layout.get("initial"), "final": layout.get("final")}
    report = build_report(
        input=c.input_name,
        device=c.device_spec,
        basis=c.gates,
        seed=seed,
        optimization_level=optimization_level if passes is None else None,
        pipeline=_pipeline_text(c.items),
        records=[r.as_dict() for r in result.records],
        before=before,
        after=after,
        esp=esp,
        layout=layout,
        seconds=time.perf_counter() - c.started,
        validated=result.validated,
        warnings=c.warnings + result.notes,
    )
    if validate:
        report["validation"] = list(result.checks)
    if result.approximations:  # what the result is equivalent to is the approximated program
        report["approximations"] = list(result.approximations)
    if "qec" in c.ctx.report:  # the qec policy explains every per-qubit decision
        report["qec"] = c.ctx.report["qec"]
    return CompileResult(module, report)


def compile(
    program: Any,
    device: Any = None,
    optimization_level: int = 2,
    passes: str | Sequence[Pass | str] | None = None,
    seed: int = 0,
    basis: str | Iterable[str] | None = None,
) -> Module:
    """Compile ``program`` and return a new :class:`Module`; the input is never mutated.

    Raises a :class:`QglmError` subclass for bad input (parse, verify, device,
    pipeline errors). The same compile as :func:`compile_with_report` without
    building the report (before/after metrics, ESP).
    """
    return _compile(program, device, optimization_level, passes, seed, basis).module


__all__ = ["CompileResult", "QglmError", "as_module", "compile", "compile_with_report", "load_device", "parse_basis"]
