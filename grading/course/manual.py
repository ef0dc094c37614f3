"""Points given by hand, merged into the reports and score rows of a graded class.

The marks come in a CSV file (UTF-8) with this header and one row per mark::

    submission,task,points,comment
    alice,inline_question_1,3,"Right, and says why: every score is close to 0."
    bob.zip,ridge_question,1.5,

- ``submission``: a submission's name as in scores.csv (grade_all's entry name,
  so ``bob.zip`` for a zip);
- ``task``: one of ``tasks.MANUAL_POINTS`` (the notebook's answer regions);
- ``points``: a number from 0 to that task's maximum;
- ``comment``: free text for the student, may be empty.

Each (submission, task) pair appears at most once; a task without a row is not
marked yet. A file with any bad row is refused as a whole, with one line per
problem naming its row (row 1 is the header), and nothing is merged. Merged, a
report's ``manual`` holds the marks, and its row of scores.csv has a column per
task marked by hand (`grading.report.Report.row`).

``python -m grading.course.manual MARKS.csv REPORT_DIR [REPORT_DIR ...]`` merges the
marks into reports already written, without grading again: each REPORT_DIR holds a
report.json (as grade_all's REPORTS_DIR/submissions/<name>/ does), rewritten with the
marks of its submission; what else the report records (its manifest, its replays) is kept.
The class's marks file may be given: the rows of other submissions are left for theirs. This is the
last step of a regrade (grading/README.md).
"""

import argparse
import csv
import dataclasses
import math
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypedDict

from grading import tasks
from grading.report import ManualMark, Report, read

HEADER = ["submission", "task", "points", "comment"]


class Mark(TypedDict):
    """One mark as `read_marks` returns it: the fields of a `ManualMark`."""

    points: float | None
    max_points: int
    comment: str


Marks = dict[str, dict[str, Mark]]  # {submission: {task: Mark}}


def parse_points(text: str, task: str) -> tuple[float | None, str | None]:
    """The points of one row as a float, or why they are refused."""
    try:
        points = float(text)
    except ValueError:
        return None, f"points must be a number, got {text!r}"
    if not math.isfinite(points) or points < 0:
        return None, f"points must be a finite number >= 0, got {text!r}"
    if points > tasks.MANUAL_POINTS[task]:
        return None, f"points {text} exceed the maximum {tasks.MANUAL_POINTS[task]} of {task}"
    return points, None


def check_row(row: Sequence[str], known: Collection[str] | None) -> str | None:
    """Why a row of the marks file is refused, or None."""
    if len(row) != len(HEADER):
        return f"expected {len(HEADER)} fields ({','.join(HEADER)}), got {len(row)}"
    submission, task = row[0], row[1]
    if known is not None and submission not in known:
        return (f"unknown submission {submission!r}: not one of the {len(known)} graded "
                "(write the name as scores.csv does, e.g. bob.zip for a zip)")
    if task not in tasks.MANUAL_POINTS:
        return (f"unknown task {task!r}; tasks marked by hand are "
                f"{', '.join(tasks.MANUAL_POINTS)}")
    return parse_points(row[2], task)[1]


def read_marks(path: Path | str, submissions: Iterable[str] | None) -> Marks:
    """Read and validate a marks CSV file.

    Parameters
    ----------
    path : path
        The CSV file.
    submissions : iterable of str or None
        The names of the graded submissions; None takes any name (on Gradescope,
        where the names are the students' emails and the roster is not known).

    Returns
    -------
    marks : Marks
        ``{submission: {task: {"points": float, "max_points": int, "comment": str}}}``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        Naming every refused row and why.
    """
    path, known = Path(path), None if submissions is None else set(submissions)
    if not path.is_file():
        raise FileNotFoundError(f"marks file {path} does not exist; write a CSV with the "
                                f"header {','.join(HEADER)}")
    with open(path, newline="", encoding="utf-8") as marks_file:
        rows = [[field.strip() for field in row] for row in csv.reader(marks_file)]
    if not rows or rows[0] != HEADER:
        raise ValueError(f"{path}, row 1: the header must be {','.join(HEADER)}, "
                         f"got {','.join(rows[0]) if rows else 'an empty file'}")
    marks: Marks = {}
    problems: list[str] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue  # blank line
        problem = check_row(row, known)
        if problem is None and (row[0], row[1]) in first_row:
            problem = f"{row[0]} {row[1]} is marked already in row {first_row[row[0], row[1]]}"
        if problem:
            problems.append(f"{path}, row {number}: {problem}")
            continue
        first_row[row[0], row[1]] = number
        marks.setdefault(row[0], {})[row[1]] = {
            "points": parse_points(row[2], row[1])[0],
            "max_points": tasks.MANUAL_POINTS[row[1]], "comment": row[3]}
    if problems:
        raise ValueError("the marks file is refused:\n" + "\n".join(problems))
    return marks


def merge_report(result: Report, marks: Mapping[str, Mapping[str, Mark]]) -> Report:
    """A copy of one `Report` with its marks given by hand.

    Its ``manual`` holds a `ManualMark` per task of `tasks.MANUAL_POINTS`, points
    None where not marked yet; the report's manual and final totals follow from them.

    Parameters
    ----------
    result : Report
        The report, left unchanged.
    marks : Marks
        `read_marks`'s ``{submission: {task: {"points", "max_points", "comment"}}}``.
    """
    given = marks.get(result.submission, {})
    return dataclasses.replace(result, manual={
        task: ManualMark(**given.get(task, {"points": None, "max_points": maximum,
                                            "comment": ""}))
        for task, maximum in tasks.MANUAL_POINTS.items()})


def merge_reports(folder: Path | str, reports: Mapping[str, Report],
                  marks: Mapping[str, Mapping[str, Mark]]) -> dict[str, Report]:
    """{name: report} with the marks merged, each rewritten as folder/<name>/report.*."""
    merged = {name: merge_report(result, marks) for name, result in reports.items()}
    for name, result in merged.items():
        result.write(Path(folder) / name)
    return merged


def merge_written(marks_file: Path | str, folders: Sequence[Path | str]) -> dict[str, Report]:
    """Merge a marks file into the report.json of each folder, rewriting it: {name: report}.

    Raises
    ------
    FileNotFoundError
        If the marks file or a folder's report.json is missing.
    ValueError
        If the marks file is refused (`read_marks`), or a report.json is not a report;
        then nothing is rewritten.
    """
    found = {folder: read(folder) for folder in map(Path, folders)}
    # The class's whole marks file may be given for one report: other rows wait for theirs.
    marks = read_marks(marks_file, None)
    merged = {}
    for folder, result in found.items():
        merged[result.submission] = merge_report(result, marks)
        merged[result.submission].write(folder)
    return merged


def main(argv: Sequence[str] | None = None) -> int:
    """Merge marks into written reports from the command line: 0 done, 2 refused."""
    parser = argparse.ArgumentParser(prog="python -m grading.course.manual",
                                     description="Merge manual marks into written reports.")
    parser.add_argument("marks", metavar="MARKS.csv", help="the marks file")
    parser.add_argument("folders", metavar="REPORT_DIR", nargs="+", help="report folders")
    args = parser.parse_args(argv)
    try:
        merged = merge_written(args.marks, args.folders)
    except (FileNotFoundError, ValueError) as error:
        print(f"manual: {error}", file=sys.stderr)
        return 2
    for name, result in merged.items():
        print(f"manual: {name}: final total {result.final_total:g} / {result.max_final_total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
