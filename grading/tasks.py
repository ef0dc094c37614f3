"""The grading configuration of the bundle, in one place.

Points per task, the files a submission consists of, the files of the student
bundle, and the limits the grader applies. Every other module of `grading`
reads these names; nothing else hard-codes a task or a test file.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

BUNDLE = Path(__file__).resolve().parents[1]

# Tasks marked by hand: the notebook's answer regions, and the most points a
# grader may give each (grading.course.manual reads the marks). Each question asks for
# an explanation with a reason, worth 3 points: 1 for the claim (or the true/false
# verdict), 2 for the reasoning. Together 12, about a fifth of all the points.
MANUAL_POINTS = {
    "ridge_question": 3,
    "inline_question_1": 3,
    "inline_question_2": 3,
    "inline_question_3": 3,
}

NOTEBOOK = "notebooks/softmax.ipynb"
# The tuned softmax classifier's W, which the notebook's last cell saves (np.save) beside
# it: the grader measures its validation and test accuracy itself (`grading.grader.measure`).
BEST_W_FILE = "best_softmax_W.npy"

# The three test folders. PUBLIC_TESTS ships to students: tests of the provided
# code, and property tests (finite differences, closed forms, invariants) that
# check an implementation without containing one. HIDDEN_TESTS compare with
# reference implementations (tests/hidden/oracles.py): graded, never shipped.
# TOOL_TESTS test the tooling. A task's tests are the public and hidden files
# that carry its marker, which tests/conftest.py registers from TASKS. hidden
# and tools may import from public, never the reverse: the release refuses a
# public test that imports a hidden or tool one.
PUBLIC_TESTS = "tests/public"
HIDDEN_TESTS = "tests/hidden"
TOOL_TESTS = "tests/tools"

# Written by the release beside the listed files: which release the bundle is.
RELEASE_STAMP = "grading/release.json"
# What the notebook's check("TASK") and hint("TASK") cells, its record of the task files and
# its BLAS thread policy need besides the library and tests/public.
CHECK_FILES = ("pyproject.toml", "tests/conftest.py", "grading/__init__.py", "grading/tasks.py",
               "grading/student/__init__.py", "grading/student/check.py",
               "grading/student/hint.py", "grading/student/record.py",
               "grading/student/cores.py")
STUDENT_SOURCES = {"README.md": "grading/authoring/student_README.md",
                   "test.sh": "grading/authoring/student_test.sh"}

# Besides numpy and the standard library, task files may import only these.
BUNDLE_MODULES = ("classifiers", "gradient_check", "data_utils", "cifar_synthetic", "cifar_pickle")

# Never copied into a student bundle or a grading tree (names at any depth).
SKIPPED_NAMES = (".git", ".venv", ".ci", "build", "__pycache__", ".pytest_cache", ".mypy_cache",
                 ".ruff_cache", ".hypothesis", ".ipynb_checkpoints", "*.egg-info", "*.zip",
                 BEST_W_FILE)


# Seconds: one task's tests, and the whole notebook re-execution. Slow but correct is not a
# failure: a naive loss looping over examples, classes and features measured 8.6 s of CPU
# per dev-set call (benchmarks/bench_triple_loop.py), and the notebook makes about 145 such
# calls, about 1250 s; the notebook's limit is nearly three times that.
TASK_TIMEOUT = 300
NOTEBOOK_TIMEOUT = 3600

# What a sandboxed child may use (grading/isolation/sandbox.py): bytes of address space
# (a notebook re-executed on CIFAR-10 holds about 2 GB of arrays), bytes per
# written file and of its private /tmp, and processes at once.
LIMITS = {"memory": 6 << 30, "file_size": 256 << 20, "tmpfs": 256 << 20, "processes": 64}


# Probes: public tests that recognise a common mistake and, when they see it, fail with
# "likely cause: ..." (tests/public/diagnoses.py). They score in no group, so a task's points
# are its groups' as before; grading records the causes that fired (`TaskResult.diagnoses`).
DIAGNOSIS_TESTS = "test_likely_cause_*"
DIAGNOSIS_PREFIX = "likely cause: "


class Group(NamedTuple):
    """A named share of a task's points: `share` percent, scored when every test passed.

    A test belongs to the group with a pattern (fnmatch) matching its function's name,
    without class or parameters; every test of a task is in exactly one group, which
    tests/tools/test_fair_points.py checks against the collected tests (`grading.grader.points`).
    """

    share: int
    checks: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Task:
    """One automatically graded task: everything the grader does for it is declared here.

    The grader takes nothing about a task from a submission: which functions hold its
    regions, which it calls in the sandboxed child, what the child may call back and which
    attributes of an object come back are all read from this declaration.

    Attributes
    ----------
    name : str
        The task's id: the pytest marker of its tests (tests/conftest.py registers one per
        task), named by its regions.
    points : int
        The task's points.
    file : str
        The file holding all of its regions, relative to the bundle.
    regions : tuple of str
        The qualified name of the function around each of its regions, in file order
        (``Class.method`` for a method). The grader calls these functions in the child.
    groups : dict of str to Group
        Its points, split over named groups of its tests.
    core : str
        The group every other group needs: checks of provided code and of the contract give
        no points to regions that do not work (a loss left at 0 whose gradient 0 matches
        its central differences).
    dependencies : tuple of (module, name)
        Functions of another task its code may call: the child gets a proxy that asks the
        grader, which answers with the reference (or a test's stand-in). Every other region
        of another task is a stub that raises in the child.
    callbacks : tuple of str
        Methods of a classifier object that the child may call back on the grader's side,
        where a test's subclass overrides them (its loss, recording what it saw).
    state : tuple of str
        Attributes of a classifier object that travel to the child and back (its W).
    """

    name: str
    points: int
    file: str
    regions: tuple[str, ...]
    groups: dict[str, Group]
    core: str
    dependencies: tuple[tuple[str, str], ...] = ()
    callbacks: tuple[str, ...] = ()
    state: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        """The dotted module name of its file: 'classifiers/softmax.py' -> 'classifiers.softmax'."""
        return self.file[:-3].replace("/", ".").removesuffix(".__init__")

    @property
    def targets(self) -> list[list[str]]:
        """[module, qualified name] of each function holding one of its regions, once each."""
        return [[self.module, name] for name in dict.fromkeys(self.regions)]


# Each task's points are split over named groups of its tests (`Group`). The losses:
# agreement at ordinary scales, where every score is within 50 of the others in its row, is
# most of the task; extreme scores (+-1e4) are tested only in "stable", so a loss correct at
# every ordinary scale keeps 90%, and one of the older 0.5 * reg convention, whose gradient
# matches its own loss, keeps half.
LOSS_GROUPS = {
    "reference": Group(50, "agrees with the reference and the closed forms at ordinary scales",
                       ("test_matches_reference", "test_matches_reference_on_*",
                        "test_float32_dW_is_close_*", "test_agrees_with_the_counterpart",
                        "test_float32_zero_weights_*", "test_reg_*", "test_first_sgd_loss_*")),
    "gradient": Group(30, "dW matches central differences, and the closed forms at W = 0; "
                          "shifting a row's scores changes nothing",
                      ("test_dW_matches_central_differences_*", "test_zero_weights_*",
                       "test_adding_a_vector_*")),
    "stable": Group(10, "finite and right at scores of +-1e4", ("*_plus_minus_1e4*",)),
    "contract": Group(10, "validation and API contract: types, dtypes, shapes, messages",
                      ("test_returns_python_float_*", "test_float32_gives_float32_dW",
                       "test_inputs_are_not_modified", "test_dW_shape_*", "test_bad_input_*")),
}
# The provided softmax() is tested with the vectorized loss, its extreme scores in "stable".
SOFTMAX_GROUPS = {
    "stable": Group(10, "finite and right at scores of +-1e4, and the provided softmax()",
                    ("*_plus_minus_1e4*", "test_probabilities_*", "test_log_probability_*",
                     "test_shifting_all_scores_*", "test_huge_scores_*")),
    "contract": Group(10, LOSS_GROUPS["contract"].checks,
                      (*LOSS_GROUPS["contract"].patterns, "test_softmax_*")),
}
# train and train_grid call the vectorized loss, answered with the reference. train_grid may
# not call Softmax().train (the linear_classifier task): its region is the batched trainer
# itself, so looping over train would not be that task's answer.
VECTORIZED_LOSS = (("classifiers.linear_classifier", "softmax_loss_vectorized"),)

TASKS = {task.name: task for task in (
    Task("softmax_naive", 10, "classifiers/softmax.py", ("softmax_loss_naive",),
         LOSS_GROUPS, core="gradient"),
    Task("softmax_vectorized", 10, "classifiers/softmax.py", ("softmax_loss_vectorized",),
         {**LOSS_GROUPS, **SOFTMAX_GROUPS}, core="gradient"),
    Task("linear_classifier", 10, "classifiers/linear_classifier.py",
         ("LinearClassifier.train", "LinearClassifier.train", "LinearClassifier.predict"), {
             "train": Group(50, "SGD: steps, batches, loss_history, warm starts, printing, "
                                "seed=None",
                            ("test_reaches_*", "test_sgd_*", "test_first_*", "test_batches_*",
                             "test_loss_history_*", "test_other_seeds_*", "test_seed_none_*",
                             "test_second_train_*", "test_verbose_*", "test_quiet_*",
                             "test_train_calls_*", "test_loss_method_*")),
             "seed": Group(10, "the same seed gives the same W: batches drawn with the rng given",
                           ("test_same_seed_gives_identical_W",)),
             "predict": Group(20, "predict: integer argmax labels, and its refusals",
                              ("test_predict_*",)),
             "contract": Group(20, "save and load, validation of train's arguments",
                               ("test_save_*", "test_load_*", "test_train_rejects_*",
                                "test_train_accepts_*", "test_diverging_*",
                                "test_warm_start_rejects_*")),
         }, core="train", dependencies=VECTORIZED_LOSS, callbacks=("loss",), state=("W",)),
    Task("train_grid", 5, "classifiers/linear_classifier.py", ("train_grid",), {
        "grid": Group(80, "every model equals training it alone, and plain SGD",
                      ("test_each_model_*", "test_returns_a_trained_*", "test_models_do_not_*",
                       "test_seed_none_*")),
        "contract": Group(20, "validation of the grid's arguments",
                          ("test_bad_input_*", "test_repeated_*")),
    }, core="grid", dependencies=VECTORIZED_LOSS, state=("W",)),
    Task("least_squares", 10, "classifiers/least_squares.py",
         ("one_hot", "least_squares_loss", "predict", "ridge_path"), {
             "closed_forms": Group(70, "one_hot, the loss, predict, lstsq and the ridge path",
                                   ("test_one_hot_has_*", "test_one_hot_accepts_*",
                                    "test_loss_is_*", "test_predict_is_*",
                                    "test_least_squares_matches_*", "test_rank_deficient_*",
                                    "test_duplicate_columns_*", "test_ridge_path_equals_*",
                                    "test_ridge_path_at_*")),
             "contract": Group(30, "validation, inputs kept",
                               ("test_one_hot_rejects_*", "test_least_squares_does_not_*",
                                "test_closed_forms_reject_*", "test_ridge_path_rejects_*",
                                "test_loss_rejects_*", "test_predict_rejects_*",
                                "test_non_finite_*")),
         }, core="closed_forms"),
    Task("gradient_check", 5, "gradient_check.py", ("rel_error", "grad_check_sparse"), {
        "errors": Group(60, "rel_error and grad_check_sparse's errors",
                        ("test_correct_gradient_*", "test_wrong_gradient_*",
                         "test_zero_gradient_*", "test_rel_error_*",
                         "test_numerical_gradient_of_the_softmax_*")),
        "contract": Group(40, "numerical gradients, printing, seeding, restoring x, validation",
                          ("test_numerical_gradient_matches_*", "test_numerical_gradient_is_*",
                           "test_numerical_gradient_array_*", "test_quiet_*", "test_prints_*",
                           "test_printout_*", "test_x_is_restored*", "test_seed_*",
                           "test_numpy_*", "test_num_checks_*", "test_step_h_*",
                           "test_integer_x_*")),
    }, core="errors"),
)}
MAX_TOTAL = sum(task.points for task in TASKS.values())

# Everything a student edits, declared by the tasks: their files, in the order of TASKS,
# and the notebook. `collect` zips these files and `grade` takes these, and only these,
# from a submission.
SUBMISSION_FILES = (*dict.fromkeys(task.file for task in TASKS.values()), NOTEBOOK)

# The student bundle, exactly: `release` writes these files, every file of
# PUBLIC_TESTS (the folder is what ships) and nothing else, and refuses to run
# if one is missing. Task files are stubbed and the notebook cleared; README.md
# and test.sh are the students' own (STUDENT_SOURCES). From grading/, the collect
# command and the modules it imports, `record`, with which run.sh prints the
# results, `execute`, with which it runs the notebook, `check`, the hints
# (`python -m grading.hint`, `grading.student.hint`) and `cores`, the notebook's threads.
STUDENT_FILES = (
    "README.md", "LICENSE", "pyproject.toml", "requirements.txt", "run.sh", "test.sh",
    ".gitignore", "scripts/venv.sh", *SUBMISSION_FILES,
    "classifiers/__init__.py", "classifiers/_validation.py",
    "data_utils.py", "get_datasets.sh", "datasets/README.md",
    "cifar_synthetic.py", "cifar_pickle.py", "tests/conftest.py",
    "grading/__init__.py", "grading/tasks.py", "grading/student/__init__.py",
    "grading/student/collect.py", "grading/student/regions.py", "grading/student/record.py",
    "grading/student/check.py", "grading/student/hint.py", "grading/hint.py",
    "grading/student/handin.py", "grading/student/execute.py", "grading/student/cores.py",
)
