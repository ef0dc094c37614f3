"""The grading configuration of the bundle, in one place.

Points per task, the files a submission consists of, which test files
students receive, and the limits the grader applies. Every other module of
`grading` reads these names; nothing else hard-codes a task or a test file.
"""

# Automatically graded tasks and their points. Each id is a pytest marker
# registered in pyproject.toml and names the solution regions of one file.
POINTS = {
    "softmax_naive": 10,
    "softmax_vectorized": 10,
    "linear_classifier": 10,
    "train_grid": 5,
    "least_squares": 10,
    "gradient_check": 5,
}

# Tasks marked by hand: the notebook's answer regions, and the most points a
# grader may give each (grading.manual reads the marks). Each question asks for
# an explanation with a reason, worth 3 points: 1 for the claim (or the true/false
# verdict), 2 for the reasoning. Together 12, about a fifth of the 62 in all.
MANUAL_POINTS = {
    "ridge_question": 3,
    "inline_question_1": 3,
    "inline_question_2": 3,
    "inline_question_3": 3,
}

NOTEBOOK = "notebooks/softmax.ipynb"

# Everything a student edits: `collect` zips these files and `grade` takes
# these files, and only these, from a submission.
SUBMISSION_FILES = (
    "classifiers/softmax.py",
    "classifiers/linear_classifier.py",
    "classifiers/least_squares.py",
    "gradient_check.py",
    NOTEBOOK,
)

# Files of tests/ shipped to students: tests of the provided code, and
# property tests (finite differences, closed forms, invariants) that check an
# implementation without containing one. Every other file of tests/ is hidden:
# graded, never shipped. A test that imports tests/oracles.py, directly or
# through another test module, compares against reference implementations and
# would hand out the answers, so the release refuses to ship it.
PUBLIC_TESTS = (
    "tests/conftest.py",
    "tests/strategies.py",
    "tests/checks.py",
    "tests/loss_contract.py",
    "tests/cifar_fixtures.py",
    "tests/test_data_utils.py",
    "tests/test_softmax_naive.py",
    "tests/test_softmax_vectorized.py",
    "tests/test_linear_classifier.py",
    "tests/test_train_grid.py",
    "tests/test_least_squares.py",
    "tests/test_gradient_check.py",
)

# Besides numpy and the standard library, task files may import only these.
BUNDLE_MODULES = ("classifiers", "gradient_check", "data_utils", "cifar_synthetic")

# Never copied into a student bundle or a grading tree (names at any depth).
SKIPPED_NAMES = (".git", ".venv", ".ci", "build", "__pycache__", ".pytest_cache",
                 ".hypothesis", ".ipynb_checkpoints", "*.egg-info", "*.zip")

# Seconds: one task's tests, and the whole notebook re-execution.
TASK_TIMEOUT = 300
NOTEBOOK_TIMEOUT = 1200
