"""A rich progress bar for a batch: done / failed / running out of the total."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import IO, Any


class BatchProgress:
    """Shows ``[bar] 37/100  35 done  2 failed  2 running  where`` on ``file``.

    Disabled (every method a no-op) unless ``enabled``; the bar is transient,
    the caller prints its own summary line.
    """

    def __init__(self, total: int, enabled: bool, file: IO[str] | None = None):
        self.total = total
        self.done = 0
        self.failed = 0
        self.running = 0
        self.where = "serial"
        self._progress: Any = None
        self._task: Any = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("[green]{task.fields[done]} done[/] [red]{task.fields[failed]} failed[/] "
                           "{task.fields[running]} running ({task.fields[where]})"),
                TimeElapsedColumn(),
                console=Console(file=file or sys.stderr),
                transient=True,
            )

    def __enter__(self) -> BatchProgress:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("compile", total=self.total, **self._fields())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Stop the refresh thread for a while (e.g. while worker processes are forked)."""
        if self._progress is None:
            yield
            return
        self._progress.stop()
        try:
            yield
        finally:
            self._progress.start()

    def _fields(self) -> dict[str, Any]:
        return {"done": self.done, "failed": self.failed, "running": self.running, "where": self.where}

    def update(self, *, finished_ok: int = 0, finished_failed: int = 0, running: int | None = None,
               where: str | None = None) -> None:
        self.done += finished_ok
        self.failed += finished_failed
        if running is not None:
            self.running = running
        if where is not None:
            self.where = where
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=self.done + self.failed, **self._fields())
