"""When a batch is worth a local cluster: a cost model with measured constants.

Serial time of the rest of a batch is estimated from the items already
compiled in this process (seconds per byte of program text, warm items only:
the first compile of a process also pays for imports and caches). A local
cluster costs :attr:`CostModel.start_s` to start plus a scheduler round trip
per item, and then divides the work by the number of workers that can run at
once (:meth:`CostModel.effective_jobs`: the cores that were idle while this
process compiled its first items, measured with :class:`IdleCores`). The batch
moves to the cluster only when that is clearly (``margin``) faster.

Why idle time over the probe and not the load average: the 1-minute load
average lags, and right after an earlier batch it still counts that batch's
finished workers, so back-to-back runs on an idle machine were judged busy
and stayed serial (``bench_distributed.py``'s interleaved runs showed it).

The constants come from ``python benchmarks/bench_distributed.py --calibrate``
(a LocalCluster of 2 forked workers, ``threads_per_worker=1``, in a warm
process) on the project's 2-core machine while other jobs kept its load
average near 10: up and answering in 0.32-0.50 s (once 1.92 s), 3-10 ms per
trivial task. Workers forked from this process start warm (imports and
caches are inherited); with the ``spawn`` start method each worker pays the
process's measured cold cost again, which is added.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass
class RateEstimator:
    """Seconds per unit of program size, from warm items compiled in this process."""

    seconds: float = 0.0
    size: int = 0
    samples: int = 0
    cold_s: float | None = None  # the first compile of this process (imports and caches included)

    def add(self, size: int, seconds: float) -> None:
        self.seconds += seconds
        self.size += max(1, size)
        self.samples += 1

    def estimate(self, size: int) -> float:
        """Estimated warm seconds to compile items of total ``size`` (0 without samples)."""
        return self.seconds / self.size * size if self.size else 0.0

    @property
    def confident(self) -> bool:
        """Enough warm evidence to act on: three items, or a quarter second of compiling."""
        return self.samples >= 3 or self.seconds >= 0.25


class IdleCores:
    """Cores the rest of the machine left free since construction (``/proc/stat``):
    ``IdleCores().cores()`` a second later is about 1.0 on an idle 2-core machine while
    this process computes. Time this process's own children (a local cluster's
    workers, starting up while the probe compiles) spent counts as free: it is ours
    to use. ``None`` where ``/proc/stat`` is not available."""

    def __init__(self) -> None:
        self._start = self._read()
        self._children = self._children_ticks()

    @staticmethod
    def _read() -> tuple[float, float] | None:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                fields = [float(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        if len(fields) < 5:
            return None
        return fields[3] + fields[4], sum(fields[:8])  # idle + iowait, all time (jiffies)

    @staticmethod
    def _children_ticks() -> dict[int, float]:
        """user + system clock ticks (the unit of ``/proc/stat``) of each direct child."""
        ticks: dict[int, float] = {}
        try:
            tasks = os.listdir("/proc/self/task")
        except OSError:
            return ticks
        for task in tasks:
            try:
                with open(f"/proc/self/task/{task}/children", encoding="ascii") as f:
                    pids = [int(p) for p in f.read().split()]
            except (OSError, ValueError):
                continue
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    ticks[pid] = float(fields[11]) + float(fields[12])  # utime, stime
                except (OSError, ValueError, IndexError):
                    continue
        return ticks

    def cores(self) -> float | None:
        now = self._read()
        if now is None or self._start is None:
            return None
        idle, total = now[0] - self._start[0], now[1] - self._start[1]
        if total <= 0:
            return None
        ours = sum(t - self._children.get(pid, 0.0) for pid, t in self._children_ticks().items())
        return min(1.0, (idle + max(0.0, ours)) / total) * (os.cpu_count() or 1)


@dataclass(frozen=True)
class CostModel:
    """Estimated wall time of the serial and the local-cluster way to finish a batch."""

    start_s: float = 0.6  # LocalCluster of forked workers, up and answering
    per_task_s: float = 0.004  # submit, schedule, run, gather one small result
    margin: float = 0.85  # the cluster must win by 15%: start-up time varies with load

    def effective_jobs(self, jobs: int, idle_cores: float | None) -> float:
        """How many of ``jobs`` workers can really run at once: this process's core
        plus the cores that sat idle while it compiled (``None``: not measurable
        here, assume ``jobs``). Measured because on a busy machine extra processes
        buy nothing: Linux schedules a session's processes as one group
        (autogroup), so a session gets its share of the CPU however many workers
        it starts."""
        if idle_cores is None:
            return float(jobs)
        return max(1.0, min(float(jobs), 1.0 + idle_cores))

    def parallel_s(self, serial_s: float, n: int, jobs: float, warmup_s: float = 0.0) -> float:
        """Cluster start, every worker's warm-up (in parallel), then the work divided."""
        return self.start_s + warmup_s + serial_s / max(1, jobs) + n * self.per_task_s

    def prefer_cluster(self, serial_s: float, n: int, jobs: float, warmup_s: float = 0.0) -> bool:
        return jobs > 1 and n > 1 and self.parallel_s(serial_s, n, jobs, warmup_s) < self.margin * serial_s

    def hopeless(self, serial_s: float) -> bool:
        """The rest of the batch takes less than starting a cluster: stay serial."""
        return serial_s <= self.start_s
