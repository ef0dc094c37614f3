"""Benchmarks of the bundle: speed of the losses, the ridge path, SGD and the
grid search, and the wall time and peak memory of the whole notebook.

``python -m benchmarks`` prints one table with every figure measured in the
same run; ``python -m benchmarks --quick`` shrinks every shape for a smoke run.
Each ``bench_*`` module offers row functions ``*_rows(sizes) -> (rows, notes)``:
``sizes`` a `problems.Sizes` (full or quick), ``rows`` a list of `report.Row`,
``notes`` a list of str explaining them. `timing` holds the timers, `report`
the table printer. See benchmarks/README.md for what each row means and the
floors it is held to.
"""
