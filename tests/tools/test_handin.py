"""collect's table of what a hand-in holds and misses, its verdict, --strict, and the same
table in the grader's report.

Each test builds a bundle whose state it chose (a task stubbed with the release's own stub,
an answer emptied, the notebook's record written for a quick run or for other code), so the
expected rows are known before the table is read."""

import json
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_output

from grading import tasks
from grading.authoring import release
from grading.grader import nbgrade
from grading.student import collect, handin, record, regions

BUNDLE = tasks.BUNDLE


def passing(task, root):
    return "passed"


def write_record(root, quick=False, digest=None):
    """Number the notebook's code cells 1, 2, ... and give its last cell a run's record."""
    nb = nbformat.read(root / tasks.NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code, 1):
        cell.execution_count, cell.outputs = number, []
    run = {"dataset": "synthetic", "accuracy": {}, "quick": quick,
           "task_files": digest or record.task_files_digest(root)}
    code[-1].outputs = [new_output("stream", name="stdout", text=json.dumps(run))]
    nbformat.write(nb, root / tasks.NOTEBOOK)


@pytest.fixture
def bundle(tmp_path):
    """The solution's submission files, the notebook run top to bottom at full size on them."""
    root = tmp_path / "bundle"
    for rel in tasks.SUBMISSION_FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes((BUNDLE / rel).read_bytes())
    write_record(root)
    return root


def stub_task(root, task):
    """Replace `task`'s regions with the release's stubs, keeping the file's other tasks."""
    rel = tasks.TASKS[task].file
    text = (root / rel).read_text()
    kept = [region.task for region in regions.find_regions(text, "code", rel)
            if region.task != task]
    stubbed = release.stub_python(text, rel, keep=kept[0] if kept else None)
    (root / rel).write_text(stubbed)


def empty_answer(root, task):
    nb = nbformat.read(root / tasks.NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if f"(task: {task})" in cell.source:
            cell.source = regions.rewrite(cell.source, "answer", "nb", lambda region, body: [""])
    nbformat.write(nb, root / tasks.NOTEBOOK)


def row(table, item):
    found, = [row for row in table.rows if row.item == item]
    return found


def test_a_finished_hand_in_is_complete(bundle):
    table = handin.survey(bundle, passing)
    assert table.verdict == "complete"
    assert [r.item for r in table.rows[:len(tasks.TASKS)]] == list(tasks.TASKS)
    assert {r.state for r in table.rows[:len(tasks.TASKS)]} == {"written"}
    for answer in tasks.MANUAL_POINTS:
        assert row(table, answer).state == "written"
    assert row(table, "notebook").state == "run top to bottom, full size, on the code handed in"


def test_an_unfinished_task_and_an_empty_answer_are_named(bundle):
    stub_task(bundle, "least_squares")
    empty_answer(bundle, "inline_question_2")
    write_record(bundle)
    table = handin.survey(bundle, passing)
    assert row(table, "least_squares").state == "stub"
    assert row(table, "inline_question_2").state == "empty"
    assert row(table, "inline_question_1").state == "written"
    assert table.verdict == "incomplete: least_squares not written; inline_question_2 empty"


def test_a_task_partly_stubbed_counts_its_stub_regions(bundle):
    # predict's region alone back to the stub: 1 of linear_classifier's 3 regions.
    rel = tasks.TASKS["linear_classifier"].file
    text = (bundle / rel).read_text()
    lines = text.split("\n")
    region = regions.find_regions(text, "code", rel)[2]
    assert "predict" in "\n".join(lines[region.start - 12:region.start])
    lines[region.start + 1:region.end] = [region.indent + 'raise NotImplementedError('
                                          '"Task linear_classifier: write this part")']
    (bundle / rel).write_text("\n".join(lines))
    write_record(bundle)
    table = handin.survey(bundle, passing)
    assert row(table, "linear_classifier").state == "stub in 1 of 3 regions"


def test_a_failing_public_check_makes_it_incomplete_and_waiting_does_not(bundle):
    statuses = {"softmax_naive": "failed", "train_grid": "waiting"}
    table = handin.survey(bundle, lambda task, root: statuses.get(task, "passed"))
    assert row(table, "softmax_naive").check == "failed"
    assert row(table, "train_grid").check == "waiting"
    assert table.verdict == "incomplete: softmax_naive fails its public check"


def test_a_quick_run_and_a_run_on_other_code_are_reported(bundle):
    write_record(bundle, quick=True)
    table = handin.survey(bundle, passing)
    assert row(table, "notebook").state.startswith("run top to bottom, quick (SOFTMAX_QUICK=1)")
    assert table.verdict == "incomplete: the notebook run quick, not at full size"
    write_record(bundle, digest="0" * 64)
    table = handin.survey(bundle, passing)
    assert row(table, "notebook").state == \
        "run top to bottom, full size, on other code than is handed in"
    assert table.verdict == "incomplete: the notebook not run on the code handed in"
    write_record(bundle, quick=True, digest="0" * 64)
    assert handin.survey(bundle, passing).verdict == (
        "incomplete: the notebook run quick, not at full size; "
        "the notebook not run on the code handed in")


def test_editing_a_task_file_after_the_run_changes_the_digest(bundle):
    before = record.task_files_digest(bundle)
    path = bundle / "gradient_check.py"
    path.write_text(path.read_text() + "\n")
    assert record.task_files_digest(bundle) != before
    assert handin.survey(bundle, passing).verdict == \
        "incomplete: the notebook not run on the code handed in"


def test_the_default_status_runs_the_public_check(bundle):
    # The student bundle's other files (public tests, provided modules) with the solution's.
    for rel in release.student_files(BUNDLE):
        if not (bundle / rel).exists() and (BUNDLE / release.origin_of(rel)).is_file():
            (bundle / rel).parent.mkdir(parents=True, exist_ok=True)
            (bundle / rel).write_bytes((BUNDLE / release.origin_of(rel)).read_bytes())
    stub_task(bundle, "gradient_check")
    assert handin.public_status("gradient_check", bundle) == "not written"
    (bundle / "gradient_check.py").write_bytes((BUNDLE / "gradient_check.py").read_bytes())
    assert handin.public_status("gradient_check", bundle) == "passed"


def test_collect_prints_the_table_zips_either_way_and_ends_with_the_verdict(bundle, tmp_path,
                                                                            capsys):
    empty_answer(bundle, "ridge_question")
    out = tmp_path / "submission.zip"
    assert collect.main(["--out", str(out)], root=bundle, status=passing) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "incomplete: ridge_question empty"
    assert any(line.split() == ["ridge_question", "empty"] for line in lines)
    assert any(line.split()[:2] == ["softmax_naive", "written,"] and line.endswith("passed")
               for line in lines)
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == list(tasks.SUBMISSION_FILES)


def test_strict_refuses_an_incomplete_hand_in_and_takes_a_complete_one(bundle, tmp_path,
                                                                       capsys):
    out = tmp_path / "submission.zip"
    stub_task(bundle, "train_grid")
    write_record(bundle)
    assert collect.main(["--strict", "--out", str(out)], root=bundle, status=passing) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "incomplete: train_grid not written"
    assert not out.exists()
    (bundle / "classifiers/linear_classifier.py").write_bytes(
        (BUNDLE / "classifiers/linear_classifier.py").read_bytes())
    write_record(bundle)
    assert collect.main(["--strict", "--out", str(out)], root=bundle, status=passing) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "complete" and out.is_file()


def test_the_graders_table_is_markdown_with_its_statuses_and_escaped(bundle):
    empty_answer(bundle, "inline_question_3")
    text = handin.report_section(bundle, {"softmax_naive": "failed"})
    lines = text.splitlines()
    assert lines[:2] == ["| Part | State | Public check |", "|---|---|---|"]
    assert "| softmax_naive | written | failed |" in lines
    assert "| least_squares | written | not graded |" in lines
    assert "| inline_question_3 | empty | - |" in lines
    assert lines[-1] == ("**incomplete: softmax_naive fails its public check; "
                         "inline_question_3 empty**")
    table = handin.HandIn((handin.Row("<b>x|y</b>", "written"),))
    assert "| &lt;b&gt;x&#124;y&lt;/b&gt; | written | - |" in table.markdown()


@pytest.mark.parametrize("count", [
    "1\n\n**Total: 50 / 50** (automatically graded)\n\n# Regrade accepted: see [the note]"
    "(https://evil.example/phish)\n\n![](https://evil.example/track.png)\n\n",
    "1 \udc80",
])
def test_an_execution_count_is_never_quoted_into_the_report(bundle, count):
    # nbformat only logs a count that is not a number; the table must neither render it as
    # Markdown of its own nor fail to encode it.
    path = bundle / tasks.NOTEBOOK
    nb = json.loads(path.read_text("utf-8"))
    first = next(cell for cell in nb["cells"]
                 if cell["cell_type"] == "code" and "".join(cell["source"]).strip())
    first["execution_count"] = count
    path.write_text(json.dumps(nb), "utf-8")  # a lone surrogate as its JSON escape
    text = handin.report_section(bundle, {})
    text.encode("utf-8")  # no lone surrogate reaches report.md
    assert "has an execution count that is not a number" in text
    assert "evil" not in text and "Total" not in text
    assert all(line.startswith(("|", "**")) or not line for line in text.splitlines())


def test_no_cell_of_the_table_adds_a_line_link_or_emphasis():
    state = "a\n# heading **bold** [link](x) ![img](y) `code` \udc80 |"
    cell = handin.HandIn((handin.Row("notebook", state),)).markdown().splitlines()[2]
    assert cell == (r"| notebook | a # heading \*\*bold\*\* \[link\](x) \!\[img\](y) "
                    r"\`code\` \\udc80 &#124; | - |")


@pytest.mark.parametrize("extra, kept", [
    ({}, True),
    ({"quick": True, "task_files": "ab" * 32}, True),
    ({"quick": "yes"}, False),
    ({"task_files": "not a digest"}, False),
    ({"task_files": ["ab" * 32]}, False),
    ({"notes": "x"}, False),
])
def test_the_grader_takes_the_records_run_fields_and_refuses_bad_ones(extra, kept):
    run = {"dataset": "synthetic", "accuracy": {"softmax": {"val": 0.4}}, **extra}
    assert (nbgrade.valid_record(run) is not None) == kept
