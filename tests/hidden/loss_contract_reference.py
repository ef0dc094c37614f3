"""What every softmax loss function must satisfy against the reference loss.

The hidden half of loss_contract.py: a test module subclasses
`ReferenceContract` and names its ``loss_function``, as with `LossContract`.
Answers come from tests/hidden/oracles.py, whose loss is in effect the vectorized
task's answer, so this file and its test modules are never shipped.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import first_principles
import oracles
from loss_contract import on_copies, shared_by_subclasses, strict_loss
from strategies import extreme_score_problems, loss_problems, make_dev_problem, make_problem


def assert_matches_reference(loss, dW, W, X, y, reg, loss_rtol=1e-12, dW_rtol=1e-10):
    """Loss to loss_rtol relative; dW to dW_rtol relative to max|dW| of the reference."""
    first_principles.assert_losses_agree(loss, dW, *oracles.softmax_loss_reference(W, X, y, reg),
                                         loss_rtol=loss_rtol, dW_rtol=dW_rtol, what="reference",
                                         X=X)


class ReferenceContract:
    loss_function = None

    def loss(self, W, X, y, reg):
        """The loss under test, on copies: the reference gets the arrays as the test made them."""
        return on_copies(self.loss_function, W, X, y, reg)

    @pytest.mark.parametrize("shape", [(7, 5, 4), (60, 20, 10)])
    @pytest.mark.parametrize("reg", [0.0, 0.3])
    def test_matches_reference(self, shape, reg):
        W, X, y = make_problem(np.random.default_rng(2), *shape, weight_scale=0.5)
        assert_matches_reference(*self.loss(W, X, y, reg), W, X, y, reg)

    def test_matches_reference_on_dev_shape(self):
        W, X, y = make_dev_problem(np.random.default_rng(3))
        reg = 5e-6
        assert_matches_reference(*self.loss(W, X, y, reg), W, X, y, reg)

    def test_float32_dW_is_close_to_the_float64_reference(self):
        W, X, y = make_problem(np.random.default_rng(9), 20, 8, 5, dtype=np.float32)
        loss, dW = self.loss(W, X, y, 0.1)
        assert_matches_reference(loss, dW, W.astype(np.float64), X.astype(np.float64), y, 0.1,
                                 loss_rtol=1e-5, dW_rtol=1e-5)

    @shared_by_subclasses
    @given(loss_problems(), st.floats(0, 2))
    def test_matches_reference_on_random_problems(self, problem, reg):
        W, X, y = problem
        loss, dW = self.loss(W, X, y, reg)
        ref_loss, ref_dW = oracles.softmax_loss_reference(W, X, y, reg)
        # Absolute slack for rounding in scores of size up to |X| |W| D.
        slack = 1e-12 * (1 + np.abs(X).sum(axis=1).max() * np.abs(W).max())
        assert loss == pytest.approx(ref_loss, rel=1e-12, abs=slack)
        np.testing.assert_allclose(dW, ref_dW, rtol=1e-9, atol=slack)

    @shared_by_subclasses
    @given(extreme_score_problems())
    def test_matches_reference_at_scores_of_plus_minus_1e4(self, problem):
        W, X, y = problem
        loss, dW = strict_loss(self.loss_function, W, X, y, 0.0)
        assert_matches_reference(loss, dW, W, X, y, 0.0)
