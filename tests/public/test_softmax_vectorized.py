"""softmax_loss_vectorized and softmax() against central differences, closed forms,
invariants and the naive loss.

The naive loss is the other task's: the comparison waits while it is a stub, and when the
task is graded it is the reference code, so a naive bug costs nothing here.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra.numpy import arrays

from classifiers.softmax import softmax, softmax_loss_naive, softmax_loss_vectorized

import first_principles
from diagnoses import LossProbes
from loss_contract import LossContract, on_copies
from strategies import finite_floats, make_problem, score_matrices

pytestmark = pytest.mark.softmax_vectorized


class TestSoftmaxLossVectorized(LossContract, LossProbes):
    loss_function = staticmethod(softmax_loss_vectorized)


@pytest.mark.needs("softmax_naive")
@pytest.mark.parametrize("shape", [(7, 5, 4), (60, 20, 10)])
def test_agrees_with_the_counterpart(shape):
    W, X, y = make_problem(np.random.default_rng(12), *shape, weight_scale=0.5)
    first_principles.assert_losses_agree(
        *on_copies(softmax_loss_vectorized, W, X, y, 0.3),
        *on_copies(softmax_loss_naive, W, X, y, 0.3), what="the naive loss", X=X)


@given(score_matrices())
def test_probabilities_lie_in_0_1_and_rows_sum_to_1(scores):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        probs = softmax(scores)
    assert probs.shape == scores.shape
    assert ((probs >= 0) & (probs <= 1)).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-12)


@given(score_matrices(bound=30.0))
def test_log_probability_ratios_are_score_differences(scores):
    # p_j / p_0 = exp(s_j - s_0); with rows summing to 1 this defines the softmax.
    # Scores within +-30 keep every probability above 1e-27, far from underflow.
    log_probs = np.log(softmax(scores))
    np.testing.assert_allclose(log_probs - log_probs[:, :1], scores - scores[:, :1],
                               rtol=0, atol=1e-9)


@given(score_matrices().flatmap(lambda scores: arrays(
    np.float64, (scores.shape[0], 1), elements=finite_floats(1e4)).map(lambda c: (scores, c))))
def test_shifting_all_scores_of_a_row_leaves_probabilities_unchanged(scores_and_shift):
    scores, shift = scores_and_shift
    np.testing.assert_allclose(softmax(scores + shift), softmax(scores), rtol=0, atol=1e-9)


def test_huge_scores_do_not_overflow():
    scores = np.array([[1000.0, 0.0], [-1000.0, -1001.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        probs = softmax(scores)
    p = 1 / (1 + np.exp(-1.0))  # P(first) when it leads by 1
    np.testing.assert_allclose(probs, [[1.0, 0.0], [p, 1 - p]], rtol=1e-14, atol=1e-300)


def test_softmax_does_not_modify_scores():
    scores = np.random.default_rng(0).standard_normal((4, 3))
    copy = scores.copy()
    softmax(scores)
    np.testing.assert_array_equal(scores, copy)


@pytest.mark.parametrize("scores", [np.zeros(3), np.zeros((2, 3, 4))], ids=["1-D", "3-D"])
def test_softmax_rejects_scores_that_are_not_2d(scores):
    with pytest.raises(ValueError, match=r"^scores must .*\(N, C\)"):
        softmax(scores)
