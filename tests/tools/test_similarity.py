"""Similarity across the class: a disguised copy is flagged, honest work is not, and what a
submission holds reaches the pages escaped."""

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grading import tasks
from grading.course import class_report, grade_all, similarity
from grading.grader import unpack
from grading.report import Report

import similar_class
from similar_class import CHECK, SOFTMAX, THIRD

BUNDLE = Path(__file__).resolve().parents[2]
HONEST_FULL = ("reference", "other", "third")  # written independently, every region
# Markup that would run if a page quoted it raw; a folder name cannot hold its "/".
MARKUP = "<img src=x onerror=alert(1)>"
CODE_MARKUP = "</pre><script>window.hostile = 1</script>"


@pytest.fixture(scope="module")
def class_of_20(tmp_path_factory):
    """The class of similar_class.py, handed in once: {name: submission}."""
    return similar_class.hand_in(tmp_path_factory.mktemp("similar"))


@pytest.fixture(scope="module")
def compared(class_of_20):
    """The class of 20 compared at the default threshold."""
    return similarity.similarity(class_of_20)


def scores(result, a, b):
    """The `Pair` of submissions a and b."""
    return next(pair for pair in result.pairs if {pair.a, pair.b} == {a, b})


def test_the_disguised_copy_is_the_top_pair_and_the_only_one_flagged(compared):
    assert len(compared.names) == 20
    top = compared.pairs[0]
    assert {top.a, top.b} == {"copy", "third"}
    assert compared.flagged == [top]
    # Each score alone reaches the threshold: the copy took code and answers.
    assert top.code >= similarity.THRESHOLD and top.answers >= similarity.THRESHOLD
    honest = max(pair.score for pair in compared.pairs[1:])
    assert honest < similarity.THRESHOLD <= top.score, (honest, top.score)


def test_the_threshold_separates_them_task_by_task_too(compared):
    # As if each student had written one task only: no honest pair reaches the threshold
    # (the closest, gradient_check's, whose comments spell out every call), and the copy
    # does in every task.
    parts, prints = similarity.release_parts(), compared.fingerprints
    for task in {part.task for part in parts}:
        labels = [part.label for part in parts if part.task == task]
        for pair in compared.pairs:
            score, _ = similarity.compare(prints[pair.a], prints[pair.b], labels)
            if {pair.a, pair.b} == {"copy", "third"}:
                assert score >= 0.8, (task, score)
            else:
                assert score < similarity.THRESHOLD - 0.05, (task, pair.a, pair.b, score)


def test_a_copy_with_renamed_variables_and_reordered_statements_matches_region_by_region(
        compared):
    pair = scores(compared, "copy", "third")
    # Every region the copy wrote is found, the disguised ones included: softmax_naive has
    # every name changed and two pairs of statements swapped, train_grid three statements
    # moved.
    written = {part.label for part in similarity.release_parts() if part.kind == "code"}
    assert set(pair.code_regions) <= written
    for label in ("softmax_naive", "softmax_vectorized", "train_grid", "hyperparameter_search"):
        assert pair.code_regions[label] >= 0.8, (label, pair.code_regions)
    assert set(pair.answer_regions) == set(similar_class.QUESTIONS)


def test_independently_written_correct_solutions_are_not_flagged(compared):
    for a, b in [("reference", "other"), ("reference", "third"), ("other", "third")]:
        pair = scores(compared, a, b)
        assert not pair.flagged and pair.code < 0.3 and pair.answers < 0.1, pair


def test_two_untouched_releases_share_nothing_since_the_stubs_are_left_out(class_of_20):
    release, zipped = class_of_20["release"], class_of_20["release.zip"]
    parts = similarity.release_parts()
    assert similarity.fingerprints(release, parts) == ({}, [])
    assert similarity.fingerprints(zipped, parts) == ({}, [])
    pair = similarity.similarity({"release": release, "release.zip": zipped}).pairs[0]
    assert (pair.code, pair.answers, pair.flagged) == (0.0, 0.0, False)


def test_a_stub_left_in_a_region_is_not_the_students_text():
    # The release's stub kept above a student's own line: only the student's line counts.
    stub_end = 'write this part of grad_check_sparse()")'
    kept_stub = similar_class.released(CHECK).replace(
        stub_end, stub_end + "\n    grad_numerical[:] = 0.0", 1)
    written, problems = similarity.bodies({CHECK: kept_stub.encode()},
                                          similarity.release_parts())
    assert (written, problems) == ({"gradient_check (2 of 2)": "    grad_numerical[:] = 0.0"},
                                   [])


def test_a_file_with_broken_markers_is_named_and_left_out(class_of_20):
    files = unpack.read(class_of_20["third"])
    files[SOFTMAX] = files[SOFTMAX].replace(b"# *****END OF YOUR CODE*****", b"", 1)
    written, problems = similarity.bodies(files, similarity.release_parts())
    assert len(problems) == 1 and problems[0].startswith(f"{SOFTMAX}:")
    assert "nest" in problems[0]
    assert "softmax_naive" not in written and "train_grid" in written


def test_a_region_of_megabytes_is_compared_on_its_start():
    text = similar_class.pasted(similar_class.released(CHECK), "code", CHECK,
                                ["x = 1\n" * 500_000, None])
    written, _ = similarity.bodies({CHECK: text.encode()}, similarity.release_parts())
    assert len(written["gradient_check (1 of 2)"]) == similarity.MAX_BODY == 50_000


def test_each_region_is_taken_from_the_release_and_no_other(class_of_20):
    parts = similarity.release_parts()
    labels = [part.label for part in parts]
    assert len(labels) == len(set(labels))
    # The release's regions: every task file's and the notebook's, none added by a student.
    assert {part.task for part in parts} == {*tasks.TASKS, *tasks.MANUAL_POINTS,
                                             similar_class.SEARCH}
    third = similarity.bodies(unpack.read(class_of_20["third"]), parts)[0]
    assert third["softmax_naive"].split("\n")[1] == "    for n in range(num_train):"
    assert third["inline_question_1"].strip() == similar_class.THIRD_ANSWERS[1]


def test_the_scores_repeat_in_every_process(class_of_20, compared, tmp_path):
    # Python salts its str hashes per process: the scores must not depend on them. This
    # process's salt is random, or set; the command's is another.
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    folder = next(iter(class_of_20.values())).parent
    done = subprocess.run([sys.executable, "-m", "grading.similarity", str(folder),
                           "--out", str(tmp_path / "command")], capture_output=True, text=True,
                          cwd=BUNDLE, env={**os.environ, "PYTHONHASHSEED": seed}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "1 of 190 pairs flagged" in done.stdout
    similarity.write(compared, tmp_path / "here")
    written = [(tmp_path / out / "similarity.csv").read_bytes() for out in ("command", "here")]
    assert written[0] == written[1]
    with open(tmp_path / "here" / "similarity.csv", newline="") as table:
        (row,) = csv.DictReader(table)
    assert (row["submission_a"], row["submission_b"]) == ("copy", "third")
    assert row["page"] == "similarity/pair-001.html"
    assert "softmax_naive" in row["code_regions"] and "ridge_question" in row["answers_matched"]
    assert (tmp_path / "command" / row["page"]).read_bytes() == \
        (tmp_path / "here" / row["page"]).read_bytes()


def test_the_outputs_escape_what_a_submission_holds(tmp_path):
    # Two submissions with markup in their names and their code, one a copy of the other,
    # and a name a spreadsheet would run as a formula.
    subs = tmp_path / "subs"
    body = THIRD[SOFTMAX][0].replace("# go through", f"# {CODE_MARKUP} go through")
    names = [f"a{MARKUP}", "=HYPERLINK(1)"]
    for name in names:
        similar_class.write(subs / name, {SOFTMAX: [body, None]})
    result = similarity.similarity(unpack.submissions(subs))
    assert len(result.flagged) == 1
    similarity.write(result, tmp_path / "out")
    page = (tmp_path / "out" / "similarity" / "pair-001.html").read_text()
    section = similarity.section(result)
    for text in (page, section):
        assert MARKUP not in text and "<script>" not in text
    assert html_escaped(MARKUP) in section and html_escaped(CODE_MARKUP) in page
    assert "<mark>" in page
    with open(tmp_path / "out" / "similarity.csv", newline="") as table:
        (row,) = csv.DictReader(table)
    assert {row["submission_a"], row["submission_b"]} == {"'=HYPERLINK(1)", f"a{MARKUP}"}


def html_escaped(text):
    """The text as HTML escapes it, written out here rather than taken from the code."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


def test_the_class_report_lists_the_top_pairs_and_a_heat_map(compared, class_reports):
    page = class_report.render(class_reports, similar=compared)
    section = page[page.index("<h2>Similarity</h2>"):page.index("<h2>Submissions</h2>")]
    assert f"1 of 190 pairs flagged at {similarity.THRESHOLD:.2f}" in section
    assert '<a href="similarity/pair-001.html">flagged</a>' in section
    assert section.count("<td>-</td></tr>") == similarity.TOP_PAIRS - 1
    heat = section[section.index('<table class="heat">'):]
    assert heat.count("<tr>") == 21 and heat.count('style="background:#ff') >= 2
    assert "<h2>Similarity</h2>" not in class_report.render(class_reports)


def test_a_bad_threshold_is_refused_by_name(tmp_path, capsys):
    with pytest.raises(ValueError, match=r"threshold must be in \(0, 1\], got 1.5"):
        similarity.similarity({}, threshold=1.5)
    assert similarity.main([str(tmp_path), "--out", str(tmp_path / "out"),
                            "--threshold", "0"]) == 2
    assert "threshold must be in (0, 1], got 0.0" in capsys.readouterr().err
    assert similarity.main([str(tmp_path / "absent"), "--out", str(tmp_path / "out")]) == 2
    assert "SUBMISSIONS_DIR must be a folder" in capsys.readouterr().err
    # grade_all refuses it before grading anything.
    assert grade_all.main([str(tmp_path), "--out", str(tmp_path / "out"),
                           "--similarity-threshold", "-1"]) == 2
    assert not (tmp_path / "out").exists()


def test_an_unreadable_submission_is_named_and_the_rest_compared(class_of_20, tmp_path):
    subs = tmp_path / "subs"
    for name in ("copy", "third"):
        shutil.copytree(class_of_20[name], subs / name)
    (subs / "garbage.zip").write_bytes(b"not a zip")
    (subs / "copy" / tasks.NOTEBOOK).write_text("{ not json")
    result = similarity.similarity(unpack.submissions(subs))
    assert result.problems == {
        "garbage.zip": "SUBMISSION must be a folder or a zip file, got garbage.zip",
        "copy": f"{tasks.NOTEBOOK} cannot be read (NotJSONError)"}
    pair = scores(result, "copy", "third")
    assert pair.flagged and pair.answers == 0.0 and pair.code > 0.8
    assert "garbage.zip: SUBMISSION must be a folder or a zip file" in similarity.section(result)


def test_the_flagged_pairs_are_listed_highest_first_each_with_its_page(class_of_20, tmp_path,
                                                                      capsys):
    subs = tmp_path / "subs"
    for name, source in [("copy", "copy"), ("third", "third"), ("twin", "third")]:
        shutil.copytree(class_of_20[source], subs / name)
    (subs / "garbage.zip").write_bytes(b"not a zip")
    assert similarity.main([str(subs), "--out", str(tmp_path / "out")]) == 0
    assert "similarity: garbage.zip: SUBMISSION must be" in capsys.readouterr().err
    with open(tmp_path / "out" / "similarity.csv", newline="") as table:
        rows = list(csv.DictReader(table))
    assert [(row["submission_a"], row["submission_b"]) for row in rows] == [
        ("third", "twin"), ("copy", "third"), ("copy", "twin")]
    assert [float(row["code_score"]) for row in rows][0] == 1.0
    assert rows[1]["code_score"] == rows[2]["code_score"]
    assert [row["page"] for row in rows] == [f"similarity/pair-00{n}.html" for n in (1, 2, 3)]
    assert sorted(path.name for path in (tmp_path / "out" / "similarity").iterdir()) == [
        "pair-001.html", "pair-002.html", "pair-003.html"]


def test_grade_all_writes_the_similarity_of_the_class_it_graded(class_of_20, tmp_path,
                                                                 monkeypatch):
    # Grading itself is tested elsewhere: here every grade stops at once.
    monkeypatch.setattr(grade_all, "graded", lambda found, out, options: {
        name: Report.failed(name, "not graded in this test") for name in found})
    folder = next(iter(class_of_20.values())).parent
    grade_all.grade_all(folder, tmp_path, sandboxed=False, pdf=False, jobs=1)
    with open(tmp_path / "similarity.csv", newline="") as table:
        assert [(row["submission_a"], row["submission_b"]) for row in csv.DictReader(table)] \
            == [("copy", "third")]
    assert '<a href="similarity/pair-001.html">' in (tmp_path / "class_report.html").read_text()
    assert (tmp_path / "similarity" / "pair-001.html").is_file()


def test_without_the_release_grade_all_says_so_and_writes_the_class_report(
        class_of_20, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(grade_all, "graded", lambda found, out, options: {
        name: Report.failed(name, "not graded in this test") for name in found})
    (tmp_path / "empty").mkdir()
    folder = next(iter(class_of_20.values())).parent
    grade_all.grade_all(folder, tmp_path / "out", bundle=tmp_path / "empty", sandboxed=False,
                        pdf=False, jobs=1)
    assert "grade_all: pairs not compared: bundle must hold the release's " \
           "classifiers/softmax.py" in capsys.readouterr().err
    assert not (tmp_path / "out" / "similarity.csv").exists()
    assert "<h2>Similarity</h2>" not in (tmp_path / "out" / "class_report.html").read_text()
    with pytest.raises(FileNotFoundError, match="bundle must hold the release's"):
        similarity.release_parts(tmp_path / "empty")
