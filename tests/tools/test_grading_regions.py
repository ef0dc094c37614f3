"""The marker checker: balanced, unnested, named regions, reported by file and line."""

from pathlib import Path

import nbformat
import pytest

from grading import tasks
from grading.authoring import release
from grading.student import regions

BUNDLE = Path(__file__).resolve().parents[2]
START = "# *****START OF YOUR CODE (task: {})*****"
END = "# *****END OF YOUR CODE*****"


def code(*lines):
    return "\n".join(lines) + "\n"


GOOD = code("def f(x):", "    " + START.format("alpha"), "    y = x + 1", "    " + END,
            "    return y", "", "def g(x):", "    " + START.format("beta"), "    return 2 * x",
            "    " + END)


def test_finds_each_region_with_its_task_lines_and_indent():
    assert regions.find_regions(GOOD, "code", "f.py") == [
        regions.Region("alpha", 1, 3, "    "), regions.Region("beta", 7, 9, "    ")]


@pytest.mark.parametrize("text, message", [
    (code(START.format("alpha"), "x = 1"), r"f\.py:1: start marker of task alpha has no end"),
    (code("x = 1", END), r"f\.py:2: end marker without a start marker"),
    (code(START.format("alpha"), START.format("beta"), END, END), r"f\.py:2: .*cannot nest"),
    (code("# *****START OF YOUR CODE*****", "x = 1", END), r"f\.py:1: malformed or unnamed marker"),
    (code(START.format("Alpha"), END), r"f\.py:1: malformed or unnamed marker"),
    (code(START.format("alpha"), "# *****END OF YOUR CODE****", END), r"f\.py:2: malformed"),
], ids=["unbalanced-start", "unbalanced-end", "nested", "unnamed", "bad-task-name",
        "malformed-end"])
def test_bad_markers_are_reported_with_file_and_line(text, message):
    with pytest.raises(regions.MarkerError, match=message):
        regions.find_regions(text, "code", "f.py")


def test_rewrite_changes_only_region_bodies():
    new = regions.rewrite(GOOD, "code", "f.py",
                          lambda region, body: ["    pass"] if region.task == "alpha" else None)
    assert new == GOOD.replace("    y = x + 1\n", "    pass\n")


def test_notebook_regions_are_found_in_code_and_markdown_cells(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(code(START.format("alpha"), "x = 1", END)),
        nbformat.v4.new_markdown_cell("Why?\n<!-- START OF YOUR ANSWER (task: q1) -->\nBecause.\n"
                                      "<!-- END OF YOUR ANSWER -->")])
    nbformat.write(nb, tmp_path / "nb.ipynb")
    found = regions.file_regions(tmp_path / "nb.ipynb", "nb.ipynb")
    assert [(loc, kind, r.task) for loc, kind, r in found] == [
        ("nb.ipynb cell 0", "code", "alpha"), ("nb.ipynb cell 1", "answer", "q1")]
    nb.cells[1].source = "<!-- START OF YOUR ANSWER -->\n<!-- END OF YOUR ANSWER -->"
    nbformat.write(nb, tmp_path / "nb.ipynb")
    with pytest.raises(regions.MarkerError, match=r"nb\.ipynb cell 1:1: malformed or unnamed"):
        regions.file_regions(tmp_path / "nb.ipynb", "nb.ipynb")


def test_command_line_checker_names_file_and_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(code("def f():", "    " + START.format("alpha"), "    pass"))
    monkeypatch.chdir(tmp_path)
    assert regions.main(["good.py"]) == 0
    assert regions.main(["good.py", "bad.py"]) == 1
    assert "bad.py:2: start marker of task alpha has no end marker" in capsys.readouterr().out


def test_the_bundle_markers_are_sound_and_match_the_task_list():
    assert regions.check(BUNDLE) == []
    owner = regions.task_files(BUNDLE)  # raises on any inconsistency
    assert set(owner) == set(tasks.TASKS)
    assert set(owner.values()) == {rel for rel in tasks.SUBMISSION_FILES if rel.endswith(".py")}


def test_public_tests_never_import_hidden_or_tool_tests(tmp_path):
    files = [(tasks.PUBLIC_TESTS, "strategies.py", ""),
             (tasks.PUBLIC_TESTS, "test_a.py", "import numpy\nimport strategies\n"),
             (tasks.PUBLIC_TESTS, "test_b.py", "\nfrom oracles import loss\n"),
             (tasks.HIDDEN_TESTS, "oracles.py", "import strategies\n"),
             (tasks.TOOL_TESTS, "test_c.py", "import test_a\n")]
    for folder, name, text in files:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / name).write_text(text)
    assert release.public_test_problems(tmp_path) == [
        f"{tasks.PUBLIC_TESTS}/test_b.py:2 imports {tasks.HIDDEN_TESTS}/oracles.py; "
        "public tests may not import hidden or tool tests"]
    assert release.public_test_problems(BUNDLE) == []
