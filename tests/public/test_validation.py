"""classifiers/_validation.py: the one scalar check, the seed helper, the .npz name, the loss
checks that blame the right thing, and the labels that predict returns.
"""

import inspect
import numbers

import numpy as np
import pytest

import classifiers
from classifiers._validation import (
    as_labels,
    check_gradient_shape,
    check_loss_result,
    check_scalar,
    make_rng,
    npz_path,
)


# --------------------------------------------------------------- check_scalar
@pytest.mark.parametrize("value", [3, np.int64(3), np.uint8(3), np.int32(0)])
def test_integers_python_or_numpy_pass_unchanged(value):
    assert check_scalar(value, "n", int, min_val=0) is value


@pytest.mark.parametrize("value", [0.5, 2, 10**400, np.float32(0.5), np.float64(1e-300),
                                   np.int64(1)])
def test_real_numbers_python_or_numpy_pass_as_floats(value):
    assert check_scalar(value, "lr", float, min_val=0, include_boundaries="neither") is value


@pytest.mark.parametrize("value, target_type, pattern", [
    (True, int, r"^n must be an integer >= 0, got True"),
    (np.bool_(True), int, r"^n must be an integer >= 0, got np.True_"),
    (False, float, r"^n must be a finite number >= 0, got False"),
    (2.0, int, r"^n must be an integer >= 0, got 2\.0"),
    ("3", int, r"^n must be an integer >= 0, got '3'"),
    (None, float, r"^n must be a finite number >= 0, got None"),
    (float("nan"), float, r"^n must be a finite number >= 0, got nan"),
    (np.inf, float, r"^n must be a finite number >= 0, got inf"),
    (-1, int, r"^n must be an integer >= 0, got -1"),
], ids=["bool", "numpy bool", "bool as float", "float as int", "str", "None", "nan", "inf",
        "below"])
def test_wrong_types_and_values_are_named_with_what_was_expected(value, target_type, pattern):
    with pytest.raises(ValueError, match=pattern):
        check_scalar(value, "n", target_type, min_val=0)


@pytest.mark.parametrize("bounds, include, good, bad, described", [
    (dict(min_val=0), "both", [0, 1], [-1], ">= 0"),
    (dict(min_val=0), "neither", [1], [0], "> 0"),
    (dict(max_val=5), "both", [5, -9], [6], "<= 5"),
    (dict(max_val=5), "left", [4], [5], "< 5"),
    (dict(min_val=0, max_val=5), "left", [0, 4], [5, -1], "in [0, 5)"),
    (dict(min_val=0, max_val=5), "right", [5, 1], [0, 6], "in (0, 5]"),
    (dict(min_val=0, max_val=5), "both", [0, 5], [-1, 6], "in [0, 5]"),
    (dict(min_val=0, max_val=5), "neither", [1, 4], [0, 5], "in (0, 5)"),
])
def test_bounds_open_or_closed(bounds, include, good, bad, described):
    for value in good:
        assert check_scalar(value, "k", int, include_boundaries=include, **bounds) == value
    for value in bad:
        with pytest.raises(ValueError) as error:
            check_scalar(value, "k", int, include_boundaries=include, **bounds)
        assert str(error.value) == f"k must be an integer {described}, got {value}"


def test_numpy_scalars_count_as_numbers():
    # What check_scalar relies on: numpy registers its scalar types with the numbers ABCs.
    assert isinstance(np.int64(1), numbers.Integral) and isinstance(np.float32(1), numbers.Real)


# ------------------------------------------------------------ make_rng, npz_path
def test_make_rng_with_a_seed_is_default_rng():
    assert make_rng(7).integers(1000, size=5).tolist() == \
        np.random.default_rng(7).integers(1000, size=5).tolist()


def test_make_rng_without_a_seed_follows_numpys_global_generator():
    np.random.seed(3)
    first = make_rng(None).integers(10**9, size=3)
    np.random.seed(3)
    np.testing.assert_array_equal(make_rng(None).integers(10**9, size=3), first)
    np.random.seed(4)
    assert not np.array_equal(make_rng(None).integers(10**9, size=3), first)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_make_rng_refuses_seeds_that_are_not_integers_ge_0(seed):
    with pytest.raises(ValueError, match=r"^seed must be an integer >= 0, got "):
        make_rng(seed)


def test_npz_path_adds_the_suffix_np_savez_adds(tmp_path):
    assert npz_path(tmp_path / "model") == str(tmp_path / "model.npz")
    assert npz_path("model.npz") == "model.npz"


# ---------------------------------------------------------- check_loss_result
def small_inputs():
    rng = np.random.default_rng(0)
    return rng.standard_normal((4, 3)), rng.standard_normal((5, 4))


def test_a_finite_loss_passes():
    W, X = small_inputs()
    assert check_loss_result(2.5, W, X, 0.1, "loss") is None


@pytest.mark.parametrize("loss", [np.inf, np.nan])
def test_non_finite_loss_from_finite_inputs_blames_the_implementation(loss):
    W, X = small_inputs()
    with pytest.raises(FloatingPointError) as error:
        check_loss_result(loss, W, X, 0.1, "softmax_loss_naive")
    message = str(error.value)
    assert message.startswith(f"softmax_loss_naive computed the loss as {loss} for finite W and "
                              "X: the implementation overflowed or took log(0)")
    assert "Shift each row's scores so that its maximum is 0" in message
    assert "log-probabilities as s_y - log(sum(exp(s)))" in message
    assert "X must be finite" not in message          # the old, misleading message


@pytest.mark.parametrize("name, index, value", [("W", (1, 2), np.nan), ("W", (0, 0), -np.inf),
                                                ("X", (3, 1), np.nan), ("X", (4, 3), np.inf)])
def test_nan_or_inf_in_W_or_X_is_named(name, index, value):
    arrays = dict(zip("WX", small_inputs()))
    arrays[name][index] = value
    with pytest.raises(ValueError, match=rf"^{name} must be finite \(no NaN or inf\)"):
        check_loss_result(np.nan, arrays["W"], arrays["X"], 0.1, "loss")


@pytest.mark.parametrize("W_scale, reg", [(1e300, 0.0), (1e160, 1.0)],
                         ids=["scores overflow", "penalty overflows"])
def test_inputs_too_large_for_float64_are_named_with_the_learning_rate_hint(W_scale, reg):
    W, X = small_inputs()
    with pytest.raises(ValueError, match=r"^W and X must be small enough for float64.*"
                                         r"learning_rate was too large and W diverged"):
        check_loss_result(np.inf, W_scale * W, 1e10 * X, reg, "loss")


# --------------------------------------------------------- check_gradient_shape
def test_a_gradient_shaped_like_W_passes():
    W = np.zeros((5, 4))
    assert check_gradient_shape(np.ones((5, 4)), W, "loss") is None


@pytest.mark.parametrize("shape, pattern", [
    ((4, 5), r"^dW must have the shape of W, \(5, 4\), but loss computed dW of shape "
             r"\(4, 5\) \(transposed\?\)"),
    ((5,), r"^dW must have the shape of W, \(5, 4\), but loss computed dW of shape \(5,\):"),
    ((5, 1), r"^dW must have the shape of W, \(5, 4\), but loss computed dW of shape "
             r"\(5, 1\):"),
], ids=["(C, D)", "1-D", "one column"])
def test_a_gradient_of_another_shape_is_named_with_both_shapes(shape, pattern):
    with pytest.raises(ValueError, match=pattern) as raised:
        check_gradient_shape(np.ones(shape), np.zeros((5, 4)), "loss")
    assert ("transposed?" in str(raised.value)) == (shape == (4, 5))


# ----------------------------------------------------------------- as_labels
def test_integer_labels_pass_unchanged():
    W, X = small_inputs()
    y_pred = np.argmax(X @ W, axis=1)
    assert as_labels(y_pred, X @ W, X, W) is y_pred


def test_integral_float_labels_become_integer_labels():
    # CS231n's template fills y_pred = np.zeros(N), a float array, with the argmaxes.
    W, X = small_inputs()
    y_pred = np.zeros(X.shape[0])
    y_pred[:] = np.argmax(X @ W, axis=1)
    labels = as_labels(y_pred, None, X, W)
    assert np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_array_equal(labels, np.argmax(X @ W, axis=1))


@pytest.mark.parametrize("y_pred, pattern", [
    (np.full(5, 0.5), r"^y_pred must hold integer labels \(class indices\), got dtype float64"),
    (np.full(5, np.nan), r"^y_pred must hold integer labels"),
    (np.zeros(5, dtype=bool), r"^y_pred must hold integer labels"),
    (np.zeros(4, dtype=int), r"^y_pred must have shape \(5,\), one label per row of X, got \(4,\)"),
    (np.zeros((5, 1)), r"^y_pred must have shape \(5,\)"),
    (np.full(5, 3), r"^y_pred must hold labels in \[0, 3\), got min 3 and max 3"),
    (np.full(5, -1.0), r"^y_pred must hold labels in \[0, 3\), got min -1"),
], ids=["fractions", "nan", "bool", "short", "2-D", "too big", "negative"])
def test_labels_that_change_meaning_are_refused(y_pred, pattern):
    W, X = small_inputs()
    with pytest.raises(ValueError, match=pattern):
        as_labels(y_pred, X @ W, X, W)


@pytest.mark.parametrize("keep_scores", [True, False], ids=["scores kept", "scores None"])
def test_nan_scores_are_refused_whether_or_not_the_scores_were_kept(keep_scores):
    W, X = small_inputs()
    X[2, 0] = np.nan
    with np.errstate(invalid="ignore"):
        scores = np.dot(X, W) if keep_scores else None
    with pytest.raises(ValueError, match=r"^W and X must be finite \(no NaN or inf\)"):
        as_labels(np.zeros(5, dtype=int), scores, X, W)


# ------------------------------------------------------------------- package
def test_the_package_does_not_hide_its_softmax_module():
    assert inspect.ismodule(classifiers.softmax)
    assert classifiers.softmax.softmax_loss_vectorized is classifiers.softmax_loss_vectorized
