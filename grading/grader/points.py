"""A task's points from its tests' outcomes, group by group (`tasks.Task.groups`).

A group scores its share of the task's points when every one of its tests
passed. A test that was collected but did not report passing (it failed,
errored, was skipped or never ran) fails its group; so does a group with no
collected test, and a stub's NotImplementedError fails every group, those of
provided code included. The other groups of a task count only when its core
group (`tasks.Task.core`) passed. A collected test in no group, or in
several, is a fault of the task's groups in `grading.tasks`: the task's report names it. Each group
names its first failed test (`first_failed`, a node id), so a report for
students can tell a public test's failure from a hidden one's.
"""

import fnmatch
import re

from grading import tasks

STUB = "not implemented: a stub raised NotImplementedError, which fails every group"


def test_name(nodeid):
    """'tests/x.py::TestA::test_b[3-y]' -> 'test_b': what the groups' patterns match."""
    return re.sub(r"\[.*\]$", "", nodeid.split("::")[-1])


def groups_of(task, nodeid):
    """The names of the groups of `task` whose patterns match the test `nodeid`."""
    name = test_name(nodeid)
    return [group for group, (_, _, patterns) in tasks.TASKS[task].groups.items()
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)]


def group_points(task, group):
    """The points of one group: its share of the task's points."""
    return whole(tasks.TASKS[task].points * tasks.TASKS[task].groups[group].share / 100)


def unscored(task, message):
    """Every group of `task` failed with the same message (a missing file, a crash)."""
    return {group: {"passed": False, "points": 0, "max_points": group_points(task, group),
                    "tests": 0, "message": message, "first_failed": None}
            for group in tasks.TASKS[task].groups}


def failed(task, message):
    """The report fields of a task none of whose tests could count: every group failed."""
    return {"passed": False, "points": 0, "message": message,
            "groups": unscored(task, message)}


def one_line(text):
    """Text on one line, whitespace runs collapsed."""
    return " ".join(str(text).split())


def score(task, results):
    """The task's report fields from the plugin's results: passed, points, message, groups.

    `results` holds ``tests`` ({node id: {"outcome", "message"}} of the tests that
    reported), ``collected`` (the node ids collected), ``stub`` and ``refused`` (what
    the child sent that the grader did not take, which costs nothing: the entry's
    ``notes``).
    """
    outcomes = results["tests"]
    members = {group: [] for group in tasks.TASKS[task].groups}
    misfits = []
    for nodeid in results["collected"]:
        found = groups_of(task, nodeid)
        if len(found) != 1:
            misfits.append(f"{test_name(nodeid)} is in {len(found)} groups")
        for group in found:
            members[group].append(nodeid)
    groups = {}
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
        groups[group] = {"passed": passed, "points": group_points(task, group) if passed else 0,
                         "max_points": group_points(task, group), "tests": len(nodeids),
                         "message": message, "first_failed": failed[0] if failed else None}
    core = tasks.TASKS[task].core
    for group, entry in groups.items():
        if group != core and entry["passed"] and not groups[core]["passed"]:
            entry.update(passed=False, points=0,
                         message=f"counts only when the core group {core} passed")
    failures = [nodeid for nodeid in results["collected"]
                if outcomes.get(nodeid, {}).get("outcome") != "passed"]
    first = next((entry["message"] for entry in groups.values() if entry["message"]), None)
    if failures:  # in the order the tests ran: for a stub, the test that raised
        test = outcomes.get(failures[0], {"message": "did not run"})
        first = f"{test_name(failures[0])}: {one_line(test['message'])}"
    if misfits:
        first = f"grading/tasks.py does not place every test once: {'; '.join(misfits[:3])}"
    total = sum(entry["points"] for entry in groups.values())
    return {"passed": all(entry["passed"] for entry in groups.values()) and not misfits,
            "points": whole(total), "message": first, "groups": groups,
            "tests": {nodeid: test["outcome"] for nodeid, test in outcomes.items()},
            "notes": list(results.get("refused", []))}


def whole(points):
    """Points as an int when whole (10, not 10.0), for the reports and scores.csv."""
    return int(points) if float(points).is_integer() else points
