"""End a ``qglmc`` process without the interpreter's teardown.

When ``qglmc`` has written its outputs and returned its exit code, CPython
still finalizes the interpreter: it clears every module (qiskit, numpy,
numba/llvmlite, dask) and frees their objects one by one. Nothing a user can
observe happens then, but it costs about half a second on this project's
2-core machine, measured as the gap between ``main()`` returning and the
process being gone (0.55 s after a serial batch of 200 circuits, 0.7 s after
a ``--jobs 2`` one, loaded machine). That is 0.5 s on every CLI call and a
large share of a short batch.

:func:`exit_now` does what a normal exit does that anyone can see, then ends
the process with :func:`os._exit`:

* it runs the ``atexit`` handlers (logging's flush, multiprocessing's child
  clean-up, Dask's, any a user library registered);
* it flushes ``sys.stdout`` and ``sys.stderr`` (a pipe or file is block
  buffered: unflushed text would be lost);
* it does *not* skip the wait for threads: if a non-daemon thread other than
  the main one is still alive, the normal ``sys.exit`` path runs, which joins it.

Only the process entry points use it (the ``qglmc`` script and ``python -m
qglm_ir.cli``); :func:`qglm_ir.cli.main` returns its code as before, so
callers that embed it (tests, notebooks) keep their interpreter.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def _other_live_threads() -> bool:
    main = threading.main_thread()
    return any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate())


def exit_now(code: int) -> NoReturn:
    """Exit with ``code`` after the ``atexit`` handlers and a flush of stdout/stderr,
    skipping the interpreter's teardown (see the module docstring)."""
    if _other_live_threads():  # the interpreter's normal exit joins them; keep that
        sys.exit(code)
    atexit._run_exitfuncs()  # the documented order: last registered first
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed stream or a reader that went away
            if stream is not None:
                stream.flush()
    os._exit(code)
