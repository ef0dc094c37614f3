"""free_cores, the notebook's BLAS thread policy: idle cores from /proc/stat, at least 1."""

import os
import subprocess
import sys
import time

import pytest

from grading.student import cores


def stat_reader(*idle_and_busy):
    """A /proc/stat reader returning, call by call, the given cumulative idle and busy ticks."""
    texts = iter([f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 1 2 3 4\n"
                  for idle, busy in idle_and_busy])
    return lambda: next(texts)


@pytest.mark.parametrize("idle_ticks, busy_ticks, at_most, expected", [
    (200, 0, 2, 2),     # both cores idle
    (200, 0, 1, 1),     # idle, but the BLAS library has one thread
    (100, 100, 2, 1),   # one core busy
    (80, 120, 2, 1),    # one core and a bit busy: never fewer than one
    (0, 200, 2, 1),     # both busy
    (160, 40, 2, 1),    # 1.6 idle cores round down, with the quarter core of slack
    (180, 20, 2, 2),    # 1.8 idle cores count as two
])
def test_idle_time_counts_in_whole_cores(monkeypatch, idle_ticks, busy_ticks, at_most,
                                         expected):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    read = stat_reader((1000, 5000), (1000 + idle_ticks, 5000 + busy_ticks))
    assert cores.free_cores(at_most, interval=0, read=read) == expected


def test_without_proc_stat_the_load_average_decides(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.2, 0.0, 0.0))

    def missing():
        raise FileNotFoundError("/proc/stat")
    assert cores.free_cores(4, interval=0, read=missing) == 3  # 2.8 idle cores


@pytest.mark.parametrize("at_most", [0, 2.0, None])
def test_at_most_must_be_a_thread_count(at_most):
    with pytest.raises(ValueError, match="at_most must be an int >= 1"):
        cores.free_cores(at_most)


@pytest.mark.skipif(not os.path.exists(cores.STAT), reason="needs Linux's /proc/stat")
def test_with_every_core_kept_busy_the_answer_is_one():
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(0.3)  # the spinners are running
        assert cores.free_cores(os.cpu_count() or 1, interval=0.3) == 1
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
