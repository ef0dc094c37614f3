"""check(task) diagnoses: each common mistake, planted in the solution, is named by its own
task's check as a likely cause, and fails no other task's check: a test of another task
that calls the planted code waits for it instead ("waiting for TASK to pass its own
check").

The planted mistakes are edits of the solution's regions (`PLANTED`), each asserted to
apply, so a changed solution cannot leave a plant silently unplanted. The other tasks
checked are those whose code sits in the same file or calls the planted file's code
(`grading.tasks.Task.dependencies`): the rest never import it.
"""

import dataclasses
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from grading import tasks
from grading.course import class_report
from grading.grader import points
from grading.student import check, regions

BUNDLE = Path(__file__).resolve().parents[2]

# name: (task, [(solution text, planted text)], words of the likely cause)
PLANTED = {
    "naive: no per-row shift": ("softmax_naive", [
        ("scores = scores - scores.max()", "scores = scores")], "no per-row shift"),
    "naive: log of a probability": ("softmax_naive", [
        ("loss -= scores[y[i]] - log_norm",
         "loss -= np.log(np.exp(scores[y[i]]) / np.sum(np.exp(scores)))")],
        "the log of a probability that underflows"),
    "naive: dW missing 1/N": ("softmax_naive", [
        ("dW = dW / num_train + 2 * reg * W", "dW = dW + 2 * reg * W")],
        "dW is summed over the minibatch"),
    "naive: loss missing 1/N": ("softmax_naive", [
        ("loss = loss / num_train + reg", "loss = loss + reg")],
        "the loss is summed over the minibatch"),
    "naive: 0.5 * reg": ("softmax_naive", [
        ("+ reg * np.sum(W * W)", "+ 0.5 * reg * np.sum(W * W)"),
        ("+ 2 * reg * W", "+ reg * W")], "the 0.5 * reg * sum(W * W) convention"),
    "naive: no reg in dW": ("softmax_naive", [
        ("dW = dW / num_train + 2 * reg * W", "dW = dW / num_train")],
        "the regularization is in the loss but not in dW"),
    "naive: no -1 at the correct class": ("softmax_naive", [
        ("(p_j - (j == y[i])) * X[i]", "p_j * X[i]")], "dW lacks the -1 of the correct class"),
    "vectorized: one max": ("softmax_vectorized", [
        ("scores -= scores.max(axis=0)", "scores -= scores.max()")],
        "one maximum over the whole score matrix"),
    "vectorized: no per-row shift": ("softmax_vectorized", [
        ("scores -= scores.max(axis=0)", "pass")], "no per-row shift"),
    "vectorized: dW transposed": ("softmax_vectorized", [("dW = dW_T.T", "dW = dW_T")],
                                  "dW is transposed"),
    "train: np.random": ("linear_classifier", [
        ("rng.integers(num_train, size=batch_size)",
         "np.random.randint(num_train, size=batch_size)")],
        "drawn with np.random instead of rng"),
    "train: a step up": ("linear_classifier", [
        ("self.W -= learning_rate * grad", "self.W += learning_rate * grad")],
        "the step goes up the gradient"),
    "predict: argmax axis 0": ("linear_classifier", [
        ("np.argmax(scores, axis=1)", "np.argmax(scores, axis=0)")],
        "argmax over the wrong axis"),
    "gradient check: np.random": ("gradient_check", [
        ("int(rng.integers(n))", "int(np.random.randint(n))")],
        "drawn with np.random instead of rng"),
    "gradient check: 0 / 0": ("gradient_check", [
        ("/ np.maximum(scale, np.finfo(float).tiny)", "/ scale")], "divides 0 by 0"),
    "least squares: mean over N * C": ("least_squares", [
        ("loss = np.sum(residual * residual) / X.shape[0]",
         "loss = np.mean(residual * residual)")], "mean over all N * C squared entries"),
}


def plant(root, task, edits):
    """Apply `edits` to the regions of `task` in its file under root; each must apply."""
    path = root / tasks.TASKS[task].file
    text = path.read_text()
    applied = set()

    def edit(region, lines):
        if region.task != task:
            return None
        body = "\n".join(lines)
        for old, new in edits:
            applied.update([old] if old in body else [])
            body = body.replace(old, new)
        return body.split("\n")

    path.write_text(regions.rewrite(text, "code", path.name, edit))
    assert applied == {old for old, _ in edits}, f"not planted: {edits}"


def related(task):
    """The other tasks in the same file as `task`, or calling one of its functions."""
    mine = tasks.TASKS[task]
    return [other.name for other in tasks.TASKS.values() if other.name != task and (
        other.file == mine.file or any(name in mine.regions for _, name in other.dependencies))]


@pytest.fixture(scope="module")
def solution_checks():
    return {task: check.run_check(task, BUNDLE) for task in tasks.TASKS}


def copy_bundle(dest):
    """The bundle's task files, public tests and what check needs, as a student would have."""
    for rel in regions.walk(BUNDLE):
        if rel.split("/")[0] in ("classifiers", "tests", "grading") or "/" not in rel:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(BUNDLE / rel, dest / rel)
    return dest


@pytest.mark.slow
@pytest.mark.parametrize("mistake", PLANTED)
def test_each_mistake_is_named_by_its_own_check_and_no_other(tmp_path, solution_checks,
                                                             mistake):
    task, edits, cause = PLANTED[mistake]
    bundle = copy_bundle(tmp_path / "bundle")
    plant(bundle, task, edits)
    result = check.run_check(task, bundle)
    shown = str(result).split("\n")
    assert result.state == "failed" and [c for c, _ in result.causes], str(result)
    assert cause in shown[1] and shown[1].startswith("likely cause: "), str(result)
    assert shown[2].startswith("  hint: ") and len(result.causes) == 1, str(result)
    for failure in result.failures:  # named, and never a bare AssertionError
        assert re.fullmatch(r"test_\w+::\S+", failure.test), failure
        assert failure.message.strip() not in ("", "AssertionError", "assert False"), failure
        line = next(line for line in shown if line.startswith(f"failed: {failure.test}: "))
        if line.endswith(" ..."):  # cut between words: the last word shown is whole
            assert failure.message.startswith(line[len(f"failed: {failure.test}: "):-4])
    detailed = str(dataclasses.replace(result, details=True))
    assert all(f"failed: {failure.test}: {failure.full}" in detailed
               for failure in result.failures)
    for other in related(task):  # unchanged, or its tests that call this task wait for it
        found, before = check.run_check(other, bundle), solution_checks[other]
        assert not found.failures and not found.causes, (mistake, str(found))
        assert found.passed + sum(count for _, count in found.waiting) == before.passed
        assert {waited.split()[0] for waited, _ in found.waiting} <= {task}, str(found)


def test_with_the_vectorized_stub_the_naive_check_passes_and_its_callers_wait(tmp_path):
    bundle = copy_bundle(tmp_path / "bundle")
    path = bundle / tasks.TASKS["softmax_vectorized"].file
    stub = 'raise NotImplementedError("Task softmax_vectorized: write this region")'
    path.write_text(regions.rewrite(path.read_text(), "code", path.name, lambda region, lines: [
        region.indent + stub] if region.task == "softmax_vectorized" else None))
    naive = check.run_check("softmax_naive", bundle)
    assert str(naive) == f"softmax_naive: all {naive.total} public tests passed"
    for task in ("linear_classifier", "train_grid"):
        found = check.run_check(task, bundle)
        assert found.state == "waiting" and found.waiting[0][0] == "softmax_vectorized", found
        assert "waiting for softmax_vectorized" in str(found) and not found.failures


def test_grading_records_the_causes_of_failed_probes_only():
    outcomes = {
        "tests/public/test_a.py::T::test_likely_cause_x[1]": {
            "outcome": "failed", "message": "Failed: likely cause: the <b> 1/N\nhint: h"},
        "tests/public/test_a.py::test_likely_cause_y": {"outcome": "passed", "message": None},
        "tests/public/test_a.py::test_other": {
            "outcome": "failed", "message": "likely cause: not from a probe"},
        "tests/public/test_a.py::T::test_likely_cause_x[2]": {
            "outcome": "failed", "message": "Failed: likely cause: the <b> 1/N\nhint: h"},
    }
    assert points.diagnoses(outcomes) == ["the <b> 1/N"]


def test_a_stub_is_named_by_the_test_that_raised_even_when_that_is_a_probe():
    # A probe ran first and met the stub; every test after it failed at once (plugin).
    raised = "NotImplementedError: Task gradient_check: write this part of rel_error()"
    probe = "tests/public/test_gradient_check.py::test_likely_cause_nan_from_0_over_0"
    rest = [f"tests/public/test_gradient_check.py::test_{name}"
            for name in ("correct_gradient_of_a_closed_form_gives_errors_below_1e_7",
                         "numerical_gradient_matches_analytic_and_restores_x")]
    outcomes = {probe: {"outcome": "failed", "message": raised},
                **{nodeid: {"outcome": "failed", "message": "AssertionError: not implemented: "
                            "the task's stub raised NotImplementedError"} for nodeid in rest}}
    result = points.score("gradient_check", {"tests": outcomes, "collected": [probe, *rest],
                                             "stub": True})
    assert result.points == 0
    assert result.message == f"test_likely_cause_nan_from_0_over_0: {raised}"


def test_the_class_report_counts_likely_causes_escaped():
    causes = [["the <b> 1/N"], ["the <b> 1/N", "no shift"], None]
    reports = [SimpleNamespace(tasks={"softmax_naive": SimpleNamespace(diagnoses=found)})
               for found in causes]
    table = class_report.diagnosis_table(reports, ["softmax_naive"])
    assert "<td>2</td><td>the &lt;b&gt; 1/N</td>" in table and "<b>" not in table
    assert "<td>1</td><td>no shift</td>" in table


def test_no_public_failure_reads_as_a_bare_assertion_error(tmp_path):
    """A loss that returns 0 and a zero dW fails the asserts of the public helper modules
    (loss_contract, first_principles): pytest rewrites them, so each says what it compared.
    """
    bundle = copy_bundle(tmp_path / "bundle")
    (bundle / tasks.PUBLIC_TESTS / "test_zero_loss.py").write_text(
        "import numpy as np\nimport pytest\n\nfrom loss_contract import LossContract\n\n"
        "pytestmark = pytest.mark.softmax_naive\n\n\n"
        "class TestZeroLoss(LossContract):\n"
        "    loss_function = staticmethod(lambda W, X, y, reg: (0.0, np.zeros_like(W)))\n")
    result = check.run_check("softmax_naive", bundle)
    helpers = [failure for failure in result.failures if "TestZeroLoss" in failure.test]
    assert len(helpers) > 5, str(result)
    for failure in helpers:  # more than an exception's name
        assert not re.fullmatch(r"\w*(Error|Exception)?", failure.full.strip()), failure
    first_loss = next(failure for failure in helpers if "test_first_sgd_loss" in failure.test)
    assert re.search(r"assert 0\.0 == 1\d\d\d\.\d+", first_loss.full), first_loss
