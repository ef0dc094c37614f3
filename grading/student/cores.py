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


def _cpu_times(stat: str) -> tuple[int, int]:
    """Total and idle time of all cores together, from the first line of /proc/stat.

    Parameters
    ----------
    stat : str
        The text of /proc/stat: ``cpu  user nice system idle iowait irq softirq steal ...``.

    Returns
    -------
    total, idle : int
        Clock ticks (guest time is already counted in user time, so it is left out).
    """
    fields = [int(value) for value in stat.split("\n", 1)[0].split()[1:9]]
    return sum(fields), fields[3] + fields[4]  # idle and iowait


def free_cores(at_most: int, interval: float = 0.1,
               read: Callable[[], str] | None = None) -> int:
    """The number of cores idle over the next `interval` seconds, between 1 and `at_most`.

    Parameters
    ----------
    at_most : int
        The largest answer: the threads the BLAS library was started with.
    interval : float
        Seconds to watch the cores for.
    read : callable, optional
        Returns the text of /proc/stat; reads the file by default. Tests pass their own.

    Returns
    -------
    int
        Idle time over the interval in whole cores, with a quarter of a core's slack for the
        watching itself; where /proc/stat cannot be read (not Linux), the cores that the
        one-minute load average leaves free, which lags behind.
    """
    if not (isinstance(at_most, int) and at_most >= 1):
        raise ValueError(f"at_most must be an int >= 1 (the BLAS library's threads), "
                         f"got {at_most!r}")
    cores = os.cpu_count() or 1
    try:
        read = read or Path(STAT).read_text
        total, idle = _cpu_times(read())
        time.sleep(interval)
        total_after, idle_after = _cpu_times(read())
        idle_cores = cores * (idle_after - idle) / max(total_after - total, 1)
    except (OSError, ValueError, IndexError):
        idle_cores = cores - os.getloadavg()[0] if hasattr(os, "getloadavg") else 1.0
    return max(1, min(at_most, int(idle_cores + 0.25)))
