"""``qglmc compile A B ... -o OUTDIR [--jobs N | --scheduler tcp://HOST:PORT]``.

The multi-input face of ``qglmc compile`` (single-input compiles never come
here). Every input is compiled with the same options by
:func:`qglm_ir.distributed.compile_many`; its artifacts land in ``OUTDIR``
under the input's stem, byte for byte what ``qglmc compile INPUT --target T
-o OUTDIR/STEM<suffix>`` writes (``--target all``: ``OUTDIR/STEM/``, like
``-o OUTDIR/STEM``). A bad input gets its located diagnostic (printed at
the end in input order, so the output does not depend on scheduling) and
never stops the others. Exit 0 when all compiled, 1 when some input was bad,
3 when qglm failed on some input (a bug, or a worker that kept dying).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, Any

from .cli import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, UsageError


def batch_requested(args: argparse.Namespace) -> bool:
    """Whether ``qglmc compile`` was given several inputs, ``--jobs`` or ``--scheduler``."""
    return bool(getattr(args, "more_inputs", None)) or args.jobs is not None or args.scheduler is not None


def _check_usage(args: argparse.Namespace) -> None:
    if args.passes is not None and args.opt is not None:
        raise UsageError("qglmc compile: error: give either -O or --passes, not both")
    if not args.output:
        raise UsageError("qglmc compile: error: several inputs (or --jobs/--scheduler) need -o DIRECTORY")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"qglmc compile: error: -o {out} must be a directory when compiling a batch")
    if args.print_ir_after_all or args.print_ir_after:
        raise UsageError("qglmc compile: error: --print-ir-after/--print-ir-after-all take a single input")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"qglmc compile: error: --jobs must be at least 1, got {args.jobs}")
    if args.jobs is not None and args.scheduler is not None:
        raise UsageError("qglmc compile: error: give either --jobs (a local cluster) or --scheduler, not both")


def cmd_compile_batch(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Run a batch compile from parsed ``qglmc compile`` arguments; returns the exit code."""
    from .cli import _defines
    from .distributed import compile_many

    _check_usage(args)
    inputs = [args.input, *getattr(args, "more_inputs", [])]
    defines = _defines(args.defines)
    try:
        result = compile_many(
            inputs,
            device=args.device,
            optimization_level=2 if args.opt is None else args.opt,
            passes=args.passes,
            seed=args.seed,
            basis=args.basis,
            target=args.target,
            output_dir=args.output,
            kernel=args.kernel,
            entry=args.entry,
            defines=defines,
            validate=args.validate,
            verify_each=args.verify_each or None,
            scheduler=args.scheduler,
            jobs=args.jobs or 1,
            progress=not args.quiet and err.isatty(),
            progress_file=err,
        )
    except ValueError as exc:  # clashing artifact names
        raise UsageError(f"qglmc compile: error: {exc}") from None
    for o in result.outcomes:  # input order: the same text however the batch was scheduled
        if o.status != "ok":
            err.write((o.diagnostic or f"{o.name}: error") + "\n")
            if args.debug and o.traceback:
                err.write(o.traceback + "\n")
    if args.report:
        from .cli import atomic_write
        from .report import dumps

        atomic_write(Path(args.report), dumps(_batch_report(result)))
    failed = result.failed
    if not args.quiet:
        ok = len(result.outcomes) - len(failed)
        err.write(f"qglmc: compiled {ok} of {len(result.outcomes)} inputs into {args.output} "
                  f"in {result.seconds:.2f} s ({result.decision})\n")
        if result.mode != "serial":
            err.write(f"qglmc: {result.here} compiled in this process, {result.there} on the cluster\n")
        if result.resubmitted:
            err.write(f"qglmc: {result.resubmitted} task(s) resubmitted after lost workers\n")
    if failed:
        names = ", ".join(o.name for o in failed)
        err.write(f"qglmc: {len(failed)} of {len(result.outcomes)} inputs failed: {names}\n")
        return EXIT_INTERNAL if any(o.status == "internal" for o in failed) else EXIT_INPUT
    return EXIT_OK


def _batch_report(result: Any) -> dict[str, Any]:
    """``--report`` of a batch: how it ran, and per input its status, files and report."""
    return {
        "mode": result.mode,
        "decision": result.decision,
        "seconds": result.seconds,
        "resubmitted": result.resubmitted,
        "compiled_here": result.here,
        "compiled_on_cluster": result.there,
        "inputs": [
            {
                "input": o.name,
                "status": o.status,
                "files": sorted(o.files),
                "diagnostic": o.diagnostic,
                "report": o.report,
            }
            for o in result.outcomes
        ],
    }
