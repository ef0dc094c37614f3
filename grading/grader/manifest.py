"""The manifest of a grade: what it was reached with, so that anyone can reach it again.

Every report `grade` writes carries one (`grading.report.Manifest`): the release graded
against and its hash (`release.stamp`), the SHA-256 of every submission file taken, the
grader's version, the environment, the seeds, limits and timeouts, and the isolation level.
`grading.grader.replay` grades the submission again and checks it against them.

The grader's version is a content hash: the sorted relative paths and bytes of the grading
code that ran (this bundle's grading/) and of the tests that ran (the graded bundle's
tests/), so any change to either, a comment included, gives another version.
"""

import hashlib
import os
import platform
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy
from threadpoolctl import threadpool_info

from grading import tasks
from grading.authoring import release
from grading.grader import unpack
from grading.isolation import sandbox
from grading.report import Environment, Manifest
from grading.student import regions


def submitted(submission: Path | str) -> dict[str, str]:
    """{path: SHA-256} of the submission files `grade` takes from `submission`.

    The files are read as `grading.grader.unpack` reads them (a zip's members, or
    files found by name at the top), so a folder and the zip `collect` makes of it
    give the same hashes. A submission that cannot be read has none.
    """
    try:
        files = unpack.read(submission)
    except (zipfile.BadZipFile, unpack.SubmissionError, OSError):
        return {}
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in sorted(files.items())}


def tree_hash(folders: Mapping[str, Path]) -> str:
    """SHA-256 of the files under `folders` ({name: folder}): sorted paths and bytes.

    Each file contributes its path (the folder's name, then the path inside it) and its
    length before its bytes, so no two different trees give the same stream.
    `regions.walk` leaves out __pycache__ and the other folders tools never copy.
    """
    digest = hashlib.sha256()
    for name, folder in sorted(folders.items()):
        for rel in regions.walk(folder):
            data = (folder / rel).read_bytes()
            for part in (f"{name}/{rel}".encode(), data):
                digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def grader_version(bundle: Path | str) -> str:
    """The grader's version: `tree_hash` of this grading code and `bundle`'s tests."""
    return tree_hash({"grading": tasks.BUNDLE / "grading", "tests": Path(bundle) / "tests"})


def environment() -> Environment:
    """The grading process's `Environment`; its children inherit its BLAS settings."""
    blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    first = blas[0] if blas else {}
    return Environment(python=platform.python_version(), numpy=numpy.__version__,
                       blas=f"{first.get('internal_api', 'none')} {first.get('version', '')}"
                       .strip(),
                       kernel=str(first.get("architecture") or ""),
                       threads=int(first.get("num_threads") or 0),
                       platform=platform.platform())


def seeds() -> dict[str, str]:
    """What seeds the tests' randomness beyond their own code.

    Their examples come from hypothesis's profile, 'ci' (derandomized) unless
    HYPOTHESIS_PROFILE names another; hash randomization follows PYTHONHASHSEED.
    """
    return {"hypothesis_profile": os.environ.get("HYPOTHESIS_PROFILE", "ci"),
            "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "random")}


def build(bundle: Path | str, files: Mapping[str, str], sandboxed: bool, task_timeout: int,
          notebook_timeout: int) -> Manifest:
    """The `Manifest` of a grade against `bundle` of the files hashed `files` (`submitted`)."""
    isolation = sandbox.Isolation.for_submissions(sandboxed)
    return Manifest(release=release.stamp(bundle), grader=grader_version(bundle),
                    files=dict(files), environment=environment(), seeds=seeds(),
                    limits=dict(tasks.LIMITS),
                    timeouts={"task": task_timeout, "notebook": notebook_timeout},
                    isolation=isolation.value)
