"""./run.sh's headless path: the data it keeps, the download it does not retry, where it
executes the notebook, what a stopped notebook prints, and the figures' alt text.

run.sh runs here in a copy of the bundle's layout whose get_datasets.sh is a stand-in that
logs its calls and fails to download, and whose notebook is two cells, so each run takes
seconds; the real notebook's figures are converted as run.sh converts them."""

import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grading import tasks
from grading.student import execute

BUNDLE = tasks.BUNDLE
pytestmark = pytest.mark.slow  # each test starts a kernel

FAKE_GET_DATASETS = """#!/usr/bin/env bash
echo "${1:-download}" >> datasets/calls.log
[ "${1:-}" = "--synthetic" ]
"""
RECORD_CELL = ("import json, os\n"
               "print(json.dumps({'dataset': 'synthetic', 'accuracy': {}, "
               "'quick': os.environ.get('SOFTMAX_QUICK') == '1'}))")


@pytest.fixture
def bundle(tmp_path):
    """run.sh and grading/ in a folder with a stand-in get_datasets.sh and a tiny notebook."""
    root = tmp_path / "bundle"
    (root / "scripts").mkdir(parents=True)
    (root / "datasets").mkdir()
    (root / "notebooks").mkdir()
    shutil.copy2(BUNDLE / "run.sh", root / "run.sh")
    shutil.copytree(BUNDLE / "grading", root / "grading",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "scripts/venv.sh").write_text(f"PYTHON={sys.executable}\n")
    (root / "get_datasets.sh").write_text(FAKE_GET_DATASETS)
    (root / "get_datasets.sh").chmod(0o755)
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), new_code_cell(RECORD_CELL)]),
                   root / tasks.NOTEBOOK)
    return root


def run_sh(root, *args):
    env = {key: value for key, value in os.environ.items()
           if key not in ("CIFAR10_DIR", "SOFTMAX_QUICK")}
    return subprocess.run(["bash", str(root / "run.sh"), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def calls(root):
    return (root / "datasets/calls.log").read_text().split()


def test_a_failed_download_is_not_retried_unless_asked(bundle):
    first = run_sh(bundle)
    assert first.returncode == 0, first.stderr
    assert calls(bundle) == ["download", "--synthetic"]
    assert run_sh(bundle).returncode == 0
    assert calls(bundle) == ["download", "--synthetic", "--synthetic"]
    again = run_sh(bundle, "--download")
    assert again.returncode == 0 and calls(bundle)[-2:] == ["download", "--synthetic"]


def test_a_verified_cifar10_is_used_without_any_download(bundle):
    (bundle / "datasets/cifar-10-batches-py").mkdir()
    (bundle / "datasets/cifar-10-batches-py/.complete").write_text("")
    done = run_sh(bundle)
    assert done.returncode == 0 and not (bundle / "datasets/calls.log").exists()


def test_in_place_executes_the_notebook_collect_hands_in_and_quick_is_recorded(bundle):
    done = run_sh(bundle, "--in-place", "--quick")
    assert done.returncode == 0, done.stderr
    nb = nbformat.read(bundle / tasks.NOTEBOOK, as_version=4)
    assert json.loads(nb.cells[1].outputs[0].text)["quick"] is True
    assert [cell.execution_count for cell in nb.cells] == [1, 2]
    assert not (bundle / "build/softmax.ipynb").exists()
    assert (bundle / "build/softmax.html").is_file()


def test_by_default_the_notebook_runs_into_build_and_stays_clean(bundle):
    done = run_sh(bundle)
    assert done.returncode == 0, done.stderr
    assert nbformat.read(bundle / tasks.NOTEBOOK, as_version=4).cells[0].execution_count is None
    executed = nbformat.read(bundle / "build/softmax.ipynb", as_version=4)
    assert json.loads(executed.cells[1].outputs[0].text)["quick"] is False


def test_an_unknown_option_is_refused_naming_it(bundle):
    done = run_sh(bundle, "--fast")
    assert done.returncode == 2 and "unknown option '--fast'" in done.stderr


def test_a_stopped_notebook_says_where_and_why_in_a_few_plain_lines(bundle):
    nb = nbformat.read(bundle / tasks.NOTEBOOK, as_version=4)
    nb.cells[0].source = ("from gradient_check import rel_error\n"
                          "raise NotImplementedError('Task gradient_check: write this part of "
                          "rel_error()')")
    nbformat.write(nb, bundle / tasks.NOTEBOOK)
    done = run_sh(bundle)
    assert done.returncode == 1
    assert done.stderr.splitlines()[:3] == [
        "error: the notebook stopped at cell 0 (task gradient_check)",
        "  cell: from gradient_check import rel_error",
        "  NotImplementedError: Task gradient_check: write this part of rel_error()"]
    assert len(done.stderr.splitlines()) <= 4
    assert "\x1b" not in done.stdout + done.stderr
    assert "without encryption" not in done.stdout + done.stderr


def test_a_failing_cell_without_a_stub_names_the_task_checked_next():
    nb = new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("y = 1 / 0"),
                             new_code_cell("z = 2"), new_code_cell('check("train_grid")')])
    nb.cells[1].outputs = [nbformat.v4.new_output(
        "error", ename="ZeroDivisionError", evalue="\x1b[0;31mdivision by zero\x1b[0m",
        traceback=[])]
    assert execute.failure_summary(nb).splitlines() == [
        "error: the notebook stopped at cell 1 (task train_grid)",
        "  cell: y = 1 / 0", "  ZeroDivisionError: division by zero"]


def test_every_figure_of_the_notebook_has_alt_text_in_the_html():
    nb = nbformat.read(BUNDLE / tasks.NOTEBOOK, as_version=4)
    figures = [cell for cell in nb.cells if cell.cell_type == "code"
               and any("image/png" in output.get("data", {}) for output in cell.outputs)]
    assert len(figures) == 4 and all(cell.metadata.get("alt") for cell in figures)
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
                           "--template", "classic", "--stdout", str(BUNDLE / tasks.NOTEBOOK)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Alternative text is missing" not in done.stderr
    alts = re.findall(r'<img\b[^>]*\balt="([^"]*)"', done.stdout)
    assert alts == [cell.metadata["alt"] for cell in figures]
