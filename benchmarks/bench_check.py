"""Wall time of the notebook's ``check(task)`` for each task, on this bundle's solution.

``check`` runs a task's public tests with pytest in a fresh subprocess, so its
time is mostly that process starting (Python, numpy, pytest, hypothesis) and
collecting the task's test files; a student waits for it after each task.
"""

from benchmarks import report, timing
from grading import tasks
from grading.student import check

FLOOR = 10.0  # seconds per task, on 2 cores


def check_rows(sizes):
    """One row per task: the median time of `run_check` on the solution, and its result."""
    repeats = 1 if sizes.quick else 3
    rows = []
    for task in tasks.TASKS:
        medians, results = timing.median_times([lambda: check.run_check(task)], repeats,
                                               warmup=0)
        rows.append(report.Row(f"check({task!r})", f"{results[0].total} public tests",
                               f"{report.seconds(medians[0])} ({results[0].passed} passed)",
                               floor="≤ 10 s", value=medians[0], limit=FLOOR))
    note = (f"check: `grading.student.check.run_check(task)` on this bundle, median of {repeats} "
            "calls without an untimed warm-up; each call starts pytest in a subprocess on the "
            "task's public test files.")
    return rows, [note]


if __name__ == "__main__":
    from benchmarks import problems
    report.print_report("check() per task", *check_rows(problems.FULL))
