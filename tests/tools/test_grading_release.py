"""The student bundle: stubs in place of solutions, public tests only, reproducible."""

import filecmp
import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest

from grading import tasks
from grading.authoring import release
from grading.student import regions

BUNDLE = Path(__file__).resolve().parents[2]
ALL_TASKS = " or ".join(tasks.TASKS)


def files(root):
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


def tree_env(root):
    """The environment with root first on the import path, as code of that tree runs."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    return {**env, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}


def with_reference_bodies(text, original, where):
    """Text with every region's body taken from original, in order."""
    lines = original.split("\n")
    bodies = [lines[r.start + 1:r.end] for r in regions.find_regions(original, "code", where)]
    return regions.rewrite(text, "code", where, lambda region, body: bodies.pop())


def run_task_tests(root, tmp_path):
    """Run every task-marked test in root; return {test id: failure message or None}."""
    junit = tmp_path / "junit.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", ALL_TASKS,
                    f"--junitxml={junit}", "tests"], cwd=root, capture_output=True, timeout=600,
                   env=tree_env(root))
    return {f"{case.get('classname')}::{case.get('name')}":
            (case[0].get("message") if len(case) and case[0].tag in ("failure", "error") else None)
            for case in ET.parse(junit).getroot().iter("testcase")}


def test_releasing_twice_gives_identical_trees(student, tmp_path):
    again = release.release(tmp_path / "again", BUNDLE)
    assert files(student) == files(again)
    assert filecmp.cmpfiles(student, again, files(student), shallow=False)[0] == files(student)


def test_the_release_is_exactly_the_listed_files_and_the_public_tests(student):
    public = {f"{tasks.PUBLIC_TESTS}/{rel}" for rel in regions.walk(BUNDLE / tasks.PUBLIC_TESTS)}
    assert files(student) == sorted({*tasks.STUDENT_FILES, *public, tasks.RELEASE_STAMP})
    assert {rel for rel in files(student) if rel.startswith("tests/")} == \
        public | {"tests/conftest.py"}
    readme = (student / "README.md").read_text()
    assert "python -m grading.student.collect" in readme
    assert "| `softmax_naive` | `classifiers/softmax.py` | 10 |" in readme
    test_command = (student / "test.sh").read_text()  # the public unit tests, not nbval
    assert "pytest tests" in test_command and "nbval" not in test_command.split("exec")[-1]


def test_every_region_is_a_stub_and_nothing_else_changed(student):
    for rel in {rel for rel in tasks.SUBMISSION_FILES if rel.endswith(".py")}:
        text, original = (student / rel).read_text(), (BUNDLE / rel).read_text()
        lines = text.split("\n")
        for region in regions.find_regions(text, "code", rel):
            stub = [line.strip() for line in lines[region.start + 1:region.end]]
            assert stub == ["raise NotImplementedError(", stub[-1]], f"{rel}: {stub}"
            assert stub[-1].startswith(f'"Task {region.task}: write this part of '), stub[-1]
        # Putting the reference bodies back gives the bundle's file exactly.
        assert with_reference_bodies(text, original, rel) == original


def test_notebook_stubs_raise_with_their_task_and_answers_and_outputs_are_cleared():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1\n# *****START OF YOUR CODE (task: search)*****\nx = 2\n"
                                  "# *****END OF YOUR CODE*****", execution_count=1,
                                  outputs=[nbformat.v4.new_output("stream", text="2\n")]),
        nbformat.v4.new_markdown_cell("Why?\n<!-- START OF YOUR ANSWER (task: q1) -->\nBecause.\n"
                                      "<!-- END OF YOUR ANSWER -->")])
    stubbed = release.stub_notebook(nb, "nb.ipynb")
    assert stubbed.cells[0].outputs == [] and stubbed.cells[0].execution_count is None
    with pytest.raises(NotImplementedError, match="Task search: write this part of cell 0 of nb"):
        exec(stubbed.cells[0].source, {})
    assert stubbed.cells[1].source == \
        "Why?\n<!-- START OF YOUR ANSWER (task: q1) -->\n\n<!-- END OF YOUR ANSWER -->"


def test_an_answer_region_may_not_swallow_its_question():
    answer = "<!-- START OF YOUR ANSWER (task: q1) -->\nWhy? Because.\n<!-- END OF YOUR ANSWER -->"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(answer)])
    with pytest.raises(regions.MarkerError, match="nb.ipynb cell 0: the answer region fills the"):
        release.stub_notebook(nb, "nb.ipynb")


def test_release_notebook_opens_with_no_outputs(student):
    for path in Path(student).rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert all(not cell.get("outputs") for cell in nb.cells)


def test_stub_release_fails_only_with_not_implemented_and_solution_passes(student, tmp_path):
    graded = tmp_path / "graded"  # the student bundle plus the hidden tests, as the grader runs it
    shutil.copytree(student, graded)
    shutil.copytree(BUNDLE / tasks.HIDDEN_TESTS, graded / tasks.HIDDEN_TESTS,
                    ignore=shutil.ignore_patterns("__pycache__"))
    results = run_task_tests(graded, tmp_path)
    failures = {test: message for test, message in results.items() if message}
    assert failures, "no test failed against the stubs"
    assert all(message.startswith("NotImplementedError: Task ") for message in failures.values()), \
        {t: m for t, m in failures.items() if not m.startswith("NotImplementedError: Task ")}
    for task in tasks.TASKS:  # every task fails loudly with its own name somewhere
        assert any(f"Task {task}:" in message for message in failures.values()), task
    for rel in tasks.SUBMISSION_FILES:
        if rel.endswith(".py"):
            shutil.copyfile(BUNDLE / rel, graded / rel)
    results = run_task_tests(graded, tmp_path)
    assert len(results) > len(tasks.TASKS) and not any(results.values())


# Correct bodies written unlike the reference, per file in region order, using
# only the names the provided code and the comment above each region give.
OTHER_BODIES = {
    "classifiers/softmax.py": [
        """num_train = X.shape[0]
loss, dW = 0.0, np.zeros(W.shape)
for i in range(num_train):
    scores = X[i] @ W
    scores = scores - scores.max()
    log_probs = scores - np.log(np.exp(scores).sum())
    loss -= log_probs[y[i]]
    dscores = np.exp(log_probs)
    dscores[y[i]] -= 1.0
    dW += np.outer(X[i], dscores)
loss = loss / num_train + reg * (W ** 2).sum()
dW = dW / num_train + 2 * reg * W""",
        """rows = np.arange(X.shape[0])
shifted = X @ W - (X @ W).max(axis=1, keepdims=True)
log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
loss = -log_probs[rows, y].mean() + reg * (W ** 2).sum()
dscores = np.exp(log_probs)
dscores[rows, y] -= 1.0
dW = X.T @ dscores / X.shape[0] + 2 * reg * W"""],
    "classifiers/linear_classifier.py": [
        """batch = rng.integers(0, num_train, batch_size)
X_batch = X[batch]
y_batch = y[batch]""",
        "self.W = self.W - learning_rate * grad",
        # CS231n's idiom: fill the provided float y_pred, and keep no scores.
        "y_pred[:] = np.argmax(X.dot(self.W), axis=1)",
        """W = np.hstack([W0] * len(configs))
for _ in range(num_iters):
    batch = rng.integers(num_train, size=batch_size)
    for k, (lr, reg) in enumerate(configs):
        cols = slice(k * num_classes, (k + 1) * num_classes)
        _, dW = softmax_loss_vectorized(W[:, cols], X[batch], y[batch], reg)
        W[:, cols] -= lr * dW"""],
    "classifiers/least_squares.py": [
        "Y = (y[:, None] == np.arange(num_classes)).astype(float)",
        "loss = np.mean(np.sum((X @ W - Y) ** 2, axis=1))",
        """scores = X.dot(W)
y_pred = np.argmax(scores, 1)""",
        """XtY = X.T @ Y
W = np.zeros((len(lambdas), dim, Y.shape[1]))
for k, lam in enumerate(lambdas):
    W[k] = np.linalg.lstsq(gram + lam * num_train * np.eye(dim), XtY, rcond=None)[0]"""],
    "gradient_check.py": [
        """denominator = np.maximum(np.abs(x) + np.abs(y), np.finfo(float).tiny)
error = (np.abs(x - y) / denominator).max() if x.size else 0.0""",
        """for k in range(num_checks):
    ix = tuple(int(rng.integers(n)) for n in x.shape)
    old = x[ix]
    x[ix] = old + h
    fxph = f(x)
    x[ix] = old - h
    fxmh = f(x)
    x[ix] = old
    grad_numerical[k] = (fxph - fxmh) / (2 * h)
    grad_analytic[k] = analytic_grad[ix]
    errors[k] = rel_error(grad_numerical[k], analytic_grad[ix])"""],
}


def test_differently_written_solutions_pass_the_public_tests(student, tmp_path):
    # The comments above the regions (kept by the release) name all the provided code needs.
    written = shutil.copytree(student, tmp_path / "written")
    for rel, bodies in OTHER_BODIES.items():
        text = (written / rel).read_text()
        assert len(regions.find_regions(text, "code", rel)) == len(bodies), rel
        bodies = list(bodies)  # rewrite() visits regions last to first
        (written / rel).write_text(regions.rewrite(text, "code", rel, lambda region, _: [
            region.indent + line for line in bodies.pop().split("\n")]))
    results = run_task_tests(written, tmp_path)
    assert len(results) > len(tasks.TASKS)
    assert not any(results.values()), {test: m for test, m in results.items() if m}


def test_student_bundle_installs_and_imports(student):
    # What an install needs: every module and package pyproject.toml names is there.
    setup = tomllib.loads((student / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert all((student / f"{module}.py").is_file() for module in setup["py-modules"])
    # The packages setuptools finds there: grading ships its student wing only.
    include = setup["packages"]["find"]["include"]
    packages = sorted(str(init.parent.relative_to(student)).replace("/", ".")
                      for init in student.rglob("__init__.py")
                      if any(fnmatch.fnmatch(str(init.parent.relative_to(student)).replace(
                          "/", "."), pattern) for pattern in include))
    assert packages == ["classifiers", "grading", "grading.student"]
    modules = ", ".join(setup["py-modules"] + packages)
    imported = subprocess.run([sys.executable, "-c", f"import {modules}"], cwd=student,
                              env=tree_env(student), capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr


def test_release_refuses_broken_bundles_and_occupied_folders(student, tmp_path):
    with pytest.raises(FileExistsError, match="is not empty; pass --force"):
        release.release(student, BUNDLE)
    bad = tmp_path / "bad"
    shutil.copytree(BUNDLE, bad, ignore=shutil.ignore_patterns(*tasks.SKIPPED_NAMES, "cifar-10-*"))
    text = (bad / "gradient_check.py").read_text()
    (bad / "gradient_check.py").write_text(text.replace("# *****END OF YOUR CODE*****", "", 1))
    with pytest.raises(regions.MarkerError, match=r"gradient_check\.py:\d+: .* nest"):
        release.release(tmp_path / "out", bad)
    module_level = ("\n# *****START OF YOUR CODE (task: gradient_check)*****\n"
                    "TOLERANCE = 1e-7\n# *****END OF YOUR CODE*****\n")
    (bad / "gradient_check.py").write_text(text + module_level)
    with pytest.raises(regions.MarkerError, match="is not inside a function"):
        release.release(tmp_path / "out", bad)
    (bad / "gradient_check.py").write_text(text)
    softmax = (bad / "classifiers/softmax.py").read_text()
    (bad / "classifiers/softmax.py").write_text(
        softmax.replace("(task: softmax_naive)", "(task: gradient_check)"))
    with pytest.raises(regions.MarkerError, match="task gradient_check has regions in"):
        release.release(tmp_path / "out", bad)
