"""pytest plugin of the trusted grader: the tasks' functions become calls into sandboxes.

Loaded with ``pytest -p grading.grader.plugin`` in a copy of the reference bundle, with
GRADING_CONFIG naming a JSON file (written by `grading.grader.grade`): the tasks to
grade with each task's child folder, whether to sandbox the children, the results
file and each task's time budget. Each task's targets (``[module, qualified name]``),
and what its child may call back and send back, are the task's declaration in
`grading.tasks`, never read from anywhere else. Before collection every target becomes
a proxy (`grading.grader.proxy`), so the tests, public and hidden, run here unchanged,
and this process never imports a submission file.

One process grades every task of a submission, and a task's tests still see only
that task's submitted code: while a test of task T runs, only T's proxies call into a
child (T's own, whose folder holds T's regions and stubs for the rest); every other
task's function is the reference. Each task has its own child, its own count of
failures and its own time budget, so a hang or a crash costs only its own task.
At the end the plugin writes, per task, the collected tests, every test's outcome,
what its child sent that was refused (`refused`) and whether it ran out of time, to
the results file, which no child can reach (owner-only, where the child runs as
another uid).
"""

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grading import report
from grading.child import channel
from grading.grader.proxy import MAX_FAILURES, Client, install
from grading.isolation import unprivileged

CLIENTS: dict[str, Client] = {}  # task -> its client, made by pytest_configure
RESULTS: dict[str, dict[str, Any]] = {}  # test id -> {"outcome", "message"}
SETTINGS: dict[str, Any] = {}  # the configuration grade wrote


def pytest_configure(config: pytest.Config) -> None:
    """Read the configuration and put every task's proxies in place."""
    SETTINGS.update(json.loads(Path(os.environ["GRADING_CONFIG"]).read_text("utf-8")))
    for task, scratch in SETTINGS["tasks"].items():
        CLIENTS[task] = Client(task, scratch, SETTINGS["sandboxed"], SETTINGS["task_timeout"])
    for client in CLIENTS.values():
        install(client, Path.cwd().resolve())


def task_of(item: pytest.Item) -> Client:
    """The client of the task whose marker `item` carries (pytest's ``-m`` chose only those)."""
    found = [CLIENTS[mark.name] for mark in item.iter_markers() if mark.name in CLIENTS]
    if len(found) != 1:
        raise pytest.UsageError(f"{item.nodeid} carries {len(found)} graded task markers")
    return found[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run each task's tests together, in the order of `CLIENTS`, keeping their own order."""
    order = list(CLIENTS)
    items.sort(key=lambda item: order.index(task_of(item).task))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Route the test's calls to its own task's child, and charge its time to that task."""
    client = task_of(item)
    for other in CLIENTS.values():
        other.active = other is client
        if other is not client:
            other.stop()  # one child at a time: no task's child ever meets another's
    started = time.monotonic()
    client.deadline = started + client.budget - client.spent
    yield
    client.spent += time.monotonic() - started
    client.active = False
    if client.spent >= client.budget:
        client.timed_out = True


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a test at once when no call could reach the submission."""
    # A stub fails every test of its task, and so does a child given up on, or a task
    # out of time: no call of the rest could reach the submission. Failing them here,
    # not in their bodies, spares hypothesis generating and shrinking examples for each.
    client = task_of(item)
    if client.stub:
        raise AssertionError("not implemented: the task's stub raised NotImplementedError")
    if client.failures >= MAX_FAILURES:
        raise AssertionError(f"the submission's process failed {MAX_FAILURES} times")
    if client.spent >= client.budget:
        client.timed_out = True
        raise AssertionError(f"the task's tests ran out of their {client.budget} s")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Record each test's outcome and first failure."""
    entry = RESULTS.setdefault(report.nodeid, {"outcome": "passed", "message": None})
    if report.outcome != "passed" and entry["outcome"] == "passed":
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash else str(report.longrepr)[-500:]
        entry.update(outcome=report.outcome, message=channel.cap(message, 1000))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the children; write each task's collected tests and their outcomes."""
    per_task: dict[str, dict[str, Any]] = {}
    for task, client in CLIENTS.items():
        client.stop()
        per_task[task] = {"tests": {}, "collected": [], "stub": client.stub,
                          "refused": client.problems, "timed_out": client.timed_out}
    for item in getattr(session, "items", []):
        entry = per_task[task_of(item).task]
        entry["collected"].append(item.nodeid)
        if item.nodeid in RESULTS:
            entry["tests"][item.nodeid] = RESULTS[item.nodeid]
    with report.written(SETTINGS["results"]) as temporary:
        unprivileged.write_private(temporary, json.dumps(per_task))
