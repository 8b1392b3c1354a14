"""One batch item, compiled in whatever process runs it: the unit of work.

:func:`compile_item` is a plain top-level function of picklable arguments, so
the same code runs in the calling process (the serial path) and on a Dask
worker, which is what makes a distributed run byte-identical to a serial one.
It never raises for a bad program: the located diagnostic comes back as data
(:class:`ItemOutcome`), so one bad input cannot stop a batch. It never writes
files either: artifacts come back as bytes and the caller writes each of them
exactly once, whatever happens to the workers.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from ..core.module import Module
from . import fork_gate

Status = Literal["ok", "input", "internal"]


@dataclass(frozen=True)
class CompileOptions:
    """Everything ``qglmc compile`` takes besides the input (the same for every item).

    ``target`` is one of :data:`qglm_ir.cli.TARGETS`; ``passes`` is pipeline
    text (``None``: the ``optimization_level`` preset). ``entry``/``defines``
    apply to the ``.py``/``.qglm`` inputs of the batch.
    """

    target: str = "ir"
    device: str | None = None
    optimization_level: int = 2
    passes: str | None = None
    seed: int = 0
    basis: str | None = None
    validate: bool | str | None = False
    verify_each: bool | None = None
    kernel: str | None = None
    entry: str | None = None
    defines: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class BatchItem:
    """Input number ``index``: a program's text under its file ``name`` (the
    extension picks the frontend; diagnostics name it), or a :class:`Module`.
    ``stem`` names its artifacts."""

    index: int
    name: str
    stem: str
    text: str | None = None
    module: Module | None = None


@dataclass
class ItemOutcome:
    """What compiling one item gave: ``files`` (path relative to the output
    directory -> bytes) and the report, or a rendered ``diagnostic``.
    ``status`` is ``ok``, ``input`` (the user's input is bad: exit 1) or
    ``internal`` (a qglm bug or a lost worker: exit 3)."""

    index: int
    name: str
    status: Status
    files: dict[str, bytes] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    diagnostic: str | None = None
    seconds: float = 0.0
    module: Module | None = None
    traceback: str | None = None


def artifact_files(result: Any, target: str, stem: str, kernel: str | None) -> dict[str, bytes]:
    """The files ``qglmc compile INPUT --target TARGET`` writes, as bytes keyed by
    their path relative to the batch output directory.

    ``--target all`` gives ``STEM/STEM.<suffix>`` for every target plus
    ``STEM/report.json`` (what ``-o OUTDIR/STEM`` gives for one input, with the
    same skip warnings); a single target gives ``STEM<suffix>``.
    """
    from ..cli import ARTIFACTS, TargetUnavailable, render_target
    from ..core.errors import BackendError
    from ..report import dumps

    def data(x: str | bytes) -> bytes:
        return x.encode("utf-8") if isinstance(x, str) else x

    if target != "all":
        return {stem + ARTIFACTS[target][0]: data(render_target(target, result.module, kernel))}
    files: dict[str, bytes] = {}
    report = result.report
    for t, (suffix, _) in ARTIFACTS.items():
        try:
            files[str(PurePosixPath(stem, stem + suffix))] = data(render_target(t, result.module, kernel))
        except TargetUnavailable as exc:
            report["warnings"].append(f"{exc}; skipped")
        except BackendError as exc:
            report["warnings"].append(f"target {t}: {exc.message}; skipped")
    files[str(PurePosixPath(stem, "report.json"))] = data(dumps(report))
    return files


def compile_item(item: BatchItem, options: CompileOptions, keep_module: bool = False) -> ItemOutcome:
    """Load, compile and render one item; every failure becomes a diagnostic.

    Requires: ``options`` already checked (pipeline, device, basis), as the
    CLI checks them once before a batch. Guarantees: the same item and options
    give the same files in any process (compilation is deterministic for a
    seed). ``keep_module`` also returns the compiled module (it pickles as text).
    """
    t0 = time.perf_counter()
    with fork_gate.compiling():  # a local cluster forking its workers waits for this compile
        return _compile(item, options, keep_module, t0)


def _compile(item: BatchItem, options: CompileOptions, keep_module: bool, t0: float) -> ItemOutcome:
    from ..api import compile_with_report
    from ..cli import BUG_REPORT, TargetUnavailable
    from ..core.errors import QglmError
    from ..passes.manager import InternalPassError, ValidationError

    try:
        if item.module is not None:
            program: Any = item.module
        else:
            from ..frontends.loader import load_source

            assert item.text is not None
            program = load_source(item.text, item.name, entry=options.entry, defines=dict(options.defines) or None)
        result = compile_with_report(
            program,
            device=options.device,
            optimization_level=options.optimization_level,
            passes=options.passes,
            seed=options.seed,
            basis=options.basis,
            validate=options.validate,
            verify_each=options.verify_each,
            input_name=item.name,
        )
        if options.validate == "strict" and result.report.get("validated") is False:
            # the single-input rule (cli._require_validated): an unchecked result is an error
            why = "; ".join(w for w in result.report.get("warnings", []) if "not validated" in w)
            raise QglmError(f"--validate could not check the result: {why or 'see the report'}",
                            help="use --validate=best-effort to accept an unchecked result with a warning")
        files = artifact_files(result, options.target, item.stem, options.kernel) if options.target else {}
        return ItemOutcome(
            item.index, item.name, "ok", files, result.report, None, time.perf_counter() - t0,
            result.module if keep_module else None,
        )
    except ValidationError as exc:  # a pass changed a kernel's meaning: our bug, exit 3 like the CLI
        status: Status = "internal"
        text = exc.render(item.name)
    except (QglmError, TargetUnavailable) as exc:
        status = "input"
        text = exc.render(item.name) if isinstance(exc, QglmError) else f"{item.name}: error: {exc}"
    except Exception as exc:  # anything else is a qglm bug; keep the batch going
        status = "internal"
        what = str(exc) if isinstance(exc, InternalPassError) else f"{type(exc).__name__}: {exc}"
        tb = "".join(traceback.format_exception(exc)).rstrip()
        text = f"{item.name}: internal error: {what}\n{BUG_REPORT}"
        return ItemOutcome(item.index, item.name, status, diagnostic=text, seconds=time.perf_counter() - t0,
                           traceback=tb)
    return ItemOutcome(item.index, item.name, status, diagnostic=text, seconds=time.perf_counter() - t0)


def compile_items(items: tuple[BatchItem, ...], options: CompileOptions, keep_module: bool = False) -> list[ItemOutcome]:
    """:func:`compile_item` for each of a chunk of items, in order: one cluster task for several
    items, so the scheduler round trip is paid once per chunk."""
    return [compile_item(item, options, keep_module) for item in items]


def cluster_failure(item: BatchItem, exc: BaseException, attempts: int, lost: bool) -> ItemOutcome:
    """The outcome of an item the cluster could not compile: its task raised, or its worker
    was ``lost`` ``attempts`` times (a qglm or cluster problem, not the input's: exit 3)."""
    what = "its worker died" if lost else "the task failed"
    return ItemOutcome(item.index, item.name, "internal",
                       diagnostic=f"{item.name}: error: {what} {attempts} time(s) on the cluster "
                                  f"({type(exc).__name__}: {exc}); this input was not compiled")
