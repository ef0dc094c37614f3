"""gradient_check: numerical gradients against closed forms, grad_check_sparse's
errors, printout and seeding, and rel_error. The checks on the reference softmax
loss are in test_gradient_check_reference.py.
"""

import contextlib
import io
import re
import warnings

import numpy as np
import pytest

from gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)

from diagnoses import likely

pytestmark = pytest.mark.gradient_check

# CS231n's line: every check shows its relative error, passing or not.
CHECK_LINE = re.compile(r"numerical: (-?\d+\.\d{6}) analytic: (-?\d+\.\d{6}), "
                        r"relative error: (\d\.\d{6}e[+-]\d{2,3})")


def sum_of_cubes(x):
    return float(np.sum(x ** 3))


def check_lines(out):
    lines = out.splitlines()
    matches = [CHECK_LINE.fullmatch(line) for line in lines]
    assert lines and all(matches), lines
    return matches


# ------------------------------------------------------ eval_numerical_gradient
def test_numerical_gradient_matches_analytic_and_restores_x():
    x = np.random.default_rng(0).standard_normal((3, 4))
    x_before = x.copy()
    grad = eval_numerical_gradient(lambda x: float(np.sum(np.sin(x) * x)), x, verbose=False)
    np.testing.assert_array_equal(x, x_before)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, np.cos(x) * x + np.sin(x), rtol=0, atol=1e-8)


def test_numerical_gradient_is_centred_with_step_h():
    # ((x + h)^3 - (x - h)^3) / 2h = 3x^2 + h^2 exactly; a one-sided difference
    # or another h gives something else.
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    grad = eval_numerical_gradient(sum_of_cubes, x, verbose=False, h=0.1)
    np.testing.assert_allclose(grad, 3 * x ** 2 + 0.01, rtol=0, atol=1e-12)


def test_quiet_numerical_gradient_prints_nothing(capsys):
    eval_numerical_gradient(sum_of_cubes, np.ones(3), verbose=False)
    assert capsys.readouterr().out == ""


# ------------------------------------------------ eval_numerical_gradient_array
def test_numerical_gradient_array_of_a_linear_map_is_A_transpose_df():
    rng = np.random.default_rng(2)
    A, x, df = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    x_before = x.copy()
    grad = eval_numerical_gradient_array(lambda x: A @ x, x, df)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_allclose(grad, A.T @ df, rtol=0, atol=1e-9)


def test_numerical_gradient_array_is_centred_with_step_h():
    # f(x) = x^3 elementwise, df = ones: again 3x^2 + h^2. Then the identity,
    # whose output is x itself and so changes when x is stepped: its gradient is df.
    x = np.array([0.5, -1.0, 2.0])
    grad = eval_numerical_gradient_array(lambda x: x ** 3, x, np.ones(3), h=0.1)
    np.testing.assert_allclose(grad, 3 * x ** 2 + 0.01, rtol=0, atol=1e-12)
    df = np.array([1.0, 2.0, 3.0])
    grad = eval_numerical_gradient_array(lambda x: x, x, df)
    np.testing.assert_allclose(grad, df, rtol=0, atol=1e-9)


# ------------------------------------------------------------ grad_check_sparse
def test_correct_gradient_of_a_closed_form_gives_errors_below_1e_7():
    # f = sum(exp(x)) has gradient exp(x), far from 0, so relative errors stay small.
    x = np.random.default_rng(3).standard_normal((8, 5))
    errors = grad_check_sparse(lambda x: float(np.sum(np.exp(x))), x, np.exp(x), num_checks=10,
                               seed=0)
    assert isinstance(errors, np.ndarray) and errors.shape == (10,)
    assert (errors < 1e-7).all(), errors


def test_wrong_gradient_gives_errors_above_1e_2():
    # f = sum(x^2) / 2 has gradient x; twice x is wrong by 1/3 everywhere.
    x = np.random.default_rng(4).uniform(1, 2, size=(4, 5))
    errors = grad_check_sparse(lambda x: float(np.sum(x * x) / 2), x, 2 * x, num_checks=8, seed=0)
    assert errors.shape == (8,)
    assert (errors > 1e-2).all(), errors
    np.testing.assert_allclose(errors, 1 / 3, rtol=1e-6)


def test_zero_gradient_checks_as_zero_error_not_nan():
    errors = grad_check_sparse(lambda x: 1.0, np.ones((3, 3)), np.zeros((3, 3)), num_checks=4,
                               seed=0)
    np.testing.assert_array_equal(errors, np.zeros(4))


def test_prints_the_worksheet_line_per_check(capsys):
    x = np.random.default_rng(5).standard_normal(6)
    errors = grad_check_sparse(sum_of_cubes, x, 3 * x ** 2, num_checks=5, seed=0)
    matches = check_lines(capsys.readouterr().out)
    assert len(matches) == 5
    assert (errors < 1e-5).all(), errors
    for match, error in zip(matches, errors):
        assert float(match[3]) == pytest.approx(error, rel=1e-6), match[0]
        # The analytic value is 3 x^2 at one of the entries.
        assert np.min(np.abs(3 * x ** 2 - float(match[2]))) <= 5e-7, match[0]
        assert float(match[1]) == pytest.approx(float(match[2]), abs=2e-6)


def test_prints_a_failing_error_with_its_value(capsys):
    # f = sum(x^2) / 2 has gradient x; 2 x is wrong by a relative error of exactly 1/3.
    x = np.random.default_rng(4).uniform(1, 2, size=(4, 5))
    grad_check_sparse(lambda x: float(np.sum(x * x) / 2), x, 2 * x, num_checks=3, seed=0)
    matches = check_lines(capsys.readouterr().out)
    assert [match[3] for match in matches] == ["3.333333e-01"] * 3


def test_printout_shows_each_error_computed_from_its_two_values(capsys):
    # The oracle: |numerical - analytic| / (|numerical| + |analytic|) of the printed values,
    # for an analytic gradient off by 1 % (errors near 5e-3, far above the printed rounding).
    x = np.random.default_rng(7).uniform(1, 2, size=(5, 4))
    grad_check_sparse(sum_of_cubes, x, 3 * x ** 2 * 1.01, num_checks=6, seed=1)
    for match in check_lines(capsys.readouterr().out):
        numerical, analytic, printed = (float(group) for group in match.groups())
        expected = abs(numerical - analytic) / (abs(numerical) + abs(analytic))
        assert printed == pytest.approx(expected, rel=1e-3), match[0]


def test_x_is_restored():
    x = np.random.default_rng(6).standard_normal((3, 4))
    x_before = x.copy()
    grad_check_sparse(sum_of_cubes, x, 3 * x ** 2, num_checks=6, seed=0)
    np.testing.assert_array_equal(x, x_before)


def checked_coordinates(capsys, **seeding):
    # f = sum(c x) with distinct c: the printed analytic value c[i] names the coordinate.
    c = np.arange(1.0, 41.0).reshape(5, 8)
    grad_check_sparse(lambda x: float(np.sum(c * x)), np.zeros((5, 8)), c, num_checks=12,
                      **seeding)
    return [int(float(m[2])) for m in check_lines(capsys.readouterr().out)]


def test_seed_makes_the_checked_coordinates_repeatable(capsys):
    first = checked_coordinates(capsys, seed=3)
    assert checked_coordinates(capsys, seed=3) == first
    assert checked_coordinates(capsys, seed=4) != first
    assert len(set(first)) > 1


def test_numpy_global_seed_makes_the_checked_coordinates_repeatable(capsys):
    np.random.seed(0)
    first = checked_coordinates(capsys)
    np.random.seed(0)
    assert checked_coordinates(capsys) == first
    np.random.seed(1)
    assert checked_coordinates(capsys) != first


@pytest.mark.parametrize("num_checks", [0, -1, 2.5, True])
def test_num_checks_must_be_a_positive_integer(num_checks):
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"^num_checks must be an integer >= 1, got "):
        grad_check_sparse(sum_of_cubes, x, 3 * x ** 2, num_checks=num_checks)


def test_numpy_integer_num_checks_and_seed_are_accepted():
    x = np.ones(3)
    errors = grad_check_sparse(sum_of_cubes, x, 3 * x ** 2, num_checks=np.int64(2),
                               seed=np.int32(0))
    assert errors.shape == (2,)


@pytest.mark.parametrize("h", [0.0, -1e-5, float("nan"), "1e-5"])
def test_step_h_must_be_a_positive_number(h):
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"^h must be a finite number > 0, got "):
        grad_check_sparse(sum_of_cubes, x, 3 * x ** 2, h=h)
    with pytest.raises(ValueError, match=r"^h must be a finite number > 0, got "):
        eval_numerical_gradient(sum_of_cubes, x, verbose=False, h=h)
    with pytest.raises(ValueError, match=r"^h must be a finite number > 0, got "):
        eval_numerical_gradient_array(lambda x: x ** 3, x, np.ones(3), h=h)


@pytest.mark.parametrize("seed", [-1, 0.5], ids=["negative", "float"])
def test_seed_must_be_a_non_negative_integer(seed):
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"^seed must be an integer >= 0, got "):
        grad_check_sparse(sum_of_cubes, x, 3 * x ** 2, seed=seed)


# -------------------------------------------------------------------- rel_error
def test_rel_error_is_the_largest_elementwise_relative_error():
    x, y = np.array([1.0, 2.0, -4.0]), np.array([1.0, 3.0, -2.0])
    assert rel_error(x, y) == pytest.approx(max(0, 1 / 5, 2 / 6), rel=1e-15)
    assert rel_error(y, x) == rel_error(x, y)
    assert rel_error(2.0, 1.0) == pytest.approx(1 / 3, rel=1e-15)


def test_rel_error_of_opposite_signs_is_1():
    # |x - y| = |x| + |y| when the signs differ, whatever the sizes.
    assert rel_error(np.array([1.0, -3.0]), np.array([-1.0, 0.5])) == pytest.approx(1.0, rel=1e-15)


def test_rel_error_of_zero_and_zero_is_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rel_error(0.0, 0.0) == 0
        assert rel_error(np.array([0.0, 1.0]), np.array([0.0, 3.0])) == pytest.approx(0.5)


def test_integer_x_is_refused_rather_than_truncated():
    # x[ix] + 1e-5 would be stored back as an integer, giving a silent wrong gradient.
    x = np.arange(6).reshape(2, 3)
    with pytest.raises(ValueError, match=r"^x must be a float array.*int64"):
        eval_numerical_gradient(lambda x: float(np.sum(x ** 2)), x, verbose=False)


def test_x_is_restored_when_f_raises():
    x = np.zeros(3)

    def f(x):
        if x[0] != 0:
            raise RuntimeError("f failed")
        return 0.0

    with pytest.raises(RuntimeError, match="f failed"):
        eval_numerical_gradient(f, x, verbose=False)
    np.testing.assert_array_equal(x, np.zeros(3))


# ------------------------------------------------------------------ probes
def test_likely_cause_np_random_instead_of_rng():
    # Each entry's analytic gradient is off by its own factor, so the errors returned
    # name the entries checked. The same seed after different global seeds: only
    # np.random can tell them apart.
    x = np.random.default_rng(8).uniform(1, 2, size=(3, 4))
    analytic = x * (1 + np.arange(1, 13).reshape(3, 4) / 10)
    errors = []
    for global_seed in (0, 1):
        np.random.seed(global_seed)
        with contextlib.redirect_stdout(io.StringIO()):
            errors.append(grad_check_sparse(lambda x: 0.5 * float(np.sum(x * x)), x, analytic,
                                            num_checks=6, seed=3))
    if not np.array_equal(*errors):
        likely("the entries are drawn with np.random instead of rng",
               "draw each index with rng.integers, the generator made from seed",
               "seed=3 checked other entries after np.random.seed(1) than after "
               "np.random.seed(0)")


def test_likely_cause_nan_from_0_over_0_in_rel_error():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        error = rel_error(np.zeros((2, 3)), np.zeros((2, 3)))
    if np.isnan(error):
        likely("rel_error divides 0 by 0 where both entries are 0, giving NaN",
               "where |x| + |y| is 0 both entries agree: make the error 0 there",
               f"rel_error(zeros, zeros) = {error}")
