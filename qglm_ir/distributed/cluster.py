"""Dask clusters for a batch: a LocalCluster started for one batch, or an existing scheduler.

``dask.distributed`` is an optional extra (``pip install qglm[dist]``); it is
imported only here and only when a batch really goes to a cluster.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator
from typing import Any

from ..core.errors import QglmError
from . import fork_gate


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
    Dask forks from a thread of its own while this process may be compiling;
    :mod:`.fork_gate` makes every fork wait for the running compile.
    """
    method = os.environ.get("QGLM_DASK_START_METHOD")
    if method:
        return method
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


#: Dask settings for a local cluster of compile workers. A compile is one long
#: pure-Python task per chunk, so every periodic callback of the worker, its
#: nanny and the scheduler (all but the worker's live in *this* process, which
#: compiles too) takes the GIL from a compile. Dask's defaults sample the
#: running task's stack every 10 ms (the worker profiler, only shown on a
#: dashboard we do not start) and check event-loop health every 20 ms; the
#: memory monitors poll every 100 ms. None of that tells a compile batch
#: anything it needs at that rate (a worker over its memory limit is still
#: restarted, within a second).
QUIET_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}


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
    # parallel_map does in its workers (one thread per worker is what we ask for anyway), and
    # QGLM_THREADS=1 does the same for qglm's own search trials.
    environ = {**(dask.config.get("distributed.nanny.environ", default={}) or {}),
               "QISKIT_IN_PARALLEL": "TRUE", "QGLM_THREADS": "1"}
    settings = {**QUIET_CONFIG, "distributed.worker.multiprocessing-method": method or start_method(),
                "distributed.nanny.environ": environ}
    with fork_gate.armed(), dask.config.set(settings):
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


class BackgroundCluster:
    """A :func:`local_client` started on a thread of its own, so this process keeps
    compiling while the cluster comes up (about half a second).

    Requires: the compiles of this process run inside :func:`.fork_gate.compiling`
    (the workers are forked while they run). Guarantees: :meth:`close` closes the
    cluster whether it came up, failed or is still starting; :meth:`client`
    re-raises a start-up failure.
    """

    def __init__(self, jobs: int, memory_limit: str | int | None = "2GiB") -> None:
        _distributed()  # a missing extra is the caller's error now, not the thread's
        self._stack = contextlib.ExitStack()
        self._client: Any = None
        self._error: BaseException | None = None
        self._up = threading.Event()
        self._thread = threading.Thread(target=self._start, args=(jobs, memory_limit),
                                        name="qglm-cluster-start", daemon=True)
        self._thread.start()

    def _start(self, jobs: int, memory_limit: str | int | None) -> None:
        try:
            self._client = self._stack.enter_context(local_client(jobs, memory_limit))
        except BaseException as exc:  # handed to the caller by client()
            self._error = exc
        finally:
            self._up.set()

    def ready(self) -> bool:
        """Up (or failed): :meth:`client` will not wait."""
        return self._up.is_set()

    def client(self, timeout: float | None = None) -> Any:
        """The cluster's Client, waiting up to ``timeout`` seconds for it to come up."""
        if not self._up.wait(timeout):
            raise TimeoutError("the local Dask cluster did not start in time")
        if self._error is not None:
            raise self._error
        return self._client

    def close(self) -> None:
        self._thread.join()
        self._stack.close()

    def __enter__(self) -> BackgroundCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
