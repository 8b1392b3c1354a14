"""Dask clusters for a batch: a LocalCluster started for one batch, or an existing scheduler.

``dask.distributed`` is an optional extra (``pip install qglm[dist]``); it is
imported only here and only when a batch really goes to a cluster.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

from ..core.errors import QglmError


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise QglmError(
            "running a batch on Dask needs dask.distributed, which is not installed",
            help="pip install 'qglm[dist]' (or run without --jobs/--scheduler)",
        ) from None
    return distributed


def start_method() -> str:
    """``$QGLM_DASK_START_METHOD`` if set, else ``fork`` where the platform has it, else ``spawn``.

    Forked workers inherit this process's imports and caches (qiskit, the
    pass registry, basis templates), so they start warm in well under a
    second, where a spawned worker imports everything again (5-10 s here).
    The batch driver starts the cluster while no compile runs and its
    progress bar is paused, so no other thread of ours holds a lock at fork.
    """
    method = os.environ.get("QGLM_DASK_START_METHOD")
    if method:
        return method
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


@contextlib.contextmanager
def local_client(jobs: int, memory_limit: str | int | None = "2GiB", method: str | None = None) -> Iterator[Any]:
    """A Client of a fresh ``LocalCluster`` of ``jobs`` worker processes with one
    thread each, closed on exit. The start method stays configured while the
    cluster lives, because the nanny restarts a dead worker the same way."""
    distributed = _distributed()
    import dask

    # Qiskit's Rust passes (SabreLayout, used by the layout/route candidates) run on a rayon
    # thread pool; a worker forked after this process used that pool deadlocks on its first
    # parallel call. QISKIT_IN_PARALLEL=TRUE makes Qiskit run them single-threaded, as its own
    # parallel_map does in its workers (one thread per worker is what we ask for anyway).
    environ = {**(dask.config.get("distributed.nanny.environ", default={}) or {}), "QISKIT_IN_PARALLEL": "TRUE"}
    with dask.config.set({"distributed.worker.multiprocessing-method": method or start_method(),
                          "distributed.nanny.environ": environ}):
        cluster = distributed.LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        try:
            client = distributed.Client(cluster, set_as_default=False)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()


@contextlib.contextmanager
def remote_client(address: str, timeout: float = 10.0) -> Iterator[Any]:
    """A Client of the running scheduler at ``address`` (``tcp://HOST:PORT``)."""
    distributed = _distributed()
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise QglmError(f"cannot reach the Dask scheduler at {address}: {exc}",
                        help="start one with `dask scheduler` and `dask worker ADDRESS`, or use --jobs N") from None
    try:
        yield client
    finally:
        client.close()


def total_threads(client: Any) -> int:
    """Worker threads the client's cluster has right now (at least 1)."""
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # a cluster in the middle of a restart
        return 1
