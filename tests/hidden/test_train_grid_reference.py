"""train_grid against plain SGD on the reference loss (hidden: that SGD is an answer).

The expected weights come from tests/hidden/oracles.py alone, so neither Softmax.train
nor classifiers/softmax.py can fail these tests.
"""

import numpy as np
import pytest

from classifiers.linear_classifier import train_grid

import oracles
from strategies import LEARNING_RATES, REGS, grid_problem

pytestmark = pytest.mark.train_grid


@pytest.mark.parametrize("seed", [0, 7])
def test_each_model_equals_plain_sgd_on_the_reference_loss(seed):
    X, y = grid_problem()
    models = train_grid(X.copy(), y.copy(), LEARNING_RATES, REGS, num_iters=40, batch_size=16,
                        seed=seed)
    for (learning_rate, reg), model in models.items():
        W = oracles.sgd_reference(X, y, learning_rate, reg, num_iters=40, batch_size=16,
                                  seed=seed)
        np.testing.assert_allclose(model.W, W, rtol=1e-9, atol=1e-9 * np.abs(W).max(),
                                   err_msg=f"learning_rate={learning_rate}, reg={reg}")
