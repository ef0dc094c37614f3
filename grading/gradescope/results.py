"""Gradescope's results.json from a grading `Report` (`grading.grader.grade`'s result).

The score is the report's automatic total. Each group of tests of each task
(`tasks.Task.groups`) is one Gradescope test with the group's points, visible to
the student at once. A group failed by a hidden test says only that: the
hidden test's name and message go into a test of no points that students see
after the due date (``after_due_date``), so the hidden tests stay unread until
the work is in. The notebook's re-execution and comparison is one more test,
of no points, whose output shows the tuned classifier's accuracy as the grader
measured it beside what the notebook printed (`report.accuracy_section`); the
summary gives the measure alone. The notebook's answers are marked by hand, in Gradescope or in
a marks file built into the zip (`grading.gradescope.build`), whose marks become
one test per answer and count in the score. Everything quoted from the
submission is plain text (``text`` format) or escaped markdown
(`report.notebook_section`), so nothing in it renders as markup. The report's
manifest (`grading.grader.manifest`) goes into ``extra_data``, so Gradescope's record of a
grade says what it was reached with. The schema that results.json is checked against is
grading/gradescope/autograder/results.schema.json.
"""

from typing import Any

from grading import report, tasks
from grading.report import GroupResult, ManualMark, NotebookResult, Report

HIDDEN = "failed a hidden test; which one and why are shown after the due date"


def group_tests(task: str, group: str, part: GroupResult, number: str) -> list[dict[str, Any]]:
    """The Gradescope tests of one group's result: one, or two if a hidden test failed."""
    name = f"{task} / {group}: {tasks.TASKS[task].groups[group].checks}"
    test = {"name": name, "number": number, "score": part.points,
            "max_score": part.max_points, "status": "passed" if part.passed else "failed",
            "visibility": "visible"}
    if part.passed:
        return [{**test, "output": f"passed: all {part.tests} tests of this group"}]
    if not (part.first_failed or "").startswith(f"{tasks.HIDDEN_TESTS}/"):
        return [{**test, "output": part.message}]
    return [{**test, "output": HIDDEN},
            {"name": f"{name} (the hidden test)", "number": f"{number}.1", "score": 0,
             "max_score": 0, "status": "failed", "visibility": "after_due_date",
             "output": part.message}]


def notebook_test(nb: NotebookResult, number: str) -> dict[str, Any]:
    """The notebook's comparison as a test of no points: its report section, in markdown."""
    matched = nb.cells_matched == nb.cells_total and nb.cells_total > 0
    return {"name": "notebook: re-executed and compared with its stored outputs",
            "number": number, "score": 0, "max_score": 0,
            "status": "passed" if matched else "failed", "visibility": "visible",
            "output": "\n".join(report.notebook_section(nb)[2:]), "output_format": "md"}


def manual_tests(manual: dict[str, ManualMark], number: int) -> list[dict[str, Any]]:
    """One test per answer marked by hand (`grading.course.manual.merge_report`'s marks)."""
    return [{"name": f"{task}: marked by hand", "number": f"{number}.{j}",
             "score": mark.points or 0, "max_score": mark.max_points,
             "visibility": "visible",
             "output": "not marked yet" if mark.points is None else mark.comment}
            for j, (task, mark) in enumerate(manual.items(), 1)]


def summary(result: Report) -> str:
    """The text about the whole submission: total, isolation, problems, manual marking."""
    lines = [f"Automatically graded: {result.total} / {result.max_total} points.",
             f"Isolation of the submitted code: {result.isolation}."]
    lines += [f"Problem: {problem}" for problem in result.problems]
    measured = result.notebook.accuracy_measured
    if measured:
        lines.append(f"Accuracy of the tuned classifier, measured by the grader from its saved "
                     f"weights: validation {measured['val']:.3f}, test {measured['test']:.3f}.")
    if result.manual is not None:
        lines.append(f"Marked by hand: {result.manual_total:g} / "
                     f"{result.max_manual_total} points; in all {result.final_total:g} "
                     f"/ {result.max_final_total}.")
    else:
        manual = sum(tasks.MANUAL_POINTS.values())
        lines.append(f"The notebook's answers ({manual} points) are marked by hand, separately.")
    return "\n".join(lines)


def results(result: Report, seconds: float) -> dict[str, Any]:
    """The results.json object of the report `result`, graded in `seconds`."""
    tests = []
    for i, (task, entry) in enumerate(result.tasks.items(), 1):
        for j, (group, part) in enumerate(entry.groups.items(), 1):
            tests += group_tests(task, group, part, f"{i}.{j}")
    tests.append(notebook_test(result.notebook, str(len(result.tasks) + 1)))
    if result.manual is not None:
        tests += manual_tests(result.manual, len(result.tasks) + 2)
    # The grade's certificate, for a regrade request: `python -m grading.replay` checks it.
    extra = {} if result.manifest is None else {"extra_data": {
        "manifest": report.plain(result.manifest)}}
    return {"score": report.whole(result.final_total),
            "execution_time": round(seconds),
            "output": summary(result), "output_format": "text",
            "test_output_format": "text", "test_name_format": "text",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests, **extra}
