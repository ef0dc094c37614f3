"""Hostile submissions, graded with grade_all beside honest ones: no attack gains a point.

Each hostile submission hands in one task file (the others are missing, so
their tasks fail at once and the run stays short) whose regions attack the
grader (`hostile_regions`). They are graded with the sandbox in the class that the
grading tests share (class_submissions.HOSTILE), and the honest submissions score what
they earned in the same run; grading changes neither the submissions nor the bundle's
tests.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from grading import tasks
from grading.authoring import rebuild, release
from grading.course import grade_all
from grading.grader import scratch
from grading.isolation import cgroups, sandbox
from grading.student import regions

from hostile_regions import (
    ATTACKS,
    BUNDLE,
    CANARY,
    FORGED,
    HIDDEN_TEXT,
    SAVED,
    SOFTMAX,
)


@pytest.fixture
def graded(graded_class):
    """The graded class (class_submissions.py): (reports folder, rows of scores.csv)."""
    return graded_class.out, graded_class.rows


def report(out, name):
    return json.loads((out / grade_all.REPORTS / name / "report.json").read_text())


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_no_attack_gains_a_point(graded, name):
    out, rows = graded
    assert rows[name]["total"] == "0", report(out, name)["tasks"]
    assert report(out, name)["isolation"] == "bubblewrap"


def test_no_hidden_text_reaches_a_report(graded):
    out, _ = graded
    for name in ATTACKS:
        for file in ("report.json", "report.md"):
            text = (out / grade_all.REPORTS / name / file).read_text()
            assert not [hidden for hidden in HIDDEN_TEXT if hidden in text], (name, file)
    assert "found []" in report(out, "read_hidden")["tasks"]["gradient_check"]["message"]


def test_nothing_is_written_outside_the_sandbox(graded):
    assert not CANARY.exists() and not SAVED.exists()


def test_the_child_may_call_back_nothing_but_the_declared_callbacks(graded):
    out, _ = graded
    tasks_of = report(out, "call_back_anything")["tasks"]
    message = tasks_of["linear_classifier"]["message"]
    assert message.count("ValueError: the submission may call back only") == len(FORGED) - 1
    assert "is not a declared dependency" in message, message
    assert "may call back only" in tasks_of["train_grid"]["message"]


def test_attributes_the_task_does_not_declare_stay_in_the_child(graded):
    out, _ = graded
    entry = report(out, "forge_batch_shapes")["tasks"]["linear_classifier"]
    assert entry["points"] == 0 and not entry["groups"]["train"]["passed"]
    assert any(".batch_shapes, which the grader does not take back" in note
               for note in entry["notes"]), entry["notes"]
    assert "which the grader does not take back" in (
        out / grade_all.REPORTS / "forge_batch_shapes" / "report.md").read_text()


def test_inputs_changed_in_place_fail_the_call_instead_of_reaching_the_test(graded):
    out, _ = graded
    for task in ("softmax_naive", "softmax_vectorized"):
        assert "in place; a function must leave its inputs as it found them" in \
            report(out, "zero_inputs")["tasks"][task]["message"]


def test_the_tests_float_error_policy_applies_in_the_child(graded):
    out, rows = graded
    for task in ("softmax_naive", "softmax_vectorized"):
        groups = report(out, "overflow_fallback")["tasks"][task]["groups"]
        assert [group for group, part in groups.items() if not part["passed"]] == ["stable"]
        assert "overflow" in groups["stable"]["message"]
    assert rows["overflow_fallback"]["total"] == str(
        sum(tasks.TASKS[task].points * 9 // 10 for task in ("softmax_naive",
                                                             "softmax_vectorized")))


def test_honest_submissions_beside_them_score_what_they_earned(graded, graded_class):
    out, rows = graded
    earned = tasks.TASKS["softmax_naive"].points + tasks.TASKS["softmax_vectorized"].points
    assert rows["honest"]["total"] == str(earned)
    assert rows["scores.csv"]["total"] == str(tasks.TASKS["gradient_check"].points)
    assert set(rows) == set(graded_class.names)
    assert set(ATTACKS) | {"honest", "linked", "scores.csv", "bomb.zip",
                           "overflow_fallback"} <= set(rows)


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


def hanging_child_started(folder):
    """Wait until a task's child runs in `folder` (the grade, its pytest and the child all
    started), then give the watchdog a second: it kills a grade whose whole tree is there.
    Only a child whose command line names `folder` counts: other graders may be running."""
    for _ in range(6000):  # ten minutes at most
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                text = cmdline.read_bytes()
                if b"grading.child.server" in text and str(folder).encode() in text:
                    return 1
            except OSError:  # the process ended meanwhile
                pass
        time.sleep(0.1)
    return 1


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
    seen, remove, killpg = [], cgroups.remove_cgroup, os.killpg

    def killed(pgid, sig):  # what the watchdog's kill met: the grade's tree, counted
        # before it, since the grade's children die with it (parent-death signals)
        # faster than they could be counted after
        relative = Path(f"/proc/{pgid}/cgroup").read_text().split("::", 1)[1].strip()
        cgroup = Path("/sys/fs/cgroup") / relative.lstrip("/")
        seen.append((len(cgroups.members(cgroup)), len(list(os.walk(cgroup)))))
        killpg(pgid, sig)

    def watched(cgroup):  # and what is left for grade_all to remove
        remove(cgroup)
        seen.append(cgroup.exists())

    # The grade's temporary folder (a copy of the reference, hidden tests included) goes
    # with it: grade_all gives each grade its own, and removes it after the kill.
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.setattr(grade_all, "deadline",
                        lambda *times: hanging_child_started(tmp_path / "tmp"))
    monkeypatch.setattr(cgroups, "remove_cgroup", watched)
    monkeypatch.setattr(os, "killpg", killed)
    rows = grade_all.grade_all(tmp_path / "subs", tmp_path / "out", task_timeout=300)
    assert rows[0]["total"] == 0 and "grading stopped with a timeout" in rows[0]["problems"]
    (members, nested), still_there = seen
    assert not still_there
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
    note = "; task train_grid is graded without it"
    released = release.stub_python((BUNDLE / rel).read_text(), rel, note=note)
    rebuilt, refused = rebuild.rebuild(released, text, rel, {"train_grid"})
    assert refused == {}
    scratch.build(BUNDLE, rebuilt, rel, tmp_path, note)
    call = ("import numpy as np; from classifiers.linear_classifier import train_grid; "
            "train_grid(np.ones((4, 3)), np.array([0, 1, 0, 1]), [1e-3], [0.1], 2, 2)")
    done = subprocess.run([sys.executable, "-c", call], cwd=tmp_path, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert "NotImplementedError: Task linear_classifier: write this part of train()" \
        in done.stderr and "task train_grid is graded without it" in done.stderr, done.stderr
