"""Gradescope's autograder for this bundle: ``python -m grading.gradescope.build OUT.zip``.

Writes a zip that follows Gradescope's autograder contract: ``setup.sh`` and
``run_autograder`` at its root (from `grading/gradescope/autograder/`), ``autograder.json``
(the minutes Gradescope allows a run), and the grading tree under ``bundle/``:
the library, the reference notebook, the public and hidden tests and `grading`.
Gradescope unpacks it into /autograder/source, runs setup.sh once, then
run_autograder for every submission, which runs ``--run ROOT`` here: grade
ROOT/submission exactly as `grading.grader.grade` does (the same task grading,
sandbox and notebook integrity checks) and write ROOT/results/results.json
(`grading.gradescope.results`). The full report goes to the run's stdout,
which Gradescope shows to instructors only. Built with ``--marks MARKS.csv``
(manual marks by student email), the zip adds each student's marks to the score.

Gradescope's containers usually forbid the user namespaces bubblewrap needs;
there the run grades without the sandbox and results.json says so, naming the
isolation level that applied.
"""

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grading import report, tasks
from grading.course import manual
from grading.grader import grade
from grading.gradescope import results as gradescope_results
from grading.isolation import sandbox
from grading.student import regions

SCRIPTS = Path(__file__).parent / "autograder"
MAX_MINUTES = 40  # the longest run Gradescope allows
MARGIN = 120      # seconds kept after the notebook's deadline to write the results
MARKS = "marks.json"  # in the zip: the manual marks, validated, by student email
SUBMISSION = "submission"  # the name of the one upload a run grades
# What the zip leaves out of the bundle: tooling, documentation and data (setup.sh
# downloads CIFAR-10 and writes the synthetic set there).
LEFT_OUT = ("benchmarks/", "docs/", "datasets/", "scripts/", f"{tasks.TOOL_TESTS}/")


def bundle_files(bundle: Path | str) -> list[str]:
    """The relative paths of the bundle's files that the autograder needs."""
    files = [rel for rel in regions.walk(bundle) if not rel.startswith(LEFT_OUT)]
    needed = [tasks.NOTEBOOK, "requirements.txt", "pyproject.toml", f"{tasks.HIDDEN_TESTS}/"]
    for rel in needed:
        if not any(path == rel or path.startswith(rel) for path in files):
            raise FileNotFoundError(f"bundle: {Path(bundle) / rel} is missing; build the "
                                    "autograder from the full bundle (with its hidden tests)")
    return files


def build(out: Path | str, bundle: Path | str = tasks.BUNDLE, minutes: int = MAX_MINUTES,
          marks: Path | str | None = None) -> Path:
    """Write the autograder zip `out` for `bundle`; Gradescope's timeout is `minutes`.

    `marks`, a manual marks CSV (`grading.course.manual`) whose submissions are the
    students' emails, goes into the zip validated, and each run adds the marks
    of its student to the score.
    """
    if not 10 <= minutes <= MAX_MINUTES:
        raise ValueError(f"minutes={minutes}: Gradescope allows runs of at most {MAX_MINUTES} "
                         "minutes, and grading needs at least 10; pass 10 to 40")
    out, bundle = Path(out), Path(bundle)
    given = manual.read_marks(marks, None) if marks is not None else None
    files = bundle_files(bundle)
    # The zip closes before it is renamed: `written` is the outer block.
    with report.written(out) as temporary, \
            zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o100755 << 16  # a regular file, executable
            archive.writestr(info, (SCRIPTS / name).read_bytes(), zipfile.ZIP_DEFLATED)
        archive.writestr("autograder.json", json.dumps({"minutes": minutes}) + "\n")
        if given is not None:
            archive.writestr(MARKS, json.dumps(given, indent=1) + "\n")
        for rel in files:
            archive.write(bundle / rel, f"bundle/{rel}")
    return out


def find_submission(folder: Path | str) -> Path:
    """What to grade in Gradescope's submission folder: the folder, or the zip it holds.

    A student may upload collect's zip, or the files themselves, in their
    folders or one by one (`grading.grader.unpack` finds those by name).
    """
    folder = Path(folder)
    names = {name for rel in tasks.SUBMISSION_FILES for name in (rel, Path(rel).name)}
    zips = [path for path in folder.iterdir() if path.suffix == ".zip"]
    if len(zips) == 1 and not any(os.path.lexists(folder / name) for name in names):
        return zips[0]
    return folder


def student_marks(root: Path) -> dict[str, dict[str, Any]] | None:
    """{submission: marks} for this upload from the zip's marks, by its students' emails.

    Gradescope describes the upload in ROOT/submission_metadata.json; of a
    group's students, the first with marks is taken. None when the zip has no marks.
    """
    if not (root / "source" / MARKS).is_file():
        return None
    marks = json.loads((root / "source" / MARKS).read_text("utf-8"))
    try:
        users = json.loads((root / "submission_metadata.json").read_text("utf-8"))["users"]
    except (OSError, ValueError, KeyError):
        users = []
    emails = [user.get("email") for user in users if isinstance(user, dict)]
    return {SUBMISSION: next((marks[email] for email in emails if email in marks), {})}


def run(root: Path | str, mode: str = "auto") -> dict[str, Any]:
    """Grade root/submission; write root/results/results.json and print the report."""
    start, root = time.monotonic(), Path(root)
    settings = json.loads((root / "source" / "autograder.json").read_text("utf-8"))
    if os.geteuid() == 0:
        os.chmod(root / "source", 0o700)  # hidden tests and the reference: root's alone
    sandboxed = mode == "auto" and sandbox.level() != "none"
    with tempfile.TemporaryDirectory(prefix="autograder-") as folder:
        work = Path(folder)
        result = grade.grade(find_submission(root / "submission"), work / "report",
                             bundle=tasks.BUNDLE, sandboxed=sandboxed,
                             deadline=start + settings["minutes"] * 60 - MARGIN)
    marks = student_marks(root)
    if marks is not None:
        result = manual.merge_report(dataclasses.replace(result, submission=SUBMISSION), marks)
    print(result.markdown())
    results = gradescope_results.results(result, time.monotonic() - start)
    (root / "results").mkdir(parents=True, exist_ok=True)
    report.atomic(root / "results" / "results.json", json.dumps(results, indent=2) + "\n")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Build the autograder zip, or (``--run ROOT``, from run_autograder) grade one upload."""
    parser = argparse.ArgumentParser(prog="python -m grading.gradescope.build",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", metavar="OUT.zip", help="the autograder zip to write")
    parser.add_argument("--minutes", type=int, default=MAX_MINUTES,
                        help="the timeout set in Gradescope (default: %(default)s)")
    parser.add_argument("--marks", type=Path, metavar="MARKS.csv",
                        help="manual marks by student email, added to each student's score")
    parser.add_argument("--bundle", type=Path, default=tasks.BUNDLE,
                        help="the bundle whose release was handed out (default: this one)")
    parser.add_argument("--run", metavar="ROOT", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sandbox", choices=("auto", "off"), default="auto",
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        results = run(args.run, args.sandbox)
        print(f"gradescope: {results['score']:g} points; results in "
              f"{args.run / 'results' / 'results.json'}")
    elif args.out:
        try:
            build(args.out, args.bundle, args.minutes, args.marks)
        except (ValueError, FileNotFoundError) as error:
            parser.error(str(error))
        print(f"gradescope: wrote {args.out}; upload it as the assignment's autograder and "
              f"set its timeout to {args.minutes} minutes")
    else:
        parser.error("give OUT.zip, the autograder zip to write")
    return 0


if __name__ == "__main__":
    sys.exit(main())
