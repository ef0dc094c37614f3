"""Grading end to end: full marks, zero for stubs, a planted bug loses points only in its task.

The submissions are graded by `grade_all` in a process pool, once per module.
Their notebook is a small fixture (not the bundle's, whose full-size run is
re-executed by nbval elsewhere) run on a small synthetic CIFAR-format set; it is
small by its own code, and prints SOFTMAX_QUICK, which grading must not pass on.
"""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from grading import tasks
from grading.authoring import release
from grading.course import grade_all
from grading.grader import nbgrade, points, scratch
from grading.student import collect

from grading_fixtures import (
    BUNDLE,
    CELLS,
    digest,
    executed_solution,
    fixture_notebook,
    plant_bug,
    small_synthetic,
)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_synthetic(tmp_path_factory.mktemp("data") / "cifar-10-synthetic", 500, 100)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, data):
    """Grade seven submissions with grade_all; return the reports folder."""
    patch = pytest.MonkeyPatch()
    patch.setenv("CIFAR10_DIR", str(data))
    root = tmp_path_factory.mktemp("grading")
    subs = root / "submissions"
    solution = executed_solution(root, subs)
    # One planted bug, handed in as collect's zip.
    shutil.copytree(solution, root / "planted")
    softmax = solution / "classifiers/softmax.py"
    (root / "planted/classifiers/softmax.py").write_text(plant_bug(softmax.read_text()))
    assert collect.collect(root / "planted", subs / "planted.zip") == []
    # The solution with one stored output edited by hand: train accuracy off by 0.5.
    shutil.copytree(solution, subs / "edited")
    nb = nbformat.read(subs / "edited" / tasks.NOTEBOOK, as_version=4)
    output = nb.cells[4].outputs[0]
    output.text = re.sub(r"accuracy (\S+)", lambda m: f"accuracy {abs(float(m[1]) - 0.5):.3f}",
                         output.text)
    nbformat.write(nb, subs / "edited" / tasks.NOTEBOOK)
    # The untouched student bundle (with the fixture notebook, released), and not a zip.
    release.release(subs / "release", BUNDLE)
    (subs / "release" / tasks.NOTEBOOK).parent.mkdir(exist_ok=True)
    nbformat.write(release.stub_notebook(fixture_notebook(), tasks.NOTEBOOK),
                   subs / "release" / tasks.NOTEBOOK)
    (subs / "garbage.zip").write_bytes(b"not a zip")
    (subs / "garbage").mkdir()  # an empty folder named like the zip: its own submission
    # A password-protected zip: zipfile raises RuntimeError reading it, which grade
    # does not expect.
    with zipfile.ZipFile(subs / "locked.zip", "w") as archive:
        archive.writestr("gradient_check.py", "x = 1\n")
    locked = bytearray((subs / "locked.zip").read_bytes())
    locked[locked.find(b"PK\x01\x02") + 8] |= 1  # central directory: "encrypted" flag bit
    (subs / "locked.zip").write_bytes(locked)
    before = digest(subs)
    patch.setenv("SOFTMAX_QUICK", "1")  # a grader's quick setting must not reach the notebook
    # The bundle as released with the fixture notebook: the notebook's release cells.
    bundle = scratch.reference_tree(BUNDLE, root / "bundle")
    shutil.copytree(BUNDLE / "grading", bundle / "grading")
    nbformat.write(fixture_notebook(), bundle / tasks.NOTEBOOK)
    # pdf=False: printing PDFs is slow, and test_manual.py covers it.
    grade_all.grade_all(subs, root / "reports", jobs=2, task_timeout=120, bundle=bundle,
                        pdf=False)
    assert digest(subs) == before, "grading modified a submission"
    patch.undo()
    return root / "reports"


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
    assert "**Total: 50 / 50**" in markdown and "All ten classes start equally likely." in markdown


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


def test_scores_csv_has_a_row_per_submission(graded):
    with open(graded / "scores.csv") as scores:
        rows = {row["submission"]: row for row in csv.DictReader(scores)}
    assert set(rows) == {"solution", "planted.zip", "edited", "release", "garbage.zip",
                         "garbage", "locked.zip"}
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


def test_an_unexpected_error_in_one_submission_gets_a_report_and_the_run_goes_on(graded):
    result = report(graded, "locked.zip")
    assert result["total"] == 0 and set(result["tasks"]) == set(tasks.TASKS)
    assert result["problems"][0].startswith("not graded: grading stopped with RuntimeError: ")
    assert "encrypted" in result["problems"][0]
    locked = (graded / grade_all.REPORTS / "locked.zip" / "report.md").read_text()
    assert "grading stopped with RuntimeError" in locked
    with open(graded / "scores.csv") as scores:
        row = [row for row in csv.DictReader(scores) if row["submission"] == "locked.zip"][0]
    assert row["total"] == "0" and row["problems"] == result["problems"][0]
