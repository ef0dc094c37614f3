"""The notebook's BLAS thread policy, decided by measurement: one thread against two, on an
idle machine and while another process keeps one core busy, for its three heavy steps.

SGD and the grid search multiply minibatches of 200 rows, many small products; the ridge
sweep makes one large one, X^T X. Each is timed with threadpoolctl's limit of 1 and of 2
threads, alternately, first idle and then beside ``python -c "while True: pass"``.
"""

from threadpoolctl import threadpool_limits

from benchmarks import bench_ridge, problems, report, timing
from benchmarks.bench_training import LEARNING_RATES, REGS, SGD
from classifiers.least_squares import one_hot, ridge_path
from classifiers.linear_classifier import Softmax, train_grid

LAMBDAS = [0.0] + bench_ridge.LAMBDAS  # the notebook's sweep: the closed form, then ridge


def limited(fn, threads):
    """`fn` run with at most `threads` BLAS threads."""
    def run():
        with threadpool_limits(limits=threads):
            return fn()
    return run


def thread_rows(sizes):
    """Rows: SGD, the grid and the ridge sweep, 1 ÷ 2 BLAS threads, idle and beside a busy core."""
    num_train, dim, num_classes = sizes.full
    X, y = problems.cifar_like(num_train, dim, num_classes)
    Y = one_hot(y, num_classes)
    steps = {"SGD train()": lambda: Softmax().train(X, y, num_iters=sizes.num_iters,
                                                    batch_size=sizes.batch_size, seed=0, **SGD),
             "train_grid, 4x5": lambda: train_grid(X, y, LEARNING_RATES, REGS,
                                                   num_iters=sizes.num_iters,
                                                   batch_size=sizes.batch_size, seed=0),
             "ridge_path, 9 lambdas": lambda: ridge_path(X, Y, LAMBDAS)}
    rows = []
    for busy in (False, True):
        with timing.busy_core(busy):
            for name, step in steps.items():
                (one, two), _ = timing.median_times([limited(step, 1), limited(step, 2)],
                                                    repeats=1, warmup=0)
                rows.append(report.Row(f"{name}, 1 ÷ 2 BLAS threads, "
                                       f"{'one core busy' if busy else 'idle'}",
                                       report.shape(num_train, dim, num_classes),
                                       f"{report.seconds(one)} ÷ {report.seconds(two)}",
                                       report.ratio(one / two)))
    note = ("Threads: each step once with threadpoolctl's limit of 1 and then of 2 BLAS "
            "threads, idle and then while `python -c \"while True: pass\"` keeps one core busy; "
            f"SGD and the grid at {sizes.num_iters} iterations of batch {sizes.batch_size}.")
    return rows, [note]


if __name__ == "__main__":
    report.print_report("BLAS threads", *thread_rows(problems.FULL))
