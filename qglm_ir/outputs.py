"""Write output artifacts safely: all-or-nothing, regular files only, never over an input.

:func:`write_all` is the only way the CLI writes files. For a set of
``(path, data)`` pairs it guarantees:

* every destination is checked first: an existing non-regular file
  (``/dev/full``, a FIFO, a directory) is never replaced, a destination that is
  one of the inputs is refused, two artifacts cannot share a path, and a
  missing folder is created (a path under a regular file is refused);
* data goes to a temporary file in the destination's own folder (so the final
  ``os.replace`` is atomic on one file system) with the permissions a plain
  ``open(..., "w")`` would give (``0o666 & ~umask``, not ``mkstemp``'s 0600);
* only when every temporary file is written are they renamed into place; if a
  rename fails, the destinations already replaced get their old content back
  and new ones are removed, so a failed command leaves no artifact behind.

Every failure is an :class:`OutputError` (the CLI exits 2 with its message).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path


class OutputError(Exception):
    """An output destination that cannot be written (bad usage: exit 2)."""


def current_umask() -> int:
    """The process umask (read by setting and restoring it; no file is created meanwhile)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_destination(path: Path, inputs: Sequence[Path] = ()) -> None:
    """Raise :class:`OutputError` unless ``path`` may be created or replaced (see the module docstring)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise OutputError(f"cannot write '{path}': a parent of it is a file, not a folder") from None
    except OSError as exc:
        raise OutputError(f"cannot write '{path}': {exc.strerror or exc}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"cannot write '{path}': it is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"refusing to replace '{path}': it is not a regular file")
        for inp in inputs:
            if _same_file(path, inp):
                raise OutputError(f"refusing to overwrite the input '{inp}' with an output")
    parent = path.parent if str(path.parent) else Path(".")
    for anc in (parent, *parent.parents):
        if anc.exists() or anc.is_symlink():
            if not anc.is_dir():
                raise OutputError(f"cannot write '{path}': '{anc}' is a file, not a folder")
            break


def _write_temp(path: Path, data: bytes, mode: int) -> str:
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(f"cannot write '{path}': {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)  # mkstemp's 0600 would ignore the umask
            f.write(data)
            f.flush()
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"cannot write '{path}': {exc.strerror or exc}") from None
    return tmp


def write_all(files: Iterable[tuple[Path, str | bytes]], inputs: Sequence[str | os.PathLike[str]] = ()) -> None:
    """Write every ``(path, data)`` or none of them (see the module docstring)."""
    items = [(Path(p), d.encode("utf-8") if isinstance(d, str) else d) for p, d in files]
    ins = [Path(i) for i in inputs]
    seen: dict[str, Path] = {}
    for path, _ in items:
        check_destination(path, ins)
        key = os.path.realpath(path)
        if key in seen:
            raise OutputError(f"two outputs would both be written to '{path}'")
        seen[key] = path
    mode = 0o666 & ~current_umask()
    temps: list[tuple[Path, str]] = []
    try:
        for path, data in items:
            temps.append((path, _write_temp(path, data, mode)))
    except BaseException:
        for _, tmp in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    _commit(temps)


def _commit(temps: list[tuple[Path, str]]) -> None:
    """Rename temporaries into place; on a failure undo the renames already done.

    An existing destination keeps a hard link to its old content until all
    renames succeeded, so the undo can put it back (each replace stays atomic).
    """
    done: list[tuple[Path, bool, str | None]] = []  # (dest, existed before, backup link)
    try:
        for i, (path, tmp) in enumerate(temps):
            existed = path.exists()
            backup: str | None = None
            if existed:
                backup = str(path.parent / f".{path.name}.{os.getpid()}.{i}.bak")
                try:
                    os.link(path, backup)
                except OSError:  # no hard links here: this one cannot be undone
                    backup = None
            os.replace(tmp, path)
            done.append((path, existed, backup))
    except OSError as exc:
        for path, existed, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, path)
                elif not existed:
                    os.unlink(path)
        for _, tmp in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise OutputError(f"cannot write outputs: {exc.strerror or exc}") from None
    for _, _, backup in done:
        if backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(backup)


def write_one(path: str | os.PathLike[str], data: str | bytes, inputs: Sequence[str | os.PathLike[str]] = ()) -> None:
    """:func:`write_all` for a single file."""
    write_all([(Path(path), data)], inputs)


__all__ = ["OutputError", "check_destination", "current_umask", "write_all", "write_one"]
