"""Softmax (multinomial logistic regression) loss and its gradient.

Inputs have dimension D, there are C classes, and we operate on minibatches of
N examples. The loss of a weight matrix W on a minibatch (X, y) is

    L(W) = (1/N) sum_i -log P(y_i | x_i) + reg * sum(W * W),
    P(j | x_i) = exp(x_i w_j) / sum_c exp(x_i w_c),

and its gradient is dL/dW = (1/N) X^T (P - onehot(y)) + 2 * reg * W.

Both public loss functions validate their inputs and then call an unvalidated
kernel, reachable as ``softmax_loss_vectorized.__wrapped__`` so that a training
loop can validate once and skip the checks on every step.
"""

import functools

import numpy as np


def softmax(scores):
    """Row-wise softmax probabilities, computed stably.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
        Class scores, one row per example.

    Returns
    -------
    probs : ndarray of shape (N, C)
        Non-negative rows that sum to 1.
    """
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f"scores must be a 2-D array of shape (N, C), got shape {scores.shape}")
    # exp(s - max) cannot overflow, and the shift cancels in the ratio.
    exp_scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exp_scores / exp_scores.sum(axis=1, keepdims=True)


def _check_loss_inputs(W, X, y, reg):
    """Raise ValueError unless W (D, C), X (N, D), y (N,) and reg fit together.

    Finiteness of W and X is not scanned here (a scan of X would cost a fifth
    of the loss); the caller checks the loss instead, which is NaN or inf
    whenever W or X is.
    """
    if not (isinstance(W, np.ndarray) and W.ndim == 2):
        raise ValueError(f"W must be a 2-D array of shape (D, C), got shape {np.shape(W)}")
    D, C = W.shape
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == D):
        raise ValueError(f"X must have shape (N, {D}) to match W of shape {W.shape}, "
                         f"got {np.shape(X)}")
    N = X.shape[0]
    y = np.asarray(y)
    if y.shape != (N,):
        raise ValueError(f"y must have shape ({N},) to match X, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer labels, got dtype {y.dtype}")
    if N and (y.min() < 0 or y.max() >= C):
        raise ValueError(f"y must hold labels in [0, {C}), got min {y.min()} and max {y.max()}")
    if isinstance(reg, bool) or not isinstance(reg, (int, float, np.number)) \
            or not np.isfinite(reg) or reg < 0:
        raise ValueError(f"reg must be a finite number >= 0, got {reg!r}")
    if N == 0:
        raise ValueError("X must hold at least one example, got shape (0, D)")


def _validated(loss_function):
    """Wrap a loss kernel with input checks; the kernel stays as ``__wrapped__``."""

    @functools.wraps(loss_function)
    def checked(W, X, y, reg):
        _check_loss_inputs(W, X, y, reg)
        loss, dW = loss_function(W, X, y, reg)
        # A NaN or inf in W or X always reaches the loss, so only a non-finite
        # loss needs the inputs scanned, to say which one is to blame.
        if not np.isfinite(loss):
            if not np.isfinite(W).all():
                raise ValueError("W must be finite (no NaN or inf)")
            raise ValueError("X must be finite (no NaN or inf): the loss came out "
                             f"as {loss}; check X with np.isfinite(X).all()")
        return loss, dW

    return checked


@_validated
def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and gradient, computed with explicit loops.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights, one column per class.
    X : ndarray of shape (N, D)
        A minibatch of N examples, one per row.
    y : ndarray of shape (N,)
        Integer labels; ``y[i] = c`` means X[i] has label c, with 0 <= c < C.
    reg : float
        Regularization strength (>= 0).

    Returns
    -------
    loss : float
        Mean cross-entropy over the minibatch plus ``reg * sum(W * W)``.
    dW : ndarray of shape (D, C)
        Gradient of the loss with respect to W, with W's dtype.
    """
    # Set loss (a float) and dW (D, C).
    # *****START OF YOUR CODE (task: softmax_naive)*****
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(num_train):
        # 1) class scores of example i
        scores = X[i] @ W
        # 2) shift scores so the row maximum is 0: exp cannot overflow
        scores = scores - scores.max()
        # 3) log-probabilities: log P(j) = s_j - log sum_c exp(s_c)
        log_norm = np.log(np.sum(np.exp(scores)))
        # 4) cross-entropy of the correct class
        loss -= scores[y[i]] - log_norm
        # 5) dL_i/dw_j = (P(j) - [j == y_i]) x_i, one class at a time
        for j in range(num_classes):
            p_j = np.exp(scores[j] - log_norm)
            dW[:, j] += (p_j - (j == y[i])) * X[i]
    # 6) average over the minibatch and add the L2 penalty reg * sum(W^2)
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    # *****END OF YOUR CODE*****
    return float(loss), dW.astype(W.dtype, copy=False)


@_validated
def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient, computed without Python loops.

    Inputs and outputs are the same as `softmax_loss_naive`.
    """
    # Set loss (a float) and dW (D, C).
    # *****START OF YOUR CODE (task: softmax_vectorized)*****
    # Scores and probabilities are kept class-major, as (C, N) arrays: W^T X^T
    # is X W transposed, but BLAS computes it faster from the row-major X, and
    # the reductions over the C classes then run along the long axis.
    num_train = X.shape[0]
    examples = np.arange(num_train)
    # 1) class scores of every example
    scores = W.T @ X.T
    # 2) shift scores so each example's maximum is 0: exp cannot overflow
    scores -= scores.max(axis=0)
    # 3) probabilities P = exp(s) / sum_c exp(s_c), as exp(s) and their sums
    probs = np.exp(scores)
    sums = probs.sum(axis=0)
    # 4) cross-entropy of the correct classes: -(s_y - log sum_c exp(s_c))
    loss = np.sum(np.log(sums) - scores[y, examples])
    # 5) dL/dscores = (P - onehot(y)) / N, normalized and averaged in one pass,
    #    then dL/dW = X^T dL/dscores, here as its transpose (dL/dscores)^T X
    probs /= num_train * sums
    probs[y, examples] -= 1 / num_train
    dW_T = probs @ X
    # 6) average the loss and add the L2 penalty reg * sum(W^2), gradient 2 reg W
    loss = loss / num_train + reg * np.vdot(W, W)
    dW_T += (2 * reg) * W.T
    dW = dW_T.T
    # *****END OF YOUR CODE*****
    return float(loss), dW.astype(W.dtype, copy=False)
