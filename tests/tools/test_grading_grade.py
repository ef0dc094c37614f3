"""Grading end to end: full marks, zero for stubs, one planted bug costs one task.

The submissions are graded by `grade_all` in a process pool, once per module.
Their notebook is a small fixture (not the bundle's, whose full-size run is
re-executed by nbval elsewhere) run on a small synthetic CIFAR-format set; it is
small by its own code, and prints SOFTMAX_QUICK, which grading must not pass on.
"""

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grading import collect, grade, grade_all, regions, release, scratch, tasks, unpack

BUNDLE = Path(__file__).resolve().parents[2]
CELLS = [
    ["import json, os, pickle", "from pathlib import Path", "import numpy as np",
     "from classifiers import Softmax", "from classifiers.softmax import softmax_loss_vectorized",
     "folder = Path(os.environ['CIFAR10_DIR'])",
     "dataset = 'synthetic' if (folder / 'SYNTHETIC').exists() else 'cifar10'",
     "print(dataset, os.environ.get('SOFTMAX_QUICK', 'full size'))"],
    ["with open(folder / 'data_batch_1', 'rb') as f:",
     "    batch = pickle.load(f, encoding='latin1')",
     "X, y = batch['data'][:100].astype(float), np.array(batch['labels'][:100])",
     "X = np.hstack([X - X.mean(axis=0), np.ones((100, 1))])", "print(X.shape)"],
    ["W = 1e-4 * np.random.default_rng(0).standard_normal((3073, 10))",
     "loss, dW = softmax_loss_vectorized(W, X, y, 0.0)",
     "print(f'loss {loss:.6f}, sum |dW| {np.abs(dW).sum():.6g}')"],
    ["model = Softmax()",
     "history = model.train(X, y, learning_rate=1e-7, reg=10.0, num_iters=30, batch_size=50,",
     "                      seed=0)",
     "train_acc = float(np.mean(model.predict(X) == y))",
     "print(f'final loss {history[-1]:.6g}, train accuracy {train_acc:.3f}')"],
    ["# *****START OF YOUR CODE (task: best_model)*****", "best = model",
     "# *****END OF YOUR CODE*****"],
    ["scores = {'train': train_acc, 'val': train_acc, 'test': train_acc}",
     "print(json.dumps({'dataset': dataset, 'accuracy': {'softmax': scores}}))"],
]
ANSWER = ["Why does the loss start near log(10)?",
          "<!-- START OF YOUR ANSWER (task: inline_question_1) -->",
          "All ten classes start equally likely.", "<!-- END OF YOUR ANSWER -->"]


def fixture_notebook():
    """A small stand-in for the bundle's notebook, with a code region and an answer region."""
    code = [new_code_cell("\n".join(lines)) for lines in CELLS]
    cells = [new_markdown_cell("# Fixture"), *code[:-1], new_markdown_cell("\n".join(ANSWER)),
             code[-1]]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return new_notebook(cells=cells, metadata={"kernelspec": kernel})


def plant_bug(text):
    """The vectorized gradient is no longer divided by N (it is multiplied back at the end)."""
    def body(region, lines):
        return lines + [region.indent + "dW = dW * X.shape[0]"] \
            if region.task == "softmax_vectorized" else None

    return regions.rewrite(text, "code", "softmax.py", body)


def digest(folder):
    return {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest()
            for rel in regions.walk(folder)}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data") / "cifar-10-synthetic"
    subprocess.run([sys.executable, "-m", "cifar_synthetic", "--out", str(folder),
                    "--num-train", "500", "--num-test", "100"],
                   cwd=BUNDLE, check=True, capture_output=True)
    return folder


def executed_solution(root, subs):
    """The solution with the fixture notebook run in a full bundle, as a student runs it."""
    student = scratch.reference_tree(BUNDLE, root / "student")
    (student / tasks.NOTEBOOK).parent.mkdir(exist_ok=True)
    nbformat.write(fixture_notebook(), student / tasks.NOTEBOOK)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "execute", "--inplace", "--kernel_name=python3",
         tasks.NOTEBOOK], cwd=student, timeout=300, capture_output=True, text=True,
        env={**env, "PYTHONPATH": str(student), "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    for rel in tasks.SUBMISSION_FILES:
        (subs / "solution" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(student / rel, subs / "solution" / rel)
    return subs / "solution"


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
    assert result["total"] == result["max_total"] == sum(tasks.POINTS.values())
    assert all(entry["passed"] and entry["points"] == tasks.POINTS[task]
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
    assert len(nbformat.read(folder / grade.KEPT, as_version=4).cells) == len(CELLS) + 2
    # What is kept is the re-execution, not the notebook handed in: the hand-edited output
    # is replaced by the one the code prints.
    kept = nbformat.read(graded / grade_all.REPORTS / "edited" / grade.KEPT, as_version=4)
    handed = nbformat.read(graded.parent / "submissions" / "edited" / tasks.NOTEBOOK,
                           as_version=4)
    assert "train accuracy" in kept.cells[4].outputs[0].text
    assert kept.cells[4].outputs[0].text != handed.cells[4].outputs[0].text
    page = (folder / "notebook.html").read_text(encoding="utf-8")
    assert "All ten classes start equally likely." in page
    assert not (graded / grade_all.REPORTS / "release" / grade.KEPT).exists()  # not executed
    assert (graded / "class_report.html").is_file()


def test_untouched_release_gets_zero_on_every_task_and_a_readable_report(graded, tmp_path):
    # The bundle's solution is importable from anywhere (editable install), yet the stubs ran.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    found = subprocess.run([sys.executable, "-c", "import classifiers; print(classifiers.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert found.stdout.startswith(str(BUNDLE)), "the bundle is not installed in editable mode"
    result = report(graded, "release")
    assert result["total"] == 0
    for task, entry in result["tasks"].items():  # the stub ran, not the bundle's installed solution
        assert f": NotImplementedError: Task {task}:" in entry["message"], entry["message"]
    assert result["notebook"]["status"].startswith("not executed")
    row = [line for line in (graded / grade_all.REPORTS / "release" / "report.md").read_text().splitlines()
           if line.startswith("| `softmax_naive` |")]
    assert row[0].startswith("| `softmax_naive` | failed | 0 / 10 | test_")
    assert "Task softmax_naive" in row[0]


def test_a_planted_bug_costs_exactly_its_own_task(graded):
    result = report(graded, "planted.zip")
    lost = {task for task, entry in result["tasks"].items() if not entry["passed"]}
    assert lost == {"softmax_vectorized"}
    assert result["total"] == result["max_total"] - tasks.POINTS["softmax_vectorized"]
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
    assert rows["planted.zip"]["softmax_vectorized"] == "0" and rows["planted.zip"]["total"] == "40"
    assert rows["solution"]["cells_matched"] == str(len(CELLS))
    assert rows["garbage.zip"]["total"] == "0"
    assert "cannot be read" in rows["garbage.zip"]["problems"]
    assert "cannot be read" in report(graded, "garbage.zip")["problems"][0]
    assert "is missing from the submission" in rows["garbage"]["problems"]


def test_an_unexpected_error_in_one_submission_gets_a_report_and_the_run_goes_on(graded):
    result = report(graded, "locked.zip")
    assert result["total"] == 0 and set(result["tasks"]) == set(tasks.POINTS)
    assert result["problems"][0].startswith("not graded: grading stopped with RuntimeError: ")
    assert "encrypted" in result["problems"][0]
    assert "grading stopped with RuntimeError" in (graded / grade_all.REPORTS / "locked.zip" / "report.md").read_text()
    with open(graded / "scores.csv") as scores:
        row = [row for row in csv.DictReader(scores) if row["submission"] == "locked.zip"][0]
    assert row["total"] == "0" and row["problems"] == result["problems"][0]


def grade_broken(tmp_path, softmax_bodies, files=None, options=()):
    """Grade a submission of classifiers/softmax.py with these region bodies, and `files`
    ({rel: text}); its report. Only a real hang may meet the task timeout: what a test runs
    besides it takes as long as a busy machine needs."""
    sub = tmp_path / "broken"
    (sub / "classifiers").mkdir(parents=True)
    text = (BUNDLE / "classifiers/softmax.py").read_text()
    (sub / "classifiers/softmax.py").write_text(regions.rewrite(
        text, "code", "softmax.py", lambda region, body: softmax_bodies[region.task]))
    for rel, content in (files or {}).items():
        (sub / rel).write_text(content)
    done = subprocess.run([sys.executable, "-m", "grading.grade", str(sub),
                           "--out", str(tmp_path / "out"), "--task-timeout", "60"],
                          cwd=BUNDLE, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr, done.stderr
    return json.loads((tmp_path / "out" / "report.json").read_text())


CRASH = ["    import os", "    os._exit(3)"]


def test_a_hanging_task_times_out(tmp_path):
    # The loop never ends, so it meets the timeout however busy the machine; the crash
    # beside it ends the task of softmax_vectorized before it can take long.
    result = grade_broken(tmp_path, {"softmax_naive": ["    while True:", "        pass"],
                                     "softmax_vectorized": CRASH},
                          options=["--task-timeout", "5"])
    assert result["tasks"]["softmax_naive"]["message"] == "timed out after 5 s (an endless loop?)"


def test_crashes_bad_imports_and_missing_files_get_a_report(tmp_path):
    files = {"classifiers/least_squares.py":
             "import scipy.linalg\n" + (BUNDLE / "classifiers/least_squares.py").read_text()}
    text = (BUNDLE / "classifiers/linear_classifier.py").read_text()  # exits 0 before a report
    files["classifiers/linear_classifier.py"] = regions.rewrite(
        text, "code", "lc.py", lambda region, body: [region.indent + "import os; os._exit(0)"]
        if region.task == "linear_classifier" else None)
    result = grade_broken(tmp_path, {"softmax_naive": CRASH, "softmax_vectorized": CRASH}, files)
    messages = {task: entry["message"] for task, entry in result["tasks"].items()}
    assert result["total"] == tasks.POINTS["train_grid"]  # its region was left intact
    assert messages["softmax_naive"].startswith("the tests timed out")
    assert "the submission's process failed" in messages["linear_classifier"], messages
    assert "the submission's process failed" in messages["softmax_vectorized"], messages
    assert messages["least_squares"].startswith(
        "classifiers/least_squares.py:1 imports scipy; task files may import only numpy")
    assert messages["gradient_check"] == "gradient_check.py is missing from the submission"
    assert result["notebook"]["status"].startswith("missing")
    assert (tmp_path / "out" / "report.md").read_text().startswith("# Grading report: broken")


def test_markers_of_the_release_must_be_kept():
    reference = (BUNDLE / "classifiers/softmax.py").read_text()
    grade.check_markers(plant_bug(reference), reference, "softmax.py")
    with pytest.raises(regions.MarkerError, match="keep every marker pair"):
        grade.check_markers(reference.replace("(task: softmax_naive)",
                                              "(task: softmax_vectorized)"),
                            reference, "softmax.py")


def test_unpack_takes_only_submission_files_even_from_a_wrapped_zip(tmp_path):
    with zipfile.ZipFile(tmp_path / "wrapped.zip", "w") as archive:
        archive.writestr("alice/gradient_check.py", "x = 1\n")
        archive.writestr("alice/../../escape.py", "y = 2\n")
        archive.writestr("alice/notes.txt", "hello")
    missing = unpack.unpack(tmp_path / "wrapped.zip", tmp_path / "out")
    assert (tmp_path / "out" / "gradient_check.py").read_text() == "x = 1\n"
    assert sorted(regions.walk(tmp_path / "out")) == ["gradient_check.py"]
    assert missing == [rel for rel in tasks.SUBMISSION_FILES if rel != "gradient_check.py"]
    assert not (tmp_path / "escape.py").exists()


def test_unpack_keeps_the_paths_of_a_zip_holding_only_classifiers(tmp_path):
    partial = ("classifiers/softmax.py", "classifiers/least_squares.py")
    with zipfile.ZipFile(tmp_path / "partial.zip", "w") as archive:
        for rel in partial:
            archive.writestr(rel, f"# {rel}\n")
    missing = unpack.unpack(tmp_path / "partial.zip", tmp_path / "out")
    assert sorted(regions.walk(tmp_path / "out")) == sorted(partial)
    assert (tmp_path / "out/classifiers/softmax.py").read_text() == "# classifiers/softmax.py\n"
    assert missing == [rel for rel in tasks.SUBMISSION_FILES if rel not in partial]
