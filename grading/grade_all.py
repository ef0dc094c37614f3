"""Grade a folder of submissions, each in its own process tree.

``python -m grading.grade_all SUBMISSIONS_DIR --out REPORTS_DIR [--jobs N] [--no-sandbox]``

Every folder and every .zip directly inside SUBMISSIONS_DIR is one
submission. Each is graded by its own ``python -m grading.grade`` process,
N at a time, under a watchdog that kills its whole process group at the
deadline; a crash, kill, hang or flood in one cannot touch another's result.
Its report goes to REPORTS_DIR/submissions/<entry name>/ (alice/ and
alice.zip are two submissions), moved there whole once written, and
REPORTS_DIR/scores.csv, written to a temporary file and renamed, has a row
for every submission (a column per task, and one per group of tests,
`task:group`): one whose grading stopped gets a report saying so.
"""

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grading import grade, regions, report, sandbox, tasks

REPORTS = "submissions"  # REPORTS_DIR/submissions/<entry>/: no entry name meets scores.csv


def submissions(folder):
    """{name: path} of the submissions in folder, sorted by name (a zip's keeps its .zip)."""
    return {path.name: path for path in sorted(Path(folder).iterdir())
            if path.is_dir() or path.suffix == ".zip"}


def stopped(name, problem, bundle):
    """The report of a submission whose grading stopped."""
    owner = regions.task_files(bundle)
    return {"submission": name, "total": 0, "max_total": sum(tasks.POINTS.values()),
            "problems": [f"not graded: grading stopped with {problem} (grade it alone with "
                         "python -m grading.grade to see the traceback)"],
            "tasks": {task: {"max_points": tasks.POINTS[task], "file": owner[task],
                             **grade.failed(task, "not graded")} for task in tasks.POINTS},
            "notebook": {**grade.NO_NOTEBOOK, "status": "not graded"}}


def deadline(task_timeout, notebook_timeout):
    """Seconds one submission may take: every task and the notebook, with slack."""
    return len(tasks.POINTS) * (task_timeout + 30) + notebook_timeout + 120


def grade_one(path, out, bundle, options):
    """Grade one submission in its own process group; return its report (always)."""
    final = out / REPORTS / path.name
    with tempfile.TemporaryDirectory(prefix=".grading-", dir=out) as partial, \
            tempfile.TemporaryFile() as errors:
        command = [sys.executable, "-m", "grading.grade", str(path), "--out", partial,
                   "--task-timeout", str(options["task_timeout"]),
                   "--notebook-timeout", str(options["notebook_timeout"]), "--bundle", str(bundle)]
        command += [] if options["sandboxed"] else ["--no-sandbox"]
        # Where the grader may, the grade process joins its own pids cgroup before it
        # starts, and every cgroup its sandboxes make lies inside it: killing its
        # members reaches every process it started, whatever session they are in.
        cgroup = sandbox.new_cgroup(limit=None)
        if cgroup:
            command = ["sh", "-c", 'echo $$ > "$0" && exec "$@"', str(cgroup / "cgroup.procs"),
                       *command]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=errors, start_new_session=True,
                                   cwd=tasks.BUNDLE)
        try:
            status = "exit status " + str(process.wait(deadline(options["task_timeout"],
                                                                 options["notebook_timeout"])))
        except subprocess.TimeoutExpired:
            status = "a timeout"
        finally:
            os.killpg(process.pid, signal.SIGKILL) if process.poll() is None else None
            process.wait()
            if cgroup:
                sandbox.remove_cgroup(cgroup)
        try:
            result = json.loads((Path(partial) / "report.json").read_text("utf-8"))
        except (OSError, ValueError):
            errors.seek(0)
            last = errors.read(1 << 16).decode("utf-8", "replace").strip().splitlines()[-1:]
            result = stopped(path.name, last[0][:300] if last else status,
                             bundle)
            report.write(result, Path(partial))
        if final.exists():
            shutil.rmtree(final)
        os.replace(partial, final)
        Path(partial).mkdir()  # for TemporaryDirectory's cleanup
    return result


def grade_all(folder, out, jobs=None, bundle=tasks.BUNDLE, task_timeout=tasks.TASK_TIMEOUT,
              notebook_timeout=tasks.NOTEBOOK_TIMEOUT, sandboxed=True):
    """Grade every submission in folder into out; write and return the rows of scores.csv."""
    found, out = submissions(folder), Path(out)
    sandbox.sweep()
    (out / REPORTS).mkdir(parents=True, exist_ok=True)
    options = {"task_timeout": task_timeout, "notebook_timeout": notebook_timeout,
               "sandboxed": grade.isolation(sandboxed)}
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count()) as pool:
        futures = {name: pool.submit(grade_one, path, out, bundle, options)
                   for name, path in found.items()}
        reports = {name: future.result() for name, future in futures.items()}
    rows = [{"submission": name, "total": result["total"], "max_total": result["max_total"],
             **{task: result["tasks"][task]["points"] for task in tasks.POINTS},
             **{f"{task}:{group}": part["points"] for task in tasks.POINTS
                for group, part in result["tasks"][task]["groups"].items()},
             "cells_matched": result["notebook"]["cells_matched"],
             "cells_total": result["notebook"]["cells_total"],
             "dataset": result["notebook"]["dataset"] or "",
             "notebook": result["notebook"]["status"],
             "problems": "; ".join(result["problems"])} for name, result in reports.items()]
    with tempfile.NamedTemporaryFile("w", dir=out, suffix=".csv", delete=False, newline="",
                                     encoding="utf-8") as scores:
        writer = csv.DictWriter(scores, fieldnames=list(rows[0]) if rows else ["submission"])
        writer.writeheader()
        writer.writerows(rows)
    os.replace(scores.name, out / "scores.csv")
    return rows


def main(argv=None):
    """Grade a folder of submissions from the command line; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m grading.grade_all",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("folder", metavar="SUBMISSIONS_DIR", help="submission folders and zips")
    parser.add_argument("--out", required=True, metavar="REPORTS_DIR", help="report folder")
    parser.add_argument("--jobs", type=int, default=None, help="submissions graded at once")
    parser.add_argument("--task-timeout", type=int, default=tasks.TASK_TIMEOUT,
                        help="seconds per task (default: %(default)s)")
    parser.add_argument("--notebook-timeout", type=int, default=tasks.NOTEBOOK_TIMEOUT,
                        help="seconds per notebook (default: %(default)s)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run submitted code without the OS sandbox (trusted code only)")
    args = parser.parse_args(argv)
    if not Path(args.folder).is_dir():
        print(f"grade_all: SUBMISSIONS_DIR must be a folder, got {args.folder}", file=sys.stderr)
        return 2
    rows = grade_all(args.folder, args.out, args.jobs, task_timeout=args.task_timeout,
                     notebook_timeout=args.notebook_timeout, sandboxed=not args.no_sandbox)
    print(f"grade_all: graded {len(rows)} submission(s); scores in {Path(args.out) / 'scores.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
