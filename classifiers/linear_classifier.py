"""Linear classifiers trained by minibatch stochastic gradient descent.

X holds N examples of dimension D (one per row, the last column the constant
1 of the bias trick) and there are C classes; the classifier's weights W have
shape (D, C) and the predicted class of x is argmax_j (x W)_j.
"""

import numbers
import os

import numpy as np

from .softmax import softmax_loss_vectorized


def _make_rng(seed):
    """A numpy Generator: seeded by ``seed``, or else by numpy's global generator.

    Drawing the seed from the global generator keeps the worksheet's habit
    working: ``np.random.seed(0)`` at the top of a cell makes the cell repeatable.
    """
    if seed is None:
        seed = np.random.randint(2**31 - 1)
    return np.random.default_rng(seed)


def _check_number(name, value, low, strict, integer=False):
    """Raise ValueError unless ``value`` is a finite number above ``low``."""
    kinds = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kinds) and not isinstance(value, bool) and np.isfinite(value)
    if not ok or value < low or (strict and value == low):
        kind = "an integer" if integer else "a finite number"
        raise ValueError(f"{name} must be {kind} {'>' if strict else '>='} {low}, got {value!r}")


def _check_training_inputs(X, y, learning_rates, regs, num_iters, batch_size):
    """Validate the arguments of `LinearClassifier.train` and `train_grid`."""
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[0] > 0):
        raise ValueError("X must be a non-empty 2-D array of shape (N, D), "
                         f"got shape {np.shape(X)}")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise ValueError(f"y must hold integer labels >= 0, got dtype {y.dtype} and min {y.min()}")
    for learning_rate in learning_rates:
        _check_number("learning_rate", learning_rate, 0, strict=True)
    for reg in regs:
        _check_number("reg", reg, 0, strict=False)
    _check_number("num_iters", num_iters, 0, strict=False, integer=True)
    _check_number("batch_size", batch_size, 1, strict=False, integer=True)


def _npz_path(path):
    """``path`` with the ``.npz`` suffix that np.savez would add."""
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


class LinearClassifier:
    """A linear classifier; subclasses choose the loss."""

    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200,
              verbose=False, seed=None):
        """Train by minibatch SGD, continuing from the current W if there is one.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Training examples, one per row.
        y : ndarray of shape (N,)
            Integer labels in [0, C); C is ``max(y) + 1`` on the first call.
        learning_rate, reg : float
            Step size (> 0) and regularization strength (>= 0).
        num_iters, batch_size : int
            Number of SGD steps, and examples per step (drawn with replacement).
        verbose : bool
            Print the loss (6 significant digits) every 100 iterations.
        seed : int or None
            Seed for the initial W and the batches; None draws one from numpy's
            global generator. From ``rng = np.random.default_rng(seed)`` the
            first W is ``0.001 * rng.standard_normal((D, C))`` and each batch
            is ``X[rng.integers(num_train, size=batch_size)]``: `train_grid`
            reproduces exactly this sequence.

        Returns
        -------
        loss_history : list of float
            The minibatch loss at every iteration.
        """
        _check_training_inputs(X, y, [learning_rate], [reg], num_iters, batch_size)
        num_train, dim = X.shape
        rng = _make_rng(seed)
        if self.W is None:
            # Small random weights: every class starts with probability about 1/C.
            self.W = 0.001 * rng.standard_normal((dim, int(np.max(y)) + 1))
        self._check_features(X)
        if np.max(y) >= self.W.shape[1]:
            raise ValueError(f"y must hold labels in [0, {self.W.shape[1]}) for the current W, "
                             f"got max {np.max(y)}")
        loss_history = []
        for it in range(num_iters):
            # Draw X_batch (batch_size, D) and y_batch (batch_size,) with rng, set
            # loss to their minibatch loss, and take one SGD step on self.W.
            # *****START OF YOUR CODE (task: linear_classifier)*****
            # Sample a minibatch with replacement (cheaper than without), then
            # step against the gradient: W <- W - learning_rate * dL/dW.
            idx = rng.integers(num_train, size=batch_size)
            X_batch, y_batch = X[idx], y[idx]
            loss, grad = self._unchecked_loss(X_batch, y_batch, reg)
            self.W -= learning_rate * grad
            # *****END OF YOUR CODE*****
            if not np.isfinite(loss):
                raise ValueError(f"X must be finite (no NaN or inf), and learning_rate "
                                 f"{learning_rate:g} small enough not to diverge: the loss "
                                 f"at iteration {it} is {loss}")
            loss_history.append(loss)
            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:.6g}")
        return loss_history

    def predict(self, X):
        """Predict labels.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Examples, one per row.

        Returns
        -------
        y_pred : ndarray of shape (N,)
            Integer predicted labels, the argmax of the scores X W.
        """
        self._check_features(X)
        # Set scores (N, C) and y_pred (N,).
        # *****START OF YOUR CODE (task: linear_classifier)*****
        scores = X @ self.W
        y_pred = np.argmax(scores, axis=1)
        # *****END OF YOUR CODE*****
        if not np.isfinite(scores).all():
            raise ValueError("X must be finite (no NaN or inf): some scores X @ W are not")
        return y_pred

    def loss(self, X_batch, y_batch, reg):
        """Loss and gradient on a minibatch.

        Parameters
        ----------
        X_batch : ndarray of shape (N, D)
        y_batch : ndarray of shape (N,)
        reg : float

        Returns
        -------
        loss : float
        dW : ndarray of shape (D, C)
        """
        raise NotImplementedError("LinearClassifier is abstract: use a subclass such as Softmax")

    def _unchecked_loss(self, X_batch, y_batch, reg):
        """The loss without input checks; `train` has checked once already."""
        return self.loss(X_batch, y_batch, reg)

    def _check_features(self, X):
        if self.W is None:
            raise ValueError("W must be trained first: call train() or load() before predict()")
        D = self.W.shape[0]
        if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == D):
            raise ValueError(f"X must have shape (N, {D}) to match the trained W, "
                             f"got {np.shape(X)}")

    def save(self, path):
        """Write W to the ``.npz`` file ``path`` (the suffix is added if missing)."""
        if self.W is None:
            raise ValueError("W must be trained before it can be saved: call train() first")
        np.savez(_npz_path(path), W=self.W)

    @classmethod
    def load(cls, path):
        """Read a classifier written by `save`; nothing executable is ever loaded."""
        with np.load(_npz_path(path), allow_pickle=False) as data:
            W = data["W"] if "W" in data else None
        if W is None or W.ndim != 2:
            raise ValueError(f"path must name an .npz file with a 2-D array 'W', got {path}")
        model = cls()
        model.W = W
        return model


class Softmax(LinearClassifier):
    """A linear classifier trained with the softmax cross-entropy loss."""

    def loss(self, X_batch, y_batch, reg):
        """The softmax loss and its gradient; see `softmax_loss_vectorized`."""
        return softmax_loss_vectorized(self.W, X_batch, y_batch, reg)

    def _unchecked_loss(self, X_batch, y_batch, reg):
        return softmax_loss_vectorized.__wrapped__(self.W, X_batch, y_batch, reg)


def train_grid(X, y, learning_rates, regs, num_iters=1500, batch_size=200, seed=None):
    """Train a `Softmax` for every (learning_rate, reg) pair, all at once.

    Every configuration starts from the same W and sees the same minibatches,
    so each result equals ``Softmax().train(X, y, learning_rate, reg, num_iters,
    batch_size, seed=seed)``; but the K configurations share one batch draw per
    step, and their weights sit side by side in one (D, K*C) matrix, so each
    step is two large matrix products instead of 2K thin ones.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
        Integer labels in [0, C).
    learning_rates, regs : sequence of float
        The grid; K = len(learning_rates) * len(regs) configurations.
    num_iters, batch_size : int
    seed : int or None

    Returns
    -------
    models : dict
        Maps each (learning_rate, reg) to its trained `Softmax`.
    """
    _check_training_inputs(X, y, learning_rates, regs, num_iters, batch_size)
    for name, values in [("learning_rates", learning_rates), ("regs", regs)]:
        if len(set(values)) != len(values):
            raise ValueError(f"{name} must not repeat a value, got {list(values)}")
    configs = [(lr, reg) for lr in learning_rates for reg in regs]
    num_train, dim = X.shape
    num_classes = int(np.max(y)) + 1
    rng = _make_rng(seed)
    W0 = 0.001 * rng.standard_normal((dim, num_classes))
    # Train every configuration from W0 with the batches rng draws, as train
    # does; leave the weights in W (D, K*C), configs[k] in columns k*C:(k+1)*C.
    # *****START OF YOUR CODE (task: train_grid)*****
    # Kept class-major, as in softmax_loss_vectorized: W_T (K*C, D) holds
    # configuration k's W^T in rows k*C:(k+1)*C.
    num_configs = len(configs)
    W_T = np.tile(W0.T, (num_configs, 1))
    step_sizes = np.repeat([lr for lr, _ in configs], num_classes)[:, None]
    decays = 2 * np.repeat([reg for _, reg in configs], num_classes)[:, None]
    examples = np.arange(batch_size)
    for _ in range(num_iters):
        idx = rng.integers(num_train, size=batch_size)
        X_batch, y_batch = X[idx], y[idx]
        # 1) scores of every configuration, as (K, C, batch_size)
        scores = (W_T @ X_batch.T).reshape(num_configs, num_classes, batch_size)
        # 2) shift scores so each example's maximum is 0: exp cannot overflow
        scores -= scores.max(axis=1, keepdims=True)
        # 3) probabilities; the loss itself is not needed to take a step
        probs = np.exp(scores)
        probs /= batch_size * probs.sum(axis=1, keepdims=True)
        # 4) dL/dscores = (P - onehot(y)) / N for every configuration, then the
        #    gradient's transpose (dL/dscores)^T X + 2 reg W^T and the step
        probs[:, y_batch, examples] -= 1 / batch_size
        dW_T = probs.reshape(-1, batch_size) @ X_batch + decays * W_T
        W_T -= step_sizes * dW_T
    W = W_T.T
    # *****END OF YOUR CODE*****
    models = {}
    for k, config in enumerate(configs):
        models[config] = Softmax()
        models[config].W = W[:, k * num_classes:(k + 1) * num_classes].copy()
    return models
