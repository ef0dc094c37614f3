"""Training: where SGD spends its time, and the batched grid search against
training the grid's models one after another.
"""

import time

import numpy as np

from benchmarks import problems, report, timing
from classifiers.linear_classifier import Softmax, train_grid
from classifiers.softmax import softmax_loss_vectorized

SGD = dict(learning_rate=1e-7, reg=5e4)  # the worksheet's SGD cell
LEARNING_RATES = [1e-7, 2e-7, 5e-7, 1e-6]
REGS = [1e3, 2.5e3, 1e4, 2.5e4, 5e4]
GRID_SPEEDUP = 1.8  # batched grid at least this many times faster than sequential
AGREEMENT = 1e-9  # largest relative W difference allowed between the two
SGD_REPEATS, GRID_REPEATS = 5, 3


def sgd_split(X, y, learning_rate, reg, num_iters, batch_size, seed=0):
    """Seconds spent drawing batches and in the loss, in a loop that mirrors `train`.

    Returns
    -------
    draw, loss : float
        Total seconds in ``rng.integers`` plus the row copies ``X[idx], y[idx]``,
        and in the loss that `Softmax.train` calls on each step.
    """
    num_train, dim = X.shape
    rng = np.random.default_rng(seed)
    W = 0.001 * rng.standard_normal((dim, int(np.max(y)) + 1))
    draw = loss = 0.0
    for _ in range(num_iters):
        start = time.perf_counter()
        idx = rng.integers(num_train, size=batch_size)
        X_batch, y_batch = X[idx], y[idx]
        drawn = time.perf_counter()
        _, dW = softmax_loss_vectorized(W, X_batch, y_batch, reg)
        loss += time.perf_counter() - drawn
        draw += drawn - start
        W -= learning_rate * dW
    return draw, loss


def sgd_rows(sizes):
    """Rows timing `Softmax.train` with the worksheet's settings, and its split."""
    num_train, dim, num_classes = sizes.full
    X, y = problems.cifar_like(num_train, dim, num_classes)
    settings = dict(SGD, num_iters=sizes.num_iters, batch_size=sizes.batch_size)
    splits = []
    (t_train, _), _ = timing.median_times(
        [lambda: Softmax().train(X, y, seed=0, **settings),
         lambda: splits.append(sgd_split(X, y, **settings))], SGD_REPEATS)
    t_draw, t_loss = np.median(splits[1:], axis=0)  # splits[0] came from the warm-up
    dims = report.shape(num_train, dim, num_classes)
    rows = [report.Row(f"SGD train(), {sizes.num_iters} iters", dims, report.seconds(t_train)),
            report.Row("SGD split: batch draw, loss", dims,
                       f"draw {report.seconds(t_draw)} ({t_draw / t_train:.0%}), "
                       f"loss {report.seconds(t_loss)} ({t_loss / t_train:.0%})",
                       f"draw ÷ loss {t_draw / t_loss:.2f}")]
    note = (f"SGD: `Softmax().train(X, y, learning_rate=1e-7, reg=5e4, num_iters="
            f"{sizes.num_iters}, batch_size={sizes.batch_size}, seed=0)`, median of "
            f"{SGD_REPEATS}; the split times the batch draw (`rng.integers` + `X[idx], y[idx]`) "
            "and the loss separately in a loop that mirrors train's (medians of "
            f"{SGD_REPEATS}), as shares of the train() time.")
    return rows, [note]


def sequential_grid(X, y, learning_rates, regs, num_iters, batch_size, seed):
    """The grid trained one `Softmax` after another, as a plain loop would."""
    models = {}
    for learning_rate in learning_rates:
        for reg in regs:
            models[learning_rate, reg] = Softmax()
            models[learning_rate, reg].train(X, y, learning_rate=learning_rate, reg=reg,
                                             num_iters=num_iters, batch_size=batch_size,
                                             seed=seed)
    return models


def grid_rows(sizes):
    """Rows comparing `train_grid` with `sequential_grid` on the 4x5 grid."""
    num_train, dim, num_classes = sizes.full
    X, y = problems.cifar_like(num_train, dim, num_classes)
    arguments = (X, y, LEARNING_RATES, REGS, sizes.num_iters, sizes.batch_size, 0)
    (t_grid, t_loop), (batched, sequential) = timing.median_times(
        [lambda: train_grid(*arguments), lambda: sequential_grid(*arguments)],
        GRID_REPEATS, warmup=0)
    difference = max(np.abs(batched[key].W - model.W).max() / np.abs(model.W).max()
                     for key, model in sequential.items())
    dims = report.shape(num_train, dim, num_classes)
    rows = [report.Row("batched grid ÷ sequential grid", dims,
                       f"{report.seconds(t_grid)} ÷ {report.seconds(t_loop)}",
                       report.ratio(t_grid / t_loop), f"≥ {GRID_SPEEDUP}x faster",
                       t_grid / t_loop, 1 / GRID_SPEEDUP),
            report.Row("grid agreement: max relative W difference", dims, f"{difference:.1e}",
                       floor=f"≤ {AGREEMENT:g}", value=difference, limit=AGREEMENT)]
    note = (f"Grid: `train_grid` on learning rates {LEARNING_RATES} x regs {REGS} (20 models, "
            f"{sizes.num_iters} iters, batch {sizes.batch_size}, seed=0) against a loop of 20 "
            f"`Softmax().train(...)` with the same seed; medians of {GRID_REPEATS}, interleaved. "
            "Agreement: max over the 20 models of max |W_batched - W_alone| / max |W_alone|.")
    return rows, [note]
