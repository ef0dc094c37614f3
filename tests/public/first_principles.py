"""What a test knows from first principles: central differences and closed forms.

Nothing here computes a softmax loss in general, so test modules built on this
file (and not on tests/hidden/oracles.py) can be handed to students.

N examples of dimension D, C classes: W (D, C), X (N, D), y (N,).
"""

import numpy as np


def central_difference_gradient(f, x, h=1e-5):
    """Gradient of a scalar f at every index of x, (f(x + h e) - f(x - h e)) / 2h.

    Parameters
    ----------
    f : callable
        Maps an array shaped like x to a float; it gets fresh copies, x is never changed.
    x : ndarray of any shape
    h : float

    Returns
    -------
    grad : ndarray of float64 shaped like x
    """
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def loss_at_zero_weights(num_classes):
    """At W = 0 every class has probability 1/C, so the loss is log(C)."""
    return np.log(num_classes)


def gradient_at_zero_weights(X, y, num_classes):
    """DW (D, C) at W = 0, where every probability is 1/C.

    Column c is (sum_i x_i / C - sum_{i : y_i = c} x_i) / N; the reg term 2 reg W
    vanishes.
    """
    columns = [X.sum(axis=0) / num_classes - X[y == c].sum(axis=0) for c in range(num_classes)]
    return np.stack(columns, axis=1) / X.shape[0]


def assert_losses_agree(loss, dW, expected_loss, expected_dW, loss_rtol=1e-12, dW_rtol=1e-10,
                        what="expected", X=None):
    """Loss to loss_rtol relative; dW to dW_rtol relative to max|expected_dW|.

    With X (N, D), differences at the level of round-off are allowed too: where every
    entry of the expected dW is itself round-off (scores of +-1e4 saturate every
    probability to 0 or 1, and P - Y cancels to about 1e-17), a relative tolerance of it
    would compare noise with noise. dW = X^T (P - Y) / N with |P - Y| <= 1, so two correct
    computations differ by a few machine epsilons times max|X|; 16 of them are allowed.
    """
    np.testing.assert_allclose(loss, expected_loss, rtol=loss_rtol, err_msg=f"loss vs {what}")
    floor = 0.0 if X is None else 16 * np.finfo(np.float64).eps * np.abs(X).max()
    np.testing.assert_allclose(dW, expected_dW, rtol=0,
                               atol=max(dW_rtol * np.abs(expected_dW).max(), floor),
                               err_msg=f"dW vs {what}")
