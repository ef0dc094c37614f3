"""train_grid: every (learning_rate, reg) model equals training that Softmax alone.

Training alone is plain SGD as `LinearClassifier.train` documents it, written here, on
classifiers.softmax.softmax_loss_vectorized: these tests need no code of the
linear_classifier task, and wait while the vectorized loss is a stub; when the task is
graded that loss is the reference code. test_train_grid_reference.py compares with plain
SGD on the reference loss.
"""

import itertools

import numpy as np
import pytest

from classifiers.linear_classifier import Softmax, train_grid
from classifiers.softmax import softmax_loss_vectorized

from strategies import LEARNING_RATES, REGS, grid_problem

pytestmark = pytest.mark.train_grid


def train_alone(X, y, learning_rate, reg, num_iters, batch_size, seed):
    """W (D, C) after plain SGD from the documented start: W0 = 0.001 * standard normal, then
    at every step batch_size rows drawn with rng.integers, from rng = default_rng(seed).
    """
    rng = np.random.default_rng(seed)
    W = 0.001 * rng.standard_normal((X.shape[1], int(np.max(y)) + 1))
    for _ in range(num_iters):
        rows = rng.integers(len(y), size=batch_size)
        W = W - learning_rate * softmax_loss_vectorized(W, X[rows], y[rows], reg)[1]
    return W


@pytest.fixture
def data():
    # Fresh arrays for every test: none sees what an earlier call did to its inputs.
    return grid_problem()


def test_returns_a_trained_softmax_for_every_pair(data):
    X, y = data
    models = train_grid(X, y, LEARNING_RATES, REGS, num_iters=5, batch_size=8, seed=0)
    assert set(models) == set(itertools.product(LEARNING_RATES, REGS))
    for model in models.values():
        assert type(model) is Softmax and model.W.shape == (6, 3)


@pytest.mark.needs("softmax_vectorized")
@pytest.mark.parametrize("seed", [0, 7])
def test_each_model_equals_training_it_alone(data, seed):
    X, y = data
    models = train_grid(X.copy(), y.copy(), LEARNING_RATES, REGS, num_iters=40, batch_size=16,
                        seed=seed)
    for (learning_rate, reg), model in models.items():
        alone = train_alone(X, y, learning_rate, reg, num_iters=40, batch_size=16, seed=seed)
        np.testing.assert_allclose(model.W, alone, rtol=1e-9, atol=1e-9 * np.abs(alone).max(),
                                   err_msg=f"learning_rate={learning_rate}, reg={reg}")


def test_models_do_not_share_W(data):
    X, y = data
    models = train_grid(X, y, LEARNING_RATES, REGS, num_iters=5, batch_size=8, seed=0)
    W_before = {key: model.W.copy() for key, model in models.items()}
    next(iter(models.values())).W += 1.0
    for key in list(models)[1:]:
        np.testing.assert_array_equal(models[key].W, W_before[key])


def test_seed_none_follows_numpys_global_generator(data):
    X, y = data

    def grid_after(global_seed):
        np.random.seed(global_seed)
        models = train_grid(X, y, LEARNING_RATES, REGS, num_iters=10, batch_size=8)
        return np.stack([models[key].W for key in sorted(models)])

    np.testing.assert_array_equal(grid_after(0), grid_after(0))
    assert not np.allclose(grid_after(0), grid_after(1))


@pytest.mark.parametrize("change, pattern", [
    (dict(learning_rates=[1e-2, 0.0]), r"^learning_rate must be a finite number > 0, got 0\.0"),
    (dict(regs=[-1.0]), r"^reg must be a finite number >= 0, got -1\.0"),
    (dict(num_iters=-1), r"^num_iters must be an integer >= 0, got -1"),
    (dict(batch_size=0), r"^batch_size must be an integer >= 1, got 0"),
    (dict(y=np.zeros(59, dtype=int)), r"^y must have shape \(60,\) to match X, got \(59,\)"),
], ids=["learning_rate 0", "reg < 0", "num_iters < 0", "batch_size 0", "y short"])
def test_bad_input_raises_value_error_naming_the_argument(data, change, pattern):
    X, y = data
    arguments = dict(X=X, y=y, learning_rates=LEARNING_RATES, regs=REGS, num_iters=2,
                     batch_size=8, seed=0)
    arguments.update(change)
    with pytest.raises(ValueError, match=pattern):
        train_grid(**arguments)


def test_repeated_grid_values_are_refused():
    # A repeated value would train twice and collapse into one key of the result.
    X = np.zeros((4, 3))
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"^learning_rates must not repeat a value"):
        train_grid(X, y, [1e-3, 1e-3], [0.0], num_iters=1)
    with pytest.raises(ValueError, match=r"^regs must not repeat a value"):
        train_grid(X, y, [1e-3], [0.0, 0.0], num_iters=1)
