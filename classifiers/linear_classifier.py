"""Linear classifiers trained by minibatch stochastic gradient descent.

X holds N examples of dimension D (one per row, the last column the constant
1 of the bias trick) and there are C classes; the classifier's weights W have
shape (D, C) and the predicted class of x is argmax_j (x W)_j.
"""

import numpy as np

from ._validation import (
    as_labels,
    check_features,
    check_labels,
    check_training_inputs,
    make_rng,
    npz_path,
)
from .softmax import softmax_loss_vectorized


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
        check_training_inputs(X, y, [learning_rate], [reg], num_iters, batch_size)
        num_train, dim = X.shape
        rng = make_rng(seed)
        if self.W is None:
            # Small random weights: every class starts with probability about 1/C.
            self.W = 0.001 * rng.standard_normal((dim, int(np.max(y)) + 1))
        check_features(self.W, X)
        check_labels(y, num_train, self.W.shape[1])
        loss_history = []
        for it in range(num_iters):
            X_batch = None
            y_batch = None
            # TODO: sample batch_size examples with replacement, drawing the row indices with
            # rng, the generator seeded above, never with np.random: the same seed must give
            # the same batches. Store them in X_batch (batch_size, D), their labels in
            # y_batch (batch_size,).
            # *****START OF YOUR CODE (task: linear_classifier)*****
            idx = rng.integers(num_train, size=batch_size)
            X_batch, y_batch = X[idx], y[idx]
            # *****END OF YOUR CODE*****

            # The minibatch loss, and its gradient grad (D, C) with respect to W, at the current W.
            loss, grad = self.loss(X_batch, y_batch, reg)
            loss_history.append(loss)

            # TODO: take one step of gradient descent: update self.W (D, C) in the direction
            # opposite to the gradient `grad`, by learning_rate times it.
            # *****START OF YOUR CODE (task: linear_classifier)*****
            self.W -= learning_rate * grad
            # *****END OF YOUR CODE*****

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
        check_features(self.W, X)
        scores = None
        y_pred = np.zeros(X.shape[0])
        # TODO: predict each row's label, the class with the largest score. Store the labels
        # in y_pred (N,), and the scores X @ self.W in `scores` (N, C) for the check after the
        # region to reuse (left None, it computes them again).
        # *****START OF YOUR CODE (task: linear_classifier)*****
        scores = X @ self.W
        y_pred = np.argmax(scores, axis=1)
        # *****END OF YOUR CODE*****
        return as_labels(y_pred, scores, X, self.W)

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

    def save(self, path):
        """Write W to the ``.npz`` file ``path`` (the suffix is added if missing)."""
        if self.W is None:
            raise ValueError("W must be trained before it can be saved: call train() first")
        np.savez(npz_path(path), W=self.W)

    @classmethod
    def load(cls, path):
        """Read a classifier written by `save`; nothing executable is ever loaded."""
        with np.load(npz_path(path), allow_pickle=False) as data:
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
    check_training_inputs(X, y, learning_rates, regs, num_iters, batch_size)
    for name, values in [("learning_rates", learning_rates), ("regs", regs)]:
        if len(set(values)) != len(values):
            raise ValueError(f"{name} must not repeat a value, got {list(values)}")
    configs = [(lr, reg) for lr in learning_rates for reg in regs]
    num_train, dim = X.shape
    num_classes = int(np.max(y)) + 1
    rng = make_rng(seed)
    W0 = 0.001 * rng.standard_normal((dim, num_classes))
    # TODO: train all K = len(configs) configurations at once, each as `train` would alone:
    # from W0 (D, C), for num_iters steps, on the same minibatches, which means one draw of
    # batch_size row indices with rng per step, exactly as in train, shared by all K. Keep
    # the K weight matrices side by side in one matrix W (D, K*C), configs[k]'s in columns
    # k*C:(k+1)*C, so that one product X_batch @ W gives every configuration's scores:
    #
    #                  configs[0]   configs[1]         configs[K-1]
    #   W (D, K*C) = [    W_0     |    W_1     | ... |    W_(K-1)   ]   each W_k (D, C)
    #                 columns 0:C   C:2C              (K-1)*C:K*C
    #
    #   X_batch @ W (batch_size, K*C) = [ scores_0 | scores_1 | ... | scores_(K-1) ]
    #
    # Each configuration takes the gradient of softmax_loss_vectorized (mind the
    # per-row shift), its own regularization term and its own learning rate; no loss needed.
    # Set W (D, K*C). hint("train_grid") shows the steps.
    # *****START OF YOUR CODE (task: train_grid)*****
    # Kept class-major, as in softmax_loss_vectorized: W_T (K*C, D) holds
    # configuration k's W^T in rows k*C:(k+1)*C.
    num_configs = len(configs)
    W_T = np.tile(W0.T, (num_configs, 1))
    step_sizes = np.repeat([lr for lr, _ in configs], num_classes)[:, None]
    decays = 2 * np.repeat([reg for _, reg in configs], num_classes)[:, None]
    examples = np.arange(batch_size)
    # Written in place every step: two new (K*C, D) arrays a step cost 13% of the search's
    # time at one BLAS thread and 24% at two, for the same numbers to the last bit.
    dW_T, decay_term = np.empty_like(W_T), np.empty_like(W_T)
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
        np.matmul(probs.reshape(-1, batch_size), X_batch, out=dW_T)
        dW_T += np.multiply(decays, W_T, out=decay_term)
        W_T -= np.multiply(step_sizes, dW_T, out=dW_T)
    W = W_T.T
    # *****END OF YOUR CODE*****
    models = {}
    for k, config in enumerate(configs):
        models[config] = Softmax()
        models[config].W = W[:, k * num_classes:(k + 1) * num_classes].copy()
    return models
