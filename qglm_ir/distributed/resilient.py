"""Run a list of tasks on a Dask client so that each one reports exactly once.

Dask already reruns the tasks of a worker that died (up to the scheduler's
``allowed-failures``) and, with ``retries=``, a task that raised. Where Dask
gives up (``KilledWorker``; a future cancelled by a worker restart or a lost
connection to the scheduler) the task is resubmitted here under a new key,
up to ``max_attempts`` times; only then is it reported as lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from typing import Any


def is_lost(exc: BaseException) -> bool:
    """The task did not fail by itself: its worker, or our connection to the cluster, went away."""
    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    return isinstance(exc, (KilledWorker, CancelledError, CommClosedError, OSError, TimeoutError))


@dataclass
class RunStats:
    """What happened on the way: resubmissions and why."""

    resubmitted: int = 0
    lost: list[tuple[int, str]] = field(default_factory=list)  # (task index, exception type)


def run_resilient(
    client: Any,
    fn: Callable[..., Any],
    args: Sequence[tuple[Any, ...]],
    on_result: Callable[[int, Any], None],
    on_failure: Callable[[int, BaseException, int], None],
    *,
    name: str = "qglm",
    max_attempts: int = 3,
    retries: int = 1,
    on_progress: Callable[[int], None] | None = None,
    stats: RunStats | None = None,
) -> RunStats:
    """Run ``fn(*args[i])`` for every ``i`` on ``client``'s cluster.

    Calls ``on_result(i, value)`` exactly once per task that finished, else
    ``on_failure(i, exc, attempts)`` once (the task raised, or its worker was
    lost ``max_attempts`` times). ``on_progress(in_flight)`` follows the count
    of unfinished tasks. Runs the callbacks in the calling thread.
    """
    from distributed import as_completed

    stats = stats if stats is not None else RunStats()
    batch = uuid.uuid4().hex[:12]
    pending: dict[str, tuple[int, int]] = {}

    def submit(i: int, attempt: int) -> Any:
        # An explicit key per attempt: Dask would merge equal pure tasks, and a
        # resubmission must not be mistaken for the task Dask gave up on.
        fut = client.submit(fn, *args[i], key=f"{name}-{batch}-{i}-{attempt}", retries=retries, pure=False)
        pending[fut.key] = (i, attempt)
        return fut

    ac = as_completed([submit(i, 0) for i in range(len(args))], loop=client.loop, with_results=False)
    if on_progress is not None:
        on_progress(len(pending))
    for fut in ac:
        i, attempt = pending.pop(fut.key)
        try:
            value = fut.result()
        except Exception as exc:
            if is_lost(exc) and attempt + 1 < max_attempts:
                stats.resubmitted += 1
                stats.lost.append((i, type(exc).__name__))
                ac.add(submit(i, attempt + 1))
                continue
            on_failure(i, exc, attempt + 1)
        else:
            on_result(i, value)
        finally:
            fut.release()
        if on_progress is not None:
            on_progress(len(pending))
    return stats
