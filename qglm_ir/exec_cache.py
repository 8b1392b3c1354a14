"""A persistent on-disk cache of compiled executables (see :mod:`qglm_ir.executable`).

Entries live in ``$QGLM_CACHE_DIR`` (default ``~/.cache/qglm``) as
``exec-<sha256>.pkl``, keyed by :func:`cache_key` over everything that decides
the compiled result: the program's IR text and its argument names, the compile
options, and the qglm version. Writes are atomic (a temporary file in the same
directory, then ``os.replace``), so concurrent processes never read a torn
entry; an unreadable or stale entry counts as a miss and is rewritten.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

#: Bump when the pickled layout of an executable changes: old entries become misses.
FORMAT = 1


def cache_dir() -> Path:
    """``$QGLM_CACHE_DIR``, else ``~/.cache/qglm``."""
    env = os.environ.get("QGLM_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "qglm"


def cache_key(*parts: str) -> str:
    """SHA-256 over the parts (length-prefixed, so part boundaries matter), the qglm
    version and the cache format."""
    from . import __version__

    h = hashlib.sha256()
    for p in (f"qglm {__version__} format {FORMAT}", *parts):
        b = p.encode("utf-8")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def entry_path(key: str) -> Path:
    return cache_dir() / f"exec-{key}.pkl"


def load(key: str) -> Any | None:
    """The cached object for ``key``, or ``None`` (absent, unreadable or from another format)."""
    path = entry_path(key)
    try:
        with open(path, "rb") as f:
            obj = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not (isinstance(obj, dict) and obj.get("format") == FORMAT and obj.get("key") == key):
        return None
    return obj.get("value")


def store(key: str, value: Any) -> Path | None:
    """Write ``value`` under ``key`` atomically; returns the path, or ``None`` if the
    directory is not writable (caching is an optimization, never an error)."""
    d = cache_dir()
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".exec-", suffix=".tmp", dir=d)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump({"format": FORMAT, "key": key, "value": value}, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry_path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return None
    return entry_path(key)
