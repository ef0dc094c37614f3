"""free_cores, the notebook's BLAS thread policy: the idle CPUs this process may use, from
/proc/stat, within its cgroup's quota; never fewer than 1."""

import os
import subprocess
import sys
import time

import pytest

from grading.student import cores


@pytest.fixture(autouse=True)
def no_quota(monkeypatch, tmp_path):
    """No cgroup CPU quota, whatever this machine's is; a test writes one where it wants."""
    monkeypatch.setattr(cores, "QUOTA", str(tmp_path / "cpu.max"))


def stat_reader(*deltas):
    """A /proc/stat reader: first every CPU at 1000 idle and 5000 busy ticks, then each CPU
    ``deltas[n] = (idle, busy)`` ticks later. The aggregate ``cpu`` line is not read."""
    def text(moved):
        lines = ["cpu  1 2 3 4 5 6 7 8 0 0"]
        lines += [f"cpu{n} {5000 + busy * moved} 0 0 {1000 + idle * moved} 0 0 0 0 0 0"
                  for n, (idle, busy) in enumerate(deltas)]
        return "\n".join(lines + ["intr 1 2 3"]) + "\n"
    texts = iter([text(0), text(1)])
    return lambda: next(texts)


@pytest.mark.parametrize("deltas, at_most, expected", [
    ([(100, 0), (100, 0)], 2, 2),    # both CPUs idle
    ([(100, 0), (100, 0)], 1, 1),    # idle, but the BLAS library has one thread
    ([(100, 0), (0, 100)], 2, 1),    # one CPU busy
    ([(0, 100), (0, 100)], 2, 1),    # both busy: never fewer than one
    ([(80, 20), (80, 20)], 2, 1),    # 1.6 idle CPUs round down, with a quarter CPU of slack
    ([(90, 10), (90, 10)], 2, 2),    # 1.8 idle CPUs count as two
])
def test_idle_time_counts_in_whole_cpus(monkeypatch, deltas, at_most, expected):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert cores.free_cores(at_most, interval=0, read=stat_reader(*deltas)) == expected


@pytest.mark.parametrize("allowed, expected", [({2, 3}, 1), ({0, 1}, 2), ({1, 3}, 2)])
def test_only_the_cpus_this_process_may_use_count(monkeypatch, allowed, expected):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: allowed)
    read = stat_reader((100, 0), (100, 0), (0, 100), (100, 0))  # CPU 2 busy
    assert cores.free_cores(4, interval=0, read=read) == expected


@pytest.mark.parametrize("quota, expected", [("100000 100000", 1), ("250000 100000", 2),
                                             ("max 100000", 4)])
def test_the_cgroups_cpu_quota_caps_the_answer(monkeypatch, tmp_path, quota, expected):
    (tmp_path / "cpu.max").write_text(quota + "\n")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    read = stat_reader(*[(100, 0)] * 4)
    assert cores.free_cores(4, interval=0, read=read) == expected


def missing():
    raise FileNotFoundError("/proc/stat")


def test_without_proc_stat_the_load_average_decides(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.2, 0.0, 0.0))
    assert cores.free_cores(4, interval=0, read=missing) == 3  # 2.8 idle CPUs


def test_without_a_load_average_either_the_answer_is_one(monkeypatch):
    def unreadable():
        raise OSError("Load averages are unobtainable")
    monkeypatch.setattr(os, "getloadavg", unreadable)
    assert cores.free_cores(4, interval=0, read=missing) == 1


@pytest.mark.parametrize("at_most", [0, 2.0, None])
def test_at_most_must_be_a_thread_count(at_most):
    with pytest.raises(ValueError, match="at_most must be an int >= 1"):
        cores.free_cores(at_most)


@pytest.mark.skipif(not (os.path.exists(cores.STAT) and len(os.sched_getaffinity(0)) >= 2),
                    reason="needs Linux's /proc/stat and two CPUs")
def test_with_every_cpu_kept_busy_the_answer_is_one():
    allowed = os.sched_getaffinity(0)
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in allowed]
    try:
        time.sleep(0.3)  # the spinners are running
        assert cores.free_cores(len(allowed), interval=0.3) == 1
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
