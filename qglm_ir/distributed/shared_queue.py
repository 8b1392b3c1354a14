"""Finish a batch in this process *and* on a local cluster, from one queue of items.

Why this process compiles too: ``--jobs N`` on an N-core machine has N cores
to fill. N forked workers plus this process (which runs the scheduler, talks
to the workers and writes every artifact) put N+1 busy processes on N cores,
and this process sits warm and idle while its workers do the work. So the
local path forks ``N - 1`` workers and this process is the N-th compiler:
its items need no serialisation, and the scheduler traffic halves.

How the queue is shared (items stay in input order in one deque):

* the cluster is fed *chunks* from the front of the queue (a task per item
  costs a scheduler round trip of several milliseconds in this process; a
  chunk amortises it), sized by guided self-scheduling: large while much is
  left, down to one item at the end, so no compiler waits long for another;
* at most ``threads + 1`` chunks are on the cluster at once, so each worker
  has its next chunk queued when it finishes one, and little work sits on the
  cluster when the queue runs dry;
* this process takes single items from the front between looks at the
  cluster's finished chunks; when the queue is empty it takes back (re-runs
  itself) the most recently submitted chunk that has not come back, so the
  batch never waits on a worker's queue while this process idles. Whichever
  copy of an item finishes first is recorded; the sink drops the second;
* a chunk whose worker died (``KilledWorker``, cancelled, lost connection)
  goes back to the front of the queue, up to ``max_attempts`` losses per item,
  so as long as this process lives no item is lost.

Every item runs :func:`~.tasks.compile_item`, here or there, so artifacts are
byte-identical to a serial run whichever compiler produced them.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .tasks import BatchItem, CompileOptions, ItemOutcome, cluster_failure, compile_item, compile_items

#: Largest chunk sent to a worker: about half a second of small-circuit work,
#: so the last chunks of a batch never keep a compiler waiting for long.
MAX_CHUNK = 8


def chunk_size(left: int, compilers: int, max_chunk: int = MAX_CHUNK) -> int:
    """Guided self-scheduling: about a quarter of each compiler's share of what is
    ``left``, at least 1 and at most ``max_chunk`` items."""
    return max(1, min(max_chunk, left // (4 * max(1, compilers))))


def guided_chunks(items: Sequence[BatchItem], compilers: int) -> list[tuple[BatchItem, ...]]:
    """``items`` cut in order into chunks of :func:`chunk_size` (largest first, single items last)."""
    chunks, start = [], 0
    while start < len(items):
        size = chunk_size(len(items) - start, compilers)
        chunks.append(tuple(items[start:start + size]))
        start += size
    return chunks


@dataclass
class SharedRunStats:
    """Who compiled what, and what the cluster lost on the way."""

    here: int = 0  # items compiled in this process
    there: int = 0  # items whose outcome came from the cluster
    taken_back: int = 0  # chunks this process re-ran because the queue had run dry
    resubmitted: int = 0  # chunks that went back to the queue after their worker was lost
    lost: list[tuple[int, str]] = field(default_factory=list)  # (item index, exception type)


def run_shared(
    client: Any,
    items: Sequence[BatchItem],
    options: CompileOptions,
    keep: bool,
    record: Callable[[ItemOutcome], bool],
    *,
    max_attempts: int = 3,
    retries: int = 1,
    on_running: Callable[[int], None] | None = None,
    stats: SharedRunStats | None = None,
) -> SharedRunStats:
    """Compile every item, here and on ``client``'s workers (see the module docstring).

    ``record(outcome)`` is called at least once per item and must return
    ``True`` the first time it sees an item's index and ``False`` for a
    repeat (a chunk taken back may also come back from the cluster). Items
    are the batch's good items; their outcomes may arrive in any order.
    Requires a client whose workers can import qglm (a LocalCluster forked
    from this process). Runs every callback in the calling thread.
    """
    from .cluster import total_threads
    from .resilient import is_lost

    stats = stats if stats is not None else SharedRunStats()
    threads = total_threads(client)
    compilers = threads + 1
    depth = threads + 1
    queue: deque[BatchItem] = deque(items)
    done: set[int] = set()
    losses: dict[int, int] = {}
    inflight: dict[str, tuple[Any, tuple[BatchItem, ...]]] = {}  # key -> (future, chunk), oldest first
    tag = uuid.uuid4().hex[:12]
    serial = [0]

    def take(outcome: ItemOutcome, there: bool) -> None:
        if record(outcome):
            done.add(outcome.index)
            if there:
                stats.there += 1
            else:
                stats.here += 1

    def submit() -> None:
        size = chunk_size(len(queue), compilers)
        chunk = tuple(queue.popleft() for _ in range(min(size, len(queue))))
        serial[0] += 1
        # an explicit key per submission: a chunk sent again is a new task, not Dask's old one
        fut = client.submit(compile_items, chunk, options, keep, key=f"qglm-shared-{tag}-{serial[0]}",
                            retries=retries, pure=False)
        inflight[fut.key] = (fut, chunk)

    def harvest(fut: Any, chunk: tuple[BatchItem, ...]) -> None:
        inflight.pop(fut.key, None)
        if fut.status == "finished":
            for outcome in fut.result():
                take(outcome, there=True)
        else:
            try:
                exc: BaseException = fut.exception()
            except BaseException as err:  # a cancelled future raises instead of returning its exception
                exc = err
            _lost_or_failed(exc, chunk)
        fut.release()

    def _lost_or_failed(exc: BaseException, chunk: tuple[BatchItem, ...]) -> None:
        back = []
        for item in chunk:
            if item.index in done:
                continue
            if is_lost(exc):
                losses[item.index] = losses.get(item.index, 0) + 1
                stats.lost.append((item.index, type(exc).__name__))
                if losses[item.index] < max_attempts:
                    back.append(item)
                    continue
                take(cluster_failure(item, exc, losses[item.index], lost=True), there=True)
            else:
                take(cluster_failure(item, exc, 1, lost=False), there=True)
        if back:
            stats.resubmitted += 1
            queue.extendleft(reversed(back))  # to the front, in input order

    def harvest_finished() -> None:
        for fut, chunk in [v for v in inflight.values() if v[0].done()]:
            harvest(fut, chunk)

    while queue or inflight:
        harvest_finished()
        while queue and len(inflight) < depth:
            submit()
        if on_running is not None:
            on_running(1 + min(len(inflight), threads))
        if queue:
            item = queue.popleft()
            if item.index not in done:
                take(compile_item(item, options, keep), there=False)
            continue
        if not inflight:
            break
        # The queue is dry: take back the newest chunk still out, item by item, looking at
        # the cluster between items (its copy may come back first). This process never
        # waits: it compiles, or it collects what came back.
        fut, chunk = next(reversed(inflight.values()))
        if fut.done():
            continue  # collected at the top of the loop
        stats.taken_back += 1
        for item in chunk:
            harvest_finished()
            if item.index not in done:
                take(compile_item(item, options, keep), there=False)
        if fut.key in inflight and not fut.done():
            inflight.pop(fut.key)
            client.cancel([fut])  # every item of it is done here; its result is not needed
            fut.release()
    return stats
