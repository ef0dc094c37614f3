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

# Besides numpy and the standard library, task files may import only these.
BUNDLE_MODULES = ("classifiers", "gradient_check", "data_utils", "cifar_synthetic")

# Never copied into a student bundle or a grading tree (names at any depth).
SKIPPED_NAMES = (".git", ".venv", ".ci", "build", "__pycache__", ".pytest_cache",
                 ".hypothesis", ".ipynb_checkpoints", "*.egg-info", "*.zip")

# Seconds: one task's tests, and the whole notebook re-execution.
TASK_TIMEOUT = 300
NOTEBOOK_TIMEOUT = 1200
