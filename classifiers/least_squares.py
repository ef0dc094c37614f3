"""Regression as a classifier: least squares on one-hot labels.

X holds N examples of dimension D and Y their one-hot labels over C classes.
The loss of a weight matrix W is L(W) = (1/N) ||X W - Y||_F^2, optionally plus
lambda ||W||_F^2; the predicted class is the largest score, argmax_j (x W)_j.
Setting the gradient (2/N) X^T (X W - Y) + 2 lambda W to zero gives

    W(lambda) = (X^T X + lambda N I)^-1 X^T Y.
"""

import numpy as np

from ._validation import as_labels, check_scalar


def one_hot(y, num_classes):
    """One-hot label matrix.

    Parameters
    ----------
    y : ndarray of shape (N,)
        Integer labels in [0, num_classes).
    num_classes : int

    Returns
    -------
    Y : ndarray of shape (N, num_classes)
        ``Y[i, y[i]] = 1`` and zeros elsewhere, float64.
    """
    check_scalar(num_classes, "num_classes", int, min_val=1)
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be a 1-D array of integer labels, got shape {y.shape} "
                         f"and dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"y must hold labels in [0, {num_classes}), "
                         f"got min {y.min()} and max {y.max()}")
    Y = np.zeros((y.shape[0], num_classes))
    # TODO: set the 1s of the one-hot matrix Y (N, num_classes), which starts as zeros:
    # row i has its 1 in column y[i]. No loop is needed.
    # *****START OF YOUR CODE (task: least_squares)*****
    Y[np.arange(y.shape[0]), y] = 1.0
    # *****END OF YOUR CODE*****
    return Y


def least_squares_loss(W, X, Y):
    """The mean squared error (1/N) ||X W - Y||_F^2.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)
    Y : ndarray of shape (N, C)

    Returns
    -------
    loss : float
    """
    _check_XY(X, Y)
    _check_W(W, X.shape[1], Y.shape[1])
    loss = 0.0
    # TODO: compute the mean squared error of the scores X @ W (N, C) against the one-hot
    # targets Y (N, C): the sum of all N * C squared differences, divided by N (not by N * C).
    # Store it in `loss`.
    # *****START OF YOUR CODE (task: least_squares)*****
    residual = X @ W - Y
    loss = np.sum(residual * residual) / X.shape[0]
    # *****END OF YOUR CODE*****
    if not np.isfinite(loss):
        raise ValueError("W and X must be finite (no NaN or inf): the loss is not")
    return float(loss)


def predict(W, X):
    """Predicted labels, the argmax of the scores X W.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)

    Returns
    -------
    y_pred : ndarray of shape (N,)
    """
    _check_XY(X, None)
    _check_W(W, X.shape[1], None)
    scores = None
    y_pred = np.zeros(X.shape[0])
    # TODO: as the softmax classifier predicts: the label of row i of X is the class with
    # the largest score, the scores being X @ W (N, C). Store the labels in y_pred (N,), and
    # the scores in `scores` (N, C) for the check after the region to reuse.
    # *****START OF YOUR CODE (task: least_squares)*****
    scores = X @ W
    y_pred = np.argmax(scores, axis=1)
    # *****END OF YOUR CODE*****
    return as_labels(y_pred, scores, X, W)


def least_squares(X, Y):
    """The closed-form least-squares weights W = (X^T X)^+ X^T Y.

    The pseudo-inverse gives the minimum-norm solution when X is rank
    deficient.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    Y : ndarray of shape (N, C)

    Returns
    -------
    W : ndarray of shape (D, C)
    """
    return ridge_path(X, Y, [0.0])[0]


def ridge_path(X, Y, lambdas):
    """Ridge weights W(lambda) = (X^T X + lambda N I)^-1 X^T Y for many lambdas.

    X^T X = V diag(s) V^T is diagonalized once (O(D^3)); after that each lambda
    costs O(D^2 C): W(lambda) = V diag(1 / (s + lambda N)) V^T X^T Y. Directions
    whose s + lambda N is numerically zero are dropped, which is the
    pseudo-inverse: lambda = 0 gives the least-squares solution of least norm.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    Y : ndarray of shape (N, C)
    lambdas : sequence of float, length L
        Regularization strengths, each finite and >= 0.

    Returns
    -------
    W : ndarray of shape (L, D, C)
        ``W[k]`` are the weights for ``lambdas[k]``.
    """
    _check_XY(X, Y)
    if np.ndim(lambdas) != 1:
        raise ValueError(f"lambdas must be a 1-D sequence of numbers, got {lambdas!r}")
    for index, value in enumerate(lambdas):
        check_scalar(value, f"lambdas[{index}]", float, min_val=0)
    num_train, dim = X.shape
    gram = X.T @ X
    if not np.isfinite(gram).all():
        raise ValueError("X must be finite (no NaN or inf)")
    W = np.zeros((len(lambdas), dim, Y.shape[1]))
    # TODO: fill W (L, D, C) with the ridge weights of the docstring, W[k] for lambdas[k],
    # from gram = X^T X (D, D) diagonalized once, not inverted once per lambda. Pitfall:
    # lambda = 0 with a rank-deficient X, where the least-norm solution is wanted.
    # hint("least_squares") shows the steps.
    # *****START OF YOUR CODE (task: least_squares)*****
    evals, V = np.linalg.eigh(gram)
    VtB = V.T @ (X.T @ Y)
    # Relative cutoff as in numpy.linalg.matrix_rank: eigenvalues below it are
    # rounding noise, and inverting them would amplify that noise.
    cutoff = max(evals.max(), 0.0) * dim * np.finfo(float).eps
    for k, lam in enumerate(lambdas):
        d = evals + lam * num_train
        inv_d = np.divide(1.0, d, out=np.zeros_like(d), where=d > cutoff)
        W[k] = V @ (inv_d[:, None] * VtB)
    # *****END OF YOUR CODE*****
    return W


def _check_XY(X, Y):
    """Raise ValueError unless X is (N, D) and Y, when given, is (N, C)."""
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[0] > 0):
        raise ValueError("X must be a non-empty 2-D array of shape (N, D), "
                         f"got shape {np.shape(X)}")
    if Y is None:
        return
    if not (isinstance(Y, np.ndarray) and Y.ndim == 2 and Y.shape[0] == X.shape[0]):
        raise ValueError(f"Y must have shape (N, C) with N = {X.shape[0]} rows like X, "
                         f"got {np.shape(Y)}")
    if not np.isfinite(Y).all():
        raise ValueError("Y must be finite (no NaN or inf)")


def _check_W(W, D, C):
    """Raise ValueError unless W is (D, C); C None means any number of columns."""
    if not (isinstance(W, np.ndarray) and W.ndim == 2 and W.shape[0] == D
            and (C is None or W.shape[1] == C)):
        raise ValueError(f"W must have shape ({D}, {'C' if C is None else C}) to match X "
                         f"(and Y), got {np.shape(W)}")
