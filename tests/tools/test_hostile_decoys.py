"""Submissions that move their regions or run code outside them: the grader takes what it
grades from the release, never from the submission (`rebuild.rebuild`).

A student found that the release's stubs kept, with every marker pair moved into a decoy
function, scored full points: the functions graded were worked out from the submitted
file, and with none found the trusted tests ran the reference. Import-time code could also
hook the notebook's kernel. Neither depends on the isolation mode: a refused region never
reaches a child, and the kernel imports rebuilt files.
"""

import pytest

from grading import tasks
from grading.authoring import release
from grading.grader import grade, scratch

from grading_fixtures import BUNDLE, decoy

HOOK = ("import IPython\n"
        "IPython.get_ipython().input_transformers_post.append(lambda lines: lines)\n")


def decoyed(folder, host):
    """Every task file of the release, each task's marker pair moved into `host`."""
    for rel in scratch.task_files():
        text = release.stub_python((BUNDLE / rel).read_text(), rel)
        for task in [task.name for task in tasks.TASKS.values() if task.file == rel]:
            text = decoy(text, task, [line.replace("NAME", task) for line in host])
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(HOOK + text)
    return folder


@pytest.mark.parametrize("sandboxed", [True, False], ids=["bubblewrap", "no-sandbox"])
@pytest.mark.parametrize("host", [["def _decoy_NAME():"], ["if True:"]],
                         ids=["function", "block"])
def test_regions_moved_into_decoys_score_nothing(tmp_path, host, sandboxed):
    entries = grade.grade_tasks(decoyed(tmp_path / "sub", host), tasks.TASKS,
                                sandboxed=sandboxed)
    assert {task: entry.points for task, entry in entries.items()} == \
        {task: 0 for task in tasks.TASKS}
    for task, entry in entries.items():
        assert f"must sit in {tasks.TASKS[task].regions[0]}()" in entry.message, entry


def test_the_kernel_imports_no_code_from_outside_the_regions(tmp_path):
    submission = tmp_path / "sub"
    for rel in scratch.task_files():
        (submission / rel).parent.mkdir(parents=True, exist_ok=True)
        (submission / rel).write_text(HOOK + (BUNDLE / rel).read_text())
    problems = scratch.graded_files(BUNDLE, submission, tmp_path / "graded")
    for rel in scratch.task_files():
        assert (tmp_path / "graded" / rel).read_text() == (BUNDLE / rel).read_text()
    assert len(problems) == len(scratch.task_files())
    assert all("code outside the answer regions is ignored" in problem and "import IPython"
               in problem for problem in problems)
