"""The pass manager: runs a pipeline, verifies, validates, times and reports.

``PassManager(items).run(module, ctx)`` runs each pass in order on ``module``
(in place) and returns a :class:`PipelineResult` with one :class:`PassRecord`
per pass run: wall time, whether it changed anything, its statistics and notes.

* ``verify_each=True`` verifies the input and the IR after every pass with
  :func:`qglm_ir.verify.verify`; a pass that leaves invalid IR fails with a
  :class:`PassError` naming it. The default (``None``) turns it on when the
  environment variable ``QGLM_VERIFY_EACH=1`` is set, which the test suite
  does so that every pipeline run by any test is verified pass by pass.
* ``validate`` is translation validation with
  :func:`qglm_ir.passes.validation.check_kernel`: every kernel is compared with
  its earlier form under its readout contract and recorded layouts (the
  program qubits' whole input space, not just |0...0>).

  - ``True`` (or ``"end"``, or the CLI's ``"strict"``/``"best-effort"``):
    once, source against result; on a failure the snapshots kept after every
    changing pass are bisected to name the first pass that broke the kernel.
  - ``"each"``: before/after every pass.
  - Passes whose promise is weaker than the contract keep their own check
    and close an end-to-end segment: ``preserves="logical"``
    (:func:`qglm_ir.passes.qec.check.logical_report`: the noiseless returned
    values agree; error protection adds spare qubits and decoders) and
    ``"mitigation"`` (not checkable with noiseless semantics; recorded as
    not validated). ``"approximation"`` passes change kernels on purpose within
    a stated bound: the check before them ends at their input, the one after
    them starts from their output (``PipelineResult.reference``), and a line in
    ``checks`` names the approximation and its statistics.

  Kernels with classical inputs are evaluated at seeded random inputs (f64 in
  [-pi, pi], i64 in [0, 3], random bits), identical on both sides. A check
  that cannot run sets ``validated=False`` with a note; a failed check raises
  :class:`ValidationError` naming the pass and kernel.
* ``print_ir_after_all`` / ``print_ir_after={names}`` hand the printed IR
  after those passes to ``ir_printer(pass_name, text)`` (default: stderr,
  MLIR-style ``// -----// IR Dump After NAME //----- //`` headers).

:class:`Repeat` groups passes that run again until none of them changes the
module (``-O3``), at most ``max_iterations`` times. A pass declaring
``skip_when_clean`` is skipped (recorded with a note, zero seconds) when an
equal pass already ran without a change and no pass has changed the module
since, which removes the confirming runs of a fixed point.
"""

from __future__ import annotations

import os
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import PassError, QglmError
from ..core.gcpause import gc_paused
from ..core.ir import Operation
from ..core.module import Module
from .base import Pass, PassContext, PassResult
from .memo import compile_scope, drop_replay, replayed
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
    checks: list[str] = field(default_factory=list)  # what validation proved, one line per check
    seconds: float = 0.0
    #: The module as the last ``"approximation"`` pass left it: what the result is equivalent
    #: to (None: the input itself). Host-level validation compares against it.
    reference: Module | None = None
    approximations: list[str] = field(default_factory=list)  # "name (stats)" of each approximating pass

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
        validate: bool | str | None = False,
        print_ir_after_all: bool = False,
        print_ir_after: Iterable[str] = (),
        ir_printer: Callable[[str, str], None] | None = None,
        validation_atol: float = 1e-8,
        on_pass_start: Callable[[str], None] | None = None,
    ):
        self.items: list[PipelineItem] = list(items)
        if verify_each is None:
            verify_each = os.environ.get("QGLM_VERIFY_EACH") == "1"
        self.verify_each = verify_each
        # any true value other than "each" (True, "end", the CLI's "strict"/"best-effort") is end to end
        self.validate = bool(validate)
        self.validate_each = validate == "each"
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
        :class:`ValidationError`) on failure, :class:`InternalPassError` on a crash.
        Passes share one compile-scoped memo during the run (:mod:`.memo`).

        The cyclic collector stays paused for the whole run, not only inside each pass:
        re-enabled between passes it starts collections at once (the allocation counter
        kept counting during the pass), each scanning what the pass allocated and, every
        hundredth or so, the whole heap with the kernel in it, so a pipeline's collector
        work grew faster than the kernel (measured, -O3 of 300k gates after other work in
        the process: most of the superlinear part). When validating, the per-pass
        snapshots are cyclic garbage, so the collector runs between passes as before."""
        from .optimize.angles import constant_angles_scope  # (the optimize package imports this one)

        with nullcontext() if self.validate else gc_paused(), compile_scope(), constant_angles_scope():
            return self._run(module, ctx)

    def _run(self, module: Module, ctx: PassContext | None) -> PipelineResult:
        ctx = ctx or PassContext()
        result = PipelineResult(validated=True if self.validate else None)
        start = time.perf_counter()
        if self.verify_each:
            _verifier()(module)
        self._segment: list[tuple[str, Module]] = []
        # Change stamps: ``_changes`` counts passes that changed the module;
        # ``_clean[p]`` is the count at which an equal pass last ran without a change.
        self._changes = 0
        self._clean: dict[Pass, int] = {}
        self._baseline: Module | None = module.clone() if self.validate and not self.validate_each else None
        for i, item in enumerate(self.items):
            # what follows the pass about to run (see .memo.replayed); none inside a group
            self._upcoming = () if isinstance(item, Repeat) else tuple(self.items[i + 1:])
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
        if self._baseline is not None:
            self._check_segment(module, result)
        result.seconds = time.perf_counter() - start
        return result

    def _skippable(self, p: Pass, name: str) -> bool:
        """Whether ``p`` would certainly change nothing (see ``Pass.skip_when_clean``)."""
        if not getattr(p, "skip_when_clean", False) or self.print_ir_after_all or name in self.print_ir_after:
            return False
        try:
            return self._clean.get(p) == self._changes
        except TypeError:  # an unhashable pass: never skipped
            return False

    def _run_one(self, p: Pass, module: Module, ctx: PassContext, result: PipelineResult) -> bool:
        name = p.name or type(p).__name__
        if self._skippable(p, name):
            result.records.append(
                PassRecord(name, 0.0, False, {}, ["skipped: an equal pass found nothing to change and "
                                                  "the module has not changed since"])
            )
            drop_replay()
            return False
        if self.on_pass_start is not None:
            self.on_pass_start(name)
        preserves = getattr(p, "preserves", "unitary")
        # End-to-end mode checks the source against the result once; passes whose
        # promise is weaker than the contract (qec, mitigation) close a segment.
        per_pass = self.validate and (self.validate_each or preserves in ("logical", "mitigation", "approximation"))
        if per_pass and self._baseline is not None:
            self._check_segment(module, result)
        before = module.clone() if per_pass else None
        t0 = time.perf_counter()
        try:
            with gc_paused():  # see gc_paused: keeps rewrites of huge kernels linear
                # A pass result computed earlier in this compile on an exact copy (see
                # .memo.replayed); not when validating or printing, which need every
                # pass's own output.
                out = None if self.validate or self.print_ir_after_all or self.print_ir_after else replayed(
                    p, module, getattr(self, "_upcoming", ()))
                if out is None:
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
        if out.changed:
            self._changes += 1
        elif getattr(p, "skip_when_clean", False):
            try:
                self._clean[p] = self._changes
            except TypeError:
                pass
        for q in getattr(out, "clean", ()):  # a fixed point of other passes too (optimize-fixpoint)
            self._clean[q] = self._changes
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
        if per_pass and not self.validate_each:
            self._baseline = module.clone()  # the next segment starts after this pass
        elif self._baseline is not None and out.changed:
            self._segment.append((name, module.clone()))
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
        if preserves == "approximation":
            stats = ", ".join(f"{k}={v}" for k, v in record.stats.items())
            note = (f"{name}: approximates on purpose ({stats}); checked up to its input, and the "
                    f"rest of the pipeline against its output")
            record.notes.append("approximation: not an equivalence (see its documentation)")
            result.checks.append(note)
            result.approximations.append(f"{name} ({stats})")
            result.reference = after.clone()
            return
        for kname, k_old, k_new, why in _kernel_pairs(before, after):
            if k_new is None:
                self._not_validated(f"kernel @{kname} {why}; not validated", record, result)
                continue
            verdict = self._check(k_old, k_new, kname)
            if verdict.ok is None:
                self._not_validated(f"kernel @{kname} not validated after {name}: {verdict.why}", record, result)
            elif not verdict.ok:
                raise _failure(name, kname, k_new, verdict.why)
        record.notes.append(f"validated ({preserves})")

    def _check(self, k_old: Operation, k_new: Operation, kname: Any) -> Any:
        from .validation import check_kernel

        seed = zlib.crc32(str(kname).encode())
        return check_kernel(k_old, k_new, inputs=_random_inputs(k_old, seed=seed), atol=self.validation_atol,
                            seed=seed)

    def _check_segment(self, module: Module, result: PipelineResult) -> None:
        """End-to-end check of the segment baseline -> ``module``; on a failure, find the
        first pass of the segment after which the kernel no longer matches (bisection over
        the snapshots kept after every changing pass) and name it."""
        baseline, snapshots = self._baseline, self._segment
        self._baseline, self._segment = None, []
        if baseline is None or not snapshots:
            return
        for kname, k_old, k_new, why in _kernel_pairs(baseline, module):
            if k_new is None:
                self._not_validated(f"kernel @{kname} {why}; not validated", None, result)
                continue
            verdict = self._check(k_old, k_new, kname)
            if verdict.ok is None:
                self._not_validated(f"kernel @{kname} not validated: {verdict.why}", None, result)
                continue
            if verdict.ok:
                result.checks.append(f"kernel @{kname}: validated end to end ({verdict.method})")
                continue
            lo, hi = 0, len(snapshots) - 1  # snapshots[hi] fails; find the first that does
            while lo < hi:
                mid = (lo + hi) // 2
                k_mid = _kernel_named(snapshots[mid][1], kname)
                v = self._check(k_old, k_mid, kname) if k_mid is not None else verdict
                if v.ok is False:
                    hi = mid
                else:
                    lo = mid + 1
            raise _failure(snapshots[lo][0], kname, k_new, verdict.why)

    def _not_validated(self, note: str, record: PassRecord | None, result: PipelineResult) -> None:
        if record is not None:  # end-to-end notes belong to no single pass
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


def _kernel_named(module: Module, name: Any) -> Operation | None:
    for k in module.body:
        if k.name == "q.kernel" and k.properties.get("sym_name") == name:
            return k
    return None


def _kernel_pairs(before: Module, after: Module) -> list[tuple[Any, Operation, Operation | None, str]]:
    """``(name, old, new or None, why)`` for every kernel of ``before``."""
    pairs = []
    for k_old in before.body:
        if k_old.name != "q.kernel":
            continue
        kname = k_old.properties.get("sym_name")
        k_new = _kernel_named(after, kname)
        if k_new is None:
            pairs.append((kname, k_old, None, "was removed"))
            continue
        sig_old = [t for t in getattr(k_old.properties.get("function_type"), "inputs", ()) if not t.is_qubit]
        sig_new = [t for t in getattr(k_new.properties.get("function_type"), "inputs", ()) if not t.is_qubit]
        if sig_old != sig_new:
            pairs.append((kname, k_old, None, "changed its classical signature"))
            continue
        pairs.append((kname, k_old, k_new, ""))
    return pairs


def _failure(pass_name: str, kname: Any, kernel: Operation, why: str) -> ValidationError:
    return ValidationError(
        f"translation validation failed: pass '{pass_name}' changed what kernel @{kname} computes ({why})",
        kernel.loc,
        help=f"compare with --print-ir-after={pass_name}; this is a compiler bug, please report it",
    )


def random_value(t: Any, rng: Any) -> Any:
    """A seeded concrete value of type ``t`` (f64 in [-pi, pi], i64 in [0, 3], random bits)."""
    import numpy as np

    from ..core.types import FloatType, IntegerType, TensorType, i1

    if isinstance(t, TensorType):
        el, shape = t.element, t.shape
        if isinstance(el, FloatType):
            return rng.uniform(-np.pi, np.pi, size=shape)
        if el == i1:
            return rng.integers(0, 2, size=shape).astype(bool)
        return rng.integers(0, 4, size=shape)
    if isinstance(t, FloatType):
        return float(rng.uniform(-np.pi, np.pi))
    if t == i1:
        return bool(rng.integers(0, 2))
    if isinstance(t, IntegerType):
        return int(rng.integers(0, 4))
    return None


def _random_inputs(kernel: Operation, seed: int) -> list[Any]:
    """Seeded concrete values for the kernel's classical arguments, by position."""
    import numpy as np

    rng = np.random.default_rng(abs(seed))
    return [random_value(a.type, rng) for a in kernel.regions[0].block.args if not a.type.is_qubit]
