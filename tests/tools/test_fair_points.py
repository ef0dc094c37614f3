"""Points by groups of tests: correct solutions in students' idioms keep most of their task.

Each idiom (idioms.py) is a correct (or, for 0.5 * reg, an older convention's) solution
written for these tests, pasted into its task's regions of the released file and handed
in alone, in the class that the grading tests share (class_submissions.IDIOMS): graded end
to end by grade_all with the sandbox. The expected points of the idiom's task and the
groups lost are asserted, as are the goals: a correct idiom keeps at least 80% of its task,
the 0.5 * reg convention at most half. Stubs and a planted bug are graded in
test_grading_grade.py.
"""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grading import tasks
from grading.grader import nbgrade, points

import idioms
from idioms import IDIOMS
from strategies import ORDINARY_BOUND

BUNDLE = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("idiom", IDIOMS)
def test_each_idiom_scores_its_expected_points(graded_class, idiom):
    _, task, _, expected, lost = IDIOMS[idiom]
    entry = graded_class.report(idioms.name(idiom))["tasks"][task]
    failed = {group for group, part in entry["groups"].items() if not part["passed"]}
    assert (entry["points"], failed) == (expected, lost), entry["message"]
    assert entry["points"] == sum(part["points"] for part in entry["groups"].values())
    if "0.5 * reg" in idiom:
        assert entry["points"] <= tasks.TASKS[task].points / 2
    else:
        assert entry["points"] >= 0.8 * tasks.TASKS[task].points
    if "stable" in failed:  # the student reads how to fix it
        assert "s_y - log(sum(exp(s)))" in entry["groups"]["stable"]["message"]


def collected_markers():
    """{node id: marker names} of the bundle's public and hidden tests, as pytest collects."""
    script = ("import json, sys, pytest\n"
              "class Grab:\n"
              "    def pytest_collection_finish(self, session):\n"
              "        self.found = {i.nodeid: [m.name for m in i.iter_markers()]\n"
              "                      for i in session.items}\n"
              "grab = Grab()\n"
              "pytest.main(['-q', '--collect-only', '-p', 'no:cacheprovider', *sys.argv[1:]],\n"
              "            plugins=[grab])\n"
              "print('MARKERS' + json.dumps(grab.found))\n")
    done = subprocess.run([sys.executable, "-c", script, tasks.PUBLIC_TESTS, tasks.HIDDEN_TESTS],
                          cwd=BUNDLE, capture_output=True, text=True, timeout=300)
    line = [line for line in done.stdout.splitlines() if line.startswith("MARKERS")]
    assert line, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(line[0][len("MARKERS"):])


def test_every_graded_test_is_in_exactly_one_group_of_its_task():
    markers = collected_markers()
    for task, groups in ((name, task.groups) for name, task in tasks.TASKS.items()):
        assert sum(share for share, _, _ in groups.values()) == 100, task
        assert all(float(points.group_points(task, group)).is_integer() for group in groups)
        graded = [nodeid for nodeid, names in markers.items()
                  if task in names and not points.is_probe(nodeid)]
        placed = {nodeid: points.groups_of(task, nodeid) for nodeid in graded}
        assert graded and all(len(found) == 1 for found in placed.values()), \
            {nodeid: found for nodeid, found in placed.items() if len(found) != 1}
        used = {found[0] for found in placed.values()}
        assert used == set(groups), f"{task}: groups without a test: {set(groups) - used}"


def test_ordinary_problems_keep_every_row_within_50():
    # |s| <= D * bound^2 with D <= 5, so two scores of a row differ by at most twice that.
    assert 2 * 5 * ORDINARY_BOUND ** 2 <= 50


def test_a_test_that_did_not_run_fails_its_group_and_a_stub_fails_every_group():
    collected = ["t.py::test_matches_reference[a]", "t.py::test_dW_shape_equals_W_shape",
                 "t.py::test_reg_term_alone_when_X_is_zero",
                 "t.py::test_dW_matches_central_differences_at_every_coordinate[0.0]"]
    ran = {nodeid: {"outcome": "passed", "message": None} for nodeid in collected}
    del ran[collected[2]]
    entry = points.score("softmax_naive", {"tests": ran, "collected": collected, "stub": False})
    assert {group for group, part in entry.groups.items() if part.passed} == \
        {"gradient", "contract"}
    assert entry.groups["reference"].message == \
        "test_reg_term_alone_when_X_is_zero: did not run"
    assert entry.points == 4 and not entry.passed
    ran[collected[3]] = {"outcome": "failed", "message": "dW(0, 0): analytic 0.0"}
    gated = points.score("softmax_naive", {"tests": ran, "collected": collected, "stub": False})
    assert gated.points == 0  # contract's tests passed, but the core group did not
    assert gated.groups["contract"].message == \
        "counts only when the core group gradient passed"
    stub = points.score("softmax_naive", {"tests": ran, "collected": collected, "stub": True})
    assert stub.points == 0 and all(part.message == points.STUB
                                    for part in stub.groups.values())
    misfit = points.score("softmax_naive", {"tests": {}, "collected": ["t.py::test_new"],
                                            "stub": False})
    assert "test_new is in 0 groups" in misfit.message and not misfit.passed


def test_a_notebook_that_times_out_is_reported_with_the_running_cell(tmp_path):
    # The grader's real limit fits a slow but correct notebook (grading/README.md); here a
    # small limit and a cell that never ends show what the report says when one is hit.
    (tmp_path / "nb" / tasks.NOTEBOOK).parent.mkdir(parents=True)
    (tmp_path / "data").mkdir()
    cells = [new_markdown_cell("# Slow"), new_code_cell("print('first cell done')"),
             new_code_cell("while True:\n    pass  # far past the limit")]
    nbformat.write(new_notebook(cells=cells), tmp_path / "nb" / tasks.NOTEBOOK)
    status, executed = nbgrade.execute(tmp_path / "nb", tmp_path / "data", 25, sandboxed=True)
    assert executed is None
    assert status == ("re-execution timed out in cell 2 (while True: pass # far past the "
                      "limit) after 1 of 2 code cells")
