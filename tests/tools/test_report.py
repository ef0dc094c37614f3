"""The report's type and its JSON schema: every path that writes a report writes one that
validates, reads back equal, and the schema refuses what is not a report."""

import copy
import hashlib
import json

import jsonschema
import pytest

from grading import report, tasks
from grading.course import grade_all, manual
from grading.grader import grade, manifest, nbgrade, points
from grading.report import Mismatch, NotebookResult, Report

MARKS = {"alice": {"inline_question_1": {"points": 2.5, "max_points": 3, "comment": "Right."}}}


def written(folder):
    """The report.json in folder, validated against the schema, and its Report."""
    data = json.loads((folder / "report.json").read_text("utf-8"))
    report.validate(data)
    return data, Report.from_json(data)


def full_report():
    """A report with every optional part: test outcomes, notes, a mismatch, the accuracies,
    the cells added and modified, the rendering outcomes, the manifest, a replay recorded
    and the manual marks."""
    collected = ["tests/hidden/t.py::test_matches_reference[a]",
                 "tests/public/t.py::test_dW_matches_central_differences_at_every_coordinate"]
    ran = {nodeid: {"outcome": "passed", "message": None} for nodeid in collected}
    ran[collected[0]] = {"outcome": "failed", "message": "loss 2.3 != 2.4"}
    probe = "tests/public/t.py::T::test_likely_cause_no_per_row_shift"
    ran[probe] = {"outcome": "failed", "message": "Failed: likely cause: no shift\nhint: h"}
    collected.append(probe)
    results = {task: Report.failed("alice", "").tasks[task] for task in tasks.TASKS}
    results["softmax_naive"] = points.score("softmax_naive", {
        "tests": ran, "collected": collected, "stub": False, "refused": ["an attribute W_"]})
    nb = NotebookResult(
        status=nbgrade.EXECUTED, dataset="synthetic", cells_matched=22, cells_total=23,
        first_mismatch=Mismatch(cell=3, source="print(loss)", stored="2.30", re_executed="2.31"),
        accuracy={"softmax, tuned": {"train": 0.41, "val": 0.39, "test": 0.38}},
        accuracy_measured={"val": 0.39, "test": 0.375}, weights="measured by the grader",
        answers={"inline_question_1": "All ten classes start equally likely."},
        added_cells=[30], modified_cells=[], same_release=False)
    files = {"gradient_check.py": hashlib.sha256(b"x = 1\n").hexdigest()}
    result = Report("alice", results, nb, ["code outside the regions never runs"],
                    isolation="bubblewrap", readable={"notebook.html": "written"},
                    manifest=manifest.build(tasks.BUNDLE, files, True, 300, 3600),
                    replays=["2026-01-01 09:00 UTC: replayed: identical"])
    return manual.merge_report(result, MARKS)


def test_grades_report_validates_and_reads_back(tmp_path):
    (tmp_path / "empty").mkdir()  # every file missing: graded at once, nothing runs
    result = grade.grade(tmp_path / "empty", tmp_path / "out", sandboxed=False)
    data, read = written(tmp_path / "out")
    assert read == result and data == result.to_json()
    assert data["isolation"] and "readable" not in data and "manual" not in data
    assert (tmp_path / "out" / "report.md").read_text("utf-8") == result.markdown()
    assert (result.total, result.max_total) == (0, tasks.MAX_TOTAL)


def test_a_stopped_gradings_report_validates_and_reads_back(tmp_path):
    result = grade_all.stopped("bob.zip", "RuntimeError: encrypted")
    result.write(tmp_path)
    data, read = written(tmp_path)
    assert read == result and data["total"] == 0 and data["max_total"] == tasks.MAX_TOTAL
    assert set(data["tasks"]) == set(tasks.TASKS) and data["notebook"]["status"] == "not graded"
    assert "isolation" not in data  # as before: a stopped grading ran nothing


def test_a_report_with_marks_merged_validates_and_reads_back(tmp_path):
    merged = manual.merge_reports(tmp_path, {"alice": grade_all.stopped("alice", "a kill")},
                                  MARKS)["alice"]
    data, read = written(tmp_path / "alice")
    assert read == merged and data["manual"]["inline_question_2"]["points"] is None
    assert (data["manual_total"], data["final_total"]) == (2.5, 2.5)
    assert data["max_final_total"] == tasks.MAX_TOTAL + sum(tasks.MANUAL_POINTS.values())


def test_every_part_of_a_full_report_goes_through_json_and_back():
    result = full_report()
    data = result.to_json()
    report.validate(data)
    assert Report.from_json(json.loads(json.dumps(data))) == result
    assert data["notebook"]["first_mismatch"]["re-executed"] == "2.31"
    assert data["tasks"]["softmax_naive"]["notes"] == ["an attribute W_"]
    assert data["tasks"]["softmax_naive"]["diagnoses"] == ["no shift"]
    assert data["tasks"]["softmax_naive"]["tests"] == {
        "tests/hidden/t.py::test_matches_reference[a]": "failed",
        "tests/public/t.py::test_dW_matches_central_differences_at_every_coordinate": "passed",
        "tests/public/t.py::T::test_likely_cause_no_per_row_shift": "failed"}
    assert "diagnoses" not in data["tasks"]["softmax_vectorized"]
    assert "tests" not in data["tasks"]["softmax_vectorized"]  # absent where no test ran
    row = result.row()
    assert (row["total"], row["inline_question_1"], row["final_total"]) == (
        result.total, 2.5, result.total + 2.5)
    assert (row["measured_val"], row["softmax_naive:gradient"]) == (0.39, 3)


def break_it(data, path, value=KeyError):
    """A copy of data with the key at `path` set to value, or removed (value KeyError)."""
    broken = copy.deepcopy(data)
    *parents, last = path
    target = broken
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return broken


@pytest.mark.parametrize("path, value", [
    (("notebook",), KeyError),
    (("total",), "50"),
    (("grade",), "A"),
    (("tasks", "softmax_naive", "points"), -1),
    (("tasks", "softmax_naive", "passed"), "yes"),
    (("tasks", "softmax_naive", "groups", "gradient", "first_failed"), KeyError),
    (("tasks", "softmax_naive", "groups", "gradient", "tests"), 1.5),
    (("tasks", "softmax_naive", "diagnoses"), "no shift"),
    (("notebook", "accuracy_measured", "val"), 1.5),
    (("notebook", "accuracy", "softmax, tuned", "best"), 0.5),
    (("notebook", "first_mismatch", "re-executed"), KeyError),
    (("notebook", "cells_matched"), None),
    (("final_total",), KeyError),
    (("manual", "inline_question_1", "comment"), None),
    (("manifest", "files", "gradient_check.py"), "not a SHA-256"),
    (("manifest", "grader"), KeyError),
    (("manifest", "environment", "threads"), "two"),
    (("manifest", "isolation"), "none"),
    (("replays",), "identical"),
], ids=lambda part: "/".join(part) if isinstance(part, tuple) else None)
def test_the_schema_refuses_what_is_not_a_report(path, value):
    data = full_report().to_json()
    report.validate(data)
    with pytest.raises(jsonschema.ValidationError):
        report.validate(break_it(data, path, value))


def test_the_manual_totals_come_only_with_the_marks():
    data = grade_all.stopped("bob.zip", "a kill").to_json()
    with pytest.raises(jsonschema.ValidationError, match="'manual' is a dependency"):
        report.validate({**data, "final_total": 0})


def test_an_invalid_report_is_never_written(tmp_path):
    result = grade_all.stopped("bob.zip", "a kill")
    result.notebook.cells_total = -1
    with pytest.raises(jsonschema.ValidationError, match="-1 is less than the minimum of 0"):
        result.write(tmp_path / "out")
    assert not (tmp_path / "out").exists()
