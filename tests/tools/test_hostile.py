"""Hostile submissions, graded with grade_all beside honest ones: no attack gains a point.

Each hostile submission hands in one task file (the others are missing, so
their tasks fail at once and the run stays short) whose regions attack the
grader. The honest submissions score what they earned in the same run.
"""

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from grading import cgroups, grade_all, regions, sandbox, scratch, tasks

BUNDLE = Path(__file__).resolve().parents[2]
SOFTMAX = "classifiers/softmax.py"
CHECK = "gradient_check.py"
CANARY = BUNDLE / "tests" / "hostile-canary.txt"
WRONG = ["    error = 0.0"]  # rel_error's region: every gradient "matches"
WRONG_GRADIENT = ["    loss, dW = 0.0, np.zeros_like(W)"]
ORACLES = BUNDLE / tasks.HIDDEN_TESTS / "oracles.py"
HIDDEN = [str(ORACLES), f"/proc/1/cwd/{tasks.HIDDEN_TESTS}/oracles.py", f"/proc/1/root{ORACLES}"]
ATTACKS = {  # name: (file, body of every region of the file)
    "patch_pytest": (CHECK, [
        "    import sys",
        "    sys.modules.get('_pytest.python') and setattr(",
        "        sys.modules['_pytest.python'].Function, 'runtest', lambda self: None)",
        "    import builtins; builtins.AssertionError = type('A', (Exception,), {})", *WRONG]),
    "skip_itself": (CHECK, ["    __import__('pytest').skip('graded elsewhere')", *WRONG]),
    "patch_numpy_testing": (SOFTMAX, ["    np.testing.assert_allclose = lambda *a, **k: None",
                                      *WRONG_GRADIENT]),
    "exit_early": (CHECK, ["    import atexit, os", "    atexit.register(os._exit, 0)",
                           "    os._exit(0)"]),
    "read_hidden": (CHECK, [
        "    import pathlib",
        f"    paths = [pathlib.Path(__file__).parent / {tasks.HIDDEN_TESTS + '/oracles.py'!r},"
        f" *{HIDDEN!r}]",
        "    found = [p.read_text()[:200] for p in map(pathlib.Path, paths) if p.exists()]",
        "    raise ValueError('found ' + repr(found))"]),
    "call_the_other": (SOFTMAX, [
        "    return (softmax_loss_vectorized(W, X, y, reg) if "
        "softmax_loss_naive.__name__ == 'x' else softmax_loss_naive(W, X, y, reg))"]),
    "write_outside": (CHECK, [
        "    import pathlib",
        f"    for p in [{str(CANARY)!r}, '/proc/1/cwd/tests/conftest.py']:",
        "        try: pathlib.Path(p).write_text('pwned')",
        "        except OSError: pass", *WRONG]),
    "kill_parent": (CHECK, ["    import os, signal", "    os.kill(os.getppid(), signal.SIGKILL)",
                            "    os.kill(1, signal.SIGKILL)", *WRONG]),
    "detach_and_flood": (CHECK, [
        "    import subprocess, sys, os",
        "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " start_new_session=True)",
        "    os.write(1, b'x' * (64 << 20))", "    print('y' * (1 << 30))", *WRONG]),
}


def digest(folder):
    return {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest()
            for rel in regions.walk(folder)}


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """grade_all over the hostile submissions and honest ones; (reports folder, rows)."""
    if sandbox.level() != "bubblewrap":
        pytest.skip("no bubblewrap sandbox on this machine")
    root = tmp_path_factory.mktemp("hostile")
    subs = root / "submissions"
    for name, (rel, body) in ATTACKS.items():
        (subs / name / rel).parent.mkdir(parents=True)
        text = regions.rewrite((BUNDLE / rel).read_text(), "code", rel, lambda r, old: body)
        (subs / name / rel).write_text(text)
    (subs / "honest" / "classifiers").mkdir(parents=True)
    shutil.copyfile(BUNDLE / SOFTMAX, subs / "honest" / SOFTMAX)
    (subs / "linked" / "classifiers").mkdir(parents=True)
    (subs / "linked" / SOFTMAX).symlink_to(BUNDLE / SOFTMAX)
    (subs / "scores.csv").mkdir()  # a submission named like the class's scores
    shutil.copyfile(BUNDLE / "gradient_check.py", subs / "scores.csv" / "gradient_check.py")
    with zipfile.ZipFile(subs / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(tasks.NOTEBOOK, b" " * (100 << 20))
        archive.writestr(CHECK, (BUNDLE / CHECK).read_text())
    before, bundle_before = digest(subs), digest(BUNDLE / "tests")
    out = root / "reports"
    grade_all.grade_all(subs, out, jobs=2, task_timeout=60)
    with open(out / "scores.csv") as scores:
        rows = {row["submission"]: row for row in csv.DictReader(scores)}
    assert digest(subs) == before and digest(BUNDLE / "tests") == bundle_before
    return out, rows


def report(out, name):
    return json.loads((out / grade_all.REPORTS / name / "report.json").read_text())


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_no_attack_gains_a_point(graded, name):
    out, rows = graded
    assert rows[name]["total"] == "0", report(out, name)["tasks"]
    assert report(out, name)["isolation"] == "bubblewrap"


def test_no_hidden_text_reaches_a_report(graded):
    out, _ = graded
    oracle = ORACLES.read_text().splitlines()[0]
    for name in ATTACKS:
        for file in ("report.json", "report.md"):
            assert oracle not in (out / grade_all.REPORTS / name / file).read_text()
    assert "found []" in report(out, "read_hidden")["tasks"]["gradient_check"]["message"]


def test_nothing_is_written_outside_the_sandbox(graded):
    assert not CANARY.exists()


def test_honest_submissions_beside_them_score_what_they_earned(graded):
    out, rows = graded
    earned = tasks.TASKS["softmax_naive"].points + tasks.TASKS["softmax_vectorized"].points
    assert rows["honest"]["total"] == str(earned)
    assert rows["scores.csv"]["total"] == str(tasks.TASKS["gradient_check"].points)
    assert set(rows) == set(ATTACKS) | {"honest", "linked", "scores.csv", "bomb.zip"}


def test_links_and_zip_bombs_are_refused(graded):
    out, rows = graded
    assert rows["linked"]["total"] == "0"
    assert "is or lies under a link" in rows["linked"]["problems"]
    assert rows["bomb.zip"]["total"] == "0" and "larger than" in rows["bomb.zip"]["problems"]
    assert "def softmax_loss_naive" not in (out / grade_all.REPORTS / "linked" /
                                            "report.md").read_text()


def test_killing_the_parent_leaves_the_run_whole(graded):
    out, _ = graded
    entry = report(out, "kill_parent")["tasks"]["gradient_check"]
    assert entry["points"] == 0 and entry["message"]


@pytest.mark.skipif(os.geteuid() != 0 or not cgroups.CGROUP.is_dir(),
                    reason="pids cgroups are made only by a root grader")
def test_a_grade_killed_by_the_watchdog_leaves_no_process_or_cgroup(tmp_path, monkeypatch):
    if sandbox.level() != "bubblewrap":
        pytest.skip("no bubblewrap sandbox on this machine")
    rel = SOFTMAX
    (tmp_path / "subs" / "hang" / rel).parent.mkdir(parents=True)
    text = regions.rewrite((BUNDLE / rel).read_text(), "code", rel,
                           lambda region, body: ["    while True:", "        pass"])
    (tmp_path / "subs" / "hang" / rel).write_text(text)
    seen, remove = [], cgroups.remove_cgroup

    def watched(cgroup):  # what the kill found: the grade's tree, its sandboxes' cgroups
        seen.append((len(cgroups.members(cgroup)), len(list(os.walk(cgroup)))))
        remove(cgroup)

    # The grade's temporary folder (a copy of the reference, hidden tests included) goes
    # with it: grade_all gives each grade its own, and removes it after the kill.
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.setattr(grade_all, "deadline", lambda *times: 45)
    monkeypatch.setattr(cgroups, "remove_cgroup", watched)
    rows = grade_all.grade_all(tmp_path / "subs", tmp_path / "out", task_timeout=300)
    assert rows[0]["total"] == 0 and "grading stopped with a timeout" in rows[0]["problems"]
    members, nested = seen[-1]
    assert members >= 3 and nested >= 3  # grade, its pytest and the hanging child, nested
    assert not list((tmp_path / "tmp").iterdir())
    assert not list(cgroups.CGROUP.glob(f"grading-{os.getpid()}-*"))


def test_train_grid_cannot_call_train_while_it_is_graded(tmp_path):
    """train_grid's child has linear_classifier's regions as stubs that say why (README)."""
    rel = "classifiers/linear_classifier.py"
    loop = ["    W = np.hstack([Softmax().train(X, y, lr, reg, num_iters, batch_size, seed=seed)",
            "                   and 0 or np.zeros((dim, num_classes)) for lr, reg in configs])"]
    text = regions.rewrite((BUNDLE / rel).read_text(), "code", rel,
                           lambda region, body: loop if region.task == "train_grid" else None)
    scratch.build(BUNDLE, text, "train_grid", rel, regions.task_files(BUNDLE), tmp_path)
    call = ("import numpy as np; from classifiers.linear_classifier import train_grid; "
            "train_grid(np.ones((4, 3)), np.array([0, 1, 0, 1]), [1e-3], [0.1], 2, 2)")
    done = subprocess.run([sys.executable, "-c", call], cwd=tmp_path, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert "NotImplementedError: Task linear_classifier: write this part of train()" \
        in done.stderr and "task train_grid is graded without it" in done.stderr, done.stderr
