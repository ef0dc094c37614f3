"""How long a correct but slow naive loss takes: the grader's notebook limit must fit it.

``OPENBLAS_NUM_THREADS=1 python -m benchmarks.bench_triple_loop [--repeats N]``

A student's naive loss that loops over examples, classes and the D features (no dot
products at all) is correct and slow. The notebook calls the naive loss about 145 times
at the dev shape (500 x 3073 x 10): gradient checks and the random search. This prints the
median wall and CPU time of one such call at that shape, and the notebook time it implies,
to compare with `grading.tasks.NOTEBOOK_TIMEOUT` (grading/README.md states both).
"""

import argparse
import statistics
import time

import numpy as np

from grading import tasks

NOTEBOOK_CALLS = 145


def triple_loop_loss(W, X, y, reg):
    """Softmax loss and gradient with three nested loops: examples, classes, features.

    W (D, C), X (N, D), y (N,), reg >= 0; returns (loss, dW (D, C)).
    """
    num_train, dim = X.shape
    num_classes = W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(num_train):
        scores = np.zeros(num_classes)
        for j in range(num_classes):
            for d in range(dim):
                scores[j] += X[i, d] * W[d, j]
        scores -= scores.max()
        log_norm = np.log(np.sum(np.exp(scores)))
        loss -= scores[y[i]] - log_norm
        for j in range(num_classes):
            weight = np.exp(scores[j] - log_norm) - (j == y[i])
            for d in range(dim):
                dW[d, j] += weight * X[i, d]
    return loss / num_train + reg * np.sum(W * W), dW / num_train + 2 * reg * W


def main(argv=None):
    """Time the triple-loop naive loss at the dev shape and print its median."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed calls (default 3)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    X = np.hstack([60.0 * rng.standard_normal((500, 3072)), np.ones((500, 1))])
    W = 1e-4 * rng.standard_normal((3073, 10))
    y = rng.integers(10, size=500)
    walls, cpus = [], []
    for _ in range(args.repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        triple_loop_loss(W, X, y, 5e4)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"triple-loop naive loss, 500x3073x10: median wall {wall:.2f} s, CPU {cpu:.2f} s "
          f"over {args.repeats} calls")
    print(f"x {NOTEBOOK_CALLS} notebook calls: wall {NOTEBOOK_CALLS * wall:.0f} s, "
          f"CPU {NOTEBOOK_CALLS * cpu:.0f} s; tasks.NOTEBOOK_TIMEOUT {tasks.NOTEBOOK_TIMEOUT} s")


if __name__ == "__main__":
    main()
