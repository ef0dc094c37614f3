"""Grading end to end: full marks, zero for stubs, a planted bug loses points only in its task.

The submissions are the honest ones of the class that the grading tests share
(class_submissions.HONEST), graded once per session by `grade_all` in a process pool
with the sandbox, and never modified by it. Their notebook is a small fixture (not the
bundle's, whose full-size run is re-executed by nbval elsewhere) run on a small synthetic
CIFAR-format set; it is small by its own code, and prints SOFTMAX_QUICK, which grading
must not pass on.
"""

import csv
import json
import os
import subprocess
import sys

import nbformat
import pytest

from grading import tasks
from grading.course import grade_all
from grading.grader import nbgrade, points

from grading_fixtures import BUNDLE, CELLS


@pytest.fixture
def graded(graded_class):
    """The reports folder of the graded class (class_submissions.py)."""
    return graded_class.out


def report(graded, name):
    return json.loads((graded / grade_all.REPORTS / name / "report.json").read_text())


def test_solution_gets_full_marks_and_its_notebook_matches(graded):
    result = report(graded, "solution")
    assert result["total"] == result["max_total"] == tasks.MAX_TOTAL
    assert all(entry["passed"] and entry["points"] == tasks.TASKS[task].points
               for task, entry in result["tasks"].items())
    nb = result["notebook"]
    assert nb["dataset"] == "synthetic" and nb["cells_total"] == len(CELLS)
    assert nb["cells_matched"] == nb["cells_total"] and nb["first_mismatch"] is None
    assert set(nb["accuracy"]["softmax"]) == {"train", "val", "test"}
    assert nb["answers"] == {"inline_question_1": "All ten classes start equally likely."}
    markdown = (graded / grade_all.REPORTS / "solution" / "report.md").read_text()
    assert f"**Total: {tasks.MAX_TOTAL} / {tasks.MAX_TOTAL}**" in markdown
    assert "All ten classes start equally likely." in markdown
    # The hand-in table collect prints, with the grader's own results as the checks.
    assert "## What was handed in" in markdown
    assert all(f"| {task} | written | passed |" in markdown for task in tasks.TASKS)


def test_the_re_executed_notebook_is_kept_for_reading_beside_the_report(graded):
    folder = graded / grade_all.REPORTS / "solution"
    assert len(nbformat.read(folder / nbgrade.KEPT, as_version=4).cells) == len(CELLS) + 2
    # What is kept is the re-execution, not the notebook handed in: the hand-edited output
    # is replaced by the one the code prints.
    kept = nbformat.read(graded / grade_all.REPORTS / "edited" / nbgrade.KEPT, as_version=4)
    handed = nbformat.read(graded.parent / "submissions" / "edited" / tasks.NOTEBOOK,
                           as_version=4)
    assert "train accuracy" in kept.cells[4].outputs[0].text
    assert kept.cells[4].outputs[0].text != handed.cells[4].outputs[0].text
    page = (folder / "notebook.html").read_text(encoding="utf-8")
    assert "All ten classes start equally likely." in page
    assert not (graded / grade_all.REPORTS / "release" / nbgrade.KEPT).exists()  # not executed
    assert (graded / "class_report.html").is_file()


def test_untouched_release_gets_zero_on_every_task_and_a_readable_report(graded, tmp_path):
    # The bundle's solution is importable from anywhere (editable install), yet the stubs ran.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    code = "import classifiers; print(classifiers.__file__)"
    found = subprocess.run([sys.executable, "-c", code],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert found.stdout.startswith(str(BUNDLE)), "the bundle is not installed in editable mode"
    result = report(graded, "release")
    assert result["total"] == 0
    for task, entry in result["tasks"].items():  # the stub ran, not the bundle's installed solution
        assert f": NotImplementedError: Task {task}:" in entry["message"], entry["message"]
        assert set(entry["groups"]) == set(tasks.TASKS[task].groups)  # a stub fails every group
        assert all(part["points"] == 0 and part["message"] == points.STUB
                   for part in entry["groups"].values())
    assert result["notebook"]["status"].startswith("not executed")
    markdown = (graded / grade_all.REPORTS / "release" / "report.md").read_text()
    row = [line for line in markdown.splitlines()
           if line.startswith("| `softmax_naive` |")]
    assert row[0].startswith("| `softmax_naive` | failed | 0 / 10 | test_")
    assert "Task softmax_naive" in row[0]
    assert "| `softmax_naive` | `stable` | failed | 0 / 1 | not implemented" in \
        (graded / grade_all.REPORTS / "release" / "report.md").read_text()
    assert all(f"| {task} | stub | failed |" in markdown for task in tasks.TASKS)
    assert "**incomplete: softmax_naive not written" in markdown


def test_a_planted_bug_loses_points_only_in_its_own_task(graded):
    result = report(graded, "planted.zip")
    lost = {task for task, entry in result["tasks"].items() if not entry["passed"]}
    assert lost == {"softmax_vectorized"}
    entry = result["tasks"]["softmax_vectorized"]
    failed = {group for group, part in entry["groups"].items() if not part["passed"]}
    assert {"reference", "gradient"} <= failed  # a gradient N times too large
    assert entry["points"] == sum(part["points"] for part in entry["groups"].values()) < 10
    assert result["total"] == result["max_total"] - (10 - entry["points"])
    assert result["notebook"]["first_mismatch"]["cell"] == 3  # the cell printing the gradient


def test_hand_edited_outputs_are_caught(graded):
    nb = report(graded, "edited")["notebook"]
    assert nb["cells_matched"] == nb["cells_total"] - 1
    stored, new = nb["first_mismatch"]["stored"], nb["first_mismatch"]["re-executed"]
    assert nb["first_mismatch"]["cell"] == 4 and "train accuracy" in stored and stored != new


def test_scores_csv_has_a_row_per_submission(graded, graded_class):
    with open(graded / "scores.csv") as scores:
        rows = {row["submission"]: row for row in csv.DictReader(scores)}
    assert set(rows) == set(graded_class.names)
    assert {"solution", "planted.zip", "edited", "release", "garbage.zip", "garbage",
            "locked.zip"} <= set(rows)
    planted = report(graded, "planted.zip")["tasks"]["softmax_vectorized"]
    assert rows["planted.zip"]["softmax_vectorized"] == str(planted["points"])
    assert rows["planted.zip"]["softmax_vectorized:gradient"] == "0"
    assert rows["planted.zip"]["softmax_vectorized:contract"] == "0"  # its core group failed
    assert rows["planted.zip"]["total"] == str(40 + planted["points"])
    assert rows["solution"]["linear_classifier:seed"] == "1"
    assert rows["solution"]["cells_matched"] == str(len(CELLS))
    assert rows["garbage.zip"]["total"] == "0"
    assert "cannot be read" in rows["garbage.zip"]["problems"]
    assert "cannot be read" in report(graded, "garbage.zip")["problems"][0]
    assert "is missing from the submission" in rows["garbage"]["problems"]


def test_a_zip_that_cannot_be_read_gets_a_report_and_the_run_goes_on(graded):
    # A password-protected zip: zipfile raises RuntimeError reading a member, which grade
    # reports as the submission's problem, and the class's run goes on.
    result = report(graded, "locked.zip")
    assert result["total"] == 0 and set(result["tasks"]) == set(tasks.TASKS)
    assert result["problems"][0].startswith("the submission cannot be read: ")
    assert "encrypted" in result["problems"][0]
    locked = (graded / grade_all.REPORTS / "locked.zip" / "report.md").read_text()
    assert "the submission cannot be read" in locked
    with open(graded / "scores.csv") as scores:
        row = [row for row in csv.DictReader(scores) if row["submission"] == "locked.zip"][0]
    assert row["total"] == "0" and row["problems"].startswith("the submission cannot be read")
