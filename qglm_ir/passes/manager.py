"""The pass manager: runs a pipeline, verifies, validates, times and reports.

``PassManager(items).run(module, ctx)`` runs each pass in order on ``module``
(in place) and returns a :class:`PipelineResult` with one :class:`PassRecord`
per pass run: wall time, whether it changed anything, its statistics and notes.

* ``verify_each=True`` verifies the input and the IR after every pass with
  :func:`qglm_ir.verify.verify`; a pass that leaves invalid IR fails with a
  :class:`PassError` naming it. The default (``None``) turns it on when the
  environment variable ``QGLM_VERIFY_EACH=1`` is set, which the test suite
  does so that every pipeline run by any test is verified pass by pass.
* ``validate=True`` is translation validation: every kernel is compared
  before/after each pass with the tensor-network semantics according to the
  pass's ``preserves``:

  - ``"unitary"``: :func:`qglm_ir.semantics.equivalent` (up to global phase;
    for kernels with measurements it compares outcome distributions);
  - ``"observable"``: :func:`qglm_ir.semantics.outcome_distribution` of both
    kernels must agree (e.g. removing gates before a final measurement);
  - ``"layout"``: :func:`qglm_ir.passes.mapping.check.equivalent_up_to_layout`
    applies the kernel's recorded ``initial_layout``/``final_layout`` and then
    compares (mapping passes);
  - ``"logical"``: :func:`qglm_ir.passes.qec.check.logical_report`: the
    noiseless returned values agree (error-protection passes add spare qubits,
    encoders and decoders, so unitaries are not comparable);
  - ``"mitigation"``: not checkable with noiseless semantics (readout
    mitigation deliberately changes host values); recorded as not validated.

  Kernels with classical inputs are evaluated at seeded random inputs (f64 in
  [-pi, pi], i64 in [0, 3], random bits), identical before and after. A kernel
  the semantics cannot evaluate (too wide, unsupported op) is skipped with a
  note. A failed check raises :class:`ValidationError` naming the pass and kernel.
* ``print_ir_after_all`` / ``print_ir_after={names}`` hand the printed IR
  after those passes to ``ir_printer(pass_name, text)`` (default: stderr,
  MLIR-style ``// -----// IR Dump After NAME //----- //`` headers).

:class:`Repeat` groups passes that run again until none of them changes the
module (``-O3``), at most ``max_iterations`` times.
"""

from __future__ import annotations

import os
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import PassError, QglmError
from ..core.gcpause import gc_paused
from ..core.ir import Operation
from ..core.module import Module
from ..dialects.stats import reads_output_wires
from .base import Pass, PassContext, PassResult
from .pipeline import format_pass, parse_pipeline

__all__ = [
    "InternalPassError",
    "PassManager",
    "PassRecord",
    "PipelineResult",
    "Repeat",
    "ValidationError",
    "parse_pipeline",
]


class ValidationError(PassError):
    """Translation validation failed: a pass changed what a kernel computes (a compiler bug)."""


class InternalPassError(Exception):
    """A pass crashed with a non-qglm exception; ``pass_name`` says which (``__cause__`` the crash)."""

    def __init__(self, pass_name: str, exc: BaseException):
        super().__init__(f"pass '{pass_name}' crashed: {type(exc).__name__}: {exc}")
        self.pass_name = pass_name


@dataclass(frozen=True)
class Repeat:
    """Run ``passes`` in order, again and again until none changes anything (at most
    ``max_iterations`` rounds)."""

    passes: tuple[Pass, ...]
    max_iterations: int = 8

    @property
    def name(self) -> str:
        return "repeat(" + ",".join(format_pass(p) for p in self.passes) + ")"


PipelineItem = Pass | Repeat


@dataclass
class PassRecord:
    """What one run of one pass did."""

    name: str
    seconds: float
    changed: bool
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "seconds": self.seconds,
            "changed": self.changed,
            "stats": dict(self.stats),
        }
        if self.notes:
            d["notes"] = list(self.notes)
        return d


@dataclass
class PipelineResult:
    """Records of every pass run, and the validation outcome.

    ``validated`` is ``None`` when validation was off, ``True`` when every
    kernel was checked after every pass, ``False`` when some check had to be
    skipped (see ``notes``); a failed check raises instead.
    """

    records: list[PassRecord] = field(default_factory=list)
    validated: bool | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(r.changed for r in self.records)


def _stderr_printer(pass_name: str, text: str) -> None:
    sys.stderr.write(f"// -----// IR Dump After {pass_name} //----- //\n{text}")
    if not text.endswith("\n"):
        sys.stderr.write("\n")
    sys.stderr.flush()


def _verifier() -> Callable[[Operation], None]:
    try:
        from ..verify import verify
    except ImportError as exc:  # the verifier is a separate component that may be missing
        raise PassError("the IR verifier (qglm_ir.verify) is not available, so IR cannot be verified") from exc
    return verify


class PassManager:
    """Runs pipeline items on a module. See the module docstring for the options."""

    def __init__(
        self,
        items: Sequence[PipelineItem] = (),
        *,
        verify_each: bool | None = None,
        validate: bool = False,
        print_ir_after_all: bool = False,
        print_ir_after: Iterable[str] = (),
        ir_printer: Callable[[str, str], None] | None = None,
        validation_atol: float = 1e-7,
        on_pass_start: Callable[[str], None] | None = None,
    ):
        self.items: list[PipelineItem] = list(items)
        if verify_each is None:
            verify_each = os.environ.get("QGLM_VERIFY_EACH") == "1"
        self.verify_each = verify_each
        self.validate = validate
        self.print_ir_after_all = print_ir_after_all
        self.print_ir_after = frozenset(print_ir_after)
        self.ir_printer = ir_printer or _stderr_printer
        self.validation_atol = validation_atol
        self.on_pass_start = on_pass_start

    @classmethod
    def from_pipeline(cls, text: str, **kwargs: Any) -> PassManager:
        """A manager for pipeline text (see :mod:`qglm_ir.passes.pipeline`)."""
        return cls(parse_pipeline(text), **kwargs)

    def add(self, item: PipelineItem) -> PassManager:
        self.items.append(item)
        return self

    def pass_count(self) -> int:
        return sum(len(i.passes) if isinstance(i, Repeat) else 1 for i in self.items)

    # ------------------------------------------------------------------ run
    def run(self, module: Module, ctx: PassContext | None = None) -> PipelineResult:
        """Run every item on ``module`` in place. Raises :class:`PassError` (or
        :class:`ValidationError`) on failure, :class:`InternalPassError` on a crash."""
        ctx = ctx or PassContext()
        result = PipelineResult(validated=True if self.validate else None)
        start = time.perf_counter()
        if self.verify_each:
            _verifier()(module)
        for item in self.items:
            if isinstance(item, Repeat):
                for _ in range(max(1, item.max_iterations)):
                    changed = False
                    for p in item.passes:
                        changed |= self._run_one(p, module, ctx, result)
                    if not changed:
                        break
                else:
                    result.notes.append(
                        f"{item.name} stopped after {item.max_iterations} rounds without reaching a fixed point"
                    )
            else:
                self._run_one(item, module, ctx, result)
        result.seconds = time.perf_counter() - start
        return result

    def _run_one(self, p: Pass, module: Module, ctx: PassContext, result: PipelineResult) -> bool:
        name = p.name or type(p).__name__
        if self.on_pass_start is not None:
            self.on_pass_start(name)
        before = module.clone() if self.validate else None
        t0 = time.perf_counter()
        try:
            with gc_paused():  # see gc_paused: keeps rewrites of huge kernels linear
                out = p.run(module, ctx)
        except QglmError:
            raise
        except Exception as exc:
            raise InternalPassError(name, exc) from exc
        seconds = time.perf_counter() - t0
        if not isinstance(out, PassResult):
            raise InternalPassError(name, TypeError(f"run() returned {type(out).__name__}, not PassResult"))
        record = PassRecord(name, seconds, bool(out.changed), dict(out.stats))
        result.records.append(record)
        if self.verify_each:
            try:
                _verifier()(module)
            except QglmError as err:
                raise PassError(
                    f"pass '{name}' produced invalid IR: {err.message}",
                    err.loc,
                    help=f"rerun with --print-ir-after={name} to see its output; please report this bug",
                ) from err
        if before is not None and out.changed:
            self._validate(p, name, before, module, record, result)
        elif before is not None:
            record.notes.append("unchanged: nothing to validate")
        if self.print_ir_after_all or name in self.print_ir_after:
            from ..text import print_module

            self.ir_printer(name, print_module(module))
        return record.changed

    # ----------------------------------------------------------- validation
    def _validate(
        self, p: Pass, name: str, before: Module, after: Module, record: PassRecord, result: PipelineResult
    ) -> None:
        preserves = getattr(p, "preserves", "unitary")
        if preserves == "mitigation":
            # Readout mitigation deliberately changes host values (it inverts the
            # device's confusion matrix), so the noiseless semantics cannot judge it.
            self._not_validated(f"{name}: rewrites results to undo readout noise; not validated", record, result)
            return
        if preserves == "logical":
            self._validate_logical(name, before, after, record, result)
            return
        try:
            from .. import semantics
        except ImportError as exc:
            raise PassError("translation validation needs qglm_ir.semantics, which is not available") from exc
        old = {k.properties.get("sym_name"): k for k in before.body if k.name == "q.kernel"}
        new = {k.properties.get("sym_name"): k for k in after.body if k.name == "q.kernel"}
        for kname, k_old in old.items():
            k_new = new.get(kname)
            if k_new is None:
                record.notes.append(f"kernel @{kname} was removed; not validated")
                result.validated = False
                continue
            if preserves != "layout" and k_old.properties.get("function_type") != k_new.properties.get(
                "function_type"
            ):
                record.notes.append(f"kernel @{kname} changed its signature; not validated")
                result.validated = False
                continue
            inputs = _random_inputs(k_old, seed=zlib.crc32(str(kname).encode()))
            try:
                if preserves == "layout":
                    from .mapping.check import equivalent_up_to_layout

                    ok = equivalent_up_to_layout(k_old, k_new, inputs=inputs, atol=self.validation_atol)
                elif preserves == "observable":
                    ok = _same_distribution(
                        semantics.outcome_distribution(k_old, inputs=inputs),
                        semantics.outcome_distribution(k_new, inputs=inputs),
                        self.validation_atol,
                    )
                    if ok and reads_output_wires(k_old):
                        # No returned bits: callers (stats ops) read every output wire in Z.
                        import numpy as np

                        ok = bool(
                            np.allclose(
                                semantics.probabilities(k_old, inputs=inputs),
                                semantics.probabilities(k_new, inputs=inputs),
                                atol=self.validation_atol,
                            )
                        )
                else:
                    ok = semantics.equivalent(k_old, k_new, inputs=inputs, atol=self.validation_atol)
            except QglmError as err:
                note = f"kernel @{kname} not validated after {name}: {err.message}"
                record.notes.append(note)
                result.notes.append(note)
                result.validated = False
                continue
            if not ok:
                raise ValidationError(
                    f"translation validation failed: pass '{name}' changed the semantics of kernel @{kname}",
                    k_new.loc,
                    help=f"compare with --print-ir-after={name}; this is a compiler bug, please report it",
                )
        record.notes.append(f"validated ({preserves})")

    def _not_validated(self, note: str, record: PassRecord, result: PipelineResult) -> None:
        record.notes.append(note)
        result.notes.append(note)
        result.validated = False

    def _validate_logical(
        self, name: str, before: Module, after: Module, record: PassRecord, result: PipelineResult
    ) -> None:
        """Error-protection passes add spare qubits and decoding: compare the noiseless
        logical results (returned values), not the unitaries."""
        from .qec.check import logical_report

        for kname, (ok, why) in logical_report(before, after, self.validation_atol).items():
            if ok is False:
                raise ValidationError(
                    f"translation validation failed: pass '{name}' changed the logical result of "
                    f"kernel @{kname} ({why})",
                    None,
                    help=f"compare with --print-ir-after={name}; this is a compiler bug, please report it",
                )
            if ok is None:
                self._not_validated(f"kernel @{kname} not validated after {name}: {why}", record, result)
        record.notes.append("validated (logical)")


def _random_inputs(kernel: Operation, seed: int) -> list[Any]:
    """Seeded concrete values for the kernel's classical arguments, by position."""
    import numpy as np

    from ..core.types import FloatType, IntegerType, TensorType, i1

    rng = np.random.default_rng(abs(seed))
    values: list[Any] = []
    for a in kernel.regions[0].block.args:
        t = a.type
        if t.is_qubit:
            continue
        if isinstance(t, TensorType):
            el, shape = t.element, t.shape
            if isinstance(el, FloatType):
                values.append(rng.uniform(-np.pi, np.pi, size=shape))
            elif el == i1:
                values.append(rng.integers(0, 2, size=shape).astype(bool))
            else:
                values.append(rng.integers(0, 4, size=shape))
        elif isinstance(t, FloatType):
            values.append(float(rng.uniform(-np.pi, np.pi)))
        elif t == i1:
            values.append(bool(rng.integers(0, 2)))
        elif isinstance(t, IntegerType):
            values.append(int(rng.integers(0, 4)))
        else:
            values.append(None)
    return values


def _same_distribution(a: Any, b: Any, atol: float) -> bool:
    """Equal outcome distributions: mappings outcome -> probability (missing = 0), or arrays."""
    import numpy as np

    if isinstance(a, Mapping) and isinstance(b, Mapping):
        keys = set(a) | set(b)
        return all(abs(float(a.get(k, 0.0)) - float(b.get(k, 0.0))) <= atol for k in keys)
    try:
        return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=atol))
    except (TypeError, ValueError):
        return bool(a == b)
