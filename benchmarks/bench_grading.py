"""What grading costs: the sandbox's share, and seconds per submission for a class.

Every submission is a copy of this bundle's solution: its task files and, at
full size, its notebook, which the grader re-executes at full size on the
dataset it recorded (the synthetic set, generated when missing). Grading runs
as the grader runs it, ``python -m grading.grader.grade`` and ``python -m
grading.course.grade_all`` in child processes.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import report, timing

ROOT = Path(__file__).resolve().parents[1]
SANDBOX_COST = 1.10  # grade ÷ grade --no-sandbox
FILES = ("classifiers/softmax.py", "classifiers/linear_classifier.py",
         "classifiers/least_squares.py", "gradient_check.py")
NOTEBOOK = "notebooks/softmax.ipynb"


def make_submissions(folder, count, notebook):
    """Count copies of the solution in folder (sub-00, sub-01, ...); their paths."""
    paths = []
    for k in range(count):
        for rel in FILES + ((NOTEBOOK,) if notebook else ()):
            (folder / f"sub-{k:02d}" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / rel, folder / f"sub-{k:02d}" / rel)
        paths.append(folder / f"sub-{k:02d}")
    return paths


def run(*command):
    """Run a grading command from the bundle's root; raise with its stderr if it fails."""
    env = {key: value for key, value in os.environ.items() if key != "SOFTMAX_QUICK"}
    done = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed: {done.stderr.strip()[-300:]}")


def grading_rows(sizes):
    """Rows: grade against grade --no-sandbox, and grade_all --jobs 2 per submission."""
    pairs, count = (2, 4) if sizes.quick else (3, 20)
    shape = "task files" + ("" if sizes.quick else " + full-size notebook")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        folder = Path(folder)
        subs = make_submissions(folder / "class", count, notebook=not sizes.quick)
        sandboxed, plain = [], []
        for sub in subs[:pairs]:  # the same submission both ways, one after the other
            for times, extra in ((sandboxed, []), (plain, ["--no-sandbox"])):
                elapsed, _ = timing.timed(lambda: run("grading.grader.grade", str(sub), "--out",
                                                      str(folder / "one"), *extra))
                times.append(elapsed)
        start = time.perf_counter()
        run("grading.course.grade_all", str(folder / "class"), "--out", str(folder / "all"),
            "--jobs", "2")
        per_submission = (time.perf_counter() - start) / count
    a, b = sorted(sandboxed)[len(sandboxed) // 2], sorted(plain)[len(plain) // 2]
    rows = [report.Row("grade ÷ grade --no-sandbox", f"solution, {shape}",
                       f"{report.seconds(a)} ÷ {report.seconds(b)}", report.ratio(a / b),
                       f"≤ {SANDBOX_COST}x", value=a / b, limit=SANDBOX_COST),
            report.Row("grade_all --jobs 2, per submission", f"{count} solutions, {shape}",
                       report.seconds(per_submission))]
    load = os.getloadavg()
    notes = [f"Grading rows: medians of {pairs} submissions each graded both ways, "
             f"alternately; grade_all over {count} submissions once. Load average at the "
             f"end: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} on {os.cpu_count()} cores."]
    return rows, notes
