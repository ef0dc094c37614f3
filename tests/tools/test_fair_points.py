"""Points by groups of tests: correct solutions in students' idioms keep most of their task.

Each idiom is a correct (or, for 0.5 * reg, an older convention's) solution written for
these tests, pasted into the released bundle's regions and graded end to end by the
sandboxed grader, one task at a time (`grade.grade_tasks`). The expected points per task
and the groups lost are asserted, as are the goals: a correct idiom keeps at least 80% of
its task, the 0.5 * reg convention at most half. Stubs and a planted bug are graded in
test_grading_grade.py.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grading import tasks
from grading.grader import grade, nbgrade, points
from grading.student import regions

from strategies import ORDINARY_BOUND

BUNDLE = Path(__file__).resolve().parents[2]

# -np.log of the correct class's probability, after a per-row max shift: a class trailing
# by 2e4 has probability 0, so the loss is inf at scores of +-1e4.
NAIVE_LOG_OF_PROBABILITY = """for i in range(num_train):
    f = X[i].dot(W)
    f -= np.max(f)
    probs = np.exp(f) / np.sum(np.exp(f))
    loss += -np.log(probs[y[i]])
    for j in range(num_classes):
        if j == y[i]:
            dW[:, j] += (probs[j] - 1) * X[i]
        else:
            dW[:, j] += probs[j] * X[i]
loss /= num_train
loss += reg * np.sum(W * W)
dW /= num_train
dW += 2 * reg * W"""

# Loops over examples, classes and the D features for the scores; stable log-sum-exp.
NAIVE_TRIPLE_LOOP = """dim = W.shape[0]
for i in range(num_train):
    s = np.zeros(num_classes)
    for j in range(num_classes):
        for d in range(dim):
            s[j] += X[i, d] * W[d, j]
    s = s - np.max(s)
    log_sum = np.log(np.sum(np.exp(s)))
    loss += log_sum - s[y[i]]
    for j in range(num_classes):
        dW[:, j] += (np.exp(s[j] - log_sum) - (j == y[i])) * X[i]
loss = loss / num_train + reg * np.sum(W * W)
dW = dW / num_train + 2 * reg * W"""

# One maximum over the whole score matrix: rows far below it become 0 / 0.
VECTORIZED_ONE_MAX = """N = X.shape[0]
S = X.dot(W)
S = S - np.max(S)
E = np.exp(S)
P = E / E.sum(axis=1)[:, None]
loss = -np.sum(np.log(P[range(N), y])) / N + reg * np.sum(W**2)
P[range(N), y] -= 1
dW = X.T.dot(P) / N + 2 * reg * W"""

# No shift at all, and the gradient by the chain rule through -log(p_y).
VECTORIZED_NO_SHIFT = """num_train = X.shape[0]
rows = np.arange(num_train)
exp_scores = np.exp(X @ W)
probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
correct = probs[rows, y]
loss = np.mean(-np.log(correct)) + reg * np.sum(W * W)
# dL/dp_y = -1 / (N p_y) and dp_y/ds_j = p_y ([j == y] - p_j)
dcorrect = -1.0 / (num_train * correct)
onehot = np.zeros_like(probs)
onehot[rows, y] = 1
dscores = (dcorrect * correct)[:, None] * (onehot - probs)
dW = X.T @ dscores + 2 * reg * W"""

# The older convention: 0.5 * reg * sum(W^2), gradient reg * W. Stable and self-consistent.
VECTORIZED_HALF_REG = """n = len(y)
z = X @ W
z = z - z.max(axis=1, keepdims=True)
logp = z - np.log(np.exp(z).sum(axis=1))[:, None]
loss = -logp[np.arange(n), y].sum() / n + 0.5 * reg * np.sum(W * W)
g = np.exp(logp)
g[np.arange(n), y] -= 1
dW = X.T @ g / n + reg * W"""

# linear_classifier's three regions: the batch, the step, predict.
BATCH = """sample = rng.integers(num_train, size=batch_size)
X_batch = X[sample, :]
y_batch = y[sample]"""
STEP = "self.W += -learning_rate * grad"
PREDICT = "y_pred = np.argmax(X @ self.W, axis=1)"
# CS231n's template: fill the float y_pred = np.zeros(N) the provided code made.
PREDICT_INTO_FLOATS = """for i in range(X.shape[0]):
    y_pred[i] = np.argmax(X[i] @ self.W)"""
BATCH_FROM_NP_RANDOM = """batch_indices = np.random.choice(num_train, batch_size, replace=True)
X_batch = X[batch_indices]
y_batch = y[batch_indices]"""

SOFTMAX, LINEAR = "classifiers/softmax.py", "classifiers/linear_classifier.py"
# idiom: (file, task, bodies of the task's regions in order, points, groups lost)
IDIOMS = {
    "naive -log(probs[y]) after a per-row shift":
        (SOFTMAX, "softmax_naive", [NAIVE_LOG_OF_PROBABILITY], 9, {"stable"}),
    "naive triple loop": (SOFTMAX, "softmax_naive", [NAIVE_TRIPLE_LOOP], 10, set()),
    "vectorized one max over all scores":
        (SOFTMAX, "softmax_vectorized", [VECTORIZED_ONE_MAX], 9, {"stable"}),
    "vectorized no shift, chain rule through 1/p":
        (SOFTMAX, "softmax_vectorized", [VECTORIZED_NO_SHIFT], 9, {"stable"}),
    "vectorized 0.5 * reg convention":
        (SOFTMAX, "softmax_vectorized", [VECTORIZED_HALF_REG], 5, {"reference"}),
    "predict fills float y_pred":
        (LINEAR, "linear_classifier", [BATCH, STEP, PREDICT_INTO_FLOATS], 10, set()),
    "train draws with np.random.choice":
        (LINEAR, "linear_classifier", [BATCH_FROM_NP_RANDOM, STEP, PREDICT], 9, {"seed"}),
}


def submission(student, folder, rel, task, bodies):
    """The released files with `bodies` pasted into the regions of `task` in `rel`."""
    for name in tasks.SUBMISSION_FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(student / name, folder / name)
    text, bodies = (folder / rel).read_text(), list(bodies)
    assert sum(region.task == task for region in regions.find_regions(text, "code", rel)) \
        == len(bodies), rel

    def paste(region, _):  # rewrite() visits the regions last to first
        if region.task == task:
            return [region.indent + line for line in bodies.pop().split("\n")]
        return None

    (folder / rel).write_text(regions.rewrite(text, "code", rel, paste))
    return folder


@pytest.mark.parametrize("idiom", IDIOMS)
def test_each_idiom_scores_its_expected_points(student, tmp_path, idiom):
    rel, task, bodies, expected, lost = IDIOMS[idiom]
    entry = grade.grade_tasks(submission(student, tmp_path, rel, task, bodies), [task],
                              task_timeout=240)[task]
    failed = {group for group, part in entry.groups.items() if not part.passed}
    assert (entry.points, failed) == (expected, lost), entry.message
    assert entry.points == sum(part.points for part in entry.groups.values())
    if "0.5 * reg" in idiom:
        assert entry.points <= tasks.TASKS[task].points / 2
    else:
        assert entry.points >= 0.8 * tasks.TASKS[task].points
    if "stable" in failed:  # the student reads how to fix it
        assert "s_y - log(sum(exp(s)))" in entry.groups["stable"].message


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
        graded = [nodeid for nodeid, names in markers.items() if task in names]
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
    status, executed = nbgrade.execute(tmp_path / "nb", tmp_path / "data", 40, sandboxed=True)
    assert executed is None
    assert status == ("re-execution timed out in cell 2 (while True: pass # far past the "
                      "limit) after 1 of 2 code cells")
