"""Read program, import and device files safely: regular files only, bounded, UTF-8, located errors.

Every frontend reads its input through :func:`read_source`, so the same rules
hold for ``.qglm``, ``.py``, OpenQASM, textual IR, their imports and device
JSON files:

* only regular files are read (a FIFO, ``/dev/zero`` or a directory is refused
  without opening it for a blocking read);
* the size is bounded by ``limits.max_file_size`` bytes and
  ``limits.max_lines`` lines (``--max-file-size``, ``--max-lines``);
* invalid UTF-8 is reported at the line and column of the first bad byte;
* an import that leaves the folder tree of the main program is refused unless
  ``limits.allow_outside_imports`` (``--allow-outside-imports``) is set
  (:func:`check_import_path`).

Errors about a file that is not (yet) known to be a program never quote its
contents: they are located in the importer, or at ``FILE:1:1`` without a
source line.
"""

from __future__ import annotations

import errno
import os
import stat

from .. import limits
from ..core.errors import Location, ParseError, QglmError


class SourceError(ParseError):
    """An input file that cannot be read as program text (kind, size, encoding, place)."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _fail(message: str, path: str, at: Location | None, help: str | None = None,
          cls: type[QglmError] = SourceError) -> QglmError:
    # Located in the importer when there is one; else at FILE:1:1 with no quoted text.
    return cls(message, at if at is not None else Location(path, 1, 1, 1, None), help=help)


def read_source(
    path: str | os.PathLike[str],
    *,
    shown: str | None = None,
    at: Location | None = None,
    what: str = "program",
    error: type[QglmError] = SourceError,
) -> str:
    """The UTF-8 text of the regular file ``path``, within the current limits.

    ``shown`` is the name used in messages (default ``path``); ``at`` locates
    errors in an importer (``import "x"``); ``what`` names the file's role
    ("program", "imported file", "device file"); ``error`` is the exception
    class raised. Guarantees: never blocks on a FIFO, never reads more than
    ``max_file_size + 1`` bytes, and raises a located ``error`` on any failure.
    """
    p = os.fspath(path)
    name = shown if shown is not None else p
    lim = limits.current()
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise _fail(f"no such file: '{name}'", name, at, cls=error) from None
    except IsADirectoryError:
        raise _fail(f"'{name}' is a directory, not a {what}", name, at, cls=error) from None
    except OSError as exc:
        raise _fail(f"cannot read '{name}': {exc.strerror or exc}", name, at, cls=error) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _fail(f"'{name}' is {_kind(st.st_mode)}, not a {what}", name, at,
                        help="only regular files are read as programs", cls=error)
        if st.st_size > lim.max_file_size:
            msg, help_ = limits.exceeded(f"size of '{name}' in bytes", st.st_size, "max_file_size")
            raise _fail(msg, name, at, help_, cls=error)
        chunks = []
        left = lim.max_file_size + 1
        while left > 0:
            try:
                chunk = os.read(fd, min(left, 1 << 20))
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    continue
                raise _fail(f"cannot read '{name}': {exc.strerror or exc}", name, at, cls=error) from None
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > lim.max_file_size:  # the file grew while we read it
        msg, help_ = limits.exceeded(f"size of '{name}' in bytes", len(data), "max_file_size")
        raise _fail(msg, name, at, help_, cls=error)
    lines = data.count(b"\n")
    if lines > lim.max_lines:
        msg, help_ = limits.exceeded(f"number of lines of '{name}'", lines, "max_lines")
        raise _fail(msg, name, at, help_, cls=error)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[line_start:exc.start].decode("utf-8", "replace")) + 1
        message = f"'{name}' is not UTF-8 text ({exc.reason}: byte 0x{data[exc.start]:02x})"
        if at is not None:
            raise error(message, at) from None
        text = data.decode("utf-8", "replace")
        raise error(message, Location(name, line, col, 1, text)) from None


def folder_tree_of(main_file: str) -> str | None:
    """The folder whose tree imports of ``main_file`` may use (None for ``<input>`` text: the cwd)."""
    if main_file.startswith("<"):
        return os.path.realpath(os.getcwd())
    return os.path.dirname(os.path.realpath(main_file))


def check_import_path(resolved: str, root: str | None, shown: str, at: Location,
                      error: type[QglmError] = SourceError) -> None:
    """Refuse an import outside ``root``'s folder tree unless outside imports are allowed.

    Symlinks are resolved first, so a link inside the tree cannot reach out.
    """
    if root is None or limits.current().allow_outside_imports:
        return
    real = os.path.realpath(resolved)
    try:
        inside = os.path.commonpath([real, root]) == root
    except ValueError:  # different drives
        inside = False
    if not inside:
        raise error(
            f"import of '{shown}' is outside the program's folder ({root})", at,
            help="imports must stay inside the folder tree of the main program; "
                 "pass --allow-outside-imports to allow this",
        )


__all__ = ["SourceError", "check_import_path", "folder_tree_of", "read_source"]
