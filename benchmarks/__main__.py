"""Print the bundle's benchmark table:
``python -m benchmarks [--quick] [--only ROW ...] [--before COMMIT]``.

Every figure comes from this one run. Progress goes to stderr, so stdout holds
only the machine, the table and its notes.
"""

import argparse
import contextlib
import dataclasses
import sys

from benchmarks import (
    before,
    bench_check,
    bench_grading,
    bench_loss,
    bench_notebook,
    bench_ridge,
    bench_similarity,
    bench_threads,
    bench_tiers,
    bench_training,
    problems,
    report,
)

SECTIONS = {  # name: (rows function, what the user waits for at full size)
    "loss": (bench_loss.loss_rows, "softmax losses, dev and full shapes (about 40 s)"),
    "ridge": (bench_ridge.ridge_rows, "ridge path against per-lambda pinv (about 100 s)"),
    "sgd": (bench_training.sgd_rows, "SGD time split (about 20 s)"),
    "grid": (bench_training.grid_rows, "batched against sequential grid (about 2 min)"),
    "threads": (bench_threads.thread_rows, "1 against 2 BLAS threads, idle and beside a busy "
                "core (about 3 min)"),
    "notebook": (bench_notebook.notebook_rows, "whole notebook, headless (about 1 min)"),
    "loading": (bench_notebook.loading_rows, "loading and preprocessing (about 10 s)"),
    "check": (bench_check.check_rows, "the notebook's check() per task (about 30 s)"),
    "grading": (bench_grading.grading_rows, "grading with and without the sandbox, and a "
                "class of 20 with grade_all (about 20 min)"),
    "similarity": (bench_similarity.similarity_rows, "similarity across a class of 200, "
                   "all pairs (about 1 min)"),
    "tiers": (bench_tiers.tier_rows, "the test suite by tier, ./test.sh --quick and ./test.sh "
              "(about 15 min)"),
}


def main(argv=None):
    """Run the chosen benchmark sections and print one table."""
    parser = argparse.ArgumentParser(description="Print the benchmark table.")
    parser.add_argument("--quick", action="store_true",
                        help="shrink every shape for a smoke run; floors are not judged")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                        metavar="ROW", help=f"run only these rows, of: {', '.join(SECTIONS)}")
    parser.add_argument("--before", metavar="COMMIT",
                        help="also time the grading and notebook rows in COMMIT's tree, "
                             "alternately with today's, and give the ratios")
    args = parser.parse_args(argv)
    sizes = problems.QUICK if args.quick else problems.FULL
    rows, notes = [], []
    with before.checkout(args.before) if args.before else contextlib.nullcontext() as tree:
        sizes = dataclasses.replace(sizes, before=tree)
        for name in args.only:
            rows_of, what = SECTIONS[name]
            print(f"timing {what if not args.quick else name} ...", file=sys.stderr, flush=True)
            section_rows, section_notes = rows_of(sizes)
            rows += section_rows
            notes += section_notes
    if args.before:
        notes.append(f"Rows marked 'now ÷ before' ran here and in the tree of {args.before} "
                     "(`git archive`), alternately, with the same Python, packages and data.")
    title = "Benchmarks" + (" (--quick: shapes shrunk, floors not judged)" if args.quick else "")
    report.print_report(title, rows, notes, judge=not args.quick)


if __name__ == "__main__":
    main()
