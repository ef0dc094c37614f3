"""Hints on demand: ``hint("softmax_naive")`` in the notebook, ``python -m grading.hint TASK``.

Each task's comments in the code say what to compute, the shapes, what must be set and the
pitfalls by name; the maths lives here, as a ladder of hints from a nudge to the formula. In the
notebook, each call shows the next rung for that task (the kernel remembers how far each task
got); on the command line the whole ladder prints at once. The hints are the course's words,
not answers: they ship with the exercise, and none holds a line of a solution.
"""

import argparse
import sys
import textwrap

from grading import tasks

LADDERS: dict[str, tuple[str, ...]] = {
    "softmax_naive": (
        "Work one example at a time: its scores s = x_i W are a vector of C numbers, and its "
        "loss is -log P(y_i | x_i), with P(j | x_i) = exp(s_j) / sum_c exp(s_c).",
        "Numeric stability, part 1: subtracting max(s) from every score of the row changes no "
        "probability (the factor exp(-max) cancels in the ratio), and afterwards exp cannot "
        "overflow.",
        "Numeric stability, part 2: log P(y_i) = s_y - log(sum(exp(s))). Never compute "
        "log(exp(s_y) / sum(exp(s))): when the correct class trails by thousands, exp(s_y) "
        "underflows to 0 and the loss becomes log(0) = -inf.",
        "The gradient of example i's loss with respect to column j of W is "
        "(P(j | x_i) - [j == y_i]) x_i: the -1 appears only at the correct class.",
        "The loss is a mean: divide the sum of the losses, and of the gradients, by N (1/N). "
        "Then add the regularization term: reg * sum(W * W) to the loss, and its gradient "
        "2 * reg * W to dW (not 0.5 * reg, and not reg * W).",
    ),
    "softmax_vectorized": (
        "Compute all scores at once, S = X W of shape (N, C), then do to every row what the "
        "naive version does to one.",
        "The per-row shift: subtract from each row its own maximum, S.max(axis=1) kept as a "
        "column. One maximum over the whole matrix is not enough: rows far below it "
        "underflow to exp = 0 everywhere.",
        "Log-probabilities are the shifted S minus the column log(sum(exp(S), axis=1)); the "
        "loss of example i is -(s_y - log(sum(exp(s)))) as before. Fancy indexing with the "
        "pair (row indices 0..N-1, y) picks the N correct-class entries in one step.",
        "The gradient of the mean loss with respect to S is (P - Y) / N, with P (N, C) the "
        "probabilities and Y (N, C) the one-hot labels; dW is X^T times it, shape (D, C).",
        "As in the naive version: the 1/N, reg * sum(W * W) in the loss and 2 * reg * W in dW. "
        "Check: naive and vectorized should agree to about 1e-10.",
    ),
    "linear_classifier": (
        "A minibatch is batch_size row indices drawn with replacement from 0..num_train-1, "
        "with the generator rng that train seeded: rng.integers draws them, and one fancy "
        "index gives both X_batch and y_batch.",
        "np.random would draw from numpy's global state, so the same seed would give "
        "different batches; always draw with rng.",
        "One step of gradient descent moves W against the gradient: W <- W - learning_rate "
        "* grad. A plus sign climbs the loss instead.",
        "predict: the scores X W are (N, C), one row per example; the predicted label is the "
        "argmax along the classes, axis 1. An argmax along axis 0 gives C labels, not N.",
    ),
    "train_grid": (
        "All K configurations start from the same W0 and see the same batches: draw one "
        "batch per step with rng, exactly as train does, and share it.",
        "Put the K weight matrices side by side, W of shape (D, K*C); then X_batch W "
        "(batch_size, K*C) holds every configuration's scores, and a reshape to "
        "(batch_size, K, C) separates them.",
        "Each configuration's gradient is the softmax gradient of softmax_loss_vectorized: "
        "the per-row shift within each configuration's C scores, (P - Y) / N, then X_batch^T "
        "times it.",
        "Add each configuration's own regularization gradient 2 * reg_k * W_k and step by its "
        "own learning_rate_k; repeating each value C times lines it up with W's columns.",
    ),
    "least_squares": (
        "one_hot: Y starts as zeros (N, C); one fancy-indexed assignment with the pair (row "
        "indices 0..N-1, y) sets all N ones.",
        "The loss (1/N) ||XW - Y||_F^2 sums all N * C squared residuals and divides by N, the "
        "number of examples, not by N * C.",
        "predict is the argmax of the scores X W along the classes, axis 1, as for softmax.",
        "ridge_path: setting the gradient of (1/N)||XW - Y||^2 + lambda ||W||^2 to zero gives "
        "W(lambda) = (X^T X + lambda N I)^-1 X^T Y.",
        "Diagonalize X^T X = V diag(s) V^T once (np.linalg.eigh); then the inverse for any "
        "lambda is V diag(1 / (s + lambda N)) V^T, a product, not a new O(D^3) inversion.",
        "Where s + lambda N is numerically zero (below about max(s) * D * machine epsilon), "
        "use 0 in place of its inverse: that is the pseudo-inverse, and lambda = 0 then gives "
        "the least-squares solution of least norm.",
    ),
    "gradient_check": (
        "rel_error: the largest |x - y| / (|x| + |y|) over all entries. Where both entries are "
        "0 the division is 0 / 0 = NaN; those entries agree, so their error must be 0 "
        "(for example, divide by max(|x| + |y|, a tiny positive number)).",
        "grad_check_sparse: an entry ix is a tuple with one index per axis of x, each drawn "
        "with rng.integers(size of that axis), never with np.random, so that seed makes the "
        "check repeatable.",
        "For each entry, the centred difference is (f(x + h e_ix) - f(x - h e_ix)) / (2h); "
        "_centred_difference gives you the two values of f and restores x.",
    ),
}


def ladder(task: str) -> tuple[str, ...]:
    """The hints of `task`, from a nudge to the formula.

    Raises
    ------
    ValueError
        If `task` is not a task of `grading.tasks.TASKS`.
    """
    if task not in LADDERS:
        raise ValueError(f"task must be one of {', '.join(LADDERS)}, got {task!r}: "
                         'call hint("softmax_naive"), for example')
    return LADDERS[task]


WIDTH = 96  # columns of a printed hint
_shown: dict[str, int] = {}  # how many hints of each task this kernel has shown


def next_hint(task: str) -> str:
    """The next hint of `task` not yet shown in this Python process, numbered; then the last."""
    hints = ladder(task)
    rung = min(_shown.get(task, 0), len(hints) - 1)
    _shown[task] = rung + 1
    text = textwrap.fill(f"{task}, hint {rung + 1} of {len(hints)}: {hints[rung]}", WIDTH)
    if rung + 1 == len(hints):
        text += f"\n(That is the last hint; python -m grading.hint {task} prints them all.)"
    return text


def hint(task: str) -> None:
    """Print the next hint of `task` below the cell: one more each time it is called."""
    print(next_hint(task))


def main(argv: list[str] | None = None) -> int:
    """Print every hint of a task, numbered; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m grading.hint",
                                     description="Print a task's hints, from a nudge to the "
                                                 "formula.")
    parser.add_argument("task", choices=list(tasks.TASKS), help="the task")
    args = parser.parse_args(argv)
    for number, text in enumerate(ladder(args.task), 1):
        print(textwrap.fill(text, WIDTH, initial_indent=f"{number}. ", subsequent_indent="   "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
