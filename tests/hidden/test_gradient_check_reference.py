"""gradient_check on the reference softmax loss, as the notebook uses it (hidden: the
reference is an answer).
"""

import numpy as np
import pytest

from gradient_check import eval_numerical_gradient, grad_check_sparse

import oracles
from strategies import make_problem

pytestmark = pytest.mark.gradient_check


def test_numerical_gradient_of_the_softmax_loss_matches_the_reference():
    W, X, y = make_problem(np.random.default_rng(1), 7, 5, 4)
    grad = eval_numerical_gradient(
        lambda W: oracles.softmax_loss_reference(W, X, y, 0.1)[0], W, verbose=False)
    _, dW = oracles.softmax_loss_reference(W, X, y, 0.1)
    np.testing.assert_allclose(grad, dW, rtol=1e-6, atol=1e-9)


def test_correct_gradient_gives_errors_below_1e_7():
    W, X, y = make_problem(np.random.default_rng(3), 20, 8, 5)
    loss, dW = oracles.softmax_loss_reference(W, X, y, 0.5)
    errors = grad_check_sparse(lambda W: oracles.softmax_loss_reference(W, X, y, 0.5)[0],
                               W, dW, num_checks=10, seed=0)
    assert isinstance(errors, np.ndarray) and errors.shape == (10,)
    assert (errors < 1e-7).all(), errors
