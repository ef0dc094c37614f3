"""Where and how submitted code runs: copies, subprocesses, time limits.

Nothing is ever run in, or written to, a submission: `unpack` copies its
files into a scratch folder first. Code runs in a subprocess whose working
directory is a complete copy of the bundle (`reference_tree`) with the
submission's files laid over it; that folder is first on the import path
(PYTHONPATH and the working directory), and since it holds every module of the
bundle, an editable install of the bundle is never reached.
"""

import os
import shutil
import signal
import subprocess
import zipfile
from functools import partial
from pathlib import Path

from grading import regions, tasks


def unpack(submission, dest):
    """Copy the submission files of a folder or zip into dest; return those not found.

    Only `tasks.SUBMISSION_FILES` are taken; zip members are read by name, so
    nothing lands outside dest. A zip's single top folder is a wrapper, and is
    stripped, only when no member is a submission file as it stands and some
    member is one without that folder: a zip of classifiers/*.py alone keeps its paths.
    """
    submission = Path(submission)
    if submission.is_dir():
        files = {rel: (submission / rel).read_bytes for rel in tasks.SUBMISSION_FILES
                 if (submission / rel).is_file()}
    elif zipfile.is_zipfile(submission):
        archive = zipfile.ZipFile(submission)
        names = {name: name for name in archive.namelist() if not name.endswith("/")}
        inner = {name.split("/", 1)[1]: name for name in names if "/" in name}
        wanted = set(tasks.SUBMISSION_FILES)
        if (len({name.split("/")[0] for name in names}) == 1
                and wanted & inner.keys() and not wanted & names.keys()):
            names = inner  # {member name without the wrapping folder: member name}
        files = {rel: partial(archive.read, name) for rel, name in names.items()}
    else:
        raise FileNotFoundError(f"SUBMISSION must be a folder or a zip file, got {submission}")
    for rel in tasks.SUBMISSION_FILES:
        if rel in files:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(files[rel]())
    return [rel for rel in tasks.SUBMISSION_FILES if rel not in files]


def reference_tree(bundle, dest):
    """Copy the bundle's code, tests and configuration (not its data) into dest."""
    for rel in regions.walk(bundle):
        if rel.split("/")[0] not in ("datasets", "grading"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(bundle / rel, dest / rel)
    return dest


def overlay(reference, dest, files):
    """A copy of the reference tree at dest with `files` ({rel: str or bytes}) written over it."""
    shutil.copytree(reference, dest)
    for rel, content in files.items():
        content = content.encode("utf-8") if isinstance(content, str) else content
        (dest / rel).write_bytes(content)
    return dest


def environment(tree, **extra):
    """Environment for code in `tree`: its root first on the path.

    The caller's environment is passed on except pytest's variables and
    SOFTMAX_QUICK: students hand in full-size notebook runs, so a re-execution
    at the quick size would mismatch in every cell.
    """
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTEST_") and key != "SOFTMAX_QUICK"}
    env.update(PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def run(command, cwd, timeout, env):
    """Run command; return (exit status, combined output), status None if it timed out.

    The command gets its own process group, so a timeout kills everything it
    started (a notebook's kernel included).
    """
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return None, output.decode("utf-8", "replace")
