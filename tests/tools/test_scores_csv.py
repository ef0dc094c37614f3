"""Every CSV the grader writes holds text where a spreadsheet would see a formula."""

import csv
import re
from pathlib import Path

from grading import report
from grading.course import grade_all

FORMULAS = ['=HYPERLINK("http:evil","click")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def stopped(path, out, bundle, options):
    """A grade_one that grades nothing: the report of a stopped grading."""
    result = grade_all.stopped(path.name, "RuntimeError: not graded here", bundle)
    report.write(result, out / grade_all.REPORTS / path.name)
    return result


def test_formulas_in_submission_names_reach_scores_csv_as_text(tmp_path, monkeypatch):
    folder = tmp_path / "formulas"
    for name in FORMULAS + ["plain=name"]:
        (folder / name).mkdir(parents=True)
    monkeypatch.setattr(grade_all, "grade_one", stopped)
    grade_all.grade_all(folder, tmp_path / "out", jobs=2, sandboxed=False, pdf=False)
    with open(tmp_path / "out" / "scores.csv", newline="", encoding="utf-8") as scores:
        rows = list(csv.DictReader(scores))
    assert sorted(row["submission"] for row in rows) == sorted(
        ["'" + name for name in FORMULAS] + ["plain=name"])
    assert {row["total"] for row in rows} == {"0"}  # numbers stay numbers


def test_csv_cells_that_start_a_formula_get_a_quote_and_numbers_stay():
    assert [report.csv_cell(text) for text in FORMULAS] == ["'" + text for text in FORMULAS]
    assert report.csv_cell("-1.5") == "'-1.5"  # text, even when it reads as a number
    assert [report.csv_cell(value) for value in (-1.5, -3, 0, 2.5)] == [-1.5, -3, 0, 2.5]
    assert [report.csv_cell(text) for text in ("alice", "a=b", "", "'=x")] == [
        "alice", "a=b", "", "'=x"]


def test_every_csv_the_grader_writes_goes_through_one_helper():
    # csv.writer and csv.DictWriter appear in report.write_csv and nowhere else in grading/.
    grading = Path(report.__file__).parent
    writers = sorted(path.name for path in grading.rglob("*.py")
                     if re.search(r"csv\.(DictWriter|writer)\(", path.read_text("utf-8")))
    assert writers == ["report.py"]
