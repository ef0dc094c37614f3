"""When `grade` re-executes the notebook: beside the task tests in the sandbox, after them
without it, where the kernel and the task children would run as one uid."""

import threading

import pytest

from grading import tasks
from grading.grader import grade
from grading.isolation import sandbox
from grading.report import NotebookResult, TaskResult


def fake_grading(monkeypatch, tasks_started, notebook_started):
    """Stand-ins for the tasks and the notebook that meet if they run at the same time."""
    events = []

    def task_files(work, names, sandboxed, timeout):
        tasks_started.set()
        events.append(("tasks", notebook_started.wait(timeout=2 if sandboxed else 0)))
        return {task: TaskResult.failed(task, "stand-in") for task in names}

    def notebook(work, bundle, timeout, missing, sandboxed):
        notebook_started.set()
        events.append(("notebook", tasks_started.wait(timeout=2 if sandboxed else 0)))
        return NotebookResult(status="stand-in")

    monkeypatch.setattr(grade, "grade_task_files", task_files)
    monkeypatch.setattr(grade, "grade_notebook", notebook)
    return events


@pytest.mark.parametrize("sandboxed", [True, False])
def test_the_notebook_runs_beside_the_tasks_only_in_the_sandbox(tmp_path, monkeypatch,
                                                                 sandboxed):
    if sandboxed and sandbox.level() == "none":
        pytest.skip("no sandbox on this machine")
    events = fake_grading(monkeypatch, threading.Event(), threading.Event())
    (tmp_path / "sub").mkdir()
    grade.grade(tmp_path / "sub", tmp_path / "out", sandboxed=sandboxed)
    if sandboxed:  # each saw the other started
        assert sorted(events) == [("notebook", True), ("tasks", True)]
    else:  # the tasks ran alone, and the notebook only after them
        assert events == [("tasks", False), ("notebook", True)]
    assert set(tasks.TASKS) <= set((tmp_path / "out" / "report.json").read_text().split('"'))
