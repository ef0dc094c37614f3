"""What grading costs: the sandbox's share, and seconds per submission for a class.

Every submission is a copy of the solution of the tree that grades it (this
bundle's, or with --before the earlier commit's): its task files and, at full
size, its notebook, which the grader re-executes at full size on the dataset it
recorded (the synthetic set, generated when missing). Grading runs as the
grader runs it, ``python -m grading.grader.grade`` and ``python -m
grading.course.grade_all`` in child processes, and a grade counts only if its
report gives the solution full marks, every notebook cell matched.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import before, report

ROOT = Path(__file__).resolve().parents[1]
SANDBOX_COST = 1.10  # grade ÷ grade --no-sandbox
GRADE_FLOOR = 35.0  # seconds for one submission graded alone, on 2 cores
CLASS_FLOOR = 20.0  # seconds per submission in grade_all --jobs 2, on 2 cores
FILES = ("classifiers/softmax.py", "classifiers/linear_classifier.py",
         "classifiers/least_squares.py", "gradient_check.py")
NOTEBOOK = "notebooks/softmax.ipynb"


def make_submissions(folder, count, notebook, root=ROOT):
    """Count copies of the solution of the bundle at `root` in folder (sub-00, sub-01, ...):
    each tree grades its own solution, whose notebook imports that tree's modules."""
    paths = []
    for k in range(count):
        for rel in FILES + ((NOTEBOOK,) if notebook else ()):
            (folder / f"sub-{k:02d}" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / rel, folder / f"sub-{k:02d}" / rel)
        paths.append(folder / f"sub-{k:02d}")
    return paths


def run(root, *command, out):
    """Run a grading command in the bundle at `root`; its seconds.

    Raises RuntimeError if it fails, or if a report it wrote below `out` lacks full points
    or (with a notebook) a re-execution whose every cell matched: a grade that stopped
    early would otherwise be timed as a fast one.
    """
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", *command, "--out", str(out)], cwd=root,
                          env=before.environment(root), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed: {done.stderr.strip()[-300:]}")
    for path in Path(out).rglob("report.json"):
        report_ = json.loads(path.read_text())
        notebook = report_.get("notebook") or {}
        if report_["total"] != report_["max_total"] or (
                notebook and notebook.get("cells_matched") != notebook.get("cells_total")):
            raise RuntimeError(f"{path} is not the solution's full marks: {report_['total']} "
                               f"of {report_['max_total']}, notebook {notebook.get('status')}")
    return seconds


def grading_rows(sizes):
    """Rows: grade against grade --no-sandbox, and grade_all --jobs 2 per submission.

    With ``sizes.before`` (an earlier commit's tree, `benchmarks.before`), both rows are
    also timed there, alternately with today's, and give the ratio today ÷ before.
    """
    pairs, count = (2, 4) if sizes.quick else (2, 8)
    shape = "task files" + ("" if sizes.quick else " + full-size notebook")
    roots = {"now": ROOT, **({"before": sizes.before} if sizes.before else {})}
    one: dict[str, list[float]] = {"plain": [], **{name: [] for name in roots}}
    per_submission = {}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        folder = Path(folder)
        subs = {name: make_submissions(folder / f"class-{name}", count, not sizes.quick, root)
                for name, root in roots.items()}
        for k in range(pairs):  # the same solution every way, one after the other
            for name, root in roots.items():
                one[name].append(run(root, "grading.grader.grade", str(subs[name][k]),
                                     out=folder / f"one-{name}-{k}"))
            one["plain"].append(run(ROOT, "grading.grader.grade", str(subs["now"][k]),
                                    "--no-sandbox", out=folder / f"plain-{k}"))
        for name, root in roots.items():
            per_submission[name] = run(root, "grading.course.grade_all",
                                       str(folder / f"class-{name}"), "--jobs", "2",
                                       out=folder / f"all-{name}") / count
    a, b = statistics.median(one["now"]), statistics.median(one["plain"])
    rows = [report.Row("grade ÷ grade --no-sandbox", f"solution, {shape}",
                       f"{report.seconds(a)} ÷ {report.seconds(b)}", report.ratio(a / b),
                       f"≤ {SANDBOX_COST}x", value=a / b, limit=SANDBOX_COST)]
    rows += compared("grade, one submission", f"solution, {shape}", a,
                     statistics.median(one["before"]) if sizes.before else None, GRADE_FLOOR)
    rows += compared("grade_all --jobs 2, per submission", f"{count} solutions, {shape}",
                     per_submission["now"], per_submission.get("before"), CLASS_FLOOR)
    load = os.getloadavg()
    notes = [f"Grading rows: medians of {pairs} submissions each graded every way, "
             f"alternately; grade_all over {count} submissions once"
             f"{' here and once in the earlier tree' if sizes.before else ''}. Load average "
             f"at the end: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} on {os.cpu_count()} "
             "cores."]
    return rows, notes


def compared(name, shape, now, earlier, floor):
    """A row of today's seconds, with the ratio today ÷ before where `earlier` was timed."""
    if earlier is None:
        return [report.Row(name, shape, report.seconds(now), floor=f"≤ {floor:g} s",
                           value=now, limit=floor)]
    return [report.Row(f"{name}: now ÷ before", shape,
                       f"{report.seconds(now)} ÷ {report.seconds(earlier)}",
                       report.ratio(now / earlier), f"≤ {floor:g} s", value=now, limit=floor)]
