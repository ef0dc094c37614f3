"""Validation of the bundle's arguments, shared by its modules: checks, seeds and file names.

Not part of the exercise: nothing here is to be written by students. It imports only numpy
and the standard library, so every module of the bundle may use it. Shapes follow the
exercise: N examples of dimension D, C classes, W (D, C), X (N, D), y (N,).
"""

import math
import numbers
import os

import numpy as np

_KINDS = {int: (numbers.Integral, "an integer"), float: (numbers.Real, "a finite number")}


def check_scalar(x, name, target_type, *, min_val=None, max_val=None,
                 include_boundaries="both"):
    """Return ``x`` if it is a scalar of ``target_type`` within bounds; else raise ValueError.

    In the spirit of scikit-learn's ``check_scalar``, but a value of the wrong type is a
    ValueError too, as every bad argument in this bundle. ``int`` accepts Python and numpy
    integers; ``float`` accepts any finite real number (numpy scalars included). bool is
    refused for both, although Python counts it as an integer.

    Parameters
    ----------
    x : object
        The value to check.
    name : str
        The argument's name, for the message.
    target_type : {int, float}
    min_val, max_val : float or None
        Bounds; None means unbounded on that side.
    include_boundaries : {"both", "left", "right", "neither"}
        Which bounds ``x`` may equal, as in scikit-learn.

    Returns
    -------
    x : the value, unchanged
    """
    kind, described = _KINDS[target_type]
    left = include_boundaries in ("both", "left")
    right = include_boundaries in ("both", "right")
    ok = (isinstance(x, kind) and not isinstance(x, bool)
          and (isinstance(x, numbers.Integral) or math.isfinite(x))
          and (min_val is None or x > min_val or (left and x == min_val))
          and (max_val is None or x < max_val or (right and x == max_val)))
    if not ok:
        if min_val is not None and max_val is not None:
            described += f" in {'[' if left else '('}{min_val}, {max_val}{']' if right else ')'}"
        elif min_val is not None:
            described += f" {'>=' if left else '>'} {min_val}"
        elif max_val is not None:
            described += f" {'<=' if right else '<'} {max_val}"
        raise ValueError(f"{name} must be {described}, got {x!r}")
    return x


def make_rng(seed):
    """A numpy Generator seeded by ``seed`` (an integer >= 0), or by numpy's global generator.

    With ``seed=None`` the seed is drawn from numpy's global generator, which keeps the
    worksheet's habit working: ``np.random.seed(0)`` at the top of a cell makes it repeatable.
    """
    if seed is None:
        seed = np.random.randint(2**31 - 1)
    return np.random.default_rng(check_scalar(seed, "seed", int, min_val=0))


def npz_path(path):
    """``path`` (str or Path) as a str with the ``.npz`` suffix that np.savez would add."""
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


def check_labels(y, num_train, num_classes=None):
    """Raise ValueError unless y is (num_train,) integer labels >= 0, and < num_classes if given."""
    y = np.asarray(y)
    if y.shape != (num_train,):
        raise ValueError(f"y must have shape ({num_train},) to match X, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer labels, got dtype {y.dtype}")
    if num_train and num_classes is None and y.min() < 0:
        raise ValueError(f"y must hold labels >= 0, got min {y.min()}")
    if num_train and num_classes is not None and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"y must hold labels in [0, {num_classes}), got min {y.min()} "
                         f"and max {y.max()}")


def check_loss_inputs(W, X, y, reg):
    """Raise ValueError unless W (D, C), X (N, D) with N >= 1, y (N,) and reg >= 0 fit together.

    W and X are not scanned for NaN or inf here (a scan of X would cost a fifth of the
    loss); `check_loss_result` does that when the loss comes out non-finite.
    """
    if not (isinstance(W, np.ndarray) and W.ndim == 2):
        raise ValueError(f"W must be a 2-D array of shape (D, C), got shape {np.shape(W)}")
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == W.shape[0]):
        raise ValueError(f"X must have shape (N, {W.shape[0]}) to match W of shape "
                         f"{W.shape}, got {np.shape(X)}")
    check_labels(y, X.shape[0], W.shape[1])
    check_scalar(reg, "reg", float, min_val=0)
    if X.shape[0] == 0:
        raise ValueError("X must hold at least one example, got shape (0, D)")


def check_loss_result(loss, W, X, reg, where):
    """Raise if the loss that ``where`` computed is NaN or inf, blaming what is to blame.

    NaN or inf in W or X, or scores or a penalty too large for float64, are the caller's
    doing (ValueError, naming which). Otherwise the implementation is at fault
    (FloatingPointError), and the message says how to compute the loss stably.
    """
    if np.isfinite(loss):
        return
    diverged = "; if W came from training, learning_rate was too large and W diverged"
    if not np.isfinite(W).all():
        raise ValueError("W must be finite (no NaN or inf), but it holds NaN or inf" + diverged)
    if not np.isfinite(X).all():
        raise ValueError("X must be finite (no NaN or inf), but it holds NaN or inf; "
                         "find them with np.isfinite(X)")
    with np.errstate(over="ignore", invalid="ignore"):
        scores_T = W.T @ X.T
        spread = scores_T.max(axis=0) - scores_T.min(axis=0)    # what a shift by the maximum leaves
        penalty = reg * np.vdot(W, W)
    if not (np.isfinite(spread).all() and np.isfinite(penalty)):
        raise ValueError(f"W and X must be small enough for float64, but the scores X @ W or "
                         f"reg * sum(W * W) overflow (largest |W| {np.abs(W).max():.3g}, "
                         f"largest |X| {np.abs(X).max():.3g}){diverged}")
    raise FloatingPointError(
        f"{where} computed the loss as {loss} for finite W and X: the implementation "
        "overflowed or took log(0). Shift each row's scores so that its maximum is 0, then "
        "compute log-probabilities as s_y - log(sum(exp(s))) rather than log(exp(s_y) / "
        "sum(exp(s))), so that a very unlikely correct class still gives a finite loss")


def check_gradient_shape(dW, W, where):
    """Raise ValueError unless the gradient dW that ``where`` computed has W's shape (D, C).

    A (C, D) gradient would otherwise pass unnoticed until a later step broadcasts it
    against W, so its message asks whether it was transposed.
    """
    shape = np.shape(dW)
    if shape == W.shape:
        return
    transposed = " (transposed?)" if shape == W.shape[::-1] else ""
    raise ValueError(f"dW must have the shape of W, {W.shape}, but {where} computed dW of "
                     f"shape {shape}{transposed}: dW[d, c] is the derivative of the loss "
                     "with respect to W[d, c]")


def check_training_inputs(X, y, learning_rates, regs, num_iters, batch_size):
    """Raise ValueError unless the arguments of `train` and `train_grid` are usable."""
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[0] > 0):
        raise ValueError("X must be a non-empty 2-D array of shape (N, D), "
                         f"got shape {np.shape(X)}")
    check_labels(y, X.shape[0])
    for learning_rate in learning_rates:
        check_scalar(learning_rate, "learning_rate", float, min_val=0,
                     include_boundaries="neither")
    for reg in regs:
        check_scalar(reg, "reg", float, min_val=0)
    check_scalar(num_iters, "num_iters", int, min_val=0)
    check_scalar(batch_size, "batch_size", int, min_val=1)


def check_features(W, X):
    """Raise ValueError unless there is a trained W (D, C) and X is (N, D)."""
    if W is None:
        raise ValueError("W must be trained first: call train() or load() before predict()")
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == W.shape[0]):
        raise ValueError(f"X must have shape (N, {W.shape[0]}) to match the trained W, "
                         f"got {np.shape(X)}")


def as_labels(y_pred, scores, X, W):
    """The predictions y_pred (N,) as integer labels, after checking them and the scores.

    Integral floats (as from ``y_pred = np.zeros(N)`` filled with argmaxes) become integers;
    non-integral values, labels outside [0, C) or another shape are refused. ``scores`` are
    the scores X W (N, C) if the caller kept them, else None and they are recomputed: NaN or
    inf there means that W or X holds some.
    """
    if not np.isfinite(X @ W if scores is None else scores).all():
        raise ValueError("W and X must be finite (no NaN or inf): some scores X @ W are not")
    y_pred = np.asarray(y_pred)
    if y_pred.shape != (X.shape[0],):
        raise ValueError(f"y_pred must have shape ({X.shape[0]},), one label per row of X, "
                         f"got {y_pred.shape}")
    labels = y_pred
    if np.issubdtype(y_pred.dtype, np.floating):
        with np.errstate(invalid="ignore"):            # NaN and inf fail the comparison
            labels = y_pred.astype(np.int64)
    if not (np.issubdtype(labels.dtype, np.integer) and np.array_equal(labels, y_pred)):
        raise ValueError(f"y_pred must hold integer labels (class indices), got dtype "
                         f"{y_pred.dtype}, starting {y_pred[:3]}")
    if labels.size and (labels.min() < 0 or labels.max() >= W.shape[1]):
        raise ValueError(f"y_pred must hold labels in [0, {W.shape[1]}), got min "
                         f"{labels.min()} and max {labels.max()}")
    return labels
