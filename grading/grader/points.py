"""A task's points from its tests' outcomes, group by group (`tasks.Task.groups`).

A group scores its share of the task's points when every one of its tests
passed. A test that was collected but did not report passing (it failed,
errored, was skipped or never ran) fails its group; so does a group with no
collected test, and a stub's NotImplementedError fails every group, those of
provided code included. The other groups of a task count only when its core
group (`tasks.Task.core`) passed. A collected test in no group, or in
several, is a fault of the task's groups in `grading.tasks`: the task's report names it. Each group
names its first failed test (`first_failed`, a node id), so a report for
students can tell a public test's failure from a hidden one's. A task none of
whose tests could count is `report.TaskResult.failed`. Probes
(`tasks.DIAGNOSIS_TESTS`) are in no group and score nothing: the likely causes
of those that failed are the result's ``diagnoses``.
"""

import fnmatch
import re
from collections.abc import Mapping
from typing import Any

from grading import tasks
from grading.report import GroupResult, TaskResult, group_points, whole

STUB = "not implemented: a stub raised NotImplementedError, which fails every group"


def test_name(nodeid: str) -> str:
    """'tests/x.py::TestA::test_b[3-y]' -> 'test_b': what the groups' patterns match."""
    return re.sub(r"\[.*\]$", "", nodeid.split("::")[-1])


def is_probe(nodeid: str) -> bool:
    """True for a probe, a test that names a likely cause and scores in no group."""
    return fnmatch.fnmatchcase(test_name(nodeid), tasks.DIAGNOSIS_TESTS)


def diagnoses(outcomes: Mapping[str, Any]) -> list[str]:
    """The likely causes named by the probes that failed, each once, in the order they ran.

    `outcomes` maps node ids to {"outcome", "message"}; a probe's message reads
    "likely cause: CAUSE" then its hint on the next line (tests/public/diagnoses.py).
    """
    found: dict[str, None] = {}
    for nodeid, test in outcomes.items():
        message = str(test.get("message") or "")
        if is_probe(nodeid) and test.get("outcome") == "failed" \
                and tasks.DIAGNOSIS_PREFIX in message:
            cause = message.split(tasks.DIAGNOSIS_PREFIX, 1)[1].split("\n", 1)[0]
            found[one_line(cause)] = None
    return list(found)


def groups_of(task: str, nodeid: str) -> list[str]:
    """The names of the groups of `task` whose patterns match the test `nodeid`."""
    name = test_name(nodeid)
    return [group for group, (_, _, patterns) in tasks.TASKS[task].groups.items()
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)]


def one_line(text: object) -> str:
    """Text on one line, whitespace runs collapsed."""
    return " ".join(str(text).split())


def score(task: str, results: Mapping[str, Any]) -> TaskResult:
    """The task's result from the plugin's results: passed, points, message, groups.

    `results` holds ``tests`` ({node id: {"outcome", "message"}} of the tests that
    reported), ``collected`` (the node ids collected), ``stub`` and ``refused`` (what
    the child sent that the grader did not take, which costs nothing: the result's
    ``notes``).
    """
    outcomes = results["tests"]
    members: dict[str, list[str]] = {group: [] for group in tasks.TASKS[task].groups}
    misfits: list[str] = []
    collected = [nodeid for nodeid in results["collected"] if not is_probe(nodeid)]
    for nodeid in collected:
        found = groups_of(task, nodeid)
        if len(found) != 1:
            misfits.append(f"{test_name(nodeid)} is in {len(found)} groups")
        for group in found:
            members[group].append(nodeid)
    groups: dict[str, GroupResult] = {}
    for group, nodeids in members.items():
        failed = [nodeid for nodeid in nodeids
                  if outcomes.get(nodeid, {}).get("outcome") != "passed"]
        message = None
        if results["stub"]:
            message = STUB
        elif failed:
            test = outcomes.get(failed[0], {"message": "did not run"})
            message = f"{test_name(failed[0])}: {one_line(test['message'])}"
        elif not nodeids:
            message = "no test of this group was collected"
        passed = message is None
        groups[group] = GroupResult(passed=passed,
                                    points=group_points(task, group) if passed else 0,
                                    max_points=group_points(task, group), tests=len(nodeids),
                                    message=message, first_failed=failed[0] if failed else None)
    core = tasks.TASKS[task].core
    for group, part in groups.items():
        if group != core and part.passed and not groups[core].passed:
            part.passed, part.points = False, 0
            part.message = f"counts only when the core group {core} passed"
    # In the order the tests ran. For a stub, the test that raised, probe or not: every
    # test after it fails at once, saying only that the stub raised.
    ran = results["collected"] if results["stub"] else collected
    failures = [nodeid for nodeid in ran if outcomes.get(nodeid, {}).get("outcome") != "passed"]
    first = next((part.message for part in groups.values() if part.message), None)
    if failures:
        test = outcomes.get(failures[0], {"message": "did not run"})
        first = f"{test_name(failures[0])}: {one_line(test['message'])}"
    if misfits:
        first = f"grading/tasks.py does not place every test once: {'; '.join(misfits[:3])}"
    return TaskResult(passed=all(part.passed for part in groups.values()) and not misfits,
                      points=whole(sum(part.points for part in groups.values())),
                      max_points=tasks.TASKS[task].points, file=tasks.TASKS[task].file,
                      message=first, groups=groups,
                      tests={nodeid: test["outcome"] for nodeid, test in outcomes.items()},
                      notes=list(results.get("refused", [])),
                      diagnoses=diagnoses(outcomes) or None)
