"""Task files rebuilt from the release: a region counts only where the release has it, and
code outside the regions never runs (`rebuild.rebuild`, `rebuild.outside`)."""

import pytest

from grading import tasks
from grading.authoring import rebuild, release
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
    text, refused = rebuild.rebuild(released(rel), solution, rel, tasks_of(rel))
    assert (text, refused) == (solution, {})
    assert rebuild.outside(released(rel), solution, rel) == []


@pytest.mark.parametrize("task", tasks.TASKS.values(), ids=lambda task: task.name)
def test_each_task_declares_where_the_release_has_its_regions(task):
    found = [place.function for place in rebuild.places(released(task.file), task.file)
             if place.task == task.name]
    assert tuple(found) == task.regions


@pytest.mark.parametrize("host", [["def _decoy():"], ["if True:"]], ids=["function", "block"])
def test_a_region_moved_away_from_its_function_is_refused_and_only_its_task(host):
    rel = "classifiers/softmax.py"
    submitted = decoy(released(rel), "softmax_naive", host)
    text, refused = rebuild.rebuild(released(rel), submitted, rel, tasks_of(rel))
    assert list(refused) == ["softmax_naive"]
    assert "must sit in softmax_loss_naive()" in refused["softmax_naive"]
    assert ("in _decoy()" if host[0].startswith("def") else "at module level") \
        in refused["softmax_naive"]
    assert text == released(rel)  # the stub stays: nothing of the decoy is graded
    label = "def _decoy (line" if host[0].startswith("def") else "'if True:' (line"
    assert any(label in where for where in rebuild.outside(released(rel), submitted, rel))


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
    _, refused = rebuild.rebuild(released(rel), submitted, rel, {task})
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
    _, refused = rebuild.rebuild(released(rel), "\n".join(lines), rel, {"linear_classifier"})
    assert "region 1 of task linear_classifier" in refused["linear_classifier"]


def test_code_outside_the_regions_never_reaches_the_rebuilt_file():
    rel = "classifiers/softmax.py"
    hook = "import IPython\nIPython.get_ipython().input_transformers_post.append(print)\n"
    solution = (BUNDLE / rel).read_text()
    submitted = solution.replace("import numpy as np\n", "import numpy as np\n" + hook, 1)
    submitted = submitted.replace("def softmax(scores):", "def softmax(scores):\n    return 0")
    text, refused = rebuild.rebuild(released(rel), submitted, rel, tasks_of(rel))
    assert (text, refused) == (solution, {})
    ignored = rebuild.outside(released(rel), submitted, rel)
    assert any("import IPython" in where for where in ignored)
    assert any("def softmax " in where for where in ignored), ignored


def test_comments_and_blank_lines_outside_the_regions_are_not_code():
    rel = "gradient_check.py"
    submitted = (BUNDLE / rel).read_text().replace("\ndef ", "\n# my note\n\ndef ")
    assert rebuild.outside(released(rel), submitted, rel) == []
    assert rebuild.rebuild(released(rel), submitted, rel, {"gradient_check"})[1] == {}


def test_a_file_that_does_not_parse_outside_its_regions_refuses_its_tasks():
    rel = "classifiers/softmax.py"
    submitted = released(rel).replace("def softmax(scores):", "def softmax(scores:")
    _, refused = rebuild.rebuild(released(rel), submitted, rel, tasks_of(rel))
    assert set(refused) == tasks_of(rel)
    assert all("does not parse outside its regions" in message for message in refused.values())


def with_bodies(rel, bodies):
    """The solution's file `rel` with the bodies of its regions, in order, replaced (None
    keeps a body)."""
    text = (BUNDLE / rel).read_text()
    lines, found = text.split("\n"), regions.find_regions(text, "code", rel)
    for region, body in reversed(list(zip(found, bodies))):
        if body is not None:
            lines[region.start + 1:region.end] = body
    return "\n".join(lines)


DEDENT = ["    raise ValueError('ran: ' + _INJECTED)",
          "_INJECTED = 'at import'",
          "def _swallows_the_rest():"]


@pytest.mark.parametrize("bodies", [
    [DEDENT, None],
    [["    _x = '''"], ["'''", "def grad_check_sparse(f, x, analytic_grad, num_checks=10, "
                         "h=1e-5, seed=None):", "    return 0", "def _rest():"]],
    [["    return 0", "x = 1"], None],
], ids=["dedent-and-swallow", "string-across-regions", "dedent"])
def test_code_that_reaches_outside_its_region_is_refused(bodies):
    # The first two came from an attack on the grader: module-level code ran at import,
    # and provided code was swallowed by a function or a string the regions opened.
    rel = "gradient_check.py"
    text, refused = rebuild.rebuild(released(rel), with_bodies(rel, bodies), rel,
                                    {"gradient_check"})
    assert text == released(rel) and "gradient_check" in refused
    assert "_INJECTED" not in text and "_rest" not in text


def test_marker_words_in_a_string_are_a_students_own():
    rel = "classifiers/softmax.py"
    body = ["    raise ValueError('see END OF YOUR CODE below')"]
    _, refused = rebuild.rebuild(released(rel), with_bodies(rel, [body, None]), rel,
                                 tasks_of(rel))
    assert refused == {}


@pytest.mark.parametrize("where", ["outside", "inside"])
def test_code_nested_too_deeply_to_parse_is_refused_not_a_crash(where):
    rel = "gradient_check.py"
    deep = "1" + "+1" * 3000
    submitted = ((BUNDLE / rel).read_text() + f"\n_unused = {deep}\n" if where == "outside"
                 else with_bodies(rel, [[f"    error = {deep}"], None]))
    _, refused = rebuild.rebuild(released(rel), submitted, rel, {"gradient_check"})
    assert "nested too deeply" in refused["gradient_check"] or \
        "does not parse" in refused["gradient_check"]
