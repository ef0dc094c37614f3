"""Notebook comparison (nbval's rules plus a float tolerance) and collect's checks."""

import json
import os
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import data_utils
from grading import tasks
from grading.grader import nbgrade, notebook
from grading.grader.workspace import Workspace
from grading.report import NotebookResult
from grading.student import collect, handin

BUNDLE = Path(__file__).resolve().parents[2]
PATTERNS = [(r"(computed in|took) \d+\.\d+s", r"\1 TIMEs")]


def cell(text, count=1, **kwargs):
    return new_code_cell("print(x)", execution_count=count,
                         outputs=[new_output("stream", name="stdout", text=text)], **kwargs)


def compare(stored, new, patterns):
    """The grader's comparison of a notebook whose every cell is the release's own."""
    return nbgrade.compare(stored, stored, new, {j: j for j in range(len(stored.cells))},
                           patterns)


@pytest.mark.parametrize("stored, new, same", [
    ("validation accuracy: 0.327", "validation accuracy: 0.328", True),  # one unit, last digit
    ("validation accuracy: 0.327", "validation accuracy: 0.330", False),
    ("loss 2.302585", "loss 2.302591", True),                             # within REL_TOL
    ("loss 2.302585", "loss 2.312585", False),
    ("relative error: 1.2e-09", "relative error: 7.9e-09", True),  # round-off, below ABS_TOL
    ("relative error: 1.2e-04", "relative error: 1.9e-04", False),
    ("X_train shape: (49000, 3073)", "X_train shape: (49001, 3073)", False),  # integers are exact
    ("naive loss computed in 0.031s", "naive loss computed in 2.5s", True),    # the sanitize file
    ("accuracy 0.327", "precision 0.327", False),
    ("0.1 0.2", "0.1 0.2 0.3", False),
])
def test_printed_numbers_are_compared_with_the_stated_tolerance(stored, new, same):
    matched, total, first = compare(new_notebook(cells=[cell(stored)]),
                                             new_notebook(cells=[cell(new)]), PATTERNS)
    assert (matched, total) == ((1, 1) if same else (0, 1))
    assert (first is None) == same


def test_first_mismatch_names_the_cell_and_both_outputs():
    title = new_markdown_cell("# T")
    stored = new_notebook(cells=[title, cell("a 1.0\n"), cell("b 2.0\n"), cell("c 3.0\n")])
    new = new_notebook(cells=[title, cell("a 1.0\n"), cell("b 2.5\n"), cell("c 9.0\n")])
    matched, total, first = compare(stored, new, [])
    assert (matched, total, first.cell) == (1, 3, 2)
    assert "b 2.0" in first.stored and "b 2.5" in first.re_executed


def test_ignored_cells_stderr_and_images_are_not_compared():
    ignored = cell("0.1", metadata={"tags": ["nbval-ignore-output"]})
    def figure(png):
        return new_code_cell("plot()", execution_count=3, outputs=[
            new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})])

    stored = new_notebook(cells=[ignored, cell("same"), figure("AAAA")])
    new = new_notebook(cells=[cell("0.9"), cell("same"), figure("BBBB")])
    stored.cells[1].outputs.append(new_output("stream", name="stderr", text="DeprecationWarning"))
    assert compare(stored, new, [])[:2] == (3, 3)
    new.cells[1].outputs[0].text = "different"
    assert compare(stored, new, [])[:2] == (2, 3)


def test_record_and_answers_are_read_back():
    record = {"dataset": "synthetic",
              "accuracy": {"softmax": {"train": 0.4, "val": 0.38, "test": 0.37}}}
    answer = ("Q\n<!-- START OF YOUR ANSWER (task: q1) -->\nIt overfits.\n"
              "<!-- END OF YOUR ANSWER -->")
    nb = new_notebook(cells=[new_markdown_cell(answer), cell(json.dumps(record, indent=1) + "\n")])
    assert notebook.record(nb) == record
    assert notebook.answers(nb, "nb.ipynb") == {"q1": "It overfits."}
    assert notebook.record(new_notebook(cells=[cell("no record")])) == {}


def test_the_sanitize_file_is_read_with_nbvals_parser():
    patterns = notebook.sanitize_patterns(BUNDLE)
    assert patterns and all(len(pair) == 2 for pair in patterns)


def executed_bundle(root, counts):
    """A minimal student bundle whose notebook cells carry the given execution counts."""
    for rel in tasks.SUBMISSION_FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".py"):
            (root / rel).write_text((BUNDLE / rel).read_text())
    nb = new_notebook(cells=[new_markdown_cell("# Title")] + [cell(str(n), n) for n in counts])
    nbformat.write(nb, root / tasks.NOTEBOOK)
    return root


@pytest.mark.parametrize("counts, problem", [
    ([1, 3, 4], "cell 2 has execution count 3, expected execution count 2"),
    ([2, 1], "cell 1 has execution count 2, expected execution count 1"),
    ([1, None], "cell 2 was not run"),
])
def test_collect_reports_a_notebook_not_run_top_to_bottom(tmp_path, counts, problem):
    root = executed_bundle(tmp_path, counts)
    table = handin.survey(root, lambda task, root: "passed")
    notebook_row, = [row for row in table.rows if row.item == "notebook"]
    assert problem in notebook_row.state and "Restart Kernel and Run All" in notebook_row.state
    assert table.verdict == "incomplete: the notebook not run top to bottom"


def test_collect_says_what_is_missing_and_writes_nothing(tmp_path):
    root = executed_bundle(tmp_path, [1, 2])
    (root / "gradient_check.py").unlink()
    text = (root / "classifiers/softmax.py").read_text()
    text = text.replace("# *****END OF YOUR CODE*****", "", 1)
    (root / "classifiers/softmax.py").write_text(text)
    found = collect.collect(root, tmp_path / "submission.zip")
    assert found[0] == "gradient_check.py is missing"
    assert "classifiers/softmax.py:" in found[1] and len(found) == 2
    assert not (tmp_path / "submission.zip").exists()


def test_collect_zips_the_submission_files_reproducibly(tmp_path):
    root = executed_bundle(tmp_path / "bundle", [1, 2, 3])
    assert collect.collect(root, tmp_path / "a.zip") == []
    assert collect.collect(root, tmp_path / "b.zip") == []
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.namelist() == list(tasks.SUBMISSION_FILES)
        assert archive.read(tasks.NOTEBOOK) == (root / tasks.NOTEBOOK).read_bytes()


def test_a_cifar10_notebook_is_not_re_executed_without_cifar10(tmp_path, monkeypatch):
    (tmp_path / "synthetic").mkdir()
    for name in ("data_batch_1", "SYNTHETIC"):
        (tmp_path / "synthetic" / name).write_text("")
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "synthetic"))
    monkeypatch.setattr(data_utils, "DATASETS_DIR", tmp_path / "datasets")
    assert data_utils.available_datasets() == {"synthetic": tmp_path / "synthetic"}
    nb = new_notebook(cells=[cell('{"dataset": "cifar10", "accuracy": {}}\n')])
    (tmp_path / "submission" / tasks.NOTEBOOK).parent.mkdir(parents=True)
    nbformat.write(nb, tmp_path / "submission" / tasks.NOTEBOOK)
    entry = nbgrade.regrade(Workspace(tmp_path), BUNDLE, timeout=1, sandboxed=True)
    assert entry.status.startswith("not re-executable here: it ran on cifar10")
    assert entry.dataset == "cifar10" and entry.cells_matched == 0


def test_what_the_child_leaves_in_its_folder_is_read_back_only_as_plain_files(tmp_path):
    """The notebook's child may write its folder: a link or a FIFO there is never read."""
    folder, elsewhere = tmp_path / "nb", tmp_path / "elsewhere"
    (folder / "notebooks").mkdir(parents=True)
    elsewhere.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("hidden = 1")]),
                   elsewhere / Path(tasks.NOTEBOOK).name)
    nb = folder / tasks.NOTEBOOK
    nbformat.write(new_notebook(), nb)
    assert nbgrade.plain_file(folder, tasks.NOTEBOOK) == nb
    nb.unlink()
    nb.symlink_to(elsewhere / nb.name)
    assert nbgrade.plain_file(folder, tasks.NOTEBOOK) is None
    assert nbgrade.keep_notebook(Workspace(tmp_path), NotebookResult(status=nbgrade.EXECUTED),
                                 tmp_path / "out") == []
    assert not (tmp_path / "out" / nbgrade.KEPT).exists()
    nb.unlink()
    os.mkfifo(nb)  # reading it would wait for a writer that never comes
    assert nbgrade.plain_file(folder, tasks.NOTEBOOK) is None
    shutil.rmtree(folder / "notebooks")
    (folder / "notebooks").symlink_to(elsewhere)  # a link above the file
    assert nbgrade.plain_file(folder, tasks.NOTEBOOK) is None
    assert nbgrade.where_stopped(folder) == ""  # nothing of it is quoted
