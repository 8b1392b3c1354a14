"""``compile_many``: compile a batch of programs, serially or on a Dask cluster.

Guarantees, whatever path a batch takes:

* every input gets exactly one :class:`ItemOutcome`, in input order; a bad
  input gets its located diagnostic and never stops the others;
* artifacts are the bytes a serial run produces (the same
  :func:`~.tasks.compile_item` runs everywhere) and, with ``output_dir``,
  each file is written once, atomically, by this process, as soon as its
  item is done (workers never write, so a worker that dies mid-write cannot
  leave a partial file, and a task that ran twice cannot write twice);
* a worker that dies is survived: the scheduler reruns its tasks elsewhere
  (and Dask's ``retries=`` reruns a task that raised), and when Dask gives up
  on a task (``KilledWorker``, a cancelled future after a restart or a lost
  scheduler connection) the task is resubmitted under a new key, up to
  ``max_attempts`` times, before that one item is reported as failed.

Where it runs: ``client=`` (or ``scheduler=``) sends every item to that
cluster. Otherwise ``jobs > 1`` compiles in this process from the first item
and measures how long items take; a LocalCluster of ``jobs - 1`` forked
workers starts on a thread meanwhile (at once for a batch of
:data:`EARLY_START_S` or more of work, else when the measurement asks for it, see
:mod:`.fork_gate` for why forking beside a compile is safe). Once it is up,
and only if :class:`~.cost.CostModel` says that is faster, the workers *and*
this process as the ``jobs``-th compiler finish the batch from one queue
(:mod:`.shared_queue`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..passes.mapping.threads import limit_threads
from .cost import CostModel, RateEstimator
from .items import make_items
from .progress import BatchProgress
from .tasks import BatchItem, CompileOptions, ItemOutcome, cluster_failure, compile_item, compile_items

#: A batch whose rest, estimated from its first warm item, takes at least this many
#: seconds serially starts its local cluster at once, on a thread, while this process
#: goes on compiling (the next items' timing then decides whether the cluster is used):
#: starting costs this process little, and the worker is ready about a second sooner
#: than after the full probe. Below it a cluster starts only if the probe asks for one,
#: so a batch of small items never waits for a cluster it does not use.
EARLY_START_S = 1.5

# Process-wide: how the first compile of this process went (its cold cost),
# so later batches in the same process know their items start warm.
_RATE = RateEstimator()
_WARM = False


@dataclass
class BatchResult:
    """Outcomes in input order, where the batch ran and why."""

    outcomes: list[ItemOutcome]
    mode: str  # "serial", "local-cluster" or "cluster"
    decision: str
    seconds: float
    resubmitted: int = 0
    lost_workers: list[str] = field(default_factory=list)
    here: int = 0  # items compiled in this process
    there: int = 0  # items whose outcome came from a cluster

    @property
    def failed(self) -> list[ItemOutcome]:
        return [o for o in self.outcomes if o.status != "ok"]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def modules(self) -> list[Any]:
        """The compiled modules (``keep_modules=True``), ``None`` for failed items."""
        return [o.module for o in self.outcomes]


def _size(item: BatchItem) -> int:
    if item.text is not None:
        return len(item.text)
    assert item.module is not None
    return 40 * sum(1 for _ in item.module.walk())  # about the printed bytes of an op


class _Sink:
    """Receives outcomes: records each index once, writes its files, updates progress."""

    def __init__(self, n: int, output_dir: Path | None, progress: BatchProgress,
                 on_outcome: Callable[[ItemOutcome], None] | None):
        self.outcomes: list[ItemOutcome | None] = [None] * n
        self.output_dir = output_dir
        self.progress = progress
        self.on_outcome = on_outcome

    def __call__(self, outcome: ItemOutcome) -> bool:
        """Record (and write) an item's outcome; ``False`` if that item was already recorded."""
        if self.outcomes[outcome.index] is not None:  # a duplicate run of a task: already recorded
            return False
        self.outcomes[outcome.index] = outcome
        if outcome.status == "ok" and self.output_dir is not None:
            from ..cli import atomic_write

            for rel, data in outcome.files.items():
                atomic_write(self.output_dir / rel, data)
        self.progress.update(finished_ok=outcome.status == "ok", finished_failed=outcome.status != "ok")
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        return True


def _run_serial(items: list[BatchItem], options: CompileOptions, keep: bool, sink: _Sink,
                stop: Callable[[list[BatchItem]], bool] | None = None,
                batch_rate: RateEstimator | None = None) -> list[BatchItem]:
    """Compile items here, in order, until ``stop(rest)`` is true; returns the rest.
    Warm compile times go to the process-wide rate and to ``batch_rate``."""
    global _WARM
    for k, item in enumerate(items):
        if stop is not None and stop(items[k:]):
            return items[k:]
        sink.progress.update(running=1, where="serial")
        outcome = compile_item(item, options, keep)
        if outcome.status == "ok":
            if _WARM:
                _RATE.add(_size(item), outcome.seconds)
                if batch_rate is not None:
                    batch_rate.add(_size(item), outcome.seconds)
            elif _RATE.cold_s is None:
                _RATE.cold_s = outcome.seconds
            _WARM = True
        sink(outcome)
    sink.progress.update(running=0)
    return []


def _run_on_client(client: Any, items: list[BatchItem], options: CompileOptions, keep: bool, sink: _Sink,
                   max_attempts: int, retries: int, result: BatchResult) -> None:
    """Every item on ``client``'s cluster, in guided chunks (one task per chunk: a scheduler
    round trip per item would cost more than a small item's compile); each index reaches
    ``sink`` exactly once."""
    from .cluster import total_threads
    from .resilient import RunStats, is_lost, run_resilient
    from .shared_queue import guided_chunks

    threads = [total_threads(client), 0]
    chunks = guided_chunks(items, threads[0])

    def on_result(k: int, outcomes: list[ItemOutcome]) -> None:
        for outcome in outcomes:
            result.there += sink(outcome)

    def on_failure(k: int, exc: BaseException, attempts: int) -> None:
        for item in chunks[k]:
            sink(cluster_failure(item, exc, attempts, lost=is_lost(exc)))

    def on_progress(in_flight: int) -> None:
        threads[1] += 1
        if threads[1] % 16 == 0:  # asking the scheduler costs a round trip: not every chunk
            threads[0] = total_threads(client)
        sink.progress.update(running=min(in_flight, threads[0]), where="cluster")

    stats = RunStats()
    run_resilient(client, compile_items, [(chunk, options, keep) for chunk in chunks], on_result, on_failure,
                  name="qglm-compile", max_attempts=max_attempts, retries=retries, on_progress=on_progress,
                  stats=stats)
    result.resubmitted += stats.resubmitted
    result.lost_workers.extend(f"{', '.join(i.name for i in chunks[k])}: {what}" for k, what in stats.lost)


def _run_shared(client: Any, items: list[BatchItem], options: CompileOptions, keep: bool, sink: _Sink,
                max_attempts: int, retries: int, result: BatchResult) -> None:
    """The rest of the batch here and on the local cluster's workers, from one queue."""
    from .shared_queue import SharedRunStats, run_shared

    def on_running(n: int) -> None:
        sink.progress.update(running=n, where="here + cluster")

    stats = SharedRunStats()
    run_shared(client, items, options, keep, sink, max_attempts=max_attempts, retries=retries,
               on_running=on_running, stats=stats)
    result.here += stats.here
    result.there += stats.there
    result.resubmitted += stats.resubmitted
    names = {item.index: item.name for item in items}
    result.lost_workers.extend(f"{names[k]}: {what}" for k, what in stats.lost)


def compile_many(
    programs: Iterable[Any],
    device: str | None = None,
    optimization_level: int = 2,
    passes: str | None = None,
    seed: int = 0,
    basis: str | None = None,
    *,
    target: str | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    kernel: str | None = None,
    entry: str | None = None,
    defines: Mapping[str, Any] | None = None,
    validate: bool = False,
    verify_each: bool | None = None,
    client: Any = None,
    scheduler: str | None = None,
    jobs: int = 1,
    keep_modules: bool = False,
    progress: bool = False,
    progress_file: IO[str] | None = None,
    on_outcome: Callable[[ItemOutcome], None] | None = None,
    max_attempts: int = 3,
    retries: int = 1,
    cost_model: CostModel | None = None,
) -> BatchResult:
    """Compile every program of a batch with the same options.

    ``programs``: paths, :class:`~.items.Source` objects, source texts or
    Modules (see :mod:`.items`). The compile options are those of
    :func:`qglm_ir.compile` (``device`` a spec string, ``passes`` pipeline
    text). ``target`` (``ir``, ``qiskit``, ..., ``all``) renders artifacts as
    ``qglmc compile`` does, named by each input's stem; ``output_dir`` also
    writes them there. ``keep_modules=True`` returns the compiled modules.

    Where: ``client`` (a ``distributed.Client``) or ``scheduler``
    (``tcp://HOST:PORT``) runs the batch on that cluster; else ``jobs > 1``
    may start a LocalCluster (see the module docstring); else serial.
    Raises ``ValueError`` for inputs whose artifacts would clash (with a
    ``target``), and a
    :class:`~qglm_ir.core.errors.QglmError` for bad options (checked once,
    before any work) or an unreachable scheduler; never for a bad program.
    """
    t0 = time.perf_counter()
    _check_options(device, passes, basis, target)
    options = CompileOptions(
        target=target or "", device=device, optimization_level=optimization_level, passes=passes, seed=seed,
        basis=basis, validate=validate, verify_each=verify_each, kernel=kernel, entry=entry,
        defines=tuple(sorted((defines or {}).items())),
    )
    items, failed = make_items(programs, check_stems=bool(target))  # only artifacts are named by stem
    n = len(items) + len(failed)
    out = Path(output_dir) if output_dir is not None else None
    result = BatchResult([], "serial", "", 0.0)
    with BatchProgress(n, progress, progress_file) as bar:
        sink = _Sink(n, out, bar, on_outcome)
        for o in failed:
            sink(o)
        if client is not None or scheduler is not None:
            result.mode = "cluster"
            result.decision = "a cluster was given: every item runs on it"
            with contextlib.ExitStack() as stack:
                if client is None:
                    from .cluster import remote_client

                    client = stack.enter_context(remote_client(scheduler))  # type: ignore[arg-type]
                _run_on_client(client, items, options, keep_modules, sink, max_attempts, retries, result)
        elif jobs <= 1 or len(items) <= 1:
            result.decision = "one job" if jobs <= 1 else "a single item"
            _run_serial(items, options, keep_modules, sink)
            result.here = len(items)
        else:
            _run_local(items, options, keep_modules, sink, jobs, cost_model or CostModel(), max_attempts,
                       retries, result)
    assert all(o is not None for o in sink.outcomes), "an item without an outcome"
    result.outcomes = list(sink.outcomes)  # type: ignore[arg-type]
    result.seconds = time.perf_counter() - t0
    return result


def _run_local(items: list[BatchItem], options: CompileOptions, keep: bool, sink: _Sink, jobs: int,
               model: CostModel, max_attempts: int, retries: int, result: BatchResult) -> None:
    """``jobs > 1`` without a given cluster: this process compiles from the start; a local
    cluster of ``jobs - 1`` workers starts on a thread (after the first warm item for a batch
    of :data:`EARLY_START_S` of work, else when the probe's cost model asks for it) and,
    once it is up and the cost model prefers it, takes a share of the rest."""
    from .cluster import BackgroundCluster

    here = RateEstimator()
    with contextlib.ExitStack() as stack:
        cluster: list[BackgroundCluster] = []

        def start() -> BackgroundCluster:
            if not cluster:
                cluster.append(stack.enter_context(BackgroundCluster(jobs - 1)))
            return cluster[0]

        def state() -> str:
            return "none" if not cluster else "up" if cluster[0].ready() else "starting"

        prefer = _decider(jobs, model, result, here, state)
        failed: list[str] = []

        def stop(rest: list[BatchItem]) -> bool:
            if not cluster and here.samples and here.estimate(sum(_size(i) for i in rest)) >= EARLY_START_S:
                start()
            if failed or not prefer(rest):
                return False
            pending = start()
            if not pending.ready():
                return False  # keep compiling here while it comes up
            try:
                pending.client()
            except Exception as exc:  # no cluster: this process finishes the batch alone
                failed.append(f"serial: the local Dask cluster did not start ({type(exc).__name__}: {exc})")
                result.decision = failed[0]
                return False
            return True

        rest = _run_serial(items, options, keep, sink, stop, here)
        result.here = len(items) - len(rest)
        if rest:
            result.mode = "local-cluster"
            # One compile per core already: the searches' own threads would only compete
            # with the other compilers (the workers run with QGLM_THREADS=1).
            stack.enter_context(limit_threads(1))
            _run_shared(cluster[0].client(), rest, options, keep, sink, max_attempts, retries, result)


def _decider(jobs: int, model: CostModel, result: BatchResult, here: RateEstimator,
             cluster_state: Callable[[], str] = lambda: "none") -> Callable[[list[BatchItem]], bool]:
    """``stop(rest)`` for the serial probe: true once the cost model prefers the cluster.

    Serial compiling is never wasted (its results count), so the probe runs
    until three items of this batch have been timed warm (programs of one
    batch resemble each other more than those of earlier batches; only a
    batch too short for that uses the process-wide rate). ``cluster_state()``
    is ``"none"`` (not started), ``"starting"`` or ``"up"``: a cluster that is
    up costs nothing more to start, so only the sharing is weighed. Without
    one the probe settles on serial for good as soon as the rest would take
    less than starting a cluster.
    """
    from .cluster import start_method
    from .cost import IdleCores

    settled = [False]
    declined: list[str] = []  # why the cluster lost the last time it was weighed
    idle = IdleCores()  # what the machine leaves free while this process compiles the probe

    up_model = dataclasses.replace(model, start_s=0.0)

    def stop(rest: list[BatchItem]) -> bool:
        if settled[0]:
            return False
        state = cluster_state()
        m = up_model if state == "up" else model
        size = sum(_size(i) for i in rest)
        rate = here if here.confident else _RATE
        if not here.confident and (len(rest) > 3 or not _RATE.confident):
            result.decision = f"serial: fewer than 3 warm items measured ({here.samples})"
            return False
        serial = rate.estimate(size)
        if m.hopeless(serial):
            if state == "starting":  # it may be up before the next item: weigh again then
                result.decision = (f"serial: the local cluster is still starting, and the remaining "
                                   f"{len(rest)} items take about {serial:.2f} s here")
                return False
            settled[0] = True
            too_few = (f"the remaining {len(rest)} items take about {serial:.2f} s, "
                       f"less than starting a cluster ({m.start_s:.2f} s)")
            # a batch that stayed serial because the cluster kept losing says so, not only
            # that its last few items were too few
            result.decision = f"{declined[-1]}; then {too_few}" if declined else f"serial: {too_few}"
            return False
        warmup = 0.0 if start_method() == "fork" else (_RATE.cold_s or 0.0)
        if state == "up":
            warmup = 0.0  # its workers are running already
        usable = m.effective_jobs(jobs, idle.cores())
        parallel = m.parallel_s(serial, len(rest), usable, warmup)
        cores = f"{usable:.1f} of {jobs} compilers can run at once" if usable < jobs else f"{jobs} compilers"
        if m.prefer_cluster(serial, len(rest), usable, warmup):
            workers = f"{jobs - 1} worker{'s' if jobs > 2 else ''}"
            result.decision = (f"this process and {workers} of a local cluster: the remaining {len(rest)} items "
                               f"take about {serial:.2f} s serially and {parallel:.2f} s shared ({cores})")
            return True
        result.decision = f"serial: about {serial:.2f} s here against {parallel:.2f} s on a cluster ({cores})"
        declined.append(result.decision)
        return False

    return stop


def _check_options(device: str | None, passes: str | None, basis: str | None, target: str | None) -> None:
    """Refuse bad batch-wide options once, before any work (as ``qglmc compile`` does)."""
    if target is not None:
        from ..cli import TARGETS

        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r} (choose one of {', '.join(TARGETS)})")
    if device is not None:
        from ..api import load_device

        load_device(device)
    if passes is not None:
        from ..passes.pipeline import parse_pipeline

        parse_pipeline(passes, "--passes")
    if basis is not None:
        from ..api import parse_basis

        parse_basis(basis)
