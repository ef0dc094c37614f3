"""Grading end to end: full marks, zero for stubs, one planted bug costs one task.

The submissions are graded by `grade_all` in a process pool, once per module.
Their notebook is a small fixture (not the bundle's, whose full-size run is
re-executed by nbval elsewhere) run on a small synthetic CIFAR-format set.
"""

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grading import collect, grade, grade_all, regions, release, sandbox, tasks

BUNDLE = Path(__file__).resolve().parents[1]
CELLS = [
    "import json, os, pickle\nfrom pathlib import Path\nimport numpy as np\n"
    "from classifiers import Softmax\nfrom classifiers.softmax import softmax_loss_vectorized\n"
    "folder = Path(os.environ['CIFAR10_DIR'])\n"
    "dataset = 'synthetic' if (folder / 'SYNTHETIC').exists() else 'cifar10'\nprint(dataset)",
    "with open(folder / 'data_batch_1', 'rb') as f:\n    batch = pickle.load(f, encoding='latin1')\n"
    "X = batch['data'][:100].astype(float)\ny = np.array(batch['labels'][:100])\n"
    "X = np.hstack([X - X.mean(axis=0), np.ones((100, 1))])\nprint(X.shape)",
    "W = 1e-4 * np.random.default_rng(0).standard_normal((3073, 10))\n"
    "loss, dW = softmax_loss_vectorized(W, X, y, 0.0)\nprint(f'loss {loss:.6f}, sum |dW| {np.abs(dW).sum():.6g}')",
    "model = Softmax()\nhistory = model.train(X, y, learning_rate=1e-7, reg=10.0, num_iters=30, batch_size=50, seed=0)\n"
    "train_acc = float(np.mean(model.predict(X) == y))\n"
    "print(f'final loss {history[-1]:.6g}, train accuracy {train_acc:.3f}')",
    "# *****START OF YOUR CODE (task: best_model)*****\nbest = model\n# *****END OF YOUR CODE*****",
    "print(json.dumps({'dataset': dataset, 'accuracy': {'softmax': "
    "{'train': train_acc, 'val': train_acc, 'test': train_acc}}}))",
]
ANSWER = ("Why does the loss start near log(10)?\n<!-- START OF YOUR ANSWER (task: inline_question_1) -->\n"
          "All ten classes start equally likely.\n<!-- END OF YOUR ANSWER -->")


def fixture_notebook():
    cells = [new_markdown_cell("# Fixture")] + [new_code_cell(source) for source in CELLS]
    return new_notebook(cells=cells[:-1] + [new_markdown_cell(ANSWER), cells[-1]],
                        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                 "language": "python"}})


def plant_bug(text):
    """The vectorized gradient no longer divided by N (multiplied back by N at the end)."""
    return regions.rewrite(text, "code", "softmax.py", lambda region, body: body + [
        region.indent + "dW = dW * X.shape[0]"] if region.task == "softmax_vectorized" else None)


def digest(folder):
    return {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest() for rel in regions.walk(folder)}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data") / "cifar-10-synthetic"
    subprocess.run([sys.executable, "-m", "cifar_synthetic", "--out", str(folder), "--num-train", "500",
                    "--num-test", "100"], cwd=BUNDLE, check=True, capture_output=True)
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory, data):
    """Grade five submissions with grade_all; return (submissions folder, reports folder)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CIFAR10_DIR", str(data))
    root = tmp_path_factory.mktemp("grading")
    subs = root / "submissions"
    # The solution, its fixture notebook executed in a full bundle as a student would ("Run All").
    student = sandbox.reference_tree(BUNDLE, root / "student")
    (student / tasks.NOTEBOOK).parent.mkdir(exist_ok=True)
    nbformat.write(fixture_notebook(), student / tasks.NOTEBOOK)
    status, output = sandbox.run([sys.executable, "-m", "jupyter", "execute", "--inplace", "--kernel_name=python3",
                                  tasks.NOTEBOOK], student, 300, sandbox.environment(student))
    assert status == 0, output
    solution = subs / "solution"
    for rel in tasks.SUBMISSION_FILES:
        (solution / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(student / rel, solution / rel)
    # One planted bug, handed in as collect's zip.
    planted = root / "planted"
    shutil.copytree(solution, planted)
    (planted / "classifiers/softmax.py").write_text(plant_bug((solution / "classifiers/softmax.py").read_text()))
    assert collect.collect(planted, subs / "planted.zip") == []
    # The solution with one stored output edited by hand.
    edited = subs / "edited"
    shutil.copytree(solution, edited)
    nb = nbformat.read(edited / tasks.NOTEBOOK, as_version=4)
    nb.cells[4].outputs[0].text = nb.cells[4].outputs[0].text.replace("train accuracy 0.", "train accuracy 0.9")
    nbformat.write(nb, edited / tasks.NOTEBOOK)
    # The untouched student bundle, and a file that is not a zip.
    release.release(subs / "release", BUNDLE)  # with the fixture notebook, as released
    (subs / "release" / tasks.NOTEBOOK).parent.mkdir(exist_ok=True)
    nbformat.write(release.stub_notebook(fixture_notebook(), tasks.NOTEBOOK), subs / "release" / tasks.NOTEBOOK)
    (subs / "garbage.zip").write_bytes(b"not a zip")
    before = digest(subs)
    rows = grade_all.grade_all(subs, root / "reports", jobs=2, task_timeout=120)
    assert digest(subs) == before, "grading modified a submission"
    mp.undo()
    return root / "reports", {row["submission"]: row for row in rows}


def report(graded, name):
    return json.loads((graded[0] / name / "report.json").read_text())


def test_solution_gets_full_marks_and_its_notebook_matches(graded):
    result = report(graded, "solution")
    assert result["total"] == result["max_total"] == sum(tasks.POINTS.values())
    assert all(entry["passed"] and entry["points"] == tasks.POINTS[task] for task, entry in result["tasks"].items())
    nb = result["notebook"]
    assert nb["dataset"] == "synthetic" and nb["cells_total"] == len(CELLS)
    assert nb["cells_matched"] == nb["cells_total"] and nb["first_mismatch"] is None
    assert set(nb["accuracy"]["softmax"]) == {"train", "val", "test"}
    assert nb["answers"] == {"inline_question_1": "All ten classes start equally likely."}
    markdown = (graded[0] / "solution" / "report.md").read_text()
    assert "**Total: 50 / 50**" in markdown and "All ten classes start equally likely." in markdown


def test_untouched_release_gets_zero_on_every_task_and_a_readable_report(graded):
    result = report(graded, "release")
    assert result["total"] == 0
    for task, entry in result["tasks"].items():  # the stub ran, not the bundle's installed solution
        assert f": NotImplementedError: Task {task}:" in entry["message"], entry["message"]
    assert result["notebook"]["status"].startswith("not executed")
    row = [line for line in (graded[0] / "release" / "report.md").read_text().splitlines()
           if line.startswith("| `softmax_naive` |")]
    assert row[0].startswith("| `softmax_naive` | failed | 0 / 10 | test_") and "Task softmax_naive" in row[0]


def test_a_planted_bug_costs_exactly_its_own_task(graded):
    result = report(graded, "planted")
    lost = {task for task, entry in result["tasks"].items() if not entry["passed"]}
    assert lost == {"softmax_vectorized"}
    assert result["total"] == result["max_total"] - tasks.POINTS["softmax_vectorized"]
    assert result["notebook"]["first_mismatch"]["cell"] == 3  # the cell printing the gradient


def test_hand_edited_outputs_are_caught(graded):
    nb = report(graded, "edited")["notebook"]
    assert nb["cells_matched"] == nb["cells_total"] - 1
    assert nb["first_mismatch"]["cell"] == 4 and "train accuracy 0.9" in nb["first_mismatch"]["stored"]


def test_scores_csv_has_a_row_per_submission(graded):
    with open(graded[0] / "scores.csv") as scores:
        rows = {row["submission"]: row for row in csv.DictReader(scores)}
    assert set(rows) == {"solution", "planted", "edited", "release", "garbage"}
    assert rows["planted"]["softmax_vectorized"] == "0" and rows["planted"]["total"] == "40"
    assert rows["garbage"]["total"] == "0" and rows["solution"]["cells_matched"] == str(len(CELLS))
    assert "cannot be read" in report(graded, "garbage")["problems"][0]


def test_crashes_hangs_bad_imports_and_missing_files_get_a_report(tmp_path):
    sub = tmp_path / "broken"
    (sub / "classifiers").mkdir(parents=True)
    text = (BUNDLE / "classifiers/softmax.py").read_text()
    bodies = {"softmax_naive": ["    while True:", "        pass"],
              "softmax_vectorized": ["    import os", "    os._exit(3)"]}
    (sub / "classifiers/softmax.py").write_text(
        regions.rewrite(text, "code", "softmax.py", lambda region, body: bodies[region.task]))
    text = (BUNDLE / "classifiers/least_squares.py").read_text()
    (sub / "classifiers/least_squares.py").write_text("import scipy.linalg\n" + text)
    text = (BUNDLE / "classifiers/linear_classifier.py").read_text()  # exits 0 before pytest reports
    (sub / "classifiers/linear_classifier.py").write_text(regions.rewrite(text, "code", "lc.py", lambda region, body: [
        region.indent + "import os", region.indent + "os._exit(0)"] if region.task == "linear_classifier" else None))
    done = subprocess.run([sys.executable, "-m", "grading.grade", str(sub), "--out", str(tmp_path / "out"),
                           "--task-timeout", "10"], cwd=BUNDLE, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr, done.stderr
    result = json.loads((tmp_path / "out" / "report.json").read_text())
    messages = {task: entry["message"] for task, entry in result["tasks"].items()}
    assert result["total"] == tasks.POINTS["train_grid"]  # its region was left intact
    assert messages["softmax_naive"] == "timed out after 10 s (an endless loop?)"
    assert messages["linear_classifier"].startswith("the tests crashed (exit status 0)")
    assert messages["softmax_vectorized"].startswith("the tests crashed (exit status 3)")
    assert messages["least_squares"].startswith("classifiers/least_squares.py:1 imports scipy; task files may")
    assert messages["gradient_check"] == "gradient_check.py is missing from the submission"
    assert result["notebook"]["status"].startswith("missing")
    assert (tmp_path / "out" / "report.md").read_text().startswith("# Grading report: broken")


def test_splicing_keeps_the_submission_task_and_injects_the_reference_for_the_rest():
    reference = (BUNDLE / "classifiers/softmax.py").read_text()
    buggy = plant_bug(reference)
    assert grade.splice(buggy, reference, "softmax_naive", "softmax.py") == reference
    assert grade.splice(buggy, reference, "softmax_vectorized", "softmax.py") == buggy
    with pytest.raises(regions.MarkerError, match="keep every marker pair"):
        grade.splice(reference.replace("(task: softmax_naive)", "(task: softmax_vectorized)"),
                     reference, "softmax_naive", "softmax.py")
