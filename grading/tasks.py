"""The grading configuration of the bundle, in one place.

Points per task, the files a submission consists of, the files of the student
bundle, and the limits the grader applies. Every other module of `grading`
reads these names; nothing else hard-codes a task or a test file.
"""

from pathlib import Path

BUNDLE = Path(__file__).resolve().parents[1]

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

# The three test folders. PUBLIC_TESTS ships to students: tests of the provided
# code, and property tests (finite differences, closed forms, invariants) that
# check an implementation without containing one. HIDDEN_TESTS compare with
# reference implementations (tests/hidden/oracles.py): graded, never shipped.
# TOOL_TESTS test the tooling. A task's tests are the public and hidden files
# that carry its marker. hidden and tools may import from public, never the
# reverse: the release refuses a public test that imports a hidden or tool one.
PUBLIC_TESTS = "tests/public"
HIDDEN_TESTS = "tests/hidden"
TOOL_TESTS = "tests/tools"

# The student bundle, exactly: `release` writes these files and nothing else,
# and refuses to run if one is missing or tests/public holds a file not listed.
# Task files are stubbed and the notebook cleared; README.md and test.sh are
# the students' own (STUDENT_SOURCES). From grading/, the collect command and
# the modules it imports, and `record`, with which run.sh prints the results.
STUDENT_FILES = (
    "README.md", "LICENSE", "pyproject.toml", "requirements.txt", "run.sh", "test.sh",
    ".gitignore", "scripts/venv.sh",
    NOTEBOOK,
    "classifiers/__init__.py", "classifiers/softmax.py", "classifiers/linear_classifier.py",
    "classifiers/least_squares.py", "classifiers/_checks.py",
    "data_utils.py", "gradient_check.py", "get_datasets.sh", "datasets/README.md",
    "cifar_synthetic.py", "cifar_pickle.py",
    *(f"{PUBLIC_TESTS}/{name}.py" for name in (
        "conftest", "strategies", "checks", "loss_contract", "cifar_fixtures",
        "test_data_utils", "test_softmax_naive", "test_softmax_vectorized",
        "test_linear_classifier", "test_train_grid", "test_least_squares",
        "test_gradient_check", "test_validation")),
    "grading/__init__.py", "grading/collect.py", "grading/regions.py", "grading/tasks.py",
    "grading/record.py",
)
# Written by the release beside the listed files: which release the bundle is.
RELEASE_STAMP = "grading/release.json"
STUDENT_SOURCES = {"README.md": "grading/student_README.md", "test.sh": "grading/student_test.sh"}

# Besides numpy and the standard library, task files may import only these.
BUNDLE_MODULES = ("classifiers", "gradient_check", "data_utils", "cifar_synthetic", "cifar_pickle")

# Never copied into a student bundle or a grading tree (names at any depth).
SKIPPED_NAMES = (".git", ".venv", ".ci", "build", "__pycache__", ".pytest_cache",
                 ".hypothesis", ".ipynb_checkpoints", "*.egg-info", "*.zip")

# Code under grading, the nbval test and the committed outputs run with one BLAS
# thread: another thread count may add floating-point sums in another order.
PINNED_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Functions of another task that a task's code may call, as [module where the
# task's code finds it, name]: the sandboxed child gets a proxy that asks the
# grader, which answers with the reference (or a test's stand-in). Every other
# region of another task is a stub that raises there. train_grid may not call
# Softmax().train (the linear_classifier task): its region is the batched
# trainer itself, so looping over train would not be that task's answer.
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
