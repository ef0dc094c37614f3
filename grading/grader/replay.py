"""Grade a submission again and check the grade against its report's manifest.

``python -m grading.replay REPORT_DIR SUBMISSION [--bundle B] [--no-sandbox] [--record]``

REPORT_DIR holds the report.json `grade` wrote, with its manifest
(`grading.grader.manifest`). The replay refuses, exit status 2, when a submission file's
SHA-256 is not the one in the manifest (a file changed, added or missing): then it would
not be the same submission. Otherwise it grades SUBMISSION as `grade` does, with the
manifest's timeouts, and prints ``identical`` when every task, group and test outcome
and the notebook's comparison are the same (exit status 0), else one line per item that
differs (exit status 1). A grader or release other than the manifest's is said first, and
an environment other than the manifest's (Python, numpy, BLAS kernel and threads,
platform, seeds, limits, isolation) is warned about on stderr: the grade should not
depend on them. ``--record`` adds the outcome to the report's ``replays``.
"""

import argparse
import dataclasses
import datetime
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from grading import tasks
from grading.grader import grade, manifest
from grading.report import Manifest, NotebookResult, Report, TaskResult, plain, read


def read_report(folder: Path | str) -> Report:
    """The report in REPORT_DIR `folder`.

    Raises
    ------
    FileNotFoundError
        If `folder` holds no report.json.
    ValueError
        If report.json is not a report (report.schema.json), or carries no manifest, so
        there is nothing to replay against.
    """
    found = read(folder)
    if found.manifest is None:
        raise ValueError(f"REPORT_DIR {folder}: its report has no manifest (a grading that "
                         "stopped, or a grader older than manifests); grade the submission anew")
    return found


def changed_files(recorded: dict[str, str], now: dict[str, str]) -> list[str]:
    """Each submission file whose SHA-256 `now` is not the one `recorded`, as a line."""
    return [f"{rel}: SHA-256 {recorded.get(rel, 'absent')} in the report, "
            f"{now.get(rel, 'absent')} in SUBMISSION"
            for rel in sorted({*recorded, *now}) if recorded.get(rel) != now.get(rel)]


def changed(label: str, old: object, new: object) -> list[str]:
    """``label: old -> new`` as a one-line list, or none when they are equal."""
    return [] if old == new else [f"{label}: {old} -> {new}"]


def task_differences(task: str, old: TaskResult, new: TaskResult) -> list[str]:
    """What differs between two grades of one task: its result, its groups, its tests."""
    lines = changed(f"task {task}", (old.points, old.passed), (new.points, new.passed))
    for group in {**old.groups, **new.groups}:
        before, after = old.groups.get(group), new.groups.get(group)
        lines += changed(f"group {task}/{group}", before and (before.points, before.passed),
                         after and (after.points, after.passed))
    outcomes, now = old.tests or {}, new.tests or {}
    for test in {**outcomes, **now}:
        lines += changed(f"test {test}", outcomes.get(test, "absent"), now.get(test, "absent"))
    return lines


def notebook_differences(old: NotebookResult, new: NotebookResult) -> list[str]:
    """What differs between two comparisons of the notebook: status, cells matched, cells."""
    first = [None if found is None else found.cell
             for found in (old.first_mismatch, new.first_mismatch)]
    return (changed("notebook status", old.status, new.status)
            + changed("notebook cells matched", f"{old.cells_matched} / {old.cells_total}",
                      f"{new.cells_matched} / {new.cells_total}")
            + changed("notebook first mismatching cell", *first)
            + changed("notebook cells modified", old.modified_cells, new.modified_cells)
            + changed("notebook cells added", old.added_cells, new.added_cells))


def differences(old: Report, new: Report) -> list[str]:
    """Every score that differs between two grades: each task, group, test and notebook cell."""
    lines = []
    for task in {**old.tasks, **new.tasks}:
        before, after = old.tasks.get(task), new.tasks.get(task)
        if before is None or after is None:
            lines.append(f"task {task}: only in the {'replay' if before is None else 'report'}")
        else:
            lines += task_differences(task, before, after)
    return lines + notebook_differences(old.notebook, new.notebook)


def setting_differences(old: Manifest, new: Manifest) -> list[str]:
    """Where the environment, seeds, limits, timeouts and isolation differ, as lines."""
    sections = ("environment", "seeds", "limits", "timeouts", "isolation")
    before, after = plain(old), plain(new)
    lines = []
    for section in sections:
        if isinstance(before[section], dict):
            for key in {**before[section], **after[section]}:
                label = key if section == "environment" else f"{section} {key}"
                lines += changed(label, before[section].get(key),
                                 after[section].get(key))
        else:
            lines += changed(section, before[section], after[section])
    return lines


def replay(report_dir: Path | str, submission: Path | str, bundle: Path | str = tasks.BUNDLE,
           sandboxed: bool = True) -> tuple[Report, Report]:
    """Grade `submission` again as the report in `report_dir` was graded: (recorded, replayed).

    Raises
    ------
    FileNotFoundError, ValueError
        As `read_report`; ValueError also when a submission file's SHA-256 is not the
        manifest's, naming each such file.
    """
    recorded = read_report(report_dir)
    assert recorded.manifest is not None  # read_report refuses a report without one
    files = changed_files(recorded.manifest.files, manifest.submitted(submission))
    if files:
        raise ValueError("SUBMISSION is not the submission this report graded; refused:\n"
                         + "\n".join(files))
    with tempfile.TemporaryDirectory(prefix="replay-") as out:
        again = grade.grade(submission, out, bundle, sandboxed=sandboxed,
                            task_timeout=recorded.manifest.timeouts["task"],
                            notebook_timeout=recorded.manifest.timeouts["notebook"])
    return recorded, again


def outcome(recorded: Report, again: Report) -> tuple[list[str], list[str]]:
    """(what to print, what to warn about) of a replay: the verdict last."""
    old, new = recorded.manifest, again.manifest
    assert old is not None and new is not None
    said = [f"the {what} changed: {before} in the report, {after} now"
            for what, before, after in (
                ("grader", old.grader, new.grader),
                ("release", " ".join(old.release.values()), " ".join(new.release.values())))
            if before != after]
    found = differences(recorded, again)
    verdict = [f"differs: {line}" for line in found] if found else ["identical"]
    warnings = [f"warning: environment differs: {line}" for line in setting_differences(old, new)]
    return said + verdict, warnings


def record(report_dir: Path | str, recorded: Report, lines: Sequence[str]) -> None:
    """Add the replay's outcome, dated, to the report in `report_dir` and write it again."""
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    entry = f"{when}: replayed: " + "; ".join(lines)
    dataclasses.replace(recorded, replays=[*(recorded.replays or []), entry]).write(
        Path(report_dir))


def main(argv: Sequence[str] | None = None) -> int:
    """Replay one grade from the command line: 0 identical, 1 differs, 2 refused."""
    parser = argparse.ArgumentParser(prog="python -m grading.replay",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("report_dir", metavar="REPORT_DIR", help="the folder grade --out wrote")
    parser.add_argument("submission", metavar="SUBMISSION", help="the submission folder or zip")
    parser.add_argument("--bundle", default=tasks.BUNDLE, type=Path,
                        help="the bundle whose release was handed out (default: this one)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run submitted code without the OS sandbox (trusted code only)")
    parser.add_argument("--record", action="store_true",
                        help="add the outcome to the report's replays")
    args = parser.parse_args(argv)
    try:
        recorded, again = replay(args.report_dir, args.submission, args.bundle,
                                 sandboxed=not args.no_sandbox)
    except (FileNotFoundError, ValueError) as error:
        print(f"replay: {error}", file=sys.stderr)
        return 2
    lines, warnings = outcome(recorded, again)
    for line in warnings:
        print(line, file=sys.stderr)
    print("\n".join(lines))
    if args.record:
        record(args.report_dir, recorded, [*lines, *warnings])
    return 0 if lines[-1] == "identical" else 1
