"""The notebook's check(task): solution, stubs, a planted bug, and what it must not do."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from grading import tasks
from grading.authoring import release
from grading.student import check, regions

BUNDLE = Path(__file__).resolve().parents[2]


def files_under(root):
    """Every file and folder below root, relative, hidden ones included."""
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*"))


def copy_bundle(dest):
    """A plain copy of the bundle's files (solutions included), as a grader's checkout."""
    for rel in regions.walk(BUNDLE):
        if rel.split("/")[0] != "datasets":
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(BUNDLE / rel, dest / rel)
    return dest


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    return release.release(tmp_path_factory.mktemp("release") / "bundle", BUNDLE)


@pytest.mark.parametrize("task", tasks.TASKS)
def test_every_task_passes_on_the_solution(task):
    result = check.run_check(task, BUNDLE)
    assert result.ok and result.failure is None and result.state == "passed", str(result)
    assert str(result) == f"{task}: all {result.total} public tests passed"


def test_the_notebook_has_one_check_cell_per_task():
    """A cell that is only ``check("TASK")``, once for every task and for nothing else."""
    notebook = nbformat.read(BUNDLE / tasks.NOTEBOOK, as_version=4)
    checked = [found[1] for cell in notebook.cells if cell.cell_type == "code"
               for found in [re.fullmatch(r'check\("(\w+)"\)', cell.source.strip())] if found]
    assert sorted(checked) == sorted(tasks.TASKS)
    calls = sum(len(re.findall(r"\bcheck\(", cell.source)) for cell in notebook.cells
                if cell.cell_type == "code")
    assert calls == len(checked), "a check() call outside a cell of its own"


def test_a_stub_is_not_written_yet_and_nothing_is_written_into_the_bundle(student):
    before = files_under(student)
    result = check.run_check("softmax_naive", student)
    assert files_under(student) == before  # no .pytest_cache, .hypothesis or __pycache__
    assert result.not_written and not result.ok and result.passed < result.total
    assert str(result).startswith("softmax_naive: not written yet (")


def test_check_tests_the_bundle_the_kernel_imports(student):
    """From the release's notebooks/ folder with the release first on the path, as the
    browser test's kernel runs, check() finds the release, not this bundle's install."""
    env = {**os.environ, "PYTHONPATH": str(student)}
    done = subprocess.run(
        [sys.executable, "-c", "from grading.student.check import bundle_root, check\n"
         "print(bundle_root())\ncheck('least_squares')"],
        cwd=student / "notebooks", env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    root, line = done.stdout.strip().split("\n")
    assert Path(root) == student.resolve()
    assert line.startswith("least_squares: not written yet (")  # printed outside IPython


def test_check_shows_its_line_in_a_plain_jupyter_execute(student, monkeypatch):
    """A notebook in the release's notebooks/ folder, run by nbclient: the line is displayed
    as text and as HTML, and twice the same, so nbval can replay it."""
    path = student / "notebooks" / "check.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("from grading.student.check import check"),
                                       new_code_cell('check("least_squares")')]), path)
    monkeypatch.setenv("PYTHONPATH", str(student))  # the kernel inherits it
    outputs = []
    for _ in range(2):
        client = NotebookClient(nbformat.read(path, as_version=4), timeout=120,
                                kernel_name="python3",
                                resources={"metadata": {"path": path.parent}})
        outputs.append(client.execute().cells[1].outputs)
    assert outputs[0] == outputs[1] and len(outputs[0]) == 1
    shown = outputs[0][0]
    assert shown.output_type == "display_data"
    assert shown.data["text/plain"].startswith("least_squares: not written yet (")
    assert "not written yet" in shown.data["text/html"]


def test_a_planted_bug_names_its_likely_cause_and_the_failing_tests(tmp_path):
    bundle = copy_bundle(tmp_path / "bundle")
    softmax = bundle / "classifiers" / "softmax.py"

    def wrong_gradient(region, lines):  # dW no longer divided by N
        return lines + [region.indent + "dW = dW * X.shape[0]"] \
            if region.task == "softmax_vectorized" else None

    softmax.write_text(regions.rewrite(softmax.read_text(), "code", "softmax.py",
                                       wrong_gradient))
    result = check.run_check("softmax_vectorized", bundle)
    # The oracle: pytest's own short summary of the same public tests.
    files = check.public_tests(bundle, "softmax_vectorized")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rf", "-p",
                           "no:cacheprovider", "-m", "softmax_vectorized", *files],
                          cwd=bundle, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(bundle)})
    failed = [f"{module}::{test}" for module, test in re.findall(
        r"^FAILED tests/public/(test_\w+)\.py::(\S+)", done.stdout, re.MULTILINE)]
    assert failed, done.stdout[-2000:]
    assert not result.ok and not result.not_written and 0 < result.passed < result.total
    # Every failing test by name; the probe's failure is shown as its likely cause.
    assert [failure.test for failure in result.failures] == [
        name for name in failed if not check.is_probe(name)], str(result)
    assert result.passed == result.total - len(failed)
    assert str(result).split("\n")[1].startswith("likely cause: dW is summed"), str(result)
    assert str(bundle) not in str(result)
    assert all(len(line) <= check.MESSAGE_LIMIT + 200 for line in str(result).split("\n"))


def test_an_unknown_task_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="task must be one of softmax_naive, .*got 'softmax'"):
        check.run_check("softmax")


def test_the_line_shown_is_escaped_in_html():
    message = "assert '<b>' == 'b'"
    result = check.CheckResult("least_squares", 1, 2,
                               failures=(check.Failure("test_x::test_y", message, message),))
    assert str(result) == ("least_squares: 1 of 2 public tests passed\n"
                           "failed: test_x::test_y: assert '<b>' == 'b'")
    assert "&lt;b&gt;" in result._repr_html_() and "<b>" not in result._repr_html_()
