"""Test inputs: hypothesis strategies, seeded problems, and the 'ci' profile.

The 'ci' profile makes property tests reproducible (derandomize: the examples
depend only on the test, not on a random seed or a saved database) and
deadline-free, since timings on a loaded machine say nothing about correctness.
The conftest files of tests/public and tests/hidden load it with `use_profile`.
"""

import os

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

settings.register_profile("ci", deadline=None, derandomize=True, database=None,
                          max_examples=60, print_blob=True)

# The train_grid tests' grid: 2 learning rates x 3 regularization strengths.
LEARNING_RATES = [1e-2, 3e-1]
REGS = [0.0, 1e-2, 0.5]


def use_profile():
    """Load the 'ci' profile, or the one HYPOTHESIS_PROFILE names ('default' explores anew)."""
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def make_problem(rng, num_train, dim, num_classes, weight_scale=1.0, dtype=np.float64):
    """A seeded softmax problem: W (D, C), X (N, D) standard normal, y (N,) uniform labels."""
    W = (weight_scale * rng.standard_normal((dim, num_classes))).astype(dtype)
    X = rng.standard_normal((num_train, dim)).astype(dtype)
    y = rng.integers(num_classes, size=num_train)
    return W, X, y


def small_problem(seed=0):
    """X (40, 5), y (40,) in 4 classes: a quick training problem."""
    _, X, y = make_problem(np.random.default_rng(seed), num_train=40, dim=5, num_classes=4)
    return X, y


def grid_problem():
    """X (60, 6), y (60,) in 3 classes: the train_grid tests' training set."""
    _, X, y = make_problem(np.random.default_rng(0), num_train=60, dim=6, num_classes=3)
    return X, y


def make_dev_problem(rng, num_train=500, num_classes=10):
    """CIFAR-dev-like shapes: 3072 mean-subtracted pixels plus a bias column, D = 3073."""
    pixels = 60.0 * rng.standard_normal((num_train, 3072))
    X = np.hstack([pixels, np.ones((num_train, 1))])
    W = 1e-4 * rng.standard_normal((3073, num_classes))
    y = rng.integers(num_classes, size=num_train)
    return W, X, y


def finite_floats(bound):
    """Floats in [-bound, bound], no NaN and no subnormals."""
    return st.floats(-bound, bound, allow_nan=False, allow_subnormal=False)


# Ordinary scales: every score within 50 of the others in its row. A score of
# loss_problems is a sum of at most 5 products of entries in [-2.2, 2.2], so |s| <= 24.2
# and a row's scores differ by at most 48.4. Extreme scores (+-1e4) are
# extreme_score_problems' alone, and only the stability tests use them.
ORDINARY_BOUND = 2.2


@st.composite
def loss_problems(draw, bound=ORDINARY_BOUND):
    """(W, X, y) with 1 <= N <= 8, 1 <= D <= 5, 2 <= C <= 5 and entries in [-bound, bound]."""
    num_train = draw(st.integers(1, 8))
    dim = draw(st.integers(1, 5))
    num_classes = draw(st.integers(2, 5))
    W = draw(arrays(np.float64, (dim, num_classes), elements=finite_floats(bound)))
    X = draw(arrays(np.float64, (num_train, dim), elements=finite_floats(bound)))
    y = draw(arrays(np.int64, (num_train,), elements=st.integers(0, num_classes - 1)))
    return W, X, y


@st.composite
def extreme_score_problems(draw):
    """(W, X, y) whose scores X W are exactly +-1e4: X's rows are rows of the identity."""
    num_train = draw(st.integers(1, 8))
    num_classes = draw(st.integers(2, 5))
    W = draw(arrays(np.float64, (num_classes, num_classes),
                    elements=st.sampled_from([-1e4, 1e4])))
    rows = draw(arrays(np.int64, (num_train,), elements=st.integers(0, num_classes - 1)))
    y = draw(arrays(np.int64, (num_train,), elements=st.integers(0, num_classes - 1)))
    return W, np.eye(num_classes)[rows], y


def score_matrices(bound=1e4):
    """Scores (N, C), 1 <= N <= 6, 1 <= C <= 6, entries in [-bound, bound]."""
    shapes = st.tuples(st.integers(1, 6), st.integers(1, 6))
    return shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=finite_floats(bound)))


# Bad inputs for a loss function(W, X, y, reg), starting from W (5, 4), X (7, 5),
# y (7,) and reg 0.1: (id, change to the valid arguments, pattern the message must match).
def _with(index, value):
    def change(array):
        array = array.astype(np.float64)
        array[index] = value
        return array
    return change


LOSS_VALIDATION_CASES = [
    ("W 1-D", dict(W=lambda W: W[0, :3]),
     r"^W must be a 2-D array of shape \(D, C\), got shape \(3,\)"),
    ("X wrong D", dict(X=lambda X: np.ones((7, 6))),
     r"^X must have shape \(N, 5\) to match W of shape \(5, 4\), got \(7, 6\)"),
    ("X 1-D", dict(X=lambda X: X[0]), r"^X must have shape \(N, 5\)"),
    ("y short", dict(y=lambda y: y[:6]), r"^y must have shape \(7,\) to match X, got \(6,\)"),
    ("y 2-D", dict(y=lambda y: y[:, None]), r"^y must have shape \(7,\)"),
    ("y float", dict(y=lambda y: y.astype(np.float64)),
     r"^y must hold integer labels, got dtype float64"),
    ("y too big", dict(y=lambda y: np.array([0, 4, 1, 1, 2, 3, 3])),
     r"^y must hold labels in \[0, 4\), got min 0 and max 4"),
    ("y negative", dict(y=lambda y: np.array([-1, 2, 1, 1, 2, 3, 3])),
     r"^y must hold labels in \[0, 4\), got min -1 and max 3"),
    ("reg negative", dict(reg=lambda reg: -1.0), r"^reg must be a finite number >= 0, got -1\.0"),
    ("reg nan", dict(reg=lambda reg: float("nan")), r"^reg must be a finite number >= 0"),
    ("reg inf", dict(reg=lambda reg: float("inf")), r"^reg must be a finite number >= 0"),
    ("reg None", dict(reg=lambda reg: None), r"^reg must be a finite number >= 0"),
    ("reg bool", dict(reg=lambda reg: True), r"^reg must be a finite number >= 0, got True"),
    ("W nan", dict(W=_with((1, 2), np.nan)), r"^W must be finite \(no NaN or inf\)"),
    ("W inf", dict(W=_with((0, 0), -np.inf)), r"^W must be finite \(no NaN or inf\)"),
    ("X nan", dict(X=_with((3, 1), np.nan)), r"^X must be finite \(no NaN or inf\)"),
    ("X inf", dict(X=_with((6, 4), np.inf)), r"^X must be finite \(no NaN or inf\)"),
]
