"""The CS231n 2020 softmax notebook's gradient-check cells, run as they are written on these
modules, print their relative errors again, in CS231n's own format.

The cells below are the notebook's (Python 2 era names kept: positional num_checks, no seed,
np.random.randn); only the data is a small random stand-in for CIFAR-10's dev set."""

import contextlib
import io
import re

import numpy as np

from classifiers.softmax import softmax_loss_naive

# CS231n's line: '%f' for both gradients and '%e' for the error.
CS231N_LINE = re.compile(r"numerical: (-?\d+\.\d{6}) analytic: (-?\d+\.\d{6}), "
                         r"relative error: (\d\.\d{6}e[-+]\d\d)")

CS231N_CELLS = """
W = np.random.randn(3073, 10) * 0.0001
loss, grad = softmax_loss_naive(W, X_dev, y_dev, 0.0)

from gradient_check import grad_check_sparse
f = lambda w: softmax_loss_naive(w, X_dev, y_dev, 0.0)[0]
grad_numerical = grad_check_sparse(f, W, grad, 10)

loss, grad = softmax_loss_naive(W, X_dev, y_dev, 5e1)
f = lambda w: softmax_loss_naive(w, X_dev, y_dev, 5e1)[0]
grad_numerical = grad_check_sparse(f, W, grad, 10)
"""


def test_the_cs231n_gradient_check_cells_print_their_relative_errors():
    rng = np.random.default_rng(0)
    X_dev = rng.standard_normal((20, 3073)) * 50
    y_dev = rng.integers(10, size=20)
    np.random.seed(231)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(CS231N_CELLS, {"np": np, "X_dev": X_dev, "y_dev": y_dev,
                            "softmax_loss_naive": softmax_loss_naive})
    lines = out.getvalue().splitlines()
    matches = [CS231N_LINE.fullmatch(line) for line in lines]
    assert len(lines) == 20 and all(matches), lines
    errors = [float(match[3]) for match in matches]
    # A correct gradient: errors of round-off size, as the worksheet's 1e-9 .. 2e-7.
    assert max(errors) < 1e-5 and min(errors) > 0, errors
