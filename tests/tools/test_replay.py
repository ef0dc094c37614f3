"""Reports of the shared class replayed with `python -m grading.replay`, and a regrade.

The class (class_submissions.py) was graded by grade_all with one BLAS thread per grade
on this machine's kernel. Its solution is replayed under another kernel and thread count,
set in the subprocess's environment only; a planted bug and a partial submission (the
solution's softmax.py alone) are replayed here. Each must give "identical". A changed
file is refused before anything is graded, and a grader whose tests changed is said.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
from test_notebook_replay import SECOND_KERNEL

from grading import report
from grading.course import manual
from grading.grader import replay


def replayed(graded_class, name, *extra, bundle=None):
    """Replay one report of the class in this process: (exit status, stdout, stderr)."""
    return replay.main([str(graded_class.folder(name)), str(graded_class.submissions / name),
                        "--bundle", str(bundle or graded_class.bundle), *extra])


@pytest.fixture
def dataset(graded_class, monkeypatch):
    """The class's notebooks ran on its small synthetic set, and re-execute on it."""
    monkeypatch.setenv("CIFAR10_DIR", str(graded_class.data))


def test_the_solution_replays_identical_under_another_kernel_and_thread_count(graded_class):
    recorded = graded_class.report("solution")["manifest"]["environment"]
    kernel = SECOND_KERNEL.get(recorded["kernel"])
    if kernel is None:
        pytest.skip(f"no second kernel is known for OpenBLAS's {recorded['kernel']!r}")
    threads = 1 if recorded["threads"] > 1 else 2
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(OPENBLAS_CORETYPE=kernel, OPENBLAS_NUM_THREADS=str(threads),
               CIFAR10_DIR=str(graded_class.data))
    done = subprocess.run([sys.executable, "-m", "grading.replay",
                           str(graded_class.folder("solution")),
                           str(graded_class.submissions / "solution"),
                           "--bundle", str(graded_class.bundle)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert (done.returncode, done.stdout) == (0, "identical\n"), done.stderr[-3000:]
    assert f"warning: environment differs: kernel: {recorded['kernel']} -> {kernel}" \
        in done.stderr
    assert f"threads: {recorded['threads']} -> {threads}" in done.stderr
    assert graded_class.report("solution")["notebook"]["cells_matched"] > 0


def test_a_planted_bug_replays_identical(graded_class, dataset, capsys):
    assert replayed(graded_class, "planted.zip") == 0
    assert capsys.readouterr().out == "identical\n"
    assert graded_class.rows["planted.zip"]["softmax_vectorized"] != "10"  # it lost points


def test_a_changed_file_is_refused_before_grading(graded_class, tmp_path, capsys):
    changed = shutil.copytree(graded_class.submissions / "solution", tmp_path / "solution")
    with open(changed / "classifiers/softmax.py", "a") as softmax:
        softmax.write("# one more line\n")
    assert replay.main([str(graded_class.folder("solution")), str(changed),
                        "--bundle", str(graded_class.bundle)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "not the submission this report graded; refused" in captured.err
    assert "classifiers/softmax.py: SHA-256" in captured.err
    assert "gradient_check.py" not in captured.err  # only the file that changed is named


def test_a_changed_grader_is_said(graded_class, tmp_path, capsys):
    bundle = shutil.copytree(graded_class.bundle, tmp_path / "bundle", symlinks=True)
    hidden = next((bundle / "tests/hidden").glob("test_*.py"))
    hidden.write_text(hidden.read_text() + "# a comment changes the grader's version\n")
    # Not a zip: graded at once, every task failed without running a test.
    assert replayed(graded_class, "garbage.zip", bundle=bundle) == 0
    said = capsys.readouterr().out.splitlines()
    recorded = graded_class.report("garbage.zip")["manifest"]["grader"]
    assert said[0].startswith(f"the grader changed: {recorded} in the report, ")
    assert said[1:] == ["identical"]


def test_a_regrade_records_the_replay_and_the_manual_mark(graded_class, tmp_path, capsys):
    folder = shutil.copytree(graded_class.folder("honest"), tmp_path / "honest")
    assert replay.main([str(folder), str(graded_class.submissions / "honest"), "--bundle",
                        str(graded_class.bundle), "--record"]) == 0
    assert capsys.readouterr().out == "identical\n"
    (tmp_path / "marks.csv").write_text(
        "submission,task,points,comment\n"
        'honest,inline_question_1,2,"Regrade: replayed identical, answer re-read"\n')
    assert manual.main([str(tmp_path / "marks.csv"), str(folder)]) == 0
    final = report.Report.from_json(json.loads((folder / "report.json").read_text()))
    assert len(final.replays) == 1 and ": replayed: identical" in final.replays[0]
    assert final.manual["inline_question_1"].comment == \
        "Regrade: replayed identical, answer re-read"
    assert final.final_total == graded_class.report("honest")["total"] + 2
    markdown = (folder / "report.md").read_text()
    assert "## Replays" in markdown and "Regrade: replayed identical, answer re\\-read" in markdown
