"""Task files rebuilt from the release: a region counts only where the release has it, and
code outside the regions never runs (`release.rebuild`, `release.outside`)."""

import pytest

from grading import tasks
from grading.authoring import release
from grading.grader import scratch
from grading.student import regions

from grading_fixtures import BUNDLE, END, START, decoy


def released(rel):
    return release.stub_python((BUNDLE / rel).read_text(), rel)


def tasks_of(rel):
    return {task.name for task in tasks.TASKS.values() if task.file == rel}


@pytest.mark.parametrize("rel", scratch.task_files())
def test_the_solution_rebuilt_from_its_release_is_the_solution(rel):
    solution = (BUNDLE / rel).read_text()
    text, refused = release.rebuild(released(rel), solution, rel, tasks_of(rel))
    assert (text, refused) == (solution, {})
    assert release.outside(released(rel), solution, rel) == []


@pytest.mark.parametrize("task", tasks.TASKS.values(), ids=lambda task: task.name)
def test_each_task_declares_where_the_release_has_its_regions(task):
    found = [place.function for place in release.places(released(task.file), task.file)
             if place.task == task.name]
    assert tuple(found) == task.regions


@pytest.mark.parametrize("host", [["def _decoy():"], ["if True:"]], ids=["function", "block"])
def test_a_region_moved_away_from_its_function_is_refused_and_only_its_task(host):
    rel = "classifiers/softmax.py"
    submitted = decoy(released(rel), "softmax_naive", host)
    text, refused = release.rebuild(released(rel), submitted, rel, tasks_of(rel))
    assert list(refused) == ["softmax_naive"]
    assert "must sit in softmax_loss_naive()" in refused["softmax_naive"]
    assert ("in _decoy()" if host[0].startswith("def") else "at module level") \
        in refused["softmax_naive"]
    assert text == released(rel)  # the stub stays: nothing of the decoy is graded
    label = "def _decoy (line" if host[0].startswith("def") else "'if True:' (line"
    assert any(label in where for where in release.outside(released(rel), submitted, rel))


@pytest.mark.parametrize("task, helper, rel", [
    ("gradient_check", "_centred_difference", "gradient_check.py"),
    ("least_squares", "_check_W", "classifiers/least_squares.py")])
def test_an_empty_region_at_the_top_of_a_provided_helper_is_refused(task, helper, rel):
    text = released(rel)
    region = [r for r in regions.find_regions(text, "code", rel) if r.task == task][-1]
    lines = text.split("\n")
    del lines[region.start:region.end + 1]
    text = "\n".join(lines).replace(f"def {helper}(", "def _tmp(", 1)
    at = text.index("\n", text.index("def _tmp(")) + 1
    submitted = (text[:at] + f"    {START.format(task)}\n    {END}\n" + text[at:]).replace(
        "def _tmp(", f"def {helper}(")
    _, refused = release.rebuild(released(rel), submitted, rel, {task})
    assert f"in {helper}()" in refused[task], refused


def test_a_region_moved_out_of_its_loop_is_refused():
    rel = "classifiers/linear_classifier.py"
    text = (BUNDLE / rel).read_text()
    first = regions.find_regions(text, "code", rel)[0]
    lines = text.split("\n")
    moved = [line[4:] for line in lines[first.start:first.end + 1]]  # out of the for loop
    loop = next(n for n in range(first.start, 0, -1) if lines[n].strip().startswith("for "))
    lines[first.start:first.end + 1] = []
    lines[loop:loop] = moved
    _, refused = release.rebuild(released(rel), "\n".join(lines), rel, {"linear_classifier"})
    assert "region 1 of task linear_classifier" in refused["linear_classifier"]


def test_code_outside_the_regions_never_reaches_the_rebuilt_file():
    rel = "classifiers/softmax.py"
    hook = "import IPython\nIPython.get_ipython().input_transformers_post.append(print)\n"
    solution = (BUNDLE / rel).read_text()
    submitted = solution.replace("import numpy as np\n", "import numpy as np\n" + hook, 1)
    submitted = submitted.replace("def softmax(scores):", "def softmax(scores):\n    return 0")
    text, refused = release.rebuild(released(rel), submitted, rel, tasks_of(rel))
    assert (text, refused) == (solution, {})
    ignored = release.outside(released(rel), submitted, rel)
    assert any("import IPython" in where for where in ignored)
    assert any("def softmax " in where for where in ignored), ignored


def test_comments_and_blank_lines_outside_the_regions_are_not_code():
    rel = "gradient_check.py"
    submitted = (BUNDLE / rel).read_text().replace("\ndef ", "\n# my note\n\ndef ")
    assert release.outside(released(rel), submitted, rel) == []
    assert release.rebuild(released(rel), submitted, rel, {"gradient_check"})[1] == {}


def test_a_file_that_does_not_parse_outside_its_regions_refuses_its_tasks():
    rel = "classifiers/softmax.py"
    submitted = released(rel).replace("def softmax(scores):", "def softmax(scores:")
    _, refused = release.rebuild(released(rel), submitted, rel, tasks_of(rel))
    assert set(refused) == tasks_of(rel)
    assert all("does not parse outside its regions" in message for message in refused.values())
