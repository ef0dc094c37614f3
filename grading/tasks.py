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

# Functions of another task that a task's code may call, as [module where the
# task's code finds it, name]: the sandboxed child gets a proxy that asks the
# grader, which answers with the reference (or a test's stand-in). Every other
# region of another task is a stub that raises there.
DEPENDENCIES = {
    "linear_classifier": [["classifiers.linear_classifier", "softmax_loss_vectorized"]],
    "train_grid": [["classifiers.linear_classifier", "softmax_loss_vectorized"]],
}

# Seconds: one task's tests, and the whole notebook re-execution.
TASK_TIMEOUT = 300
NOTEBOOK_TIMEOUT = 1200

# What a sandboxed child may use (grading/sandbox.py): bytes of address space
# (a notebook re-executed on CIFAR-10 holds about 2 GB of arrays), bytes per
# written file and of its private /tmp, and processes at once.
LIMITS = {"memory": 6 << 30, "file_size": 256 << 20, "tmpfs": 256 << 20, "processes": 64}
