"""What grade_all writes around the grading: progress, class report, readable notebooks, marks.

Nothing is graded here: `grade_one` is replaced by a stand-in that writes the
report of a stopped grading (grade_all's own `stopped`) and, for some
submissions, a re-executed notebook as `grade` keeps it. The grading itself is
tested in test_grading_grade.py.
"""

import csv
import json
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import unquote

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grading import tasks
from grading.course import export, grade_all, progress
from grading.grader import grade, nbgrade
from grading.grader.workspace import Workspace
from grading.isolation import sandbox
from grading.report import NotebookResult

HOSTILE = "<img src=x onerror=alert(1)>"  # a folder name cannot hold the "/" of </script>
NAMES = ["alice", "bob.zip", f"eve{HOSTILE}"]


class Links(HTMLParser):
    """The tags, links and text of a page."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.links, self.text = [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_data(self, data):
        self.text.append(data)


def fake_grade_one(calls, others_done=None):
    """A grade_one that grades nothing: a stopped report, and a notebook for alice and eve.

    With `others_done`, an event, alice finishes only once it is set.
    """
    def grade_one(path, out, options):
        calls.append(path.name)
        if others_done is not None and path.name == "alice":
            assert others_done.wait(timeout=120), "the other submissions never finished"
        result = grade_all.stopped(path.name, f"RuntimeError: {HOSTILE}")
        folder = out / grade_all.REPORTS / path.name
        result.write(folder)
        if path.name != "bob.zip":
            cell = new_code_cell("show()", execution_count=1, outputs=[new_output(
                "display_data", data={"text/html": f"<b>{path.name}</b><script>x = 1</script>",
                                      "text/plain": "shown"})])
            nbformat.write(new_notebook(cells=[cell]), folder / nbgrade.KEPT)
        return result
    return grade_one


@pytest.fixture
def subs(tmp_path):
    folder = tmp_path / "subs"
    for name in NAMES:
        (folder / name).parent.mkdir(exist_ok=True)
        if name.endswith(".zip"):
            (folder / name).write_bytes(b"not graded here")
        else:
            (folder / name).mkdir()
    return folder


@pytest.fixture
def calls(monkeypatch):
    calls = []
    monkeypatch.setattr(grade_all, "grade_one", fake_grade_one(calls))
    return calls


def test_progress_lines_come_as_submissions_finish(subs, tmp_path, capsys, monkeypatch):
    # alice comes first by name but finishes last: she waits until two lines are out.
    calls, others_done, done = [], threading.Event(), progress.Progress.done

    def counted(self, name, summary):
        done(self, name, summary)
        if self.count == len(NAMES) - 1:
            others_done.set()

    monkeypatch.setattr(grade_all, "grade_one", fake_grade_one(calls, others_done))
    monkeypatch.setattr(progress.Progress, "done", counted)
    rows = grade_all.grade_all(subs, tmp_path / "out", jobs=3, sandboxed=False, pdf=False)
    lines = capsys.readouterr().err.splitlines()
    counts = [line for line in lines if line.startswith("[")]
    assert len(counts) == 3 and counts[-1].startswith("[3/3] alice: 0 / ")
    assert sorted(calls) == sorted(NAMES)
    assert [row["submission"] for row in rows] == sorted(NAMES)  # scores.csv in name order


def test_the_class_report_links_each_report_and_escapes_names(subs, calls, tmp_path):
    grade_all.grade_all(subs, tmp_path / "out", jobs=3, sandboxed=False, pdf=False)
    page = tmp_path / "out" / "class_report.html"
    assert page.is_file() and (tmp_path / "out" / "scores.csv").is_file()
    parsed = Links(page.read_text(encoding="utf-8"))
    targets = sorted(unquote(link) for link in parsed.links)
    assert targets == sorted(f"{grade_all.REPORTS}/{name}/report.md" for name in NAMES)
    assert all((tmp_path / "out" / target).is_file() for target in targets)
    # The hostile name is text, never a tag: every <img> is an inline figure.
    assert all(attrs["src"].startswith("data:image/png") and "onerror" not in attrs
               for tag, attrs in parsed.tags if tag == "img")
    assert f"eve{HOSTILE}" in "".join(parsed.text)


def test_kept_notebooks_are_written_as_sanitized_html(subs, calls, tmp_path):
    grade_all.grade_all(subs, tmp_path / "out", jobs=3, sandboxed=False, pdf=False)
    folders = tmp_path / "out" / grade_all.REPORTS
    page = (folders / "alice" / "notebook.html").read_text(encoding="utf-8")
    assert "<b>alice</b>" in page and "<script>x = 1" not in page
    assert (folders / f"eve{HOSTILE}" / "notebook.html").is_file()
    assert not (folders / "bob.zip" / "notebook.html").exists()  # nothing kept, nothing written
    assert not list(folders.glob("*/notebook.pdf"))  # pdf=False


def marks(tmp_path, body):
    path = tmp_path / "marks.csv"
    path.write_text("submission,task,points,comment\n" + body, encoding="utf-8")
    return path


def test_a_bad_marks_file_is_refused_before_any_grading(subs, calls, tmp_path, capsys):
    path = marks(tmp_path, "alice,inline_question_1,2,\ncarol,inline_question_1,1,\n"
                           "bob.zip,inline_question_2,7,\n")
    status = grade_all.main([str(subs), "--out", str(tmp_path / "out"), "--no-sandbox",
                             "--marks", str(path)])
    err = capsys.readouterr().err
    assert status == 2 and calls == [] and not (tmp_path / "out").exists()
    assert "row 3: unknown submission 'carol'" in err
    assert "row 4: points 7 exceed the maximum 3 of inline_question_2" in err
    assert grade_all.main([str(subs), "--out", str(tmp_path / "out"), "--no-sandbox",
                           "--marks", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv does not exist" in capsys.readouterr().err and calls == []


def test_marks_are_merged_into_scores_and_reports(subs, calls, tmp_path):
    path = marks(tmp_path, 'alice,inline_question_1,2.5,"Right; the reasoning is short."\n'
                           "bob.zip,ridge_question,3,\n")
    status = grade_all.main([str(subs), "--out", str(tmp_path / "out"), "--no-sandbox",
                             "--no-pdf", "--marks", str(path)])
    assert status == 0
    with open(tmp_path / "out" / "scores.csv", newline="", encoding="utf-8") as scores:
        rows = {row["submission"]: row for row in csv.DictReader(scores)}
    # Every stand-in report has an automatic total of 0, so the final total is the manual one.
    assert (rows["alice"]["inline_question_1"], rows["alice"]["final_total"]) == ("2.5", "2.5")
    assert (rows["bob.zip"]["ridge_question"], rows["bob.zip"]["final_total"]) == ("3.0", "3.0")
    assert rows[f"eve{HOSTILE}"]["final_total"] == "0"
    folder = tmp_path / "out" / grade_all.REPORTS / "alice"
    merged = json.loads((folder / "report.json").read_text())
    assert merged["manual"]["inline_question_1"]["points"] == 2.5
    assert merged["final_total"] == 2.5
    assert merged["max_final_total"] == merged["max_total"] + sum(tasks.MANUAL_POINTS.values())
    text = (folder / "report.md").read_text()
    assert "| `inline_question_1` | 2.5 / 3 | Right; the reasoning is short\\. |" in text
    assert "| `ridge_question` | not marked yet |" in text
    assert f"**Final total: 2.5 / {merged['max_final_total']}**" in text


def test_grade_keeps_the_re_executed_notebook_under_a_size_cap(tmp_path, monkeypatch):
    executed = tmp_path / "work" / "nb" / tasks.NOTEBOOK
    executed.parent.mkdir(parents=True)
    executed.write_text("{}", encoding="utf-8")
    entry = NotebookResult(status="re-execution timed out")
    assert nbgrade.keep_notebook(Workspace(tmp_path / "work"), entry, tmp_path / "a") == []
    assert not (tmp_path / "a").exists()  # not run to its end: nothing to read
    entry.status = grade.nbgrade.EXECUTED
    assert nbgrade.keep_notebook(Workspace(tmp_path / "work"), entry, tmp_path / "b") == []
    assert (tmp_path / "b" / nbgrade.KEPT).read_text() == "{}"
    monkeypatch.setattr(nbgrade, "MAX_KEPT", 1)
    problems = nbgrade.keep_notebook(Workspace(tmp_path / "work"), entry, tmp_path / "c")
    assert problems and "not kept for reading" in problems[0]
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("drops, workers", [(True, 1), (False, 3)])
def test_without_a_sandbox_one_uid_grades_one_submission_at_a_time(subs, calls, tmp_path,
                                                                   monkeypatch, capsys,
                                                                   drops, workers):
    made = []

    class Pool(ThreadPoolExecutor):  # records how many submissions may run at once
        def __init__(self, max_workers):
            made.append(max_workers)
            super().__init__(max_workers)

    monkeypatch.setattr(grade_all, "ThreadPoolExecutor", Pool)
    monkeypatch.setattr(sandbox, "drops", lambda: drops)
    grade_all.grade_all(subs, tmp_path / "out", jobs=3, sandboxed=False, pdf=False)
    assert made == [workers, workers]  # the grading, then the rendering
    assert ("one submission at a time" in capsys.readouterr().err) == drops


def test_each_grade_gets_its_share_of_the_cores_and_its_own_tmpdir(tmp_path, monkeypatch):
    for name in grade_all.BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    env = grade_all.environment(tmp_path, 3)
    assert [env[name] for name in grade_all.BLAS_THREADS] == ["2", "2", "2"]  # 8 // 3
    assert env["TMPDIR"] == str(tmp_path)
    assert grade_all.environment(tmp_path, 16)["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")  # the grader's own setting stands
    assert grade_all.environment(tmp_path, 3)["OPENBLAS_NUM_THREADS"] == "4"


def test_a_slow_notebook_never_delays_the_scores_and_is_listed_as_not_rendered(
        subs, tmp_path, monkeypatch, capsys):
    # eve's kept notebook is 200 KB of nested <div>, which nbconvert renders in quadratic
    # time; a tiny deadline stands in for the real one, so every render runs out of time.
    calls, seen, render = [], [], export.render

    def slow_for_eve(path, out, options):
        result = fake_grade_one(calls)(path, out, options)
        if path.name.startswith("eve"):
            depth, folder = 200 * 1024 // len("<div></div>"), out / grade_all.REPORTS / path.name
            nbformat.write(new_notebook(cells=[new_markdown_cell(
                "<div>" * depth + "</div>" * depth)]), folder / nbgrade.KEPT)
        return result

    def recorded(notebook, out_dir, pdf=True, timeout=None):  # what is out when it starts
        seen.append([(tmp_path / "out" / name).is_file() for name in ("scores.csv",
                                                                       "class_report.html")])
        return render(notebook, out_dir, pdf, timeout)

    monkeypatch.setattr(grade_all, "grade_one", slow_for_eve)
    monkeypatch.setattr(export, "RENDER_TIMEOUT", 0.01)
    monkeypatch.setattr(export, "render", recorded)
    rows = grade_all.grade_all(subs, tmp_path / "out", jobs=2, sandboxed=False, pdf=False)
    assert len(rows) == len(NAMES) and seen == [[True, True], [True, True]]  # alice and eve
    late, folders = "not rendered: took over 0.01 s", tmp_path / "out" / grade_all.REPORTS
    for name in ("alice", f"eve{HOSTILE}"):
        assert json.loads((folders / name / "report.json").read_text())["readable"] == {
            export.HTML: late}
        assert not (folders / name / export.HTML).exists()
    assert "For reading: notebook\\.html not rendered: took over 0\\.01 s" in (
        folders / "alice" / "report.md").read_text()
    assert "readable" not in json.loads((folders / "bob.zip" / "report.json").read_text())
    page = Links((tmp_path / "out" / "class_report.html").read_text(encoding="utf-8"))
    assert "".join(page.text).count(f"{export.HTML}: {late}") == 2
    assert f"grade_all: 2 submission(s): {export.HTML}: {late}" in capsys.readouterr().err


def test_scores_csv_has_the_accuracy_the_grader_measured_not_the_print_out(subs, tmp_path,
                                                                           monkeypatch):
    stand_in = fake_grade_one([])

    def grade_one(path, out, options):
        result = stand_in(path, out, options)
        if path.name == "alice":
            result.notebook.accuracy_measured = {"val": 0.433, "test": 0.45}
            result.notebook.accuracy = {"softmax": {"val": 0.99, "test": 0.99}}
        return result

    monkeypatch.setattr(grade_all, "grade_one", grade_one)
    assert grade_all.main([str(subs), "--out", str(tmp_path / "out"), "--no-sandbox",
                           "--no-pdf"]) == 0
    with open(tmp_path / "out" / "scores.csv", newline="", encoding="utf-8") as scores:
        rows = {row["submission"]: row for row in csv.DictReader(scores)}
    assert (rows["alice"]["measured_val"], rows["alice"]["measured_test"]) == ("0.433", "0.45")
    assert (rows["bob.zip"]["measured_val"], rows["bob.zip"]["measured_test"]) == ("", "")


def test_a_grade_that_crashes_gets_a_report_and_the_run_goes_on(tmp_path):
    # A bundle without its task files makes every grade stop with a traceback: the class
    # still gets each submission's report and row, saying so.
    (tmp_path / "class" / "carol").mkdir(parents=True)
    shutil.copyfile(tasks.BUNDLE / "gradient_check.py",
                    tmp_path / "class" / "carol" / "gradient_check.py")
    (tmp_path / "empty").mkdir()
    rows = grade_all.grade_all(tmp_path / "class", tmp_path / "out", bundle=tmp_path / "empty",
                               sandboxed=False, pdf=False)
    assert [row["submission"] for row in rows] == ["carol"] and rows[0]["total"] == 0
    assert rows[0]["problems"].startswith("not graded: grading stopped with FileNotFoundError")
    written = json.loads((tmp_path / "out" / grade_all.REPORTS / "carol" / "report.json")
                         .read_text())
    assert written["problems"] == [rows[0]["problems"]]
