"""Softmax (multinomial logistic regression) loss and its gradient.

Inputs have dimension D, there are C classes, and we operate on minibatches of
N examples. The loss of a weight matrix W on a minibatch (X, y) is

    L(W) = (1/N) sum_i -log P(y_i | x_i) + reg * sum(W * W),
    P(j | x_i) = exp(x_i w_j) / sum_c exp(x_i w_c),

and its gradient dW = dL/dW has W's shape (D, C).
"""

import numpy as np

from ._validation import check_gradient_shape, check_loss_inputs, check_loss_result


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
    check_loss_inputs(W, X, y, reg)
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: compute the softmax loss and its gradient with explicit loops. Store the loss in
    # `loss` (a float) and the gradient in `dW` (D, C), like W; example i's scores X[i] @ W
    # are (C,). It is easy to run into numeric instability: apply the per-row shift before
    # exp, and take the log-probability of the correct class in its stable form. The loss is
    # a mean over the N examples. Don't forget the regularization term, in loss and dW.
    # hint("softmax_naive") shows the maths, one step at a time.
    # *****START OF YOUR CODE (task: softmax_naive)*****
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
    check_loss_result(loss, W, X, reg, "softmax_loss_naive")
    check_gradient_shape(dW, W, "softmax_loss_naive")
    return float(loss), dW.astype(W.dtype, copy=False)


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient, computed without Python loops.

    Inputs and outputs are the same as `softmax_loss_naive`.
    """
    check_loss_inputs(W, X, y, reg)
    num_train = X.shape[0]
    loss = 0.0
    # No dW = np.zeros_like(W) here: the region computes dW whole, and a fresh zeroed (D, C)
    # array on every call measurably slows a 200-example loss.
    # TODO: compute the same loss and gradient as softmax_loss_naive without Python loops.
    # Store them in `loss` (a float) and `dW` (D, C); the scores X @ W are (N, C). Numeric
    # stability as before: the per-row shift (each row by its own maximum) and the stable
    # log-probability. Don't forget the regularization term. hint("softmax_vectorized").
    # *****START OF YOUR CODE (task: softmax_vectorized)*****
    # Scores and probabilities are kept class-major, as (C, N) arrays: W^T X^T
    # is X W transposed, but BLAS computes it faster from the row-major X, and
    # the reductions over the C classes then run along the long axis.
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
    check_loss_result(loss, W, X, reg, "softmax_loss_vectorized")
    check_gradient_shape(dW, W, "softmax_loss_vectorized")
    return float(loss), dW.astype(W.dtype, copy=False)


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
