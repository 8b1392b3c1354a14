"""Seeded search trials on a few threads: the layout and routing searches' parallelism.

The SABRE searches (:func:`.layout.sabre_layout`, ``route``'s trials) run many independent
seeded trials and keep the best by a deterministic ranking. Each trial is mostly calls into
the compiled cores of :mod:`.engine`, which run without the GIL (``njit(nogil=True)``, and
the ahead-of-time build of :mod:`.aot` releases it too), so two trials on two threads
overlap there while their short Python parts take turns. Qiskit's ``SabreLayout`` runs its
trials on every core the same way (Rust threads).

:func:`map_trials` returns the results **in trial order**, whatever order the threads
finished in, so every caller ranks exactly the list a serial loop would have built: the
output does not depend on the thread count (``tests/passes/mapping/test_threads.py``).

Thread count (:func:`search_threads`): ``$QGLM_THREADS`` when set (``1`` = serial), else the
CPUs this process may use, at most :data:`MAX_THREADS`; :func:`limit_threads` lowers it for
a scope (a batch that already runs one compile per core, see
:mod:`qglm_ir.distributed.batch`). Work below :data:`MIN_PARALLEL_WORK` stays serial: handing
a trial to a thread and back costs about 11 µs (an empty trial, 2 threads, this project's
machine), and the corpus's small kernels (qft_8, qaoa_10, heisenberg_10) showed no gain from
threads while the mid-size ones did (heavy-hex:7, ``QGLM_THREADS=1`` against 2).
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: At most this many search threads: a search has 4 to 32 trials, and only 2 cores were
#: measured (this project's machine); more threads are untested.
MAX_THREADS = 4

#: Estimated work (DAG nodes routed, summed over the trials) below which trials run serially.
MIN_PARALLEL_WORK = 20_000

_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}  # by thread count
_limit: int | None = None  # set by limit_threads


def _reset_after_fork() -> None:
    # A forked child (a Dask worker) inherits the pool objects but not their threads, and
    # the lock in whatever state a thread of the parent left it.
    global _lock
    _lock = threading.Lock()
    _pools.clear()


os.register_at_fork(after_in_child=_reset_after_fork)


def search_threads() -> int:
    """Threads a search may use: ``$QGLM_THREADS`` if it is a positive integer, else the
    usable CPUs capped at :data:`MAX_THREADS`; never more than :func:`limit_threads` allows."""
    env = os.environ.get("QGLM_THREADS", "")
    if env.isdigit() and int(env) >= 1:
        n = int(env)
    else:
        try:
            n = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # not Linux
            n = os.cpu_count() or 1
        n = min(n, MAX_THREADS)
    if _limit is not None:
        n = min(n, _limit)
    return max(1, n)


@contextmanager
def limit_threads(n: int) -> Iterator[None]:
    """Use at most ``n`` search threads inside the scope (process-wide; nesting keeps the
    smaller limit)."""
    global _limit
    saved = _limit
    _limit = n if saved is None else min(saved, n)
    try:
        yield
    finally:
        _limit = saved


def _executor(n: int) -> ThreadPoolExecutor:
    with _lock:
        pool = _pools.get(n)
        if pool is None:
            pool = _pools[n] = ThreadPoolExecutor(max_workers=n, thread_name_prefix="qglm-search")
        return pool


def width(work: int, count: int) -> int:
    """How many of ``count`` trials of estimated total ``work`` (see :data:`MIN_PARALLEL_WORK`)
    to run at once: 1 (serial) for small work, inside a search thread, or with one thread."""
    n = min(search_threads(), count)
    if n <= 1 or work < MIN_PARALLEL_WORK or threading.current_thread().name.startswith("qglm-search"):
        return 1
    return n


def map_trials(trial: Callable[[T], R], items: Sequence[T], threads: int) -> list[R]:
    """``[trial(x) for x in items]``, computed on ``threads`` threads (:func:`width`).

    Requires: ``trial`` does not mutate state another trial reads (each trial builds its own
    arrays; shared inputs are read-only). Guarantees: the same list, in the same order, as
    the serial comprehension; the first exception in trial order is raised."""
    if threads <= 1 or len(items) <= 1:
        return [trial(x) for x in items]
    pool = _executor(threads)
    # Each trial runs in a copy of the caller's context, so it sees the compile's memo
    # (qglm_ir.passes.memo is a context variable) as the serial loop would.
    futures = [pool.submit(contextvars.copy_context().run, trial, x) for x in items]
    return [f.result() for f in futures]


def iter_trials(trial: Callable[[int], R], count: int, threads: int) -> Iterable[R]:
    """``trial(0), trial(1), ... trial(count - 1)`` in order, computed ``threads`` at a time, lazily:
    a caller that stops early (``break``) never starts the batches after the current one.
    The trials of the current batch after the one it stopped at are computed and dropped."""
    for first in range(0, count, threads):
        yield from map_trials(trial, range(first, min(count, first + threads)), threads)
