"""Grade a folder of submissions in parallel.

``python -m grading.grade_all SUBMISSIONS_DIR --out REPORTS_DIR [--jobs N]``

Every folder and every .zip directly inside SUBMISSIONS_DIR is one
submission; its report goes to REPORTS_DIR/<name>/ (a zip's name without
.zip), and REPORTS_DIR/scores.csv lists every submission's points per task and
its notebook comparison. A process pool of N workers (default: the number of
CPUs) grades the submissions.
"""

import argparse
import csv
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from grading import grade, tasks


def submissions(folder):
    """{name: path} of the submissions in folder, sorted by name."""
    found = {path.stem if path.suffix == ".zip" else path.name: path
             for path in Path(folder).iterdir() if path.is_dir() or path.suffix == ".zip"}
    return dict(sorted(found.items()))


def grade_all(folder, out, jobs=None, **options):
    """Grade every submission in folder into out; write and return the rows of scores.csv."""
    found, out = submissions(folder), Path(out)
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count()) as pool:
        futures = {name: pool.submit(grade.grade, path, out / name, **options)
                   for name, path in found.items()}
        reports = {name: future.result() for name, future in futures.items()}
    rows = [{"submission": name, "total": report["total"], "max_total": report["max_total"],
             **{task: report["tasks"][task]["points"] for task in tasks.POINTS},
             "cells_matched": report["notebook"]["cells_matched"],
             "cells_total": report["notebook"]["cells_total"],
             "dataset": report["notebook"]["dataset"] or "",
             "notebook": report["notebook"]["status"]} for name, report in reports.items()]
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "scores.csv", "w", newline="", encoding="utf-8") as scores:
        writer = csv.DictWriter(scores, fieldnames=list(rows[0]) if rows else ["submission"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading.grade_all",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("folder", metavar="SUBMISSIONS_DIR", help="submission folders and zips")
    parser.add_argument("--out", required=True, metavar="REPORTS_DIR", help="report folder")
    parser.add_argument("--jobs", type=int, default=None, help="submissions graded at once")
    parser.add_argument("--task-timeout", type=int, default=tasks.TASK_TIMEOUT,
                        help="seconds per task (default: %(default)s)")
    args = parser.parse_args(argv)
    if not Path(args.folder).is_dir():
        print(f"grade_all: SUBMISSIONS_DIR must be a folder, got {args.folder}", file=sys.stderr)
        return 2
    rows = grade_all(args.folder, args.out, args.jobs, task_timeout=args.task_timeout)
    print(f"grade_all: graded {len(rows)} submission(s); scores in {Path(args.out) / 'scores.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
