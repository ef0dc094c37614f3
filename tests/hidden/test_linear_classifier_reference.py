"""LinearClassifier / Softmax against the reference loss (hidden: the reference is an answer).

The training tests here use `ReferenceSoftmax`, a Softmax whose loss is the reference loss
of tests/hidden/oracles.py, so only linear_classifier.py is under test.
"""

import numpy as np
import pytest

from classifiers.linear_classifier import Softmax

import oracles
from strategies import small_problem

pytestmark = pytest.mark.linear_classifier


class ReferenceSoftmax(Softmax):
    """Softmax trained on the reference loss; counts its calls and their batch shapes."""

    def __init__(self):
        super().__init__()
        self.batch_shapes = []

    def loss(self, X_batch, y_batch, reg):
        self.batch_shapes.append(X_batch.shape)
        return oracles.softmax_loss_reference(self.W, X_batch, y_batch, reg)


def test_sgd_step_is_W_minus_learning_rate_times_gradient():
    # With identical examples every minibatch has the same loss and gradient,
    # whatever rows are drawn, so each step is known exactly.
    X = np.tile([[0.5, -1.0, 2.0, 1.0]], (10, 1))
    y = np.full(10, 2)
    classifier = ReferenceSoftmax()
    classifier.train(X, y, num_iters=0, seed=0)
    W = classifier.W.copy()
    loss_history = classifier.train(X.copy(), y.copy(), learning_rate=0.3, reg=0.1,
                                    num_iters=3, batch_size=4, seed=1)
    for it in range(3):
        loss, dW = oracles.softmax_loss_reference(W, X[:1], y[:1], 0.1)
        assert loss_history[it] == pytest.approx(loss, rel=1e-12), f"iteration {it}"
        W = W - 0.3 * dW
    np.testing.assert_allclose(classifier.W, W, rtol=1e-12)


def test_train_calls_the_loss_method_once_per_iteration_on_each_minibatch():
    X, y = small_problem()
    classifier = ReferenceSoftmax()
    classifier.train(X, y, num_iters=3, batch_size=10, seed=0)
    assert classifier.batch_shapes == [(10, 5)] * 3


def test_loss_method_evaluates_the_softmax_loss_at_W():
    X, y = small_problem()
    W = np.random.default_rng(3).standard_normal((5, 4))
    classifier = Softmax()
    classifier.W = W
    loss, dW = classifier.loss(X, y, 0.2)
    ref_loss, ref_dW = oracles.softmax_loss_reference(W, X, y, 0.2)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(dW, ref_dW, rtol=1e-12)
