"""Copy a submission's files into a scratch folder, refusing what could hurt the grader.

Only `tasks.SUBMISSION_FILES` are taken, each read by name and capped at
`MAX_FILE` bytes before anything is written: a zip member's declared size is
checked first, and the read stops at the cap whatever the zip claims (a 5 MB
zip may inflate to 5 GiB). In a folder submission, a submission file that is
a link, or lies under one, is refused: a link could point at the grader's
own files. A submission file missing at its path is looked for by its name
at the top (classifiers/softmax.py as softmax.py): files uploaded one by one,
as Gradescope stores them, lie side by side. `submissions` lists a class's folder
of submissions, as `grade_all` and `similarity` read it.
"""

import os
import stat
import zipfile
import zlib
from pathlib import Path
from typing import IO

from grading import tasks
from grading.child import channel

MAX_FILE = 64 << 20  # bytes per submission file (a notebook with plots is a few MB)


# What reading a zip member may raise besides BadZipFile: a password (RuntimeError), an
# unknown compression method (NotImplementedError), corrupt data (zlib.error, EOFError).
UNREADABLE = (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError,
              ValueError)


class SubmissionError(ValueError):
    """A submission that cannot be taken as it is: a link, an oversized file, a bad zip."""


def _capped(stream: IO[bytes], where: str) -> bytes:
    data = stream.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise SubmissionError(f"{where} is larger than {MAX_FILE >> 20} MB; "
                              "hand in the files collect writes")
    return data


def _folder_file(root: Path, rel: str) -> bytes | None:
    """The bytes of root/rel, or None if absent; SubmissionError if a link is on the way."""
    path = root
    for part in Path(rel).parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return None
        if stat.S_ISLNK(mode):
            raise SubmissionError(f"{rel} is or lies under a link ({path.name}); "
                                  "submit the files themselves")
    if not stat.S_ISREG(mode):
        return None
    with open(path, "rb") as stream:
        return _capped(stream, rel)


def _zip_files(archive: zipfile.ZipFile) -> dict[str, str]:
    """{submission file: member name} of a zip, its single wrapping folder stripped if any.

    The folder is a wrapper only when no member is a submission file as it
    stands and some member is one without that folder.
    """
    names = {name: name for name in archive.namelist() if not name.endswith("/")}
    inner = {name.split("/", 1)[1]: name for name in names if "/" in name}
    wanted = set(tasks.SUBMISSION_FILES)
    if (len({name.split("/")[0] for name in names}) == 1
            and wanted & inner.keys() and not wanted & names.keys()):
        names = inner
    found = {rel: name for rel, name in names.items() if rel in wanted}
    return {**{rel: Path(rel).name for rel in wanted - found.keys()
               if Path(rel).name in names}, **found}


def submissions(folder: Path | str) -> dict[str, Path]:
    """{name: path} of the submissions in folder: every folder and .zip directly inside it,
    sorted by name (a zip's keeps its .zip).

    A name that is not UTF-8 (bytes read as lone surrogates) is written with escapes, so
    its report, its row and its folder of reports can be written.
    """
    return {channel.cap(path.name, 255): path for path in sorted(Path(folder).iterdir())
            if path.is_dir() or path.suffix == ".zip"}


def read(submission: Path | str) -> dict[str, bytes]:
    """{rel: bytes} of the submission files found in a folder or zip."""
    submission = Path(submission)
    if submission.is_symlink():
        raise SubmissionError(f"the submission {submission.name} is a link")
    if submission.is_dir():
        found = {rel: _folder_file(submission, rel) for rel in tasks.SUBMISSION_FILES}
        found = {rel: _folder_file(submission, Path(rel).name) if data is None else data
                 for rel, data in found.items()}
        return {rel: data for rel, data in found.items() if data is not None}
    if not zipfile.is_zipfile(submission):
        raise SubmissionError(f"SUBMISSION must be a folder or a zip file, got {submission.name}")
    with zipfile.ZipFile(submission) as archive:
        files: dict[str, bytes] = {}
        for rel, name in _zip_files(archive).items():
            if archive.getinfo(name).file_size > MAX_FILE:
                raise SubmissionError(f"{rel} is larger than {MAX_FILE >> 20} MB once unzipped")
            try:
                with archive.open(name) as stream:
                    files[rel] = _capped(stream, rel)
            except SubmissionError:
                raise
            except UNREADABLE as error:
                raise SubmissionError(f"{rel} cannot be read from the zip ({type(error).__name__}: "
                                      f"{str(error)[:200]}); hand in the zip collect writes") \
                    from None
        return files


def unpack(submission: Path | str, dest: Path) -> list[str]:
    """Write the submission files into dest; return those not found."""
    files = read(submission)
    for rel, data in files.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(data)
    return [rel for rel in tasks.SUBMISSION_FILES if rel not in files]
