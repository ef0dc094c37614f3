"""Manual marks: the CSV's validation and the merge; the readable notebook export."""

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from grading import report, tasks
from grading.course import export, manual
from grading.student import regions

BUNDLE = Path(__file__).resolve().parents[2]
SUBMISSIONS = ["alice", "bob.zip"]
HEADER = "submission,task,points,comment\n"


def marks_file(tmp_path, body):
    path = tmp_path / "marks.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_manual_tasks_are_the_notebooks_answer_regions():
    nb = nbformat.read(BUNDLE / tasks.NOTEBOOK, as_version=4)
    found = {region.task for _, kind, source, loc in regions.notebook_sources(nb, "nb")
             if kind == "answer" for region in regions.find_regions(source, kind, loc)}
    assert set(tasks.MANUAL_POINTS) == found
    assert all(isinstance(p, int) and p > 0 for p in tasks.MANUAL_POINTS.values())


def scored(name, total):
    """The report of `name` whose tasks, in order, scored their full points up to `total`."""
    result = report.Report.failed(name, "graded elsewhere")
    for entry in result.tasks.values():
        entry.points = min(entry.max_points, total - result.total)
    return result


def test_marks_are_read_and_merged_into_reports_and_rows(tmp_path):
    path = marks_file(tmp_path, 'alice,inline_question_1,3,"Right, and says why."\n'
                                "\n"
                                "bob.zip,ridge_question,1.5,\n")
    marks = manual.read_marks(path, SUBMISSIONS)
    assert marks == {"alice": {"inline_question_1": {"points": 3.0, "max_points": 3,
                                                     "comment": "Right, and says why."}},
                     "bob.zip": {"ridge_question": {"points": 1.5, "max_points": 3,
                                                    "comment": ""}}}
    result = scored("bob.zip", 20)
    merged = manual.merge_report(result, marks)
    assert result.manual is None and result.total == 20  # not modified
    assert merged.manual["ridge_question"].points == 1.5
    assert merged.manual["inline_question_3"] == report.ManualMark(points=None, max_points=3,
                                                                  comment="")
    assert (merged.manual_total, merged.final_total) == (1.5, 21.5)
    assert merged.max_final_total == 50 + 12
    rows = [manual.merge_report(scored(name, total), marks).row()
            for name, total in (("alice", 50), ("bob.zip", 20))]
    manual_columns = ["submission", "total", *tasks.MANUAL_POINTS, "manual_total", "final_total"]
    assert list(rows[0])[-len(tasks.MANUAL_POINTS) - 2:] == manual_columns[2:]
    assert {key: rows[0][key] for key in manual_columns} == {
        "submission": "alice", "total": 50, "ridge_question": "", "inline_question_1": 3.0,
        "inline_question_2": "", "inline_question_3": "", "manual_total": 3.0,
        "final_total": 53.0}
    assert rows[1]["final_total"] == 21.5


@pytest.mark.parametrize("row, message", [
    ("carol,inline_question_1,2,", "row 2: unknown submission 'carol': not one of the 2"),
    ("alice,softmax_naive,2,", "row 2: unknown task 'softmax_naive'; tasks marked by hand"),
    ("alice,inline_question_1,4,", "row 2: points 4 exceed the maximum 3 of inline_question_1"),
    ("alice,inline_question_1,three,", "row 2: points must be a number, got 'three'"),
    ("alice,inline_question_1,nan,", "row 2: points must be a finite number >= 0, got 'nan'"),
    ("alice,inline_question_1,-1,", "row 2: points must be a finite number >= 0, got '-1'"),
    ("alice,inline_question_1,2", "row 2: expected 4 fields"),
    ("alice,inline_question_1,2,\nalice,inline_question_1,3,",
     "row 3: alice inline_question_1 is marked already in row 2"),
])
def test_a_bad_row_is_refused_naming_it(tmp_path, row, message):
    path = marks_file(tmp_path, row + "\n")
    with pytest.raises(ValueError, match=f"marks.csv, {message}"):
        manual.read_marks(path, SUBMISSIONS)


def test_every_bad_row_is_named_at_once_and_a_bad_header_is_refused(tmp_path):
    path = marks_file(tmp_path, "carol,ridge_question,1,\nalice,ridge_question,9,\n")
    with pytest.raises(ValueError) as error:
        manual.read_marks(path, SUBMISSIONS)
    assert "row 2: unknown submission" in str(error.value)
    assert "row 3: points 9 exceed" in str(error.value)
    path.write_text("name,task,points\nalice,ridge_question,1\n")
    with pytest.raises(ValueError, match="row 1: the header must be submission,task,points"):
        manual.read_marks(path, SUBMISSIONS)
    with pytest.raises(FileNotFoundError, match="marks file .*missing.csv does not exist"):
        manual.read_marks(tmp_path / "missing.csv", SUBMISSIONS)


def executed_notebook(tmp_path):
    """A one-cell executed notebook whose output carries HTML with a script."""
    cell = new_code_cell("show()", execution_count=1, outputs=[new_output(
        "display_data", data={"text/html": "<b>bold</b><script>window.hostile = 1</script>",
                              "text/plain": "bold"})])
    path = tmp_path / "softmax.ipynb"
    nbformat.write(new_notebook(cells=[cell]), path)
    return path


def test_the_notebook_is_written_as_sanitized_html_and_pdf(tmp_path):
    written, note = export.write_readable(executed_notebook(tmp_path), tmp_path / "out")
    page = (tmp_path / "out" / "notebook.html").read_text()
    assert "<b>bold</b>" in page and "<script>window.hostile" not in page  # escaped as text
    if not export.CHROMIUM.exists():
        assert note.startswith("no PDF") and written == [tmp_path / "out" / "notebook.html"]
        return
    assert note is None and written[1] == tmp_path / "out" / "notebook.pdf"
    assert written[1].read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["notebook.html",
                                                                   "notebook.pdf"]


def test_without_the_system_chromium_the_pdf_is_skipped_saying_so(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "CHROMIUM", tmp_path / "no-chromium")
    written, note = export.write_readable(executed_notebook(tmp_path), tmp_path / "out")
    assert written == [tmp_path / "out" / "notebook.html"]
    assert "no PDF" in note and "is missing" in note
