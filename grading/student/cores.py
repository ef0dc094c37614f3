"""The cores other programs leave free, for the notebook's BLAS thread policy.

A matrix product split over two BLAS threads is up to 1.8 times faster on an idle machine,
but two to three times slower while another program keeps one core busy: at every block the
threads wait for the one that shares its core (benchmarks/README.md, the threads rows). So
the notebook gives its large products as many threads as there are idle cores when they
start, and one thread when there are none.
"""

import os
import time
from collections.abc import Callable
from pathlib import Path

STAT = "/proc/stat"
QUOTA = "/sys/fs/cgroup/cpu.max"  # cgroup v2: "max 100000", or "200000 100000" for 2 CPUs


def _idle_ticks(stat: str, cpus: set[int]) -> dict[int, tuple[int, int]]:
    """Total and idle clock ticks of each of `cpus`, from the ``cpuN`` lines of /proc/stat.

    Parameters
    ----------
    stat : str
        The text of /proc/stat, whose ``cpuN user nice system idle iowait irq softirq steal
        ...`` lines count each CPU's ticks since boot.
    cpus : set of int
        The CPUs this process may run on.

    Returns
    -------
    dict
        CPU number -> (total, idle) ticks; idle counts iowait too, and guest time is left
        out of the total since user time already counts it.
    """
    ticks = {}
    for line in stat.splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            fields = [int(value) for value in values[:8]]
            ticks[int(name[3:])] = sum(fields), fields[3] + fields[4]
    return ticks


def _quota() -> int | None:
    """The CPUs this process's cgroup may use in all (its quota, rounded down), or None."""
    try:
        quota, period = Path(QUOTA).read_text().split()
        return None if quota == "max" else max(1, int(quota) // int(period))
    except (OSError, ValueError):
        return None


def free_cores(at_most: int, interval: float = 0.1,
               read: Callable[[], str] | None = None) -> int:
    """The number of this process's CPUs that stay idle over the next `interval` seconds.

    Parameters
    ----------
    at_most : int
        The largest answer: the threads the BLAS library was started with.
    interval : float
        Seconds to watch the CPUs for.
    read : callable, optional
        Returns the text of /proc/stat; reads the file by default. Tests pass their own.

    Returns
    -------
    int
        Between 1 and the smallest of `at_most` and the cgroup's CPU quota: the idle time of
        the CPUs this process may run on, in whole CPUs with a quarter of one as slack for
        the watching itself. Where /proc/stat cannot be read (not Linux), the CPUs that the
        one-minute load average leaves free, which lags behind.
    """
    if not (isinstance(at_most, int) and at_most >= 1):
        raise ValueError(f"at_most must be an int >= 1 (the BLAS library's threads), "
                         f"got {at_most!r}")
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    try:
        read = read or Path(STAT).read_text
        before = _idle_ticks(read(), cpus)
        if not before:
            raise ValueError(f"{STAT} names none of the CPUs {sorted(cpus)}")
        time.sleep(interval)
        after = _idle_ticks(read(), cpus)
        idle = sum((after[cpu][1] - before[cpu][1]) / max(after[cpu][0] - before[cpu][0], 1)
                   for cpu in before.keys() & after.keys())
    except (OSError, ValueError, IndexError):
        try:
            idle = (os.cpu_count() or 1) - os.getloadavg()[0]
        except (OSError, AttributeError):  # no load average either
            idle = 1.0
    return max(1, min(at_most, _quota() or at_most, int(idle + 0.25)))
