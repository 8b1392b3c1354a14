"""Forks of this process wait until no compile is running in it.

Why: a local cluster's workers are *forked* from this process (they start
warm, see :func:`.cluster.start_method`), and Dask forks from one of its own
threads: at start-up, and again whenever the nanny restarts a dead worker.
This process keeps compiling meanwhile. A child forked in the middle of a
compile would inherit whatever that compile held at that instant: a
half-imported module, a lock of a cache, a search pool busy with trials. So
every compile of a batch runs inside :func:`compiling`, and while the gate is
:func:`armed` (a local cluster is starting or alive) a fork first waits for
the running compile to finish. A fork made by the compiling thread itself
passes (the lock is reentrant).

Requires: compiles that may overlap a fork are wrapped in :func:`compiling`.
Guarantees: while armed, ``os.fork`` (and ``multiprocessing``'s fork start
method) runs between two compiles of this process, never inside one.
"""

from __future__ import annotations

import contextlib
import logging  # noqa: F401  (imported first on purpose, see the registration at the end)
import os
import threading
from collections.abc import Iterator

_cond = threading.Condition()
_running: dict[int, int] = {}  # thread id -> compiles it is inside (nesting counted)
_forks = 0  # forks under way: each waits for the running compiles; new compiles wait for them
_armed = 0
_mine = threading.local()  # whether this thread's fork counted itself in _forks


@contextlib.contextmanager
def compiling() -> Iterator[None]:
    """Run one compile; a fork of this process (while armed) waits for it, and a compile
    that would start while a fork waits starts after the fork (so a fork is never starved
    by a loop that starts its next compile at once)."""
    me = threading.get_ident()
    with _cond:
        while _forks and me not in _running:
            _cond.wait()
        _running[me] = _running.get(me, 0) + 1
    try:
        yield
    finally:
        with _cond:
            _running[me] -= 1
            if not _running[me]:
                del _running[me]
            _cond.notify_all()


@contextlib.contextmanager
def armed() -> Iterator[None]:
    """While inside, forks wait for the running compiles (nesting is counted)."""
    global _armed
    _armed += 1
    try:
        yield
    finally:
        _armed -= 1


def is_armed() -> bool:
    return _armed > 0


def _before_fork() -> None:
    global _forks
    _mine.counted = bool(_armed)
    if not _mine.counted:
        return
    me = threading.get_ident()
    with _cond:
        _forks += 1
        # a compile of the forking thread itself cannot finish first: it is the one forking
        while any(tid != me for tid in _running):
            _cond.wait()


def _after_fork_in_parent() -> None:
    global _forks
    if getattr(_mine, "counted", False):
        _mine.counted = False
        with _cond:
            _forks -= 1
            _cond.notify_all()


def _after_fork_in_child() -> None:
    # The child starts with no compile running and no cluster of its own.
    global _cond, _running, _forks, _armed, _mine
    _cond = threading.Condition()
    _running = {}
    _forks = 0
    _armed = 0
    _mine = threading.local()


# ``before`` hooks run in reverse order of registration, so this one (registered after
# logging's, which is imported above) waits for the compiles *before* logging takes its
# module lock for the fork: a compile that logs can always finish.
os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                    after_in_child=_after_fork_in_child)
