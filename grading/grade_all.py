"""Grade a folder of submissions in parallel.

``python -m grading.grade_all SUBMISSIONS_DIR --out REPORTS_DIR [--jobs N]``

Every folder and every .zip directly inside SUBMISSIONS_DIR is one
submission; its report goes to REPORTS_DIR/<name>/, named by the full entry
name (alice/ and alice.zip are two submissions), and REPORTS_DIR/scores.csv
lists every submission's points per task, its notebook comparison and its
problems. A process pool of N workers (default: the number of CPUs) grades the
submissions. A submission whose grading stops with an unexpected error gets a
report saying so, and the run goes on.
"""

import argparse
import csv
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from grading import grade, regions, report, tasks


def submissions(folder):
    """{name: path} of the submissions in folder, sorted by name (a zip's keeps its .zip)."""
    return {path.name: path for path in sorted(Path(folder).iterdir())
            if path.is_dir() or path.suffix == ".zip"}


def stopped(submission, error, bundle):
    """The report of a submission whose grading stopped with an unexpected error."""
    owner = regions.task_files(bundle)
    problem = (f"not graded: grading stopped with {type(error).__name__}: {error} "
               "(grade it alone with python -m grading.grade to see the traceback)")
    return {"submission": submission.name, "total": 0, "max_total": sum(tasks.POINTS.values()),
            "problems": [problem],
            "tasks": {task: {"passed": False, "points": 0, "max_points": points,
                             "file": owner[task], "message": "not graded"}
                      for task, points in tasks.POINTS.items()},
            "notebook": {**grade.NO_NOTEBOOK, "status": "not graded"}}


def grade_all(folder, out, jobs=None, **options):
    """Grade every submission in folder into out; write and return the rows of scores.csv."""
    found, out = submissions(folder), Path(out)
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count()) as pool:
        futures = {name: pool.submit(grade.grade, path, out / name, **options)
                   for name, path in found.items()}
        reports = {}
        for name, future in futures.items():
            try:
                reports[name] = future.result()
            except Exception as error:  # one submission's failure must not stop the class
                reports[name] = stopped(found[name], error, options.get("bundle", tasks.BUNDLE))
                report.write(reports[name], out / name)
                print(f"grade_all: {name}: {reports[name]['problems'][0]}", file=sys.stderr)
    rows = [{"submission": name, "total": result["total"], "max_total": result["max_total"],
             **{task: result["tasks"][task]["points"] for task in tasks.POINTS},
             "cells_matched": result["notebook"]["cells_matched"],
             "cells_total": result["notebook"]["cells_total"],
             "dataset": result["notebook"]["dataset"] or "",
             "notebook": result["notebook"]["status"],
             "problems": "; ".join(result["problems"])} for name, result in reports.items()]
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
