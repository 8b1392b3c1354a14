"""``qglmc``: the qglm compiler driver.

Subcommands: ``compile``, ``check``, ``opt``, ``run``, ``train``, ``devices``, ``passes``
(run ``qglmc CMD --help``). Exit codes: 0 success; 1 bad input (a located
diagnostic on stderr); 2 bad usage; 3 internal error (a short bug-report
message; the traceback only with ``--debug``). Output files are written
atomically: all artifacts are produced in memory (or in temporary files next
to their destination) first and moved into place only when everything
succeeded, so an error never leaves a partial or stale file.

This module imports nothing heavy at import time, so ``qglmc --help`` is fast.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

TARGETS = ("ir", "qiskit", "cirq", "qasm3", "qasm2", "cfg", "all", "png", "svg", "txt", "dot", "cfg-svg")
#: Pictures (qglm_ir.render): png/svg/txt draw a kernel, dot/cfg-svg the host CFG.
PICTURES = {"png": "kernel_png", "svg": "kernel_svg", "txt": "kernel_txt"}
# target -> (file suffix used by --target all, binary?)
ARTIFACTS: dict[str, tuple[str, bool]] = {
    "ir": (".qglmir", False),
    "qiskit": (".qpy", True),
    "cirq": (".cirq.json", False),
    "qasm3": (".qasm3", False),
    "qasm2": (".qasm2", False),
    "cfg": (".cfg.json", False),
}
#: What --target all writes. OpenQASM 2 has no parameters, loops or nested control flow, so it is
#: written only when asked for (--target qasm2); everything listed here must succeed.
ALL_TARGETS = ("ir", "qiskit", "cirq", "qasm3", "cfg")
BUG_REPORT = "this is a bug in qglm; please report it with the input and command line (rerun with --debug for details)"


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


class TargetUnavailable(Exception):
    """A backend that is not installed in this version (exit 1)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would sys.exit(2); we return codes instead
        raise UsageError(f"{self.prog}: error: {message}")


# --------------------------------------------------------------------- output
def atomic_write(path: Path, data: str | bytes) -> None:
    """Write one file safely (kept for callers of the old helper; see :mod:`qglm_ir.outputs`)."""
    from .outputs import write_one

    write_one(path, data)


def _qpy_bytes(module: Any, kernel: str | None) -> bytes:
    """QPY bytes via the backend's ``write_qpy`` into a scratch file."""
    write_qpy = _backend("qiskit", "write_qpy")
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "out.qpy"
        write_qpy(module, str(p), kernel=kernel)
        return p.read_bytes()


def _backend(target: str, func: str) -> Callable[..., Any]:
    import importlib

    module_name = f"qglm_ir.backends.{target}"
    try:
        mod = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise TargetUnavailable(f"target {target} not available yet in this version of qglm") from None
        raise
    fn = getattr(mod, func, None)
    if fn is None:
        raise TargetUnavailable(f"target {target} not available yet ({module_name}.{func} is missing)")
    return fn


def render_target(target: str, module: Any, kernel: str | None) -> str | bytes:
    """The artifact of one target, in memory; a backend error without a location gets the kernel's."""
    from .core.errors import QglmError

    try:
        return _render_target(target, module, kernel)
    except QglmError as exc:
        if exc.loc is None:
            exc.loc = _kernel_location(module, kernel)
        raise


def _kernel_location(module: Any, kernel: str | None) -> Any:
    """Where the exported kernel (or else the module) was written, if known."""
    for op in module:
        if op.name == "q.kernel" and (kernel is None or op.properties.get("sym_name") == kernel) and op.loc:
            return op.loc
    return getattr(module, "loc", None)


def _render_target(target: str, module: Any, kernel: str | None) -> str | bytes:
    if target == "ir":
        from .text import print_module

        return print_module(module)
    if target == "qiskit":
        return _qpy_bytes(module, kernel)
    if target == "cirq":
        return _backend("cirq", "to_cirq_json")(module, kernel=kernel)
    if target == "qasm3":
        return _backend("qasm3", "to_qasm3")(module, kernel=kernel)
    if target == "qasm2":
        return _backend("qasm2", "to_qasm2")(module, kernel=kernel)
    if target == "cfg":
        return _backend("cfg", "to_cfg_json")(module)
    if target in PICTURES:
        from .render import circuits

        return getattr(circuits, PICTURES[target])(module, kernel)
    if target in ("dot", "cfg-svg"):
        from .render import cfg

        return cfg.cfg_dot(module) if target == "dot" else cfg.cfg_svg(module)
    raise AssertionError(target)


# ------------------------------------------------------------------ progress
class _Progress:
    """A transient rich spinner on stderr, shown only once work has taken over a second."""

    def __init__(self, enabled: bool, label: str):
        self.enabled = enabled and sys.stderr.isatty()
        self.label = label
        self._status: Any = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def _start(self) -> None:
        with self._lock:
            if self._timer is None:
                return
            from rich.console import Console

            self._status = Console(file=sys.stderr).status(self.label)
            self._status.start()

    def update(self, label: str) -> None:
        with self._lock:
            self.label = label
            if self._status is not None:
                self._status.update(label)

    def __enter__(self) -> _Progress:
        if self.enabled:
            self._timer = threading.Timer(1.0, self._start)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._status is not None:
                self._status.stop()
                self._status = None


# ---------------------------------------------------------------- arguments
def _add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", metavar="INPUT",
                   help="program: .qglm, .py, .qasm/.qasm3/.qasm2 or .qglmir; - reads stdin")
    p.add_argument("--lang", choices=("qglm", "py", "qasm", "ir"), default=None,
                   help="language of stdin input (default: recognized from the text)")
    p.add_argument("--entry", metavar="NAME", help="function to compile from a .py input")
    p.add_argument(
        "-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
        help="override a compile-time constant of a .qglm or .py input (repeatable)",
    )
    from .cli_train import add_params_option

    add_params_option(p)


def _add_pass_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed for every random choice (default 0)")
    p.add_argument(
        "--validate", nargs="?", const="strict", choices=("strict", "best-effort"), default=None,
        help="check the result against the source (every kernel under its readout contract and layout, "
             "and the host outputs); fails (exit 1) when something cannot be checked, unless best-effort")
    p.add_argument("--verify-each", action="store_true", help="run the IR verifier after every pass")
    p.add_argument("--print-ir-after-all", action="store_true", help="print the IR to stderr after every pass")
    p.add_argument(
        "--print-ir-after", action="append", default=[], metavar="PASS", help="print the IR after PASS (repeatable)"
    )


def _add_limit_options(p: argparse.ArgumentParser) -> None:
    """``--max-*`` flags that raise the resource limits of :mod:`qglm_ir.limits`."""
    from .limits import DEFAULTS, FLAGS

    g = p.add_argument_group("resource limits")
    for field, flag in FLAGS.items():
        g.add_argument(flag, dest=field, type=_positive_int, default=None, metavar="N",
                       help=f"(default {getattr(DEFAULTS, field)})")
    g.add_argument("--allow-outside-imports", action="store_true", default=None,
                   help="let imports leave the folder tree of the main program")


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _limits_of(args: argparse.Namespace) -> Any:
    from .limits import DEFAULTS, FLAGS

    changes = {f: getattr(args, f) for f in (*FLAGS, "allow_outside_imports") if getattr(args, f, None) is not None}
    return dataclasses.replace(DEFAULTS, **changes)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``qglmc`` (public for docs and shell completion)."""
    from . import __version__

    parser = _Parser(prog="qglmc", description="qglm: compiler for hybrid quantum-classical model programs")
    parser.add_argument("--version", action="version", version=f"qglmc {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary or progress on stderr")
    # The same two flags after the subcommand (`qglmc compile x -q`); SUPPRESS keeps
    # a flag given before the subcommand from being reset by the subparser default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no summary or progress on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _sub_add = sub.add_parser

    def add_parser(name: str, **kw: Any) -> argparse.ArgumentParser:
        return _sub_add(name, parents=[common], **kw)

    sub.add_parser = add_parser  # type: ignore[method-assign]

    c = sub.add_parser("compile", help="compile a program to IR, Qiskit, Cirq, OpenQASM or a CFG")
    _add_input_options(c)
    c.add_argument("-o", "--output", metavar="OUT", help="output file (a directory for --target all)")
    c.add_argument("--target", choices=TARGETS, default="ir",
                   help="artifact to produce (default: ir); all = ir, qiskit, cirq, qasm3 and cfg for every kernel; "
                        "png/svg/txt draw a kernel, dot/cfg-svg the host CFG")
    c.add_argument("--kernel", metavar="NAME", help="kernel to emit when the program has several")
    c.add_argument("--device", metavar="SPEC", help="target device (e.g. line:5, heavy-hex:3)")
    c.add_argument("--basis", metavar="GATES", help="target gate set without a device, e.g. cx,rz,sx,x")
    c.add_argument("-O", dest="opt", type=int, choices=(0, 1, 2, 3), default=None, help="optimization level (default 2)")
    c.add_argument("--passes", metavar="PIPELINE", help="explicit pipeline instead of -O, e.g. cancel,route{trials=8}")
    c.add_argument("--report", metavar="FILE.json", help="write the compile report as JSON")
    c.add_argument("--report-html", metavar="FILE.html",
                   help="write a self-contained HTML report: drawings, pass chart, device map, error protection")
    _add_pass_options(c)
    # A batch (qglm_ir/cli_batch.py): more inputs, compiled into -o DIRECTORY, optionally on Dask.
    c.add_argument("more_inputs", nargs="*", metavar="INPUT", help="more programs: compile a batch into -o DIRECTORY")
    c.add_argument("--jobs", type=int, metavar="N", help="batch with N compilers: this process and N-1 worker processes of a local Dask cluster")
    c.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="batch on the running Dask cluster at this address")
    _add_limit_options(c)

    k = sub.add_parser("check", help="parse and verify only")
    _add_input_options(k)
    k.add_argument("--device", metavar="SPEC", help="also check that this device spec loads")
    _add_limit_options(k)

    o = sub.add_parser("opt", help="run a pass pipeline on textual IR (like mlir-opt)")
    o.add_argument("input", metavar="INPUT.qglmir")
    o.add_argument("--passes", required=True, metavar="PIPELINE", help="pipeline to run, e.g. canonicalize,cancel")
    o.add_argument("-o", "--output", metavar="OUT", help="output file (default: stdout)")
    o.add_argument("--basis", metavar="GATES", help="target gate set for passes that use one")
    o.add_argument("--device", metavar="SPEC", help="target device for mapping and qec passes (e.g. line:5)")
    _add_pass_options(o)
    _add_limit_options(o)

    r = sub.add_parser("run", help="compile and execute a program with the reference engine")
    _add_input_options(r)
    r.add_argument("--input", dest="inputs", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a program input: a number, true/false, a list like '[1,2]', or FILE.npy (repeatable)")
    r.add_argument("--inputs", dest="bundles", action="append", default=[], metavar="FILE.npz",
                   help="bind every array of a numpy.savez bundle by its key")
    r.add_argument("--shots", type=int, default=None, metavar="N",
                   help="shots per kernel invocation (default: the shots the program declares)")
    r.add_argument("--exact", action="store_true", help="exact expval/probs where the simulator can (no sampling)")
    r.add_argument("--simulator", choices=("tn", "aer", "cirq"), default="tn", help="simulator (default tn)")
    r.add_argument("--seed", type=int, default=0, metavar="N")
    r.add_argument("--device", metavar="SPEC")
    r.add_argument("-O", dest="opt", type=int, choices=(0, 1, 2, 3), default=2)
    _add_limit_options(r)

    from .cli_train import add_train_parser

    add_train_parser(sub, _add_input_options, _add_limit_options)
    sub.add_parser("devices", help="list the built-in device specs")
    ps = sub.add_parser("passes", help="list the passes with their options, or explain one")
    ps.add_argument("name", nargs="?", metavar="NAME", help="a pass to explain (e.g. qec, route)")
    return parser


# ------------------------------------------------------------------ commands
def _defines(items: Sequence[str]) -> dict[str, str]:
    """``-D NAME=VALUE`` items as ``{NAME: VALUE}`` text; the frontend types each VALUE."""
    from .frontends.loader import parse_define

    out: dict[str, str] = {}
    for item in items:
        try:
            name, value = parse_define(item)
        except ValueError as exc:
            raise UsageError(f"qglmc: error: -D {exc}") from None
        out[name] = value
    return out


def _load(args: argparse.Namespace) -> Any:
    from .frontends.loader import load_program

    if args.input == "-":
        from .cli_io import load_stdin

        program = load_stdin(sys.stdin.read(), getattr(args, "lang", None), args.entry,
                             _defines(args.defines) or None)
    elif getattr(args, "lang", None):
        raise UsageError(f"qglmc {args.command}: error: --lang only applies to stdin input (-)")
    else:
        program = load_program(args.input, entry=args.entry, defines=_defines(args.defines) or None)
    if getattr(args, "params_files", None) and args.command != "train":  # -P: bind and freeze (cli_train)
        from .cli_train import bind_param_files

        bind_param_files(program, args.params_files)
    return program


def cmd_check(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .verify import verify

    if args.device is not None:
        from .api import load_device

        load_device(args.device)
    module = _load(args)
    verify(module)  # like a compiler's -fsyntax-only: silent on success
    return EXIT_OK


def _compile(
    args: argparse.Namespace, passes: str | None, level: int, device: str | None, basis: str | None, err: IO[str]
) -> Any:
    from .api import compile_with_report

    def print_ir(pass_name: str, text: str) -> None:
        err.write(f"// -----// IR Dump After {pass_name} //----- //\n{text}")
        if not text.endswith("\n"):
            err.write("\n")

    program = _load(args) if args.command != "opt" else _load_ir(args.input)
    args.source_module = program  # the summary compares it with the result (cli_summary)
    args.gates_after = []  # gate count after every pass, for --report-html
    want_counts = bool(getattr(args, "report_html", None))
    user_printer = print_ir

    def print_ir(pass_name: str, text: str) -> None:  # noqa: F811  (wraps the printer above)
        if want_counts:
            from .report_html import gate_count_of_ir

            args.gates_after.append(gate_count_of_ir(text))
        if not want_counts or args.print_ir_after_all or pass_name in args.print_ir_after:
            user_printer(pass_name, text)
    with _Progress(not args.quiet, "compiling") as progress:
        result = compile_with_report(
            program,
            device=device,
            optimization_level=level,
            passes=passes,
            seed=args.seed,
            basis=basis,
            validate=bool(args.validate),
            verify_each=args.verify_each or None,
            print_ir_after_all=args.print_ir_after_all or want_counts,
            print_ir_after=args.print_ir_after,
            ir_printer=print_ir,
            on_pass_start=lambda name: progress.update(
                f"compiling: {name}" + (" (validating)" if getattr(args, "validate", False) else "")),
            input_name=args.input,
        )
    if getattr(args, "params_files", None):  # -P values were folded: their declarations go too
        from .training.params import drop_folded

        drop_folded(result.module)
    return result


def _load_ir(path: str) -> Any:
    from .frontends.loader import InputError, load_program

    if Path(path).suffix.lower() != ".qglmir":
        raise InputError(f"qglmc opt reads textual IR (.qglmir), not '{path}'", help="use qglmc compile for other inputs")
    return load_program(path)


def _emit(text: str | bytes, output: str | None, out: IO[str], inputs: Sequence[str] = ()) -> None:
    if output is None:
        assert isinstance(text, str)
        out.write(text)
        out.flush()
    else:
        from .outputs import write_one

        write_one(Path(output), text, inputs)


def _check_print_after(args: argparse.Namespace) -> None:
    from .passes.registry import close_matches, pass_names

    for name in args.print_ir_after:
        if name not in pass_names():
            close = close_matches(name)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise UsageError(f"qglmc {args.command}: error: --print-ir-after: unknown pass '{name}'{hint}")


class NotValidated(Exception):
    """``--validate`` (strict) could not check everything it was asked to."""


def _require_validated(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """Strict ``--validate``: anything left unchecked is an error (exit 1), never "validated"."""
    if args.validate != "strict" or report.get("validated") is not False:
        return
    reasons = [w for w in report.get("warnings", []) if "not validated" in w or "validation" in w]
    detail = "; ".join(reasons) or "see the report's warnings"
    raise NotValidated(f"{args.input}: error: --validate could not check the result: {detail}\n"
                       "  help: use --validate=best-effort to accept an unchecked result with a warning")


def cmd_opt(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    _check_print_after(args)
    if args.device is not None:
        from .api import load_device

        load_device(args.device)  # refuse an unusable --device before doing any work
    result = _compile(args, args.passes, 2, args.device, args.basis, err)
    _require_validated(args, result.report)
    from .text import print_module

    _emit(print_module(result.module), args.output, out, [args.input])
    return EXIT_OK


def cmd_compile(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .cli_batch import batch_requested

    if batch_requested(args):
        from .cli_batch import cmd_compile_batch

        return cmd_compile_batch(args, out, err)
    if args.passes is not None and args.opt is not None:
        raise UsageError("qglmc compile: error: give either -O or --passes, not both")
    _check_print_after(args)
    if args.output == "-":
        args.output = None  # `-o -`: standard output, like no -o
        args.stdout_binary = True
    if args.target == "all" and not args.output:
        raise UsageError("qglmc compile: error: --target all needs -o DIRECTORY")
    if args.target in ("qiskit", "png") and not args.output and not getattr(args, "stdout_binary", False):
        raise UsageError(f"qglmc compile: error: --target {args.target} writes binary data and needs -o FILE (or -o -)")
    if args.device is not None:
        from .api import load_device

        load_device(args.device)  # refuse an unusable --device before doing any work
    _check_outputs(args)
    level = 2 if args.opt is None else args.opt
    result = _compile(args, args.passes, level, args.device, args.basis, err)
    report = result.report
    _require_validated(args, report)
    from .cli_summary import enrich

    enrich(report, args.source_module, result.module, args.target)
    files: list[tuple[Path, str | bytes]] = []
    if args.target == "all":
        outdir = Path(args.output)
        if outdir.exists() and not outdir.is_dir():
            raise UsageError(f"qglmc compile: error: -o {outdir} must be a directory for --target all")
        stem = Path(args.input).stem
        from .cli_artifacts import describe, render_all
        from .core.errors import BackendError

        wanted = {t: ARTIFACTS[t] for t in ALL_TARGETS}
        rendered, failures = render_all(result.module, outdir, stem, args.kernel, wanted, render_target,
                                        (BackendError, TargetUnavailable))
        files.extend(rendered)
        for f in failures:  # every failure is an error: the run exits 1 after writing the rest
            err.write(describe(f, args.input) + "\n")
            report.setdefault("errors", []).append(
                {"target": f.target, "kernel": f.kernel, "file": f.path.name, "message": str(f.error)})
            with contextlib.suppress(OSError):
                f.path.unlink()  # never leave a stale artifact of an earlier run next to fresh ones
        from .report import dumps

        files.append((outdir / "report.json", dumps(report)))
    else:
        try:
            artifact = render_target(args.target, result.module, args.kernel)
        except TargetUnavailable as exc:
            err.write(f"qglmc: error: {exc}\n")
            return EXIT_INPUT
        if args.output:
            files.append((Path(args.output), artifact))
        elif isinstance(artifact, bytes):  # QPY to `-o -`
            out.flush()
            getattr(out, "buffer", sys.stdout.buffer).write(artifact)
        else:
            _emit(artifact, None, out)
    if args.report:
        from .report import dumps

        files.append((Path(args.report), dumps(report)))
    if args.report_html:
        from .report_html import render_html

        with _Progress(not args.quiet, "drawing the HTML report"):
            device = None
            if args.device is not None:
                from .api import load_device as _load_device

                device = _load_device(args.device)
            page = render_html(report, args.source_module, result.module, device, args.gates_after)
        files.append((Path(args.report_html), page))
    from .outputs import write_all

    write_all(files, _input_files(args))  # every artifact exists in memory: all or none are written
    if not args.quiet:
        from .report import render_summary

        render_summary(report, err)
    if report.get("errors"):
        err.write(f"qglmc: error: {len(report['errors'])} artifact(s) of --target all could not be written\n")
        return EXIT_INPUT
    return EXIT_OK


def _input_files(args: argparse.Namespace) -> list[str]:
    """Files the command reads, which no output may replace."""
    out = [args.input]
    if getattr(args, "device", None) and os.path.exists(args.device):
        out.append(args.device)
    return out


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse unwritable destinations before compiling (the final write re-checks them)."""
    from .outputs import check_destination

    ins = [Path(p) for p in _input_files(args)]
    dests = [args.output] if args.output and args.target != "all" else []
    dests += [args.report] if args.report else []
    for d in dests:
        check_destination(Path(d), ins)
    if args.target == "all" and args.output:
        check_destination(Path(args.output) / "report.json", ins)


def cmd_run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    import importlib

    try:
        engine = importlib.import_module("qglm_ir.engine")
        run = engine.run
    except (ModuleNotFoundError, AttributeError):
        from .core.errors import QglmError

        raise QglmError(
            "qglmc run is not available yet: the execution engine (qglm_ir.engine) is not installed",
            help="use qglmc compile --target qiskit or cirq and run the circuit there",
        ) from None
    del run  # the shots rule and input binding live in cli_run
    from . import limits
    from .cli_run import load_inputs, run_program

    if args.shots is not None and args.shots < 1:
        raise UsageError(f"qglmc run: error: --shots must be >= 1, got {args.shots} (use --exact for no sampling)")
    if args.shots is not None and args.shots > limits.current().max_shots:
        msg, help_ = limits.exceeded("--shots", args.shots, "max_shots")
        raise UsageError(f"qglmc run: error: {msg}" + (f"\nhelp: {help_}" if help_ else ""))
    inputs = load_inputs(args.inputs, args.bundles)
    from .api import compile_with_report

    with _Progress(not args.quiet, "compiling") as progress:
        module = compile_with_report(_load(args), device=args.device, optimization_level=args.opt, seed=args.seed,
                                     on_pass_start=lambda name: progress.update(f"compiling: {name}")).module
        progress.update(f"running ({args.simulator})")
        result = run_program(module, inputs, args.shots, args.exact, args.simulator, args.seed)
    out.write(json.dumps(_jsonable(result), indent=2, sort_keys=True) + "\n")
    return EXIT_OK


def _jsonable(x: Any) -> Any:
    if hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def cmd_devices(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    try:
        from .targets import builtin_device_specs
    except ImportError:
        from .core.errors import QglmError

        raise QglmError("device targets are not available yet in this version of qglm") from None
    for spec, summary in builtin_device_specs():
        out.write(f"{spec:<20} {summary}\n")
    return EXIT_OK


def cmd_passes(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .cli_passes import write_list, write_one

    if getattr(args, "name", None):
        write_one(args.name, out)
    else:
        write_list(out)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, IO[str], IO[str]], int]] = {
    "compile": cmd_compile,
    "check": cmd_check,
    "opt": cmd_opt,
    "run": cmd_run,
    "devices": cmd_devices,
    "passes": cmd_passes,
    "train": lambda args, out, err: _cmd_train(args, out, err),
}


def _cmd_train(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .cli_train import cmd_train

    return cmd_train(args, out, err, _load, UsageError)


def _input_name(args: argparse.Namespace) -> str:
    name = getattr(args, "input", None)
    if name == "-":
        return "<stdin>"
    return name if isinstance(name, str) else "qglmc"


@contextlib.contextmanager
def _no_sigpipe_noise() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:  # `qglmc compile x | head` is not an error
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115


def main(argv: Sequence[str] | None = None, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    """Run ``qglmc`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except UsageError as exc:
        err.write(f"{exc}\nrun 'qglmc --help' for usage\n")
        return EXIT_USAGE
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else EXIT_USAGE
    if args.command is None:
        err.write(parser.format_help())
        return EXIT_USAGE
    from . import limits
    from .core.errors import QglmError
    from .outputs import OutputError
    from .passes.manager import InternalPassError, ValidationError

    start = time.perf_counter()
    try:
        with _no_sigpipe_noise(), limits.using(_limits_of(args)):
            # A deep stack: the recursive parts (transformers, printers) are bounded by
            # --max-depth, not by Python's default 1000 frames.
            return limits.call_with_deep_stack(lambda: COMMANDS[args.command](args, out, err))
    except UsageError as exc:
        err.write(f"{exc}\n")
        return EXIT_USAGE
    except OutputError as exc:
        err.write(f"qglmc {args.command}: error: {exc}\n")
        return EXIT_USAGE
    except ValidationError as exc:
        from .cli_io import diagnostic

        err.write(diagnostic(exc.render(_input_name(args)), err) + "\n")
        return EXIT_INTERNAL
    except NotValidated as exc:
        err.write(f"{exc}\n")
        return EXIT_INPUT
    except QglmError as exc:
        from .cli_io import diagnostic

        err.write(diagnostic(exc.render(_input_name(args)), err) + "\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        err.write("qglmc: interrupted\n")
        return 130
    except BaseException as exc:  # anything else is our bug (incl. pyo3's PanicException, a BaseException)
        if isinstance(exc, (SystemExit, GeneratorExit)):
            raise
        what = str(exc) if isinstance(exc, InternalPassError) else f"{type(exc).__name__}: {exc}"
        err.write(f"qglmc: internal error: {what}\n{BUG_REPORT}\n")
        if args.debug:
            traceback.print_exception(exc, file=err)
        return EXIT_INTERNAL
    finally:
        if args.debug:
            err.write(f"qglmc: {args.command} took {time.perf_counter() - start:.3f} s\n")


def run() -> None:
    """The ``qglmc`` process entry point: :func:`main`, then an exit without the interpreter's
    teardown (:func:`qglm_ir.cli_exit.exit_now`: atexit handlers and stdio flushes still run)."""
    from .cli_exit import exit_now

    exit_now(main())


if __name__ == "__main__":  # pragma: no cover
    run()
