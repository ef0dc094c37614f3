"""Configuration shared by every test folder: each task of `grading.tasks.TASKS` is a marker.

A task's tests are the ones marked with its name (``pytest.mark.<task>``). The markers are
registered here, from the tasks themselves, so ``--strict-markers`` (pyproject.toml) still
refuses a misspelt one and a new task needs no list of markers beside its `Task`. Here and
not in tests/public/conftest.py: ``pytest tests`` collects tests/hidden first.
"""

from grading import tasks


def pytest_configure(config):
    """Register the marker of each task."""
    for task in tasks.TASKS.values():
        functions = ", ".join(dict.fromkeys(task.regions))
        config.addinivalue_line("markers", f"{task.name}: tests of {functions} in {task.file}")
