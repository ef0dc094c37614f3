"""Hostile notebooks: no cell counts as matched unearned, and nothing hidden or forged is quoted.

The notebook is the small fixture of grading_fixtures.py, executed once with
the solution; each attack edits a copy and grades its notebook
(`nbgrade.regrade`, re-executed in the sandbox on a small synthetic set). One
attack goes through ``python -m grading.grader.grade`` whole, for its exit status and
report.md. The last test re-executes the bundle's real notebook in the sandbox.
"""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mistune
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_output

from grading import tasks
from grading.authoring import release
from grading.grader import nbgrade, scratch
from grading.grader.workspace import Workspace

from grading_fixtures import ANSWER, CELLS, executed_solution, fixture_notebook

BUNDLE = Path(__file__).resolve().parents[2]
FORGED = "```\n# Graded\n**Total: 50 / 50**\n```"
HIDDEN = [BUNDLE / tasks.HIDDEN_TESTS / "oracles.py", BUNDLE / "classifiers" / "softmax.py"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """(solution folder, bundle with the fixture notebook, synthetic data folder)."""
    root = tmp_path_factory.mktemp("hostile-notebook")
    data = root / "cifar-10-synthetic"
    subprocess.run([sys.executable, "-m", "cifar_synthetic", "--out", str(data),
                    "--num-train", "500", "--num-test", "100"],
                   cwd=BUNDLE, check=True, capture_output=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CIFAR10_DIR", str(data))
        solution = executed_solution(root, root / "submissions")
    bundle = scratch.reference_tree(BUNDLE, root / "bundle")
    shutil.copytree(BUNDLE / "grading", bundle / "grading")
    nbformat.write(fixture_notebook(), bundle / tasks.NOTEBOOK)
    return solution, bundle, data


def regrade(setup, tmp_path, monkeypatch, edit):
    """The report's notebook entry for the solution with its notebook changed by edit(nb)."""
    solution, bundle, data = setup
    monkeypatch.setenv("CIFAR10_DIR", str(data))
    shutil.copytree(solution, tmp_path / "submission")
    path = tmp_path / "submission" / tasks.NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    edit(nb)
    nbformat.write(nb, path)
    work = Workspace(tmp_path / "work")
    work.prepare(tmp_path / "submission", bundle)
    return nbgrade.regrade(work, bundle, timeout=300, sandboxed=True)


def strings(value):
    """Every string in a report entry, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.items():
            yield from strings(list(item))
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_the_solution_matches_every_cell(setup, tmp_path, monkeypatch):
    entry = regrade(setup, tmp_path, monkeypatch, lambda nb: None)
    assert entry.cells_matched == entry.cells_total == len(CELLS)  # the attacks' baseline


def test_cells_rewritten_to_print_their_stored_outputs_match_nothing(setup, tmp_path,
                                                                     monkeypatch):
    def reprint(nb):
        for cell in code_cells(nb):
            text = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
            cell.source = f"print({text!r}, end='')"

    entry = regrade(setup, tmp_path, monkeypatch, reprint)
    assert entry.cells_matched == 0 and entry.cells_total == len(CELLS)
    assert len(entry.modified_cells) == len(CELLS) and entry.first_mismatch.stored \
        == "(cell modified)"


@pytest.mark.parametrize("how", ["tag", "comment"])
def test_ignore_output_markers_the_release_lacks_do_not_hide_forged_outputs(
        setup, tmp_path, monkeypatch, how):
    def forge(nb):
        for cell in code_cells(nb):
            cell.outputs.append(new_output("stream", name="stdout", text="forged 0.999\n"))
            if how == "tag":
                cell.metadata["tags"] = ["nbval-ignore-output"]
            else:
                cell.source = "# NBVAL_IGNORE_OUTPUT\n" + cell.source

    entry = regrade(setup, tmp_path, monkeypatch, forge)
    assert entry.cells_matched == 0 and entry.cells_total == len(CELLS)
    if how == "tag":  # the cells are the release's, compared, and their forgery shown
        assert not entry.modified_cells and "forged 0.999" in entry.first_mismatch.stored
    else:  # a marker in the source makes the cell another cell
        assert len(entry.modified_cells) == len(CELLS)


def test_a_record_carrying_hidden_text_is_refused_and_quotes_nothing(setup, tmp_path,
                                                                    monkeypatch):
    paths = [str(p) for p in HIDDEN] + [f"/proc/1/root{p}" for p in HIDDEN]
    leak = ["import json, pathlib",
            f"found = [p.read_text() for p in map(pathlib.Path, {paths!r}) if p.exists()]",
            "text = ' '.join(found) or 'nothing readable'",
            "print(json.dumps({'dataset': 'synthetic', 'leak': text,",
            "                  'accuracy': {text[:100]: {'train': 0.5}}}))"]
    entry = regrade(setup, tmp_path, monkeypatch,
                    lambda nb: nb.cells.append(new_code_cell("\n".join(leak))))
    assert entry.accuracy is None and entry.added_cells == [len(CELLS) + 2]
    quoted = "\n".join(strings(dataclasses.asdict(entry)))
    for path in HIDDEN:
        lines = [line.strip() for line in path.read_text().splitlines() if len(line) > 20]
        assert lines and not [line for line in lines[:5] if line in quoted]


def test_a_bad_record_and_forged_totals_get_an_escaped_report(setup, tmp_path):
    """Stub task files, a forged total in an answer and an output, a list as accuracy."""
    solution, bundle, data = setup
    submission = tmp_path / "forged"
    for rel in tasks.SUBMISSION_FILES[:-1]:
        (submission / rel).parent.mkdir(parents=True, exist_ok=True)
        (submission / rel).write_text(release.stub_python((BUNDLE / rel).read_text(), rel))
    nb = nbformat.read(solution / tasks.NOTEBOOK, as_version=4)
    answer = next(cell for cell in nb.cells if ANSWER[1] in cell.source)
    answer.source = answer.source.replace(ANSWER[2], FORGED)
    code_cells(nb)[2].outputs[0].text += FORGED  # the first cell the stubs change
    nb.cells.append(new_code_cell("print('{\"dataset\": \"synthetic\", \"accuracy\": [1, 2]}')"))
    (submission / tasks.NOTEBOOK).parent.mkdir(parents=True)
    nbformat.write(nb, submission / tasks.NOTEBOOK)
    env = {**os.environ, "CIFAR10_DIR": str(data)}
    done = subprocess.run([sys.executable, "-m", "grading.grader.grade", str(submission), "--out",
                           str(tmp_path / "out"), "--bundle", str(bundle), "--task-timeout",
                           "120"], cwd=BUNDLE, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "out" / "report.json").read_text())
    assert result["total"] == 0 and result["notebook"]["accuracy"] is None
    assert FORGED in result["notebook"]["first_mismatch"]["stored"]
    html = mistune.html((tmp_path / "out" / "report.md").read_text())
    assert html.count("<strong>Total:") == 1
    assert f"<strong>Total: 0 / {tasks.MAX_TOTAL}</strong>" in html
    assert html.count("<h1>") == 1 and "<h1>Graded" not in html
    assert html.count("**Total: 50 / 50**") == 2  # quoted, inside code blocks, twice


def test_the_real_notebook_re_executes_inside_the_sandbox(tmp_path):
    """The bundle's notebook at its quick sizes (set in its cell: the grader drops
    SOFTMAX_QUICK), with a last cell that looks around the sandbox it runs in."""
    data = tmp_path / "cifar-10-synthetic"
    subprocess.run([sys.executable, "-m", "cifar_synthetic", "--out", str(data),
                    "--num-train", "5400", "--num-test", "500"],
                   cwd=BUNDLE, check=True, capture_output=True)
    for rel in tasks.SUBMISSION_FILES:
        (tmp_path / "submission" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BUNDLE / rel, tmp_path / "submission" / rel)
    nb = nbformat.read(BUNDLE / tasks.NOTEBOOK, as_version=4)
    quick = "os.environ.get('SOFTMAX_QUICK') == '1'"
    sizes = next(cell for cell in code_cells(nb) if quick in cell.source)
    sizes.source = sizes.source.replace(quick, "True")
    nb.cells.append(new_code_cell(
        "import os, pathlib\n"
        "print(len([p for p in os.listdir('/proc') if p.isdigit()]),"
        f" pathlib.Path({str(BUNDLE / tasks.HIDDEN_TESTS)!r}).exists(),"
        f" pathlib.Path({str(BUNDLE / 'README.md')!r}).exists())"))
    nbformat.write(nb, tmp_path / "submission" / tasks.NOTEBOOK)
    work = Workspace(tmp_path / "work")
    work.prepare(tmp_path / "submission", BUNDLE)
    status, new = nbgrade.execute(nbgrade.run_folder(work, BUNDLE), data, 1200, True)
    assert status == "re-executed and compared", status
    errors = [cell.source[:80] for cell in code_cells(new)
              if any(output.output_type == "error" for output in cell.outputs)]
    assert not errors
    assert json.loads(code_cells(new)[-2].outputs[0].text)["dataset"] == "synthetic"
    processes, hidden, bundle = code_cells(new)[-1].outputs[0].text.split()
    # Its own PID namespace (bwrap, jupyter, the kernel, a few more), and of the bundle's
    # folder only the virtual environment, if that lies inside it.
    assert int(processes) < 10 and hidden == bundle == "False"
