"""Submitted code as an unprivileged uid, where a root grader runs it without a sandbox.

Under ``--no-sandbox`` the children of a root grader would run as root and
could write anything. So a child drops to NOBODY (uid and gid 65534) just
before it execs, after its rlimits are set and it has joined its cgroup
(`drop`). It can only where that uid can run this Python with its packages
(`can_run`): not where the interpreter lies under a folder only root may
enter, such as /root. `grading.isolation.sandbox` decides once per process.

The trusted side lets NOBODY reach what a child needs and nothing besides
(`share`): the folders it writes are chowned to it, the folders it reads get
o+rX, and their parents o+x (pass through by name, never list). Only folders
under the temporary folder are changed, since the grader made them; anything
elsewhere must already be readable by every user, which `blocked` checks from
the mode bits. Each child gets a fresh HOME and TMPDIR of its own (`home`), so
that nothing one child leaves in the shared /tmp (an IPython startup file,
say) is read by the next. What the grader keeps from children is written
owner-only (`write_private`).
"""

import os
import stat
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

NOBODY = 65534  # the uid and gid of "nobody" and "nogroup", which should own no file


def drop() -> None:
    """Become NOBODY for good, in a child before it execs; needs root.

    The order matters: the supplementary groups and the gid can be changed only
    while we are root, and setuid as root also sets the saved uid, so there is
    no way back.
    """
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def can_run(executable: str, env: Mapping[str, str]) -> bool:
    """True if NOBODY can start `executable` and import numpy with it (as children do)."""
    try:
        done = subprocess.run([executable, "-c", "import numpy"], cwd="/", env=env,
                              preexec_fn=drop, timeout=120, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):  # exec refused, or a hang
        return False
    return done.returncode == 0


def _others_may(path: Path | str, bits: int) -> bool:
    """True if the mode of path (links followed) gives every user the permission `bits`."""
    try:
        return os.stat(path).st_mode & bits == bits
    except OSError:
        return False


def _tree(path: Path | str) -> list[Path]:
    """The path, and for a folder everything under it (links not followed)."""
    path = Path(path)
    return [path, *path.rglob("*")] if path.is_dir() and not path.is_symlink() else [path]


def _closed_parent(path: Path | str) -> Path | None:
    """The first folder on the way to path that others may not pass (no o+x), else None."""
    return next((parent for parent in reversed(Path(path).absolute().parents)
                 if not _others_may(parent, stat.S_IXOTH)), None)


def blocked(path: Path | str) -> Path | None:
    """The first folder or file that keeps NOBODY from reading path (all of it), else None.

    Read from the bits of the others' class, since the grader's files are
    neither NOBODY's nor its group's: every parent must let others pass (o+x),
    a folder list (o+rx), a file be read (o+r).
    """
    if (parent := _closed_parent(path)) is not None:
        return parent
    return next((item for item in _tree(path) if not _others_may(
        item, stat.S_IROTH | (stat.S_IXOTH if item.is_dir() else 0))), None)


def _grant(path: Path, bits: int) -> None:
    """Add `bits` to the mode of path (a link is left alone)."""
    mode = os.lstat(path).st_mode
    if not stat.S_ISLNK(mode) and mode & bits != bits:
        os.chmod(path, stat.S_IMODE(mode) | bits)


def share(read_only: Iterable[Path | str], writable: Iterable[Path | str]) -> None:
    """Let NOBODY read the folders `read_only` and write the folders `writable`.

    Raises PermissionError, naming the folder and the fix, for a folder NOBODY
    cannot reach that lies outside the temporary folder, or must write there.
    """
    temporary = Path(tempfile.gettempdir()).resolve()
    folders = [(Path(p).resolve(), False) for p in read_only]
    folders += [(Path(p).resolve(), True) for p in writable]
    for path, write in folders:
        if temporary not in path.parents:
            where = path if write else blocked(path)
            if where is not None:
                raise PermissionError(
                    f"uid {NOBODY} cannot {'write' if write else 'read'} {path}: {where} is "
                    f"not open to it; give it a folder under {temporary}"
                    + ("" if write else " or make this one readable by every user"))
            continue
        if (where := _closed_parent(temporary / "x")) is not None:
            raise PermissionError(f"uid {NOBODY} cannot pass {where} to reach {path}")
        for parent in path.parents:
            if temporary in parent.parents:  # the grader's own folders, grade-* say
                _grant(parent, stat.S_IXOTH)
        for item in _tree(path):
            if write:
                os.chown(item, NOBODY, NOBODY, follow_symlinks=False)
            else:
                _grant(item, stat.S_IROTH | (stat.S_IXOTH if item.is_dir() else 0))


def home() -> Path:
    """A fresh folder for one child's HOME and TMPDIR: NOBODY's, closed to others (0700)."""
    path = Path(tempfile.mkdtemp(prefix="grading-home-"))
    os.chown(path, NOBODY, NOBODY)
    return path


def write_private(path: Path | str, text: str) -> None:
    """Write text to path (UTF-8), readable and writable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that was there keeps its mode otherwise
    with open(fd, "w", encoding="utf-8") as file:
        file.write(text)
