"""Reference implementations for the hidden tests; never shipped to students.

The softmax loss here is in effect the answer to the vectorized task, so a test
module that imports this file (directly or through another test module) stays
hidden. Everything is written from the definitions, in a different formulation
from the bundle (log-sum-exp by ``np.logaddexp.reduce``, labels as an explicit
one-hot matrix), and never imports the code under test, so a test comparing
the two can only pass if both are right. Checks that reveal no answer (central
differences, closed forms) live in tests/public/first_principles.py.

N examples of dimension D, C classes: W (D, C), X (N, D), y (N,).
"""

import numpy as np


def one_hot_reference(y, num_classes):
    """Y (N, C) with Y[i, c] = 1 if y[i] == c else 0: rows of the identity matrix."""
    return np.eye(num_classes)[y]


def log_softmax_reference(scores):
    """Row-wise log-probabilities s_j - logsumexp(s) for scores (N, C).

    logsumexp(s) = m + logsumexp(s - m) with m the row maximum: s - m is exact
    (no rounding of a large m + log(k) before subtracting again).
    """
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.logaddexp.reduce(shifted, axis=1, keepdims=True)


def softmax_reference(scores):
    """Row-wise probabilities exp(s_j - logsumexp(s)) for scores (N, C)."""
    return np.exp(log_softmax_reference(scores))


def softmax_loss_reference(W, X, y, reg):
    """Mean cross-entropy plus reg * sum(W * W), and its gradient.

    With scores S = X W and one-hot labels Y, example i costs
    -<log softmax(S_i), Y_i>, and dL/dW = X^T (softmax(S) - Y) / N + 2 reg W.

    Returns
    -------
    loss : float
    dW : ndarray of shape (D, C) with W's dtype
    """
    num_train, num_classes = X.shape[0], W.shape[1]
    log_P = log_softmax_reference(X @ W)
    Y = one_hot_reference(y, num_classes)
    data_loss = -np.sum(Y * log_P) / num_train
    dW = X.T @ (np.exp(log_P) - Y) / num_train + 2 * reg * W
    return float(data_loss + reg * np.sum(W * W)), dW.astype(W.dtype)


def sgd_reference(X, y, learning_rate, reg, num_iters, batch_size, seed):
    """W (D, C) after minibatch SGD on the reference loss from a fresh start.

    The draws follow the bundle's rule: rng = default_rng(seed), W0 =
    0.001 * standard_normal((D, max(y) + 1)), then per step the batch indices
    rng.integers(N, size=batch_size) (with replacement) and W <- W - learning_rate dW.
    """
    rng = np.random.default_rng(seed)
    W = 0.001 * rng.standard_normal((X.shape[1], int(np.max(y)) + 1))
    for _ in range(num_iters):
        idx = rng.integers(X.shape[0], size=batch_size)
        W = W - learning_rate * softmax_loss_reference(W, X[idx], y[idx], reg)[1]
    return W
