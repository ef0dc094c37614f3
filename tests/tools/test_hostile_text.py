"""Submissions whose text or files break the grader's own reading and writing: each still
gets a report, and so does the class. Found by attacking the grader: a lone surrogate in a
message or an answer stopped report.md, a name that is not UTF-8 stopped scores.csv, and a
zip member that cannot be read (a password, an unknown method, corrupt data) stopped grade
before any report."""

import csv
import json
import os
import struct
import zipfile

import pytest

from grading import tasks
from grading.child import channel
from grading.course import grade_all
from grading.grader import grade
from grading.student import regions

from grading_fixtures import BUNDLE

CHECK = "gradient_check.py"


def patched_zip(path, how):
    """A zip of the solution's gradient_check.py that zipfile cannot read, `how` says why."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(CHECK, (BUNDLE / CHECK).read_text())
    data = bytearray(path.read_bytes())
    for signature, flags, method in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.index(signature)
        if how == "password":
            data[at + flags] |= 1
        elif how == "method":
            data[at + method:at + method + 2] = struct.pack("<H", 99)
    if how == "corrupt":
        start = data.index(b"PK\x03\x04") + 30 + len(CHECK)
        data[start + 10:start + 50] = bytes(40)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("how", ["password", "method", "corrupt"])
def test_a_zip_that_cannot_be_read_gets_a_report(tmp_path, how):
    result = grade.grade(patched_zip(tmp_path / f"{how}.zip", how), tmp_path / "out")
    assert result.total == 0
    assert any("cannot be read" in problem for problem in result.problems), result.problems
    assert (tmp_path / "out" / "report.md").is_file()


def test_a_lone_surrogate_in_a_message_or_an_answer_still_gets_a_report(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / CHECK).write_text(regions.rewrite(
        (BUNDLE / CHECK).read_text(), "code", CHECK,
        lambda region, body: [region.indent + 'raise ValueError("bad \\ud800 text")']))
    result = grade.grade(sub, tmp_path / "out")
    message = result.tasks["gradient_check"].message
    assert "\\ud800" in message and result.total == 0
    assert "\\ud800" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


def test_a_name_that_is_not_utf8_gets_its_row(tmp_path):
    folder = tmp_path / "class"
    student = os.path.join(os.fsencode(folder), b"\xe9l\xe8ve")
    os.makedirs(student)
    with open(os.path.join(student, os.fsencode(CHECK)), "wb") as file:
        file.write((BUNDLE / CHECK).read_bytes())
    grade_all.grade_all(folder, tmp_path / "out", jobs=1, task_timeout=120, pdf=False)
    with open(tmp_path / "out" / "scores.csv", encoding="utf-8", newline="") as scores:
        rows = list(csv.DictReader(scores))
    assert [row["submission"] for row in rows] == ["\\udce9l\\udce8ve"]
    assert rows[0]["total"] == str(tasks.TASKS["gradient_check"].points)


def test_the_graders_side_names_no_frame_of_its_own():
    def hidden_reference():
        raise ValueError("shapes do not match")

    try:
        hidden_reference()
    except ValueError as error:
        said = channel.describe(error)
    assert said["message"] == "shapes do not match"
    assert json.dumps(said).count("hidden_reference") == 0
