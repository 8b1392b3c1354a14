"""``qglmc train PROGRAM --data data.npz --epochs N ... -o params.npz`` and ``-P params.npz`` binding.

``train`` compiles the program once (values of frozen parameters given with
``-P`` are folded into it), trains its trainable parameters on the data file
(:mod:`qglm_ir.training.data` says what it holds) with
:func:`qglm_ir.training.train.fit`, shows a progress bar (rich, on a terminal)
and a per-epoch summary on stderr, and writes the trained values of every
trainable parameter to ``-o`` (an ``.npz``, the format ``-P`` reads).

``-P FILE.npz`` (``compile``, ``run``, ``check``, ``train``; repeatable, later
files win): every array becomes the value of the parameter of that name.
For ``compile``/``run``/``check`` each given parameter is bound *and frozen*,
so the compiler folds the value into the artifacts; for ``train`` only frozen
parameters are folded, trainable ones are starting values.

This module imports nothing heavy at import time (``qglmc --help`` stays fast).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any


def add_params_option(p: argparse.ArgumentParser) -> None:
    """The repeatable ``-P/--params FILE.npz`` option."""
    p.add_argument("-P", "--params", dest="params_files", action="append", default=[], metavar="FILE.npz",
                   help="parameter values by name (numpy.savez); given parameters are bound into the program "
                        "(repeatable, later files win)")


def add_train_parser(sub: Any, add_input_options: Callable[[argparse.ArgumentParser], None],
                     add_limit_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``qglmc train`` on the subcommand set ``sub``."""
    t = sub.add_parser("train", help="train a program's trainable parameters on a data set (.npz)")
    add_input_options(t)
    t.add_argument("--data", required=True, metavar="FILE.npz",
                   help="one array per program input (N samples first) and 'labels' (N,) or 'targets'")
    t.add_argument("-o", "--output", required=True, metavar="PARAMS.npz", help="where to write the trained values")
    t.add_argument("--epochs", type=int, default=10, metavar="N", help="passes over the data (default 10)")
    t.add_argument("--lr", type=float, default=0.05, metavar="X", help="learning rate (default 0.05)")
    t.add_argument("--batch-size", type=int, default=32, metavar="N", help="samples per step (default 32)")
    t.add_argument("--optimizer", choices=("adam", "sgd"), default="adam", help="default adam")
    t.add_argument("--clip", type=float, default=1.0, metavar="X",
                   help="clip the gradient's global L2 norm to X (default 1.0; 0: no clipping)")
    t.add_argument("--method", choices=("adjoint", "parameter-shift"), default=None,
                   help="kernel gradients (default adjoint; parameter-shift with --noise or --shots)")
    t.add_argument("--shots", type=int, default=None, metavar="N",
                   help="sample every shifted circuit N times (parameter-shift; default exact)")
    t.add_argument("--noise", metavar="DEVICE",
                   help="noise-aware training under this device's calibrated noise (e.g. heavy-hex:3)")
    t.add_argument("--noise-scale", type=float, default=1.0, metavar="X",
                   help="multiply the device's calibrated noise strengths by X (default 1)")
    t.add_argument("--noise-ramp", type=int, default=None, metavar="N",
                   help="epochs over which the injected noise rises to full strength (default: half the epochs)")
    t.add_argument("--seed", type=int, default=0, metavar="N", help="seed of shuffling, initial values, sampling")
    add_limit_options(t)


def bind_param_files(module: Any, files: Sequence[str]) -> None:
    """Bind and freeze every parameter given in ``files`` (see the module docstring)."""
    from .training.params import bind_values, load_npz

    values: dict[str, Any] = {}
    for f in files:
        values.update(load_npz(f, module))
    bind_values(module, values, frozen_only=False, freeze=True)


def cmd_train(args: argparse.Namespace, out: IO[str], err: IO[str], load: Callable[[argparse.Namespace], Any],
              usage_error: type[Exception]) -> int:
    """Run ``qglmc train`` (``load`` reads the program like the other subcommands)."""
    if args.epochs < 1 or args.batch_size < 1 or not args.lr > 0:
        raise usage_error("qglmc train: error: --epochs and --batch-size must be >= 1 and --lr > 0")
    if args.shots is not None and args.shots < 1:
        raise usage_error(f"qglmc train: error: --shots must be >= 1, got {args.shots}")
    method = args.method or ("parameter-shift" if args.noise or args.shots else "adjoint")
    if method == "adjoint" and (args.noise or args.shots):
        raise usage_error("qglmc train: error: --noise and --shots need --method parameter-shift")
    import numpy as np

    from .api import load_device
    from .outputs import check_destination
    from .training.batch_exec import HostBatch, KernelBackend
    from .training.data import load_dataset
    from .training.grad import prepare
    from .training.noise import NoiseSpec
    from .training.params import initial_values, load_npz, save_npz
    from .training.train import TrainOptions, evaluate, fit

    check_destination(Path(args.output), [Path(p) for p in (args.input, args.data, *args.params_files)])
    source = load(args)
    given: dict[str, Any] = {}
    for f in args.params_files:
        given.update(load_npz(f, source))
    module, graph, rest = prepare(source, given, seed=args.seed)
    train_set, test_set = load_dataset(args.data, graph)
    noise = NoiseSpec.from_device(load_device(args.noise), args.noise_scale) if args.noise else None
    if noise is not None and noise.is_zero:
        raise usage_error(f"qglmc train: error: --noise {args.noise}: the device has no calibrated noise "
                          "(every strength is zero); use a calibrated device such as qiskit:fake_sherbrooke")
    start = initial_values(graph.graph["params"], rest, args.seed)
    if not start:
        raise usage_error(f"qglmc train: error: {args.input} has no trainable parameters")
    host = HostBatch(module, graph, start, backend=KernelBackend(module, method, args.shots, args.seed, noise))
    options = TrainOptions(epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, optimizer=args.optimizer,
                           clip=args.clip or None, seed=args.seed, noise=noise, noise_ramp=args.noise_ramp)
    say = (lambda text: None) if args.quiet else (lambda text: err.write(text + "\n"))
    n_params = sum(int(np.size(v)) for v in start.values())
    say(f"training {n_params} values of {len(start)} trainable parameter(s) ({', '.join(start)}) on "
        f"{len(train_set)} samples, {method}" + (f", noise of {args.noise}" if noise else ""))
    loss0, acc0 = evaluate(host, train_set, start)
    say(f"start: loss {loss0:.4f}" + (f", accuracy {acc0:.3f}" if acc0 is not None else ""))
    steps = -(-len(train_set) // args.batch_size)
    with _ProgressBar(not args.quiet, args.epochs * steps) as bar:
        trained, history = fit(host, train_set, start, options, on_step=bar.step,
                               on_epoch=lambda s: bar.log(_epoch_line(s, args.epochs)))
    if not bar.shown:
        for s in history:
            say(_epoch_line(s, args.epochs))
    loss1, acc1 = evaluate(host, train_set, trained)
    say(f"trained: loss {loss1:.4f} ({loss1 / loss0:.2f} of the start)" +
        (f", accuracy {acc1:.3f}" if acc1 is not None else ""))
    if test_set is not None:
        loss, acc = evaluate(host, test_set, trained)
        say(f"test: loss {loss:.4f}" + (f", accuracy {acc:.3f}" if acc is not None else ""))
        if noise is not None:
            loss, acc = evaluate(host, test_set, trained, noise=noise)
            say(f"test under {args.noise} noise: loss {loss:.4f}" + (f", accuracy {acc:.3f}" if acc is not None else ""))
    from .outputs import write_all

    buf = io.BytesIO()
    save_npz(buf, trained)
    write_all([(Path(args.output), buf.getvalue())], [args.input, args.data, *args.params_files])
    say(f"wrote {args.output}")
    return 0


def _epoch_line(s: Any, epochs: int) -> str:
    acc = "" if s.accuracy is None else f"  accuracy {s.accuracy:.3f}"
    noise = f"  noise x{s.noise_scale:.2f}" if s.noise_scale else ""
    return f"epoch {s.epoch + 1:>3}/{epochs}  loss {s.loss:.4f}{acc}{noise}  ({s.seconds:.2f} s)"


class _ProgressBar:
    """A rich progress bar over all training steps, on a terminal only (``shown`` says if it was)."""

    def __init__(self, enabled: bool, total: int):
        self.shown = enabled and sys.stderr.isatty()
        self.total = total
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _ProgressBar:
        if self.shown:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("loss {task.fields[loss]}"), TimeRemainingColumn(),
                                      console=Console(file=sys.stderr), transient=False)
            self._task = self._progress.add_task("train", total=self.total, loss="-")
            self._progress.start()
        return self

    def step(self, epoch: int, step: int, loss: float) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, loss=f"{loss:.4f}")

    def log(self, line: str) -> None:
        if self._progress is not None:
            self._progress.console.print(line, highlight=False)

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()
