"""Probes that recognise common mistakes, and name them as a student would.

A probe is a test named ``test_likely_cause_*`` (`grading.tasks.DIAGNOSIS_TESTS`): it passes
unless its mistake is seen, measured as a ratio or a shape against an answer that needs no
solution code (a closed form, an invariant, a documented sequence), and then fails with
`likely`'s message: "likely cause: ...", a one-line hint, and the numbers seen. The
notebook's check shows that cause before the failing tests; grading records it, and scores
no probe. The loss probes are `LossProbes`, inherited by each loss's test class; the other
tasks' probes sit in their own test files.
"""

import numpy as np
import pytest

import first_principles
from loss_contract import on_copies
from strategies import make_problem

CAUSE = "likely cause: "
HINT = "hint: "


def likely(cause, hint, seen):
    """Fail the probe: its cause, its hint, and what was measured, one to a line."""
    pytest.fail(f"{CAUSE}{cause}\n{HINT}{hint}\nseen: {seen}", pytrace=False)


def ratio(actual, expected):
    """The least-squares factor r with actual ~ r * expected (arrays of one shape)."""
    expected = np.asarray(expected, dtype=float)
    return float(np.vdot(actual, expected) / np.vdot(expected, expected))


def near(value, target, rtol=1e-6):
    """True when value is within rtol of target (relative)."""
    return bool(np.isfinite(value) and abs(value - target) <= rtol * abs(target))


def scores_problem(scores, y):
    """W, X, y whose scores X @ W are exactly `scores` (N, C): X = scores, W = identity."""
    scores = np.asarray(scores, dtype=float)
    return np.eye(scores.shape[1]), scores, np.asarray(y)


def meets_closed_forms(loss_function):
    """True when loss_function(W, X, y, reg) gives the closed forms at W = 0 and at X = 0
    that its own task is checked against, and the same loss for rows of scores moved by
    +1000 and -2000: only then may another task's test blame its own code for a
    disagreement with this loss (tests/public/conftest.py).
    """
    _, X, y = make_problem(np.random.default_rng(13), 7, 5, 4)
    W = 0.5 * np.random.default_rng(14).standard_normal((5, 4))
    scores = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 1.0]])
    with np.errstate(all="ignore"):
        try:
            loss, dW = on_copies(loss_function, np.zeros((5, 4)), X, y, 0.0)
            reg_loss, reg_dW = on_copies(loss_function, W, np.zeros_like(X), y, 0.3)
            moved = on_copies(loss_function, *scores_problem(
                scores + [[1000.0], [-2000.0]], [0, 1]), 0.0)[0]
            unmoved = on_copies(loss_function, *scores_problem(scores, [0, 1]), 0.0)[0]
        except (FloatingPointError, ValueError):
            return False
    return bool(near(moved, unmoved, 1e-9)
                and np.isclose(loss, first_principles.loss_at_zero_weights(4), rtol=1e-12)
                and np.allclose(dW, first_principles.gradient_at_zero_weights(X, y, 4),
                                rtol=1e-9)
                and np.isclose(reg_loss, np.log(4) + 0.3 * np.sum(W * W), rtol=1e-12)
                and np.allclose(reg_dW, 0.6 * W, rtol=1e-9))


class LossProbes:
    """The mistakes of a softmax loss(W, X, y, reg) -> (loss, dW), one probe each."""

    loss_function = None

    def measured(self, W, X, y, reg):
        """The loss and dW on copies; (NaN, None) when the provided checks refused them: a
        non-finite loss (FloatingPointError) or a dW not shaped like W (ValueError, which
        `test_likely_cause_dW_transposed` names), so that each probe sees only its mistake.
        """
        with np.errstate(all="ignore"):
            try:
                return on_copies(self.loss_function, W, X, y, reg)
            except (FloatingPointError, ValueError):
                return float("nan"), None

    def shifted_loss(self, scores, y, offsets):
        """(loss of scores + offsets, loss of scores): equal when each row is shifted."""
        scores = np.asarray(scores, dtype=float)
        moved = scores + np.asarray(offsets, dtype=float)[:, None]
        return (self.measured(*scores_problem(moved, y), 0.0)[0],
                self.measured(*scores_problem(scores, y), 0.0)[0])

    def test_likely_cause_no_per_row_shift(self):
        # Every score near +1000: exp overflows unless each row is shifted first; the
        # loss must equal that of the same scores moved down by 1000.
        scores = [[1.0, 0.0, -1.0], [0.0, 2.0, 1.0]]
        high, low = self.shifted_loss(scores, [0, 1], [1000.0, 1000.0])
        if np.isfinite(low) and not near(high, low, 1e-9):
            likely("no per-row shift before exp", "subtract each row's maximum score from "
                   "the row before taking exp: exp(1000) overflows, and the loss is unchanged",
                   f"loss {high} with every score near +1000, {low} for the same scores near 0")

    def test_likely_cause_log_of_a_probability_of_0(self):
        # The correct class trails by 1000: its probability underflows to 0, but its
        # log-probability, about -1000, does not.
        loss, _ = self.measured(*scores_problem([[0.0, -1000.0, -1.0]], [1]), 0.0)
        if not (np.isfinite(loss) and loss > 999):
            likely("log(exp(s_y) / sum(exp(s))), the log of a probability that underflows "
                   "to 0", "compute the log-probability as s_y - log(sum(exp(s))) on the "
                   "shifted scores, never as the log of a probability",
                   f"loss {loss} when the correct class trails by 1000 (about 1000 expected)")

    def test_likely_cause_one_max_over_the_whole_matrix(self):
        # Rows whose maxima differ by 2000: one maximum over the whole matrix leaves the
        # second row at exp(-2000) = 0 everywhere. Fires only when a shared offset works.
        scores = [[1.0, 0.0, -1.0], [0.0, 2.0, 1.0]]
        same = self.shifted_loss(scores, [0, 1], [1000.0, 1000.0])
        apart = self.shifted_loss(scores, [0, 1], [0.0, -2000.0])
        if near(same[0], same[1], 1e-9) and not near(apart[0], apart[1], 1e-9):
            likely("one maximum over the whole score matrix instead of one per row",
                   "take the maximum along each row (axis=1, keepdims=True)",
                   f"loss {apart[0]} when two rows' maxima differ by 2000, "
                   f"{apart[1]} for the same rows moved together")

    def at_zero_weights(self):
        """(loss, dW, X, y) at W = 0, reg = 0 on 7 examples of 6 features and 4 classes."""
        _, X, y = make_problem(np.random.default_rng(21), 7, 6, 4)
        loss, dW = self.measured(np.zeros((6, 4)), X, y, 0.0)
        return loss, dW, X, y

    def test_likely_cause_loss_missing_the_1_over_N(self):
        loss, _, X, _ = self.at_zero_weights()
        factor = loss / first_principles.loss_at_zero_weights(4)
        if near(factor, len(X)):
            likely("the loss is summed over the minibatch, not averaged (the 1/N is missing)",
                   "divide the summed loss by the number of examples N",
                   f"at W = 0 the loss is {factor:.6g} x log(C), with N = {len(X)}")

    def test_likely_cause_dW_missing_the_1_over_N(self):
        _, dW, X, y = self.at_zero_weights()
        expected = first_principles.gradient_at_zero_weights(X, y, 4)
        factor = ratio(dW, expected) if dW is not None else float("nan")
        if near(factor, len(X)):
            likely("dW is summed over the minibatch, not averaged (the 1/N is missing)",
                   "divide the summed gradient by N, as the loss is",
                   f"at W = 0, dW is {factor:.6g} x the closed-form gradient, with N = {len(X)}")

    def test_likely_cause_the_minus_1_at_the_correct_class_missing(self):
        _, dW, X, y = self.at_zero_weights()
        if dW is None:
            return
        expected = first_principles.gradient_at_zero_weights(X, y, 4)
        onehot = np.eye(4)[y]
        if np.allclose(dW - expected, X.T @ onehot / len(X), rtol=1e-6, atol=1e-12):
            likely("dW lacks the -1 of the correct class: it is X^T P / N, not X^T (P - Y) / N",
                   "the correct class's column of example i also gets -X[i]",
                   "at W = 0, dW minus the closed-form gradient is X^T Y / N")

    def at_zero_data(self):
        """(penalty ratio, dW ratio) at X = 0, reg = 0.25: both 1 for reg * sum(W * W)."""
        W, _, y = make_problem(np.random.default_rng(22), 7, 5, 4)
        loss, dW = self.measured(W, np.zeros((7, 5)), y, 0.25)
        penalty = (loss - first_principles.loss_at_zero_weights(4)) / (0.25 * np.sum(W * W))
        return penalty, ratio(dW, 2 * 0.25 * W) if dW is not None else float("nan")

    def test_likely_cause_the_0_5_reg_convention(self):
        penalty, gradient = self.at_zero_data()
        if near(penalty, 0.5) or near(gradient, 0.5):
            likely("the 0.5 * reg * sum(W * W) convention; this course uses reg * sum(W * W)",
                   "add reg * sum(W * W) to the loss and 2 * reg * W to dW",
                   f"with X = 0 the penalty is {penalty:.6g} x reg * sum(W * W) and dW is "
                   f"{gradient:.6g} x 2 * reg * W")

    def test_likely_cause_regularization_missing_from_dW(self):
        penalty, gradient = self.at_zero_data()
        if near(penalty, 1.0) and abs(gradient) < 1e-9:
            likely("the regularization is in the loss but not in dW",
                   "add the penalty's gradient, 2 * reg * W, to dW",
                   f"with X = 0 and reg = 0.25, dW is {gradient:.6g} x 2 * reg * W")

    def test_likely_cause_dW_transposed(self):
        W, X, y = make_problem(np.random.default_rng(23), 7, 5, 4)
        try:
            on_copies(self.loss_function, W, X, y, 0.1)
        except ValueError as error:
            if "(transposed?)" in str(error):
                likely("dW is transposed: shape (C, D) instead of W's (D, C)",
                       "dW[d, c] belongs beside W[d, c]; X^T times an (N, C) array is (D, C)",
                       f"W of shape {W.shape}; the provided check said: {error}")
            raise
