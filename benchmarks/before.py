"""An earlier commit of the bundle beside today's, for rows that compare the two in one run.

``python -m benchmarks --before COMMIT`` extracts COMMIT's tree (``git archive``) into a
temporary folder; the grading and notebook rows then time the same command there and here,
alternately, with the same Python, packages and dataset, so their ratio says what the
commits between changed and not what the machine was doing.
"""

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import data_utils

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def checkout(commit: str) -> Iterator[Path]:
    """COMMIT's tree in a temporary folder, removed afterwards; ValueError if git cannot read it."""
    with tempfile.TemporaryDirectory(prefix="bench-before-") as folder:
        archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT,
                                 capture_output=True)
        if archive.returncode != 0:
            raise ValueError(f"--before must name a commit of this repository, got {commit!r}: "
                             f"{archive.stderr.decode(errors='replace').strip()}")
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        yield Path(folder)


def environment(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a command run in the bundle at `root`.

    Its own modules come first on the path (the installed bundle is today's), the dataset
    is the one today's bundle finds, and a quick setting of the caller's is dropped.
    """
    env = {key: value for key, value in os.environ.items() if key != "SOFTMAX_QUICK"}
    env.update(PYTHONPATH=str(root), CIFAR10_DIR=str(data_utils.locate_cifar10()[0]), **extra)
    return env
