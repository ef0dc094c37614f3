"""Configuration shared by every test folder: each task of `grading.tasks.TASKS` is a marker.

A task's tests are the ones marked with its name (``pytest.mark.<task>``). The markers are
registered here, from the tasks themselves, so ``--strict-markers`` (pyproject.toml) still
refuses a misspelt one and a new task needs no list of markers beside its `Task`. Here and
not in tests/public/conftest.py: ``pytest tests`` collects tests/hidden first.

A test that calls another task's function declares it, ``@pytest.mark.needs("task")``:
while that task is still its stub (it raises the release's ``NotImplementedError("Task
task: ...")``), the test is skipped as "waiting for task", so one task's check fails only
for a fault of its own. What it waits for is declared by the test, never guessed from
the error: a stub of a task the test does not name is a failure.
"""

import pytest

from grading import tasks

# The public tests' helper modules: pytest rewrites the asserts of test files only, so a
# failing assert in a helper would otherwise read as a bare AssertionError.
pytest.register_assert_rewrite("loss_contract", "first_principles", "strategies",
                               "cifar_fixtures", "diagnoses")


def pytest_configure(config):
    """Register the marker of each task, and ``needs``."""
    for task in tasks.TASKS.values():
        functions = ", ".join(dict.fromkeys(task.regions))
        config.addinivalue_line("markers", f"{task.name}: tests of {functions} in {task.file}")
    config.addinivalue_line("markers", "needs(*tasks): the test calls these tasks' functions, "
                                       "and waits while one is still its stub")


def waited_for(item, error):
    """The task named by a ``needs`` marker of `item` whose stub raised `error`, or None."""
    needed = [task for mark in item.iter_markers("needs") for task in mark.args]
    unknown = [task for task in needed if task not in tasks.TASKS]
    if unknown:
        raise ValueError(f"needs must name tasks of grading.tasks.TASKS, got {unknown} in "
                         f"{item.nodeid}")
    return next((task for task in needed if str(error).startswith(f"Task {task}:")), None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Skip, as "waiting for TASK", a test stopped by the stub of a task it declares."""
    try:
        return (yield)
    except NotImplementedError as error:
        task = waited_for(item, error)
        if task is None:
            raise
        pytest.skip(f"waiting for {task}")
