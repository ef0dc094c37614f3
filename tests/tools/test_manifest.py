"""The manifest every report carries, and how a replay compares two grades, without grading.

The grades themselves are replayed in test_replay.py; here the parts are checked against
what they must equal: SHA-256 computed by hashlib from the bytes written, the BLAS kernel
and thread count set in a subprocess's environment, differences written out by hand.
"""

import copy
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import zipfile

import jsonschema
import pytest
from conftest import BUNDLE, make_report

from grading import report, tasks
from grading.course import manual
from grading.grader import manifest, replay
from grading.gradescope import results

GRADESCOPE_SCHEMA = json.loads(
    (BUNDLE / "grading/gradescope/autograder/results.schema.json").read_text())


def certified(name="alice", passed=("softmax_naive",)):
    """A report with its manifest, as grade writes one, built for this bundle."""
    found = make_report(name, set(passed), cells=(20, 23), val=0.4)
    files = {"gradient_check.py": hashlib.sha256(b"x = 1\n").hexdigest()}
    return dataclasses.replace(found, manifest=manifest.build(BUNDLE, files, True, 300, 3600))


def test_submitted_files_are_hashed_as_grade_takes_them_from_a_folder_or_a_zip(tmp_path):
    contents = {"gradient_check.py": b"x = 1\n", tasks.NOTEBOOK: b'{"cells": []}'}
    folder = tmp_path / "alice"
    for rel, data in {**contents, "notes.txt": b"not a submission file"}.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    with zipfile.ZipFile(tmp_path / "alice.zip", "w") as archive:
        for rel, data in contents.items():
            archive.writestr(f"alice/{rel}", data)
    expected = {rel: hashlib.sha256(data).hexdigest() for rel, data in contents.items()}
    assert manifest.submitted(folder) == expected
    assert manifest.submitted(tmp_path / "alice.zip") == expected
    (tmp_path / "garbage.zip").write_bytes(b"not a zip")
    assert manifest.submitted(tmp_path / "garbage.zip") == {}


def test_the_grader_version_changes_with_any_byte_or_name_and_ignores_caches(tmp_path):
    for rel in ("grading/tasks.py", "tests/hidden/test_x.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    folders = {"grading": tmp_path / "grading", "tests": tmp_path / "tests"}
    first = manifest.tree_hash(folders)
    (tmp_path / "tests/hidden/__pycache__").mkdir()
    (tmp_path / "tests/hidden/__pycache__/test_x.pyc").write_bytes(b"\0")
    assert manifest.tree_hash(folders) == first
    (tmp_path / "tests/hidden/test_x.py").write_text("x = 1  # a comment\n")
    commented = manifest.tree_hash(folders)
    (tmp_path / "tests/hidden/test_x.py").rename(tmp_path / "tests/hidden/test_y.py")
    assert len({first, commented, manifest.tree_hash(folders)}) == 3
    assert manifest.grader_version(BUNDLE) == manifest.tree_hash(
        {"grading": BUNDLE / "grading", "tests": BUNDLE / "tests"})


def test_the_environment_records_the_blas_kernel_and_threads_it_runs_with():
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(OPENBLAS_CORETYPE="Sandybridge", OPENBLAS_NUM_THREADS="1")
    code = ("import json, dataclasses\nfrom grading.grader import manifest\n"
            "print(json.dumps(dataclasses.asdict(manifest.environment())))")
    found = json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                      capture_output=True, text=True, timeout=120).stdout)
    if not found["blas"].startswith("openblas"):
        pytest.skip("numpy here does not use OpenBLAS")
    assert (found["kernel"], found["threads"]) == ("Sandybridge", 1)
    assert found["python"] == "{}.{}.{}".format(*sys.version_info[:3])


def test_a_manifest_round_trips_through_report_json_and_ends_report_md():
    found = certified()
    data = found.to_json()
    report.validate(data)  # test_report.py has the schema refuse broken manifests
    assert report.Report.from_json(data) == found
    assert data["manifest"]["isolation"] == "bubblewrap"
    assert data["manifest"]["timeouts"] == {"task": 300, "notebook": 3600}
    digest = found.manifest.files["gradient_check.py"]
    assert "## Certificate" in found.markdown()
    assert f"- File gradient_check\\.py: SHA-256 `{digest}`" in found.markdown()


def test_gradescope_results_carry_the_manifest_in_extra_data():
    found = certified()
    data = results.results(found, 12.0)
    jsonschema.validate(data, GRADESCOPE_SCHEMA)
    assert data["extra_data"] == {"manifest": found.to_json()["manifest"]}


def test_differences_name_each_task_group_test_and_notebook_cell():
    old = certified()
    assert replay.differences(old, copy.deepcopy(old)) == []
    new = copy.deepcopy(old)
    naive = new.tasks["softmax_naive"]
    naive.passed, naive.points = False, 5
    naive.groups["gradient"] = report.GroupResult(False, 0, 3, 4, "off", "tests/hidden/t.py::g")
    naive.tests = {"tests/hidden/t.py::g": "failed"}
    new.notebook.cells_matched = 19
    new.notebook.first_mismatch = report.Mismatch(7, "print(loss)", "2.3", "2.4")
    assert replay.differences(old, new) == [
        "task softmax_naive: (10, True) -> (5, False)",
        "group softmax_naive/gradient: None -> (0, False)",
        "test tests/hidden/t.py::g: absent -> failed",
        "notebook cells matched: 20 / 23 -> 19 / 23",
        "notebook first mismatching cell: None -> 7"]


def test_a_changed_grader_is_said_and_a_changed_environment_warned_about():
    old = certified()
    new = copy.deepcopy(old)
    assert old.manifest and new.manifest
    new.manifest.grader = "0" * 64
    new.manifest.environment.kernel, new.manifest.environment.threads = "Haswell", 7
    said, warnings = replay.outcome(old, new)
    assert said == [f"the grader changed: {old.manifest.grader} in the report, {'0' * 64} now",
                    "identical"]
    assert warnings == [
        f"warning: environment differs: kernel: {old.manifest.environment.kernel} -> Haswell",
        f"warning: environment differs: threads: {old.manifest.environment.threads} -> 7"]


def test_no_report_a_broken_report_and_one_without_a_manifest_are_refused(tmp_path, capsys):
    assert replay.main([str(tmp_path), str(tmp_path)]) == 2
    assert f"REPORT_DIR {tmp_path} holds no report.json" in capsys.readouterr().err
    make_report("alice", set()).write(tmp_path)
    assert replay.main([str(tmp_path), str(tmp_path)]) == 2
    assert "its report has no manifest" in capsys.readouterr().err
    (tmp_path / "report.json").write_text('{"submission": "alice"}')
    assert replay.main([str(tmp_path), str(tmp_path)]) == 2
    assert "its report.json is not a report ('total' is a required property)" \
        in capsys.readouterr().err


def test_marks_merged_into_a_written_report_keep_its_manifest_and_replays(tmp_path):
    written = dataclasses.replace(certified("bob.zip"), replays=["replayed: identical"])
    written.write(tmp_path / "bob.zip")
    (tmp_path / "marks.csv").write_text("submission,task,points,comment\n"
                                        "bob.zip,inline_question_1,2,Regrade: re-read\n"
                                        "carol,inline_question_1,3,\n")
    assert manual.main([str(tmp_path / "marks.csv"), str(tmp_path / "bob.zip")]) == 0
    merged = report.Report.from_json(json.loads((tmp_path / "bob.zip/report.json").read_text()))
    assert merged.manifest == written.manifest and merged.replays == written.replays
    assert merged.manual["inline_question_1"] == report.ManualMark(2, 3, "Regrade: re-read")
    assert merged.final_total == written.total + 2
    assert manual.main([str(tmp_path / "marks.csv"), str(tmp_path / "nobody")]) == 2


def test_marks_are_not_merged_into_a_broken_report_nor_beside_it(tmp_path, capsys):
    (tmp_path / "marks.csv").write_text("submission,task,points,comment\n"
                                        "bob,inline_question_1,2,\n")
    certified("bob").write(tmp_path / "bob")
    broken = '{"submission": "carol"}'
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol/report.json").write_text(broken)
    before = (tmp_path / "bob/report.json").read_text()
    assert manual.main([str(tmp_path / "marks.csv"), str(tmp_path / "bob"),
                        str(tmp_path / "carol")]) == 2
    assert "carol: its report.json is not a report ('total' is a required property)" \
        in capsys.readouterr().err
    assert (tmp_path / "bob/report.json").read_text() == before
    assert (tmp_path / "carol/report.json").read_text() == broken


def test_a_replay_that_differs_prints_each_item_and_exits_1(tmp_path, monkeypatch, capsys):
    old = certified()
    new = copy.deepcopy(old)
    new.tasks["softmax_naive"].points = 5
    new.notebook.status = "timed out in cell 3"
    monkeypatch.setattr(replay, "replay", lambda *args, **kwargs: (old, new))
    assert replay.main([str(tmp_path), str(tmp_path)]) == 1
    assert capsys.readouterr().out == (
        "differs: task softmax_naive: (10, True) -> (5, True)\n"
        "differs: notebook status: re-executed -> timed out in cell 3\n")
