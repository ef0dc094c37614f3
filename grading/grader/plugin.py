"""pytest plugin of the trusted grader: a task's functions become calls into a sandbox.

Loaded with ``pytest -p grading.grader.plugin`` in a copy of the reference bundle, with
GRADING_CONFIG naming a JSON file (written by `grading.grader.grade`): the task, the
child's folder, whether to sandbox it, the results file and a deadline per call. Its
targets (``[module, qualified name]``), and what the child may call back and send back,
are the task's declaration in `grading.tasks`, never read from anywhere else. Before
collection every target becomes a proxy (`grading.grader.proxy`), so the tests, public
and hidden, run here unchanged, and this process never imports a submission file. At
the end the plugin writes the collected tests, every test's outcome and what the child
sent that was refused (`refused`) to the results file, which the child cannot reach
(owner-only, where the child runs as another uid).
"""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from grading import report
from grading.child import channel
from grading.grader.proxy import MAX_FAILURES, Client, install
from grading.isolation import unprivileged

CLIENT: Client  # made by pytest_configure, before any test is collected
RESULTS: dict[str, dict[str, Any]] = {}  # test id -> {"outcome", "message"}


def pytest_configure(config: pytest.Config) -> None:
    """Read the task's configuration and put the proxies in place."""
    global CLIENT
    settings = json.loads(Path(os.environ["GRADING_CONFIG"]).read_text("utf-8"))
    CLIENT = Client(settings)
    install(CLIENT, Path.cwd().resolve())


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a test at once when no call could reach the submission."""
    # A stub fails every test of its task, and so does a child given up on: no
    # call of the rest could reach the submission. Failing them here, not in
    # their bodies, spares hypothesis generating and shrinking examples for each.
    if CLIENT.stub:
        raise AssertionError("not implemented: the task's stub raised NotImplementedError")
    if CLIENT.failures >= MAX_FAILURES:
        raise AssertionError(f"the submission's process failed {MAX_FAILURES} times")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Record each test's outcome and first failure."""
    entry = RESULTS.setdefault(report.nodeid, {"outcome": "passed", "message": None})
    if report.outcome != "passed" and entry["outcome"] == "passed":
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash else str(report.longrepr)[-500:]
        entry.update(outcome=report.outcome, message=channel.cap(message, 1000))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the child; write the collected tests and their outcomes."""
    CLIENT.stop()
    collected = [item.nodeid for item in getattr(session, "items", [])]
    with report.written(CLIENT.config["results"]) as temporary:
        unprivileged.write_private(temporary, json.dumps(
            {"tests": RESULTS, "stub": CLIENT.stub, "collected": collected,
             "refused": CLIENT.problems}))
