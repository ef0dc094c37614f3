"""Regression as a classifier, against numpy.linalg (lstsq, solve) and direct formulas.

Where a test computes what it expects from its arrays after the call, the function under
test gets copies: a function that changed its inputs cannot change the expected value
(test_least_squares_does_not_modify_its_inputs fails it for that alone).
"""

import numpy as np
import pytest

from classifiers.least_squares import (
    least_squares,
    least_squares_loss,
    one_hot,
    predict,
    ridge_path,
)

from diagnoses import likely

pytestmark = pytest.mark.least_squares


def regression_problem(num_train=40, dim=6, num_classes=3, seed=0):
    """X (N, D) standard normal and one-hot Y (N, C): row i of Y is row y[i] of I."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((num_train, dim))
    y = rng.integers(num_classes, size=num_train)
    return X, np.eye(num_classes)[y]


def rank_deficient_problem():
    """X (40, 6) whose last column repeats column 2, so X^T X is singular."""
    X, Y = regression_problem()
    X[:, 5] = X[:, 2]
    return X, Y


def min_norm_solution(X, Y):
    return np.linalg.lstsq(X, Y, rcond=None)[0]


def assert_close_relative_to_max(actual, desired, rtol, err_msg=""):
    np.testing.assert_allclose(actual, desired, rtol=0, atol=rtol * np.abs(desired).max(),
                               err_msg=err_msg)


# -------------------------------------------------------------------- one_hot
def test_one_hot_has_a_single_1_in_column_y():
    y = np.array([2, 0, 3, 3, 1])
    Y = one_hot(y.copy(), 5)
    assert Y.shape == (5, 5) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y, np.eye(5)[y])


@pytest.mark.parametrize("y, pattern", [
    (np.array([0, 3]), r"^y must .*\[0, 3\)"),
    (np.array([-1, 0]), r"^y must .*\[0, 3\)"),
    (np.array([0.0, 1.0]), r"^y must"),
], ids=["too big", "negative", "float"])
def test_one_hot_rejects_bad_labels(y, pattern):
    with pytest.raises(ValueError, match=pattern):
        one_hot(y, 3)


@pytest.mark.parametrize("num_classes", [0, 2.0, True], ids=["0", "float", "bool"])
def test_one_hot_rejects_a_num_classes_that_is_not_a_positive_integer(num_classes):
    with pytest.raises(ValueError, match=r"^num_classes must be an integer >= 1, got "):
        one_hot(np.array([0, 1]), num_classes)


def test_one_hot_accepts_a_numpy_integer_num_classes():
    np.testing.assert_array_equal(one_hot(np.array([1, 0]), np.int64(2)), [[0, 1], [1, 0]])


# ------------------------------------------------------------ loss, predict
def test_loss_is_mean_squared_frobenius_norm():
    X, Y = regression_problem()
    W = np.random.default_rng(1).standard_normal((6, 3))
    loss = least_squares_loss(W.copy(), X.copy(), Y.copy())
    assert isinstance(loss, float)
    assert loss == pytest.approx(np.linalg.norm(X @ W - Y, "fro") ** 2 / 40, rel=1e-12)


def test_predict_is_argmax_of_scores():
    X, _ = regression_problem()
    W = np.random.default_rng(2).standard_normal((6, 3))
    y_pred = predict(W.copy(), X.copy())
    assert y_pred.shape == (40,) and np.issubdtype(y_pred.dtype, np.integer)
    np.testing.assert_array_equal(y_pred, np.argmax(X @ W, axis=1))


# ---------------------------------------------------------------- closed form
def test_least_squares_matches_lstsq():
    X, Y = regression_problem()
    W = least_squares(X.copy(), Y.copy())
    assert W.shape == (6, 3)
    assert_close_relative_to_max(W, min_norm_solution(X, Y), 1e-10)


@pytest.mark.parametrize("problem", [rank_deficient_problem, lambda: regression_problem(5, 8)],
                         ids=["duplicate column", "N < D"])
def test_rank_deficient_X_gives_the_minimum_norm_solution(problem):
    X, Y = problem()
    W = least_squares(X.copy(), Y.copy())
    assert np.isfinite(W).all()
    assert_close_relative_to_max(W, min_norm_solution(X, Y), 1e-8)


def test_duplicate_columns_share_their_weight():
    # The minimum-norm solution splits the weight of a repeated column evenly.
    X, Y = rank_deficient_problem()
    W = least_squares(X, Y)
    assert_close_relative_to_max(W[5], W[2], 1e-8)


def test_least_squares_does_not_modify_its_inputs():
    X, Y = rank_deficient_problem()
    copies = X.copy(), Y.copy()
    least_squares(X, Y)
    ridge_path(X, Y, [0.0, 1.0])
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(Y, copies[1])


# ----------------------------------------------------------------- ridge path
LAMBDAS = [1e-3, 0.1, 1.0, 10.0, 1e3]


@pytest.mark.parametrize("problem", [regression_problem, rank_deficient_problem],
                         ids=["full rank", "duplicate column"])
def test_ridge_path_equals_a_direct_solve_per_lambda(problem):
    X, Y = problem()
    num_train, dim = X.shape
    W = ridge_path(X.copy(), Y.copy(), LAMBDAS)
    assert W.shape == (len(LAMBDAS), dim, 3)
    for k, lam in enumerate(LAMBDAS):
        expected = np.linalg.solve(X.T @ X + lam * num_train * np.eye(dim), X.T @ Y)
        assert_close_relative_to_max(W[k], expected, 1e-10, err_msg=f"lambda={lam}")


@pytest.mark.parametrize("problem", [regression_problem, rank_deficient_problem],
                         ids=["full rank", "duplicate column"])
def test_ridge_path_at_lambda_0_is_the_minimum_norm_solution(problem):
    X, Y = problem()
    W = ridge_path(X.copy(), Y.copy(), [0.0, 1.0, 0.0])
    assert_close_relative_to_max(W[0], min_norm_solution(X, Y), 1e-8)
    np.testing.assert_array_equal(W[2], W[0])


# ----------------------------------------------------------------- validation
@pytest.mark.parametrize("X, Y, pattern", [
    (np.ones(40), np.ones((40, 3)), r"^X must"),
    (np.ones((40, 6)), np.ones((39, 3)), r"^Y must have shape \(N, C\)"),
    (np.ones((40, 6)), np.ones(40), r"^Y must have shape \(N, C\)"),
    (np.full((40, 6), np.nan), np.ones((40, 3)), r"^X must be finite"),
], ids=["X 1-D", "Y rows", "Y 1-D", "X nan"])
@pytest.mark.parametrize("function", [least_squares, lambda X, Y: ridge_path(X, Y, [1.0])],
                         ids=["least_squares", "ridge_path"])
def test_closed_forms_reject_bad_X_and_Y(function, X, Y, pattern):
    with pytest.raises(ValueError, match=pattern):
        function(X, Y)


@pytest.mark.parametrize("lambdas, pattern", [
    ([1.0, -1.0], r"^lambdas\[1\] must be a finite number >= 0, got -1\.0"),
    ([np.nan], r"^lambdas\[0\] must be a finite number >= 0, got nan"),
    (np.array([0.0, np.inf]),
     r"^lambdas\[1\] must be a finite number >= 0, got np.float64\(inf\)"),
    ([[1.0]], r"^lambdas must be a 1-D sequence of numbers"),
], ids=["< 0", "nan", "inf", "2-D"])
def test_ridge_path_rejects_bad_lambdas(lambdas, pattern):
    X, Y = regression_problem()
    with pytest.raises(ValueError, match=pattern):
        ridge_path(X, Y, lambdas)


@pytest.mark.parametrize("W, Y, pattern", [
    (np.ones((5, 3)), np.ones((40, 3)), r"^(W|X) must"),
    (np.ones(6), np.ones((40, 3)), r"^W must"),
    (np.ones((6, 3)), np.ones((39, 3)), r"^Y must have shape"),
    (np.ones((6, 3)), np.ones((40, 4)), r"^(W|Y) must"),
], ids=["W rows", "W 1-D", "Y rows", "Y columns"])
def test_loss_rejects_shapes_that_do_not_fit(W, Y, pattern):
    X, _ = regression_problem()
    with pytest.raises(ValueError, match=pattern):
        least_squares_loss(W, X, Y)


@pytest.mark.parametrize("W, X, pattern", [
    (np.ones((5, 3)), np.ones((40, 6)), r"^(W|X) must"),
    (np.ones(6), np.ones((40, 6)), r"^W must"),
    (np.ones((6, 3)), np.ones(6), r"^X must"),
], ids=["W rows", "W 1-D", "X 1-D"])
def test_predict_rejects_shapes_that_do_not_fit(W, X, pattern):
    with pytest.raises(ValueError, match=pattern):
        predict(W, X)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_weights_are_refused_not_predicted(bad):
    X, Y = regression_problem()
    W = np.zeros((X.shape[1], Y.shape[1]))
    W[2, 1] = bad
    with pytest.raises(ValueError, match=r"^W and X must be finite"):
        predict(W, X)
    with pytest.raises(ValueError, match=r"^W and X must be finite"):
        least_squares_loss(W, X, Y)


def test_non_finite_targets_are_refused():
    X, Y = regression_problem()
    Y[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^Y must be finite"):
        ridge_path(X, Y, [0.0, 1.0])


# ------------------------------------------------------------------ probes
def test_likely_cause_mean_over_N_times_C_entries():
    X, Y = regression_problem()
    W = np.random.default_rng(3).standard_normal((6, 3))
    loss = least_squares_loss(W.copy(), X.copy(), Y.copy())
    per_example = np.mean(np.linalg.norm(X @ W - Y, axis=1) ** 2)  # (1/N) sum_i ||x_i W - y_i||^2
    if np.isclose(loss * Y.shape[1], per_example, rtol=1e-9):
        likely("the mean over all N * C squared entries instead of the mean over N examples",
               "sum the squared differences over all entries, then divide by N only",
               f"loss {loss:.6g} is 1/C = 1/{Y.shape[1]} of {per_example:.6g}")
