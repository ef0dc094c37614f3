"""Softmax loss: naive, vectorized, and the two-product floor.

The floor is the time of just the two matrix products the loss cannot avoid,
the scores X W and the gradient's X^T G with an (N, C) matrix G, each in the
fastest of the layouts numpy offers for it.

Run as ``python benchmarks/bench_loss.py [--quick]`` or
``python -m benchmarks.bench_loss [--quick]``.
"""

import argparse
import pathlib
import sys

import numpy as np

if __package__ in (None, ""):  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks import problems, report, timing  # noqa: E402
from classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized  # noqa: E402

FLOOR = 1.15  # vectorized loss at most this many times the two-product floor
REPEATS = {"dev": 50, "full": 7}
NAIVE_REPEATS = {"dev": 5, "full": 3}
REG = 5e4
PAIRS = ("`X @ W, X.T @ G`", "`X @ W, G.T @ X`", "`W.T @ X.T, G.T @ X`")


def loss_rows(sizes):
    """Rows comparing naive, vectorized and the floor on the dev and full shapes."""
    rows, layouts = [], []
    for label in ("dev", "full"):
        num_train, dim, num_classes = getattr(sizes, label)
        X, y = problems.cifar_like(num_train, dim, num_classes)
        rng = np.random.default_rng(1)
        W = 0.001 * rng.standard_normal((dim, num_classes))
        G = rng.random((num_train, num_classes))  # stands in for dL/dscores
        G_T = np.ascontiguousarray(G.T)           # the same, class-major (C, N)
        (t_vec, *t_pairs), _ = timing.median_times([
            lambda: softmax_loss_vectorized(W, X, y, REG),
            lambda: (X @ W, X.T @ G),
            lambda: (X @ W, (G_T @ X).T),
            lambda: ((W.T @ X.T).T, (G_T @ X).T),
        ], REPEATS[label])
        t_naive = timing.median_time(lambda: softmax_loss_naive(W, X, y, REG),
                                     NAIVE_REPEATS[label], warmup=0)
        t_floor = min(t_pairs)
        dims = report.shape(num_train, dim, num_classes)
        rows.append(report.Row(f"naive loss ÷ vectorized loss ({label})", dims,
                               f"{report.seconds(t_naive)} ÷ {report.seconds(t_vec)}",
                               report.ratio(t_naive / t_vec)))
        rows.append(report.Row(f"vectorized loss ÷ two-product floor ({label})", dims,
                               f"{report.seconds(t_vec)} ÷ {report.seconds(t_floor)}",
                               report.ratio(t_vec / t_floor), f"≤ {FLOOR}x",
                               t_vec / t_floor, FLOOR))
        layouts.append(f"{label} " + ", ".join(
            f"{name} {report.seconds(t)}" for name, t in zip(PAIRS, t_pairs)))
    notes = [
        "Losses: softmax_loss_naive and softmax_loss_vectorized as users call them "
        f"(inputs validated), reg = {REG:g}, CIFAR-like synthetic data; medians over "
        f"{REPEATS['dev']} (dev) and {REPEATS['full']} (full) calls, naive over "
        f"{NAIVE_REPEATS['dev']} and {NAIVE_REPEATS['full']}.",
        "Two-product floor: the time of only the two products the loss needs, X W and "
        "the X-transpose product X^T G with an (N, C) matrix G, timed together, in the "
        "fastest of three layouts numpy offers (row-major scores and gradient; the class-major "
        "gradient G^T X that the loss uses; both class-major, W^T X^T and G^T X, as the loss "
        f"computes them): {'; '.join(layouts)}.",
    ]
    return rows, notes


def main(argv=None):
    """Print the loss rows alone."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shrink every shape (smoke run)")
    args = parser.parse_args(argv)
    sizes = problems.QUICK if args.quick else problems.FULL
    rows, notes = loss_rows(sizes)
    report.print_report("Softmax loss benchmark" + (" (--quick: floors not judged)"
                                                     if args.quick else ""),
                        rows, notes, judge=not args.quick)


if __name__ == "__main__":
    main()
