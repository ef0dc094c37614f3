"""What every softmax loss function(W, X, y, reg) -> (loss, dW) must satisfy.

A test module subclasses `LossContract` and names its ``loss_function``; the
module's pytestmark then attributes every inherited test to that module's task.
Answers come from tests/public/first_principles.py (central differences, closed
forms) and from invariants, never from other code, so a bug costs only its own
task. The naive and vectorized losses are compared in test_softmax_vectorized.py,
with the vectorized task; the comparisons with the reference loss are in
loss_contract_reference.py.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import first_principles
from strategies import LOSS_VALIDATION_CASES, extreme_score_problems, loss_problems, make_problem

# The property tests below run once per subclass (one per loss function), which
# hypothesis flags as "differing executors"; that is the intent here, and the
# 'ci' profile keeps no example database that the two could share.
shared_by_subclasses = settings(suppress_health_check=[HealthCheck.differing_executors])


STABILITY_HINT = ("scores of +-1e4 must give a finite loss and dW: after shifting each row by "
                  "its maximum, compute log-probabilities as s_y - log(sum(exp(s))), not as "
                  "the log of a probability that may underflow to 0")


def on_copies(loss_function, W, X, y, reg):
    """loss_function(W, X, y, reg) given copies of the arrays.

    What a test expects is computed from its own arrays, before or after the call: a
    loss that changes its inputs cannot change them (test_inputs_are_not_modified
    fails it for that alone).
    """
    return loss_function(W.copy(), X.copy(), np.array(y, copy=True), reg)


def strict_loss(loss_function, W, X, y, reg):
    """loss_function(W, X, y, reg) on copies, failing on overflow, invalid values or 1/0."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return on_copies(loss_function, W, X, y, reg)


class LossContract:
    loss_function = None

    def loss(self, W, X, y, reg):
        """The loss under test, on copies of the test's arrays (`on_copies`)."""
        return on_copies(self.loss_function, W, X, y, reg)

    # ------------------------------------------------------------------ gradient
    @pytest.mark.parametrize("reg", [0.0, 0.7])
    def test_dW_matches_central_differences_at_every_coordinate(self, reg):
        W, X, y = make_problem(np.random.default_rng(1), num_train=7, dim=5, num_classes=4)
        _, dW = self.loss(W, X, y, reg)
        numerical = first_principles.central_difference_gradient(
            lambda W: self.loss(W, X, y, reg)[0], W)
        for index in np.ndindex(W.shape):
            np.testing.assert_allclose(
                dW[index], numerical[index], rtol=1e-6, atol=1e-8,
                err_msg=f"dW{index}: analytic {dW[index]!r}, central difference "
                        f"{numerical[index]!r} (reg={reg})")

    # ------------------------------------------------------------- closed forms
    # A sum of N equal terms taken in order may be off by about N/2 ulps, hence
    # the looser tolerance at N = 500.
    @pytest.mark.parametrize("num_train, num_classes, rtol",
                             [(7, 4, 1e-15), (3, 2, 1e-15), (500, 10, 500 * 2**-53)])
    def test_zero_weights_give_log_C_and_closed_form_dW(self, num_train, num_classes, rtol):
        _, X, y = make_problem(np.random.default_rng(4), num_train, 6, num_classes)
        W = np.zeros((6, num_classes))
        loss, dW = self.loss(W, X, y, 0.5)
        np.testing.assert_allclose(loss, first_principles.loss_at_zero_weights(num_classes),
                                   rtol=rtol)
        expected = first_principles.gradient_at_zero_weights(X, y, num_classes)
        np.testing.assert_allclose(dW, expected, rtol=0, atol=1e-13 * np.abs(expected).max())

    def test_reg_term_alone_when_X_is_zero(self):
        # X = 0 makes every score 0: the data loss is log(C) and its gradient 0.
        W, _, y = make_problem(np.random.default_rng(5), 7, 5, 4)
        loss, dW = self.loss(W, np.zeros((7, 5)), y, 0.25)
        np.testing.assert_allclose(loss, np.log(4) + 0.25 * np.sum(W * W), rtol=1e-14)
        np.testing.assert_allclose(dW, 2 * 0.25 * W, rtol=1e-14)

    def test_reg_adds_reg_sum_W_squared_and_2_reg_W(self):
        W, X, y = make_problem(np.random.default_rng(6), 7, 5, 4)
        loss0, dW0 = self.loss(W, X, y, 0.0)
        loss, dW = self.loss(W, X, y, 3.0)
        np.testing.assert_allclose(loss - loss0, 3.0 * np.sum(W * W), rtol=1e-12)
        np.testing.assert_allclose(dW - dW0, 6.0 * W, rtol=1e-12, atol=1e-14)

    def test_first_sgd_loss_is_about_1536(self):
        # W = 0.001 randn(3073, 10), reg = 5e4: scores are small, so the data loss
        # is about log(10) and the penalty about 5e4 * 0.001^2 * 3073 * 10 = 1536.5.
        rng = np.random.default_rng(7)
        W = 0.001 * rng.standard_normal((3073, 10))
        X = rng.standard_normal((200, 3073))
        y = rng.integers(10, size=200)
        loss, _ = self.loss(W, X, y, 5e4)
        assert loss == pytest.approx(np.log(10) + 5e4 * np.sum(W * W), abs=0.01)
        assert loss == pytest.approx(np.log(10) + 5e4 * 0.001**2 * 3073 * 10, rel=0.03)

    # ------------------------------------------------------------ types, dtypes
    def test_returns_python_float_and_dW_shaped_like_W(self):
        W, X, y = make_problem(np.random.default_rng(8), 7, 5, 4)
        loss, dW = self.loss(W, X, y, 0.1)
        assert type(loss) is float
        assert isinstance(dW, np.ndarray)
        assert dW.shape == W.shape and dW.dtype == np.float64

    def test_float32_gives_float32_dW(self):
        W, X, y = make_problem(np.random.default_rng(9), 20, 8, 5, dtype=np.float32)
        loss, dW = self.loss(W, X, y, 0.1)
        assert type(loss) is float and np.isfinite(loss)
        assert dW.dtype == np.float32 and np.isfinite(dW).all()

    def test_float32_zero_weights_give_the_closed_forms_to_float32_precision(self):
        _, X, y = make_problem(np.random.default_rng(9), 20, 8, 5, dtype=np.float32)
        loss, dW = self.loss(np.zeros((8, 5), dtype=np.float32), X, y, 0.1)
        assert loss == pytest.approx(first_principles.loss_at_zero_weights(5), rel=1e-6)
        expected = first_principles.gradient_at_zero_weights(X.astype(np.float64), y, 5)
        np.testing.assert_allclose(dW, expected, rtol=0, atol=1e-5 * np.abs(expected).max())

    def test_inputs_are_not_modified(self):
        W, X, y = make_problem(np.random.default_rng(10), 7, 5, 4)
        copies = W.copy(), X.copy(), y.copy()
        self.loss_function(W, X, y, 0.1)
        for original, copy in zip((W, X, y), copies):
            np.testing.assert_array_equal(original, copy)

    # --------------------------------------------------------------- properties
    @shared_by_subclasses
    @given(loss_problems(), st.floats(0, 2))
    def test_dW_shape_equals_W_shape(self, problem, reg):
        W, X, y = problem
        assert self.loss(W, X, y, reg)[1].shape == W.shape

    @shared_by_subclasses
    @given(loss_problems(), st.lists(st.floats(-3, 3), min_size=5, max_size=5))
    def test_adding_a_vector_to_every_column_leaves_data_loss_unchanged(self, problem, v):
        # Every class score of example i moves by the same x_i . v, which cancels
        # in the softmax, so neither the data loss nor its gradient changes.
        W, X, y = problem
        v = np.array(v[:W.shape[0]])
        loss, dW = self.loss(W, X, y, 0.0)
        shifted_loss, shifted_dW = self.loss(W + v[:, None], X, y, 0.0)
        assert shifted_loss == pytest.approx(loss, rel=1e-9, abs=1e-9)
        np.testing.assert_allclose(shifted_dW, dW, rtol=1e-7, atol=1e-9)

    @shared_by_subclasses
    @given(extreme_score_problems())
    def test_scores_of_plus_minus_1e4_give_finite_loss_and_gradient(self, problem):
        W, X, y = problem
        try:
            loss, dW = strict_loss(self.loss_function, W, X, y, 0.0)
        except FloatingPointError as error:
            pytest.fail(f"{STABILITY_HINT} ({error})")
        assert np.isfinite(loss) and np.isfinite(dW).all(), STABILITY_HINT

    # --------------------------------------------------------------- validation
    # A NaN or inf in X is found from the scores, after arithmetic that may warn.
    @pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
    @pytest.mark.parametrize("change, pattern", [case[1:] for case in LOSS_VALIDATION_CASES],
                             ids=[case[0] for case in LOSS_VALIDATION_CASES])
    def test_bad_input_raises_value_error_naming_the_argument(self, change, pattern):
        W, X, y = make_problem(np.random.default_rng(11), 7, 5, 4)
        arguments = dict(W=W, X=X, y=y, reg=0.1)
        for name, alter in change.items():
            arguments[name] = alter(arguments[name])
        with pytest.raises(ValueError, match=pattern):
            self.loss_function(**arguments)
