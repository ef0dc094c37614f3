"""LinearClassifier / Softmax: SGD, seeding, warm starts, predict, save and load.

SGD's mechanics (steps, batches, seeds, the loss history, printing) are tested through
stand-in losses of a subclass, so they need no other task. The tests that train a Softmax
call classifiers.softmax.softmax_loss_vectorized: they wait while it is a stub, and when the
task is graded it is the reference code. The tests against the reference loss are in
test_linear_classifier_reference.py.
"""

import math
import re

import numpy as np
import pytest

from classifiers.linear_classifier import LinearClassifier, Softmax

from diagnoses import likely
from strategies import make_problem, small_problem

pytestmark = pytest.mark.linear_classifier
# The tests that train a Softmax call the vectorized loss, another task's.
needs_the_loss = pytest.mark.needs("softmax_vectorized")


def separable_toy(rng, per_class=50):
    """Three well-separated 2-D clusters (labels 0, 1, 2) plus a bias column: X (150, 3)."""
    angles = 2 * np.pi * np.arange(3) / 3
    centres = 5 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    y = np.repeat(np.arange(3), per_class)
    points = centres[y] + 0.5 * rng.standard_normal((y.size, 2))
    return np.hstack([points, np.ones((y.size, 1))]), y


# ------------------------------------------------------------------- training
@needs_the_loss
def test_reaches_95_percent_train_accuracy_on_separable_toy_set():
    X, y = separable_toy(np.random.default_rng(0))
    classifier = Softmax()
    # Copies go in: the accuracy is measured on the data as made, whatever train does to them.
    classifier.train(X.copy(), y.copy(), learning_rate=0.1, reg=1e-4, num_iters=300,
                     batch_size=32, seed=0)
    accuracy = np.mean(classifier.predict(X.copy()) == y)
    assert accuracy >= 0.95, f"train accuracy {accuracy:.3f}"


class QuadraticClassifier(LinearClassifier):
    """A stand-in loss, 0.5 ||W - T||^2 + reg ||W||^2 with gradient W - T + 2 reg W, whatever
    the batch: each SGD step is known exactly. Records the shapes of the batches.
    """

    T = np.arange(8.0).reshape(4, 2)

    def __init__(self):
        super().__init__()
        self.batch_shapes = []

    @classmethod
    def quadratic(cls, W, reg):
        return float(0.5 * np.sum((W - cls.T) ** 2) + reg * np.sum(W * W)), W - cls.T + 2 * reg * W

    def loss(self, X_batch, y_batch, reg):
        self.batch_shapes.append((X_batch.shape, y_batch.shape))
        return self.quadratic(self.W, reg)


class BatchMeanClassifier(LinearClassifier):
    """A stand-in loss that depends on the batch: 0.5 ||W - M||^2 + reg ||W||^2, where column
    c of M (D, C) is the sum of the batch's rows labelled c, over the batch size. Where W ends
    depends on every batch drawn, as with the softmax loss.
    """

    def loss(self, X_batch, y_batch, reg):
        M = np.zeros_like(self.W)
        np.add.at(M.T, y_batch, X_batch)
        M /= len(y_batch)
        return (float(0.5 * np.sum((self.W - M) ** 2) + reg * np.sum(self.W * self.W)),
                self.W - M + 2 * reg * self.W)


def test_sgd_steps_against_the_gradient_of_the_loss_method():
    X, y = np.random.default_rng(5).standard_normal((10, 4)), np.arange(10) % 2
    classifier = QuadraticClassifier()
    classifier.W = np.zeros((4, 2))
    loss_history = classifier.train(X, y, learning_rate=0.3, reg=0.1, num_iters=3,
                                    batch_size=12, seed=0)
    W = np.zeros((4, 2))
    for it in range(3):
        loss, dW = QuadraticClassifier.quadratic(W, 0.1)
        assert loss_history[it] == pytest.approx(loss, rel=1e-12), f"iteration {it}"
        W = W - 0.3 * dW
    np.testing.assert_allclose(classifier.W, W, rtol=1e-12)
    # 12 of 10 examples: drawn with replacement
    assert classifier.batch_shapes == [((12, 4), (12,))] * 3


@needs_the_loss
def test_first_loss_is_about_1536_with_reg_5e4():
    # W0 = 0.001 randn(3073, 10): data loss about log(10), penalty about
    # 5e4 * 0.001^2 * 3073 * 10 = 1536.5.
    _, X, y = make_problem(np.random.default_rng(1), num_train=200, dim=3073, num_classes=10)
    y[0] = 9
    loss_history = Softmax().train(X, y, learning_rate=1e-7, reg=5e4, num_iters=1, seed=0)
    assert loss_history[0] == pytest.approx(np.log(10) + 5e4 * 0.001**2 * 3073 * 10, rel=0.03)


def test_first_train_initialises_W_as_0_001_standard_normal_with_max_y_plus_1_columns():
    X = np.random.default_rng(2).standard_normal((4, 3000))
    y = np.array([0, 1, 5, 1])
    classifier = Softmax()
    assert classifier.W is None
    classifier.train(X, y, num_iters=0, seed=0)
    assert classifier.W.shape == (3000, 6)
    # 18000 draws: the sample std is within 3 % of 0.001 and the mean near 0.
    assert np.std(classifier.W) == pytest.approx(0.001, rel=0.03)
    assert abs(np.mean(classifier.W)) < 0.001 * 4 / np.sqrt(18000)


def test_batches_are_drawn_with_replacement():
    X, y = small_problem()
    loss_history = BatchMeanClassifier().train(X[:5], y[:5], num_iters=3, batch_size=20, seed=0)
    assert len(loss_history) == 3


def test_loss_history_is_a_list_of_num_iters_floats():
    X, y = small_problem()
    loss_history = BatchMeanClassifier().train(X, y, num_iters=7, batch_size=10, seed=0)
    assert isinstance(loss_history, list) and len(loss_history) == 7
    assert all(isinstance(loss, float) and math.isfinite(loss) for loss in loss_history)
    assert BatchMeanClassifier().train(X, y, num_iters=0, seed=0) == []


# ------------------------------------------------------------ reproducibility
def test_same_seed_gives_identical_W():
    X, y = small_problem()
    first, again = BatchMeanClassifier(), BatchMeanClassifier()
    first.train(X, y, num_iters=20, batch_size=10, seed=5)
    again.train(X, y, num_iters=20, batch_size=10, seed=5)
    assert np.array_equal(first.W, again.W), (
        "two trainings with the same seed gave different W: draw the minibatch indices with "
        "the generator `rng` that train creates from seed (rng.integers), not with np.random")


def test_other_seeds_give_other_W():
    X, y = small_problem()
    models = [BatchMeanClassifier(), BatchMeanClassifier()]
    for model, seed in zip(models, [5, 6]):
        model.train(X, y, num_iters=20, batch_size=10, seed=seed)
    assert not np.allclose(models[0].W, models[1].W)


def test_seed_none_follows_numpys_global_generator():
    X, y = small_problem()

    def train_after(global_seed):
        np.random.seed(global_seed)
        classifier = BatchMeanClassifier()
        classifier.train(X, y, num_iters=20, batch_size=10)
        return classifier.W

    np.testing.assert_array_equal(train_after(0), train_after(0))
    assert not np.allclose(train_after(0), train_after(1))


def test_second_train_call_warm_starts():
    X, y = small_problem()
    classifier = BatchMeanClassifier()
    classifier.train(X, y, num_iters=30, batch_size=10, seed=0)
    W_trained = classifier.W.copy()
    classifier.train(X, y, num_iters=0, seed=1)
    np.testing.assert_array_equal(classifier.W, W_trained)
    # A tiny step moves W by about 1e-12; a new initialisation would move it by ~1e-3.
    classifier.train(X, y, learning_rate=1e-12, num_iters=2, batch_size=10, seed=2)
    np.testing.assert_allclose(classifier.W, W_trained, rtol=0, atol=1e-9)


# ---------------------------------------------------------------- verbose
def test_verbose_prints_the_loss_every_100_iterations(capsys):
    X, y = small_problem()
    loss_history = BatchMeanClassifier().train(X, y, num_iters=250, batch_size=10,
                                               verbose=True, seed=0)
    lines = capsys.readouterr().out.splitlines()
    matches = [re.fullmatch(r"iteration (\d+) / 250: loss (\S+)", line) for line in lines]
    assert all(matches), lines
    assert [int(m[1]) for m in matches] == [0, 100, 200]
    for m in matches:
        assert math.isclose(float(m[2]), loss_history[int(m[1])], rel_tol=1e-5, abs_tol=1e-6)


def test_quiet_training_prints_nothing(capsys):
    X, y = small_problem()
    BatchMeanClassifier().train(X, y, num_iters=150, batch_size=10, seed=0)
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------- predict
def test_predict_returns_integer_argmax_of_scores():
    X, _ = small_problem()
    classifier = Softmax()
    classifier.W = np.random.default_rng(4).standard_normal((5, 4))
    expected = np.argmax(X @ classifier.W, axis=1)  # before predict, which could change X or W
    y_pred = classifier.predict(X)
    assert isinstance(y_pred, np.ndarray) and y_pred.shape == (40,)
    assert np.issubdtype(y_pred.dtype, np.integer)
    np.testing.assert_array_equal(y_pred, expected)


# ---------------------------------------------------------- save and load


# ------------------------------------------------------------------ probes
def test_likely_cause_np_random_instead_of_rng():
    # The same seed after different global seeds: only np.random can tell them apart.
    X, y = small_problem()
    trained = []
    for global_seed in (0, 1):
        np.random.seed(global_seed)
        classifier = BatchMeanClassifier()
        classifier.train(X, y, num_iters=5, batch_size=10, seed=3)
        trained.append(classifier.W)
    if not np.array_equal(*trained):
        likely("the minibatch is drawn with np.random instead of rng",
               "draw the row indices with rng.integers, the generator train makes from seed",
               "seed=3 gave another W after np.random.seed(1) than after np.random.seed(0)")


def test_likely_cause_a_step_up_the_gradient():
    X, y = np.random.default_rng(5).standard_normal((10, 4)), np.arange(10) % 2
    classifier = QuadraticClassifier()
    classifier.W = np.zeros((4, 2))
    classifier.train(X, y, learning_rate=0.3, reg=0.0, num_iters=1, batch_size=4, seed=0)
    _, dW = QuadraticClassifier.quadratic(np.zeros((4, 2)), 0.0)
    if np.allclose(classifier.W, 0.3 * dW, rtol=1e-9):
        likely("the step goes up the gradient (W += learning_rate * grad)",
               "gradient descent steps against the gradient: subtract learning_rate * grad",
               "after one step from W = 0, W is +learning_rate * grad")


def test_likely_cause_argmax_over_the_wrong_axis():
    # Four examples and four classes, so that either axis gives four labels.
    rng = np.random.default_rng(6)
    classifier = Softmax()
    classifier.W = rng.standard_normal((5, 4))
    X = rng.standard_normal((4, 5))
    scores = X @ classifier.W
    y_pred = classifier.predict(X.copy())
    if (np.array_equal(y_pred, np.argmax(scores, axis=0))
            and not np.array_equal(y_pred, np.argmax(scores, axis=1))):
        likely("argmax over the wrong axis: one label per class instead of one per example",
               "the scores are (N, C): take the argmax along each row, axis=1",
               f"labels {y_pred.tolist()} are the argmax of each column of the 4 x 4 scores")
