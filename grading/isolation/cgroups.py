"""Pids cgroups: a cap on a grader's processes that binds root, and a way to end them all.

RLIMIT_NPROC does not bind uid 0, so a root grader caps a sandbox's processes
with a pids cgroup instead; killing a cgroup's members reaches every process
started in it, whatever session it is in. A cgroup is named
``grading-<pid of its maker>-<random>`` and made inside the grading cgroup its
maker is in, if any, so that `sweep` can tell when its maker is gone. Only a
root grader makes cgroups; elsewhere `new_cgroup` returns None.
"""

import os
import signal
import time
import uuid
from pathlib import Path

from grading import tasks

CGROUP = Path("/sys/fs/cgroup/pids")


def _own_cgroup() -> Path:
    """The grading pids cgroup this process is in, else the hierarchy's root."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "pids" in controllers.split(","):
            here = CGROUP / path.lstrip("/")
            return here if here.name.startswith("grading-") and here.is_dir() else CGROUP
    return CGROUP


def new_cgroup(limit: int | None = tasks.LIMITS["processes"]) -> Path | None:
    """A fresh pids cgroup capped at `limit` (None: uncapped), or None where we cannot make one.

    It is made inside the grading cgroup this process is in, if any, so that
    everything a grade process starts stays under that process's cgroup; its
    name holds our pid, so `sweep` can tell when its maker is gone.
    """
    if os.geteuid() != 0 or not CGROUP.is_dir():
        return None
    path = _own_cgroup() / f"grading-{os.getpid()}-{uuid.uuid4().hex[:16]}"
    try:
        path.mkdir()
        if limit is not None:
            (path / "pids.max").write_text(str(limit))
    except OSError:
        return None
    return path


def members(cgroup: Path) -> list[int]:
    """The pids of every process in cgroup and its sub-cgroups."""
    pids: list[str] = []
    for folder, _, _ in os.walk(cgroup):
        try:
            pids += (Path(folder) / "cgroup.procs").read_text().split()
        except OSError:  # removed meanwhile
            pass
    return [int(pid) for pid in pids]


def remove_cgroup(cgroup: Path) -> None:
    """Kill every process of cgroup and its sub-cgroups, then remove them, innermost first."""
    for _ in range(50):  # members may be forking while we kill them
        pids = members(cgroup)
        for pid in pids:
            _signal(pid, signal.SIGKILL)
        if not pids:
            break
        time.sleep(0.02)
    for folder, _, _ in os.walk(cgroup, topdown=False):
        for _ in range(50):  # the killed may take a moment to leave
            try:
                os.rmdir(folder)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)


def sweep() -> None:
    """Remove the empty grading cgroups left by graders that are gone (killed, say).

    Only a cgroup whose maker (the pid in its name) has exited and that holds
    no process is removed; a live grader's cgroups are never touched.
    """
    if os.geteuid() != 0 or not CGROUP.is_dir():
        return
    for path in CGROUP.glob("grading-*-*"):
        maker = path.name.split("-")[1]
        if maker.isdigit() and not _signal(int(maker), 0) and not members(path):
            remove_cgroup(path)


def _signal(pid: int, number: int) -> bool:
    """Send signal `number` to pid (0: only check it exists); False if there is no such pid."""
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
