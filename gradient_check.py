"""Numerical gradients by centred differences, to check analytic gradients.

The centred difference (f(x + h) - f(x - h)) / (2h) has error O(h^2), against
O(h) for a one-sided difference, so with h = 1e-5 a correct analytic gradient
typically agrees to a relative error of 1e-7 or better.

Importing this module loads none of the classifiers: each function imports the
argument checks it uses when it is called.
"""

import numpy as np


def rel_error(x, y):
    """Largest elementwise relative error |x - y| / (|x| + |y|).

    Parameters
    ----------
    x, y : array_like of the same shape

    Returns
    -------
    error : float
        0 where both entries are 0 (they agree), otherwise in [0, 1].
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"y must have the shape of x, {x.shape}, got {y.shape}")
    # TODO: compute the relative error |x - y| / (|x| + |y|) of every pair of entries of x and
    # y, float arrays of one shape (for example (D, C) when comparing an analytic dW with a
    # numerical one), and store the largest in `error` (a float; 0.0 when x and y are
    # empty). Where both entries are 0 they agree: the error there must be 0, not 0 / 0 = NaN.
    # *****START OF YOUR CODE (task: gradient_check)*****
    scale = np.abs(x) + np.abs(y)
    # Dividing by max(scale, tiny) turns 0 / 0 into 0 instead of NaN.
    error = np.max(np.abs(x - y) / np.maximum(scale, np.finfo(float).tiny), initial=0.0)
    # *****END OF YOUR CODE*****
    return float(error)


def _centred_difference(f, x, ix, h):
    """The pair f(x + h e_ix), f(x - h e_ix), leaving x as it was even if f raises."""
    if not (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)):
        raise ValueError(f"x must be a float array (a step of h would be truncated), "
                         f"got {type(x).__name__} of dtype {np.asarray(x).dtype}")
    old_value = x[ix]
    try:
        x[ix] = old_value + h
        fxph = f(x)
        x[ix] = old_value - h
        fxmh = f(x)
    finally:
        x[ix] = old_value
    return fxph, fxmh


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numerical gradient of a scalar function at every entry of x.

    Parameters
    ----------
    f : callable
        Maps an array shaped like x to a float.
    x : ndarray of float
        The point; changed in place during the evaluation and restored.
    verbose : bool
        Print every entry's index and value.
    h : float
        Step size.

    Returns
    -------
    grad : ndarray shaped like x
    """
    from classifiers._validation import check_scalar

    check_scalar(h, "h", float, min_val=0, include_boundaries="neither")
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        f_plus, f_minus = _centred_difference(f, x, ix, h)
        grad[ix] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of sum(f(x) * df) for an array-valued f.

    Parameters
    ----------
    f : callable
        Maps an array shaped like x to an array shaped like df.
    x : ndarray of float
        The point; changed in place during the evaluation and restored.
    df : ndarray
        Upstream gradient dL/df.
    h : float

    Returns
    -------
    grad : ndarray shaped like x
        dL/dx by the chain rule, sum over outputs of dL/df * df/dx.
    """
    from classifiers._validation import check_scalar

    check_scalar(h, "h", float, min_val=0, include_boundaries="neither")
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        f_plus, f_minus = _centred_difference(lambda x: np.copy(f(x)), x, ix, h)
        grad[ix] = np.sum((f_plus - f_minus) * df) / (2 * h)
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None):
    """Compare an analytic gradient with centred differences at random entries.

    Prints one line per check, as CS231n's does:
    ``numerical: %f analytic: %f, relative error: %e``. A correct gradient typically
    checks at 1e-9 to 1e-7; its digits there are round-off, different on every machine.

    Parameters
    ----------
    f : callable
        Maps an array shaped like x to a float.
    x : ndarray of float
        The point; changed in place during the evaluation and restored.
    analytic_grad : ndarray shaped like x
    num_checks : int
        How many random entries to check (drawn with replacement).
    h : float
    seed : int or None
        Seed for the entries; None draws from numpy's global generator, so
        ``np.random.seed`` makes the check repeatable.

    Returns
    -------
    errors : ndarray of shape (num_checks,)
        The relative error of each check.
    """
    from classifiers._validation import check_scalar, make_rng

    if analytic_grad.shape != x.shape:
        raise ValueError(f"analytic_grad must have the shape of x, {x.shape}, "
                         f"got {analytic_grad.shape}")
    check_scalar(num_checks, "num_checks", int, min_val=1)
    check_scalar(h, "h", float, min_val=0, include_boundaries="neither")
    rng = make_rng(seed)
    # NaN until set, so a check the region leaves out prints as nan and fails.
    grad_numerical, grad_analytic, errors = (np.full(num_checks, np.nan) for _ in range(3))
    # TODO: for each check k, draw an entry ix of x with rng (never np.random), compare the
    # centred difference with analytic_grad[ix] and set grad_numerical[k], grad_analytic[k]
    # and errors[k], arrays of shape (num_checks,). _centred_difference(f, x, ix, h) gives
    # f at x + h and x - h in entry ix, and restores x. hint("gradient_check").
    # *****START OF YOUR CODE (task: gradient_check)*****
    for k in range(num_checks):
        ix = tuple(int(rng.integers(n)) for n in x.shape)
        fxph, fxmh = _centred_difference(f, x, ix, h)
        grad_numerical[k] = (fxph - fxmh) / (2 * h)
        grad_analytic[k] = analytic_grad[ix]
        errors[k] = rel_error(grad_numerical[k], grad_analytic[k])
    # *****END OF YOUR CODE*****
    for numerical, analytic, error in zip(grad_numerical, grad_analytic, errors):
        print(f"numerical: {numerical:f} analytic: {analytic:f}, relative error: {error:e}")
    return errors
