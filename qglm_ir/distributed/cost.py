"""When a batch is worth a local cluster: a cost model with measured constants.

Serial time of the rest of a batch is estimated from the items already
compiled in this process (seconds per byte of program text, warm items only:
the first compile of a process also pays for imports and caches). A local
cluster costs :attr:`CostModel.start_s` to start plus a scheduler round trip
per item, and then divides the work by the number of workers that can run at
once (:meth:`CostModel.effective_jobs`: the cores the load average leaves
free). The batch moves to the cluster only when that is clearly (``margin``)
faster.

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


@dataclass(frozen=True)
class CostModel:
    """Estimated wall time of the serial and the local-cluster way to finish a batch."""

    start_s: float = 0.6  # LocalCluster of forked workers, up and answering
    per_task_s: float = 0.004  # submit, schedule, run, gather one small result
    margin: float = 0.85  # the cluster must win by 15%: start-up time varies with load

    def effective_jobs(self, jobs: int, load: float | None = None, cpus: int | None = None) -> float:
        """How many of ``jobs`` workers can really run at once: the cores the
        1-minute load average leaves free (this process counts as one).
        Measured because on a busy machine extra processes buy nothing: Linux
        schedules a session's processes as one group (autogroup), so a session
        gets its share of the CPU however many workers it starts."""
        if load is None:
            try:
                load = os.getloadavg()[0]
            except OSError:  # not available on this platform: assume an idle machine
                load = 1.0
        cpus = cpus or os.cpu_count() or 1
        free = cpus - max(0.0, load - 1.0)
        return max(1.0, min(float(jobs), free))

    def parallel_s(self, serial_s: float, n: int, jobs: float, warmup_s: float = 0.0) -> float:
        """Cluster start, every worker's warm-up (in parallel), then the work divided."""
        return self.start_s + warmup_s + serial_s / max(1, jobs) + n * self.per_task_s

    def prefer_cluster(self, serial_s: float, n: int, jobs: float, warmup_s: float = 0.0) -> bool:
        return jobs > 1 and n > 1 and self.parallel_s(serial_s, n, jobs, warmup_s) < self.margin * serial_s

    def hopeless(self, serial_s: float) -> bool:
        """The rest of the batch takes less than starting a cluster: stay serial."""
        return serial_s <= self.start_s
