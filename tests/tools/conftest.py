"""Fixtures shared by the tool tests, and the tiers they run in."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from grading.authoring import release
from grading.isolation import sandbox
from grading.report import Report

from class_submissions import grade_class

BUNDLE = Path(__file__).resolve().parents[2]

# The tiers, by module. slow: grades whole submissions or runs the release's tests end to
# end, executes notebooks or drives a browser; its modules take tens of seconds or more
# (measured with --durations), and `./test.sh --quick` leaves them out. sandbox: the
# security tests, which need bubblewrap; browser: drives Chromium.
SLOW = {"test_browser", "test_check", "test_fair_points", "test_grade_all_outputs",
        "test_gradescope", "test_grading_failures", "test_grading_grade", "test_grading_notebook",
        "test_grading_release", "test_hostile", "test_hostile_notebook", "test_hostile_uid",
        "test_notebook_replay", "test_hostile_text", "test_readable", "test_measure",
        "test_replay"}
SANDBOX = {"test_hostile", "test_hostile_notebook", "test_hostile_decoys", "test_hostile_text",
           "test_sandbox", "test_sandbox_links"}
BROWSER = {"test_browser", "test_readable"}


def pytest_collection_modifyitems(config, items):
    """Mark each tool test with its tiers (the notebook's cells run only in the full suite)."""
    for item in items:  # every item of the session, notebook cells included
        module = item.path.stem
        for marker, modules in (("slow", SLOW), ("sandbox", SANDBOX), ("browser", BROWSER)):
            if module in modules:
                item.add_marker(marker)


def pytest_runtest_setup(item):
    """A security test without bubblewrap: skipped on a developer's machine, failed in CI.

    A green CI run must contain the security tests, never skip them.
    """
    if item.get_closest_marker("sandbox") and sandbox.level() != "bubblewrap":
        message = "no bubblewrap sandbox on this machine: the security tests cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def student(tmp_path_factory):
    """The student bundle of this bundle, released once; tests copy it before changing it."""
    return release.release(tmp_path_factory.mktemp("release") / "student", BUNDLE)


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """The class of honest, hostile and idiomatic submissions, graded once by grade_all with
    the sandbox (class_submissions.py); tests read it and never change it."""
    return grade_class(tmp_path_factory.mktemp("class"))


@pytest.fixture
def uid_tmp():
    """A fresh folder straight in the temporary folder, for tests of what uid 65534 reaches.

    pytest's own tmp_path lies in a folder that every pytest session sets back to
    0700, so that uid could not be let through to it for long.
    """
    path = Path(tempfile.mkdtemp(prefix="uid-test-"))
    yield path
    shutil.rmtree(path)



TASKS = {"softmax_naive": 10, "softmax_vectorized": 10, "least_squares": 10}
HOSTILE = "<script>window.hostile = 1</script>"


def make_report(name, passed, messages=None, cells=(0, 0), val=None, problems=()):
    """A `Report` read from a report.json object: `passed` is the set of tasks passed."""
    messages = messages or {}
    tasks = {task: {"passed": task in passed, "points": points if task in passed else 0,
                    "max_points": points, "file": "classifiers/softmax.py",
                    "message": None if task in passed else messages.get(task, "failed"),
                    "groups": {}}
             for task, points in TASKS.items()}
    accuracy = {"softmax, tuned": {"train": 0.4, "val": val, "test": 0.38}} if val else None
    # The grader's own measure differs from what the notebook printed, so tests can tell them apart.
    measured = {"val": round(val - 0.02, 3), "test": 0.37} if val else None
    return Report.from_json({
        "submission": name, "total": sum(t["points"] for t in tasks.values()),
        "max_total": sum(TASKS.values()), "problems": list(problems), "tasks": tasks,
        "notebook": {"status": "re-executed" if cells[1] else "not executed",
                     "dataset": "synthetic" if cells[1] else None,
                     "cells_matched": cells[0], "cells_total": cells[1],
                     "first_mismatch": None, "accuracy": accuracy,
                     "accuracy_measured": measured, "weights": None,
                     "answers": {"inline_question_1": HOSTILE}}})


@pytest.fixture
def class_reports():
    """Four submissions: full marks, a planted bug, a stub, and one with markup everywhere."""
    stub = "NotImplementedError: Task softmax_naive: write this part"
    return [
        make_report("alice", set(TASKS), cells=(23, 23), val=0.41),
        make_report("bob.zip", {"softmax_naive", "least_squares"}, cells=(20, 23), val=0.30,
                    messages={"softmax_vectorized": "test_dW: gradient off by N"}),
        make_report("carol", set(), messages={"softmax_naive": stub}),
        make_report(f"dave{HOSTILE}", {"least_squares"}, cells=(5, 23), val=0.2,
                    messages={"softmax_naive": stub,
                              "softmax_vectorized": f"test_dW: {HOSTILE}"},
                    problems=[f"notebook cell 3 {HOSTILE}"]),
    ]
