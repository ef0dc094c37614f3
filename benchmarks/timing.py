"""Wall-clock timing: medians over repeats, with competing ways interleaved, and a busy core."""

import contextlib
import statistics
import subprocess
import sys
import time


def timed(fn):
    """Call ``fn()`` once; return (seconds, its result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_times(fns, repeats, warmup=1):
    """Median wall time of each function, the functions run round-robin.

    Interleaving the competitors (A, B, A, B, ...) means that a burst of load
    from elsewhere on the machine slows both of them, not only whichever one
    happened to run during the burst, so their ratio stays fair.

    Parameters
    ----------
    fns : sequence of callables taking no arguments
    repeats : int
        Timed calls of each function (>= 1).
    warmup : int
        Untimed calls of each function first (page faults, BLAS thread start-up).

    Returns
    -------
    medians : list of float
        Median seconds per call, one per function.
    results : list
        What each function returned on its last call.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1, got {repeats!r}")
    for _ in range(warmup):
        for fn in fns:
            fn()
    seconds = [[] for _ in fns]
    results = [None] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            elapsed, results[k] = timed(fn)
            seconds[k].append(elapsed)
    return [statistics.median(s) for s in seconds], results


def median_time(fn, repeats, warmup=1):
    """Median wall time in seconds of ``fn()`` over ``repeats`` calls."""
    return median_times([fn], repeats, warmup)[0][0]


@contextlib.contextmanager
def busy_core(busy=True):
    """While the block runs, keep one core busy with a spinning process if `busy`."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        yield
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
