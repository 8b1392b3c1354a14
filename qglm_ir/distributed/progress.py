"""A rich progress bar for a batch: done / failed / running out of the total."""

from __future__ import annotations

import sys
import time
from typing import IO, Any

#: Fewest seconds between two redraws of the bar.
REFRESH_S = 0.1


class BatchProgress:
    """Shows ``[bar] 37/100  35 done  2 failed  2 running  where`` on ``file``.

    Disabled (every method a no-op) unless ``enabled``; the bar is transient,
    the caller prints its own summary line. It is redrawn by :meth:`update`
    (at most every :data:`REFRESH_S`), never by a thread of its own: a local
    cluster forks its workers while this process runs, and a refresh thread
    caught writing to the terminal at that instant would leave the child its
    locks held.
    """

    def __init__(self, total: int, enabled: bool, file: IO[str] | None = None):
        self.total = total
        self.done = 0
        self.failed = 0
        self.running = 0
        self.where = "serial"
        self._progress: Any = None
        self._task: Any = None
        self._drawn = 0.0
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
                auto_refresh=False,
            )

    def __enter__(self) -> BatchProgress:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("compile", total=self.total, **self._fields())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

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
            now = time.monotonic()
            last = self.done + self.failed == self.total
            refresh = last or now - self._drawn >= REFRESH_S
            if refresh:
                self._drawn = now
            self._progress.update(self._task, completed=self.done + self.failed, refresh=refresh, **self._fields())
