"""The task files open with the student's work, and every region comes with guidance.

The release keeps everything outside regions, so what is checked here on the bundle's files
holds for the student's stubs too: the first function or class holding a region starts
within 30 lines of the top, and the comment block directly above each start marker names
what to compute, the shapes, and every variable the provided code after the region reads.
"""

import ast
import re
import textwrap

import pytest

from grading import tasks
from grading.student import hint, regions

BUNDLE = tasks.BUNDLE
TASK_FILES = [rel for rel in tasks.SUBMISSION_FILES if rel.endswith(".py")]
SHAPE = re.compile(r"\((?:[A-Za-z_*0-9]+, )*[A-Za-z_*0-9]+,?\)")   # (N, C), (N,), (D, K*C)
# What the guidance of each task's regions must also say: the pitfalls, by name.
PITFALLS = {
    "softmax_naive": ["numeric instability", "per-row shift", "stable", "log-probability",
                      "regularization term", 'hint("softmax_naive")'],
    "softmax_vectorized": ["per-row shift", "stable", "log-probability", "regularization term",
                           'hint("softmax_vectorized")'],
    "train_grid": ["W (D, K*C) = [", "per-row shift", "regularization term"],
}
# The formulas, which belong in the task's hints and not in its guidance: the student derives
# them, and asks for them one step at a time.
FORMULAS = {
    "softmax_naive": ["s_y - log(sum(exp(s)))", "1/N", "2 * reg * W", "[j == y_i]"],
    "softmax_vectorized": ["s_y - log(sum(exp(s)))", "(P - Y) / N", "2 * reg * W"],
    "train_grid": ["(P - Y) / N", "2 * reg_k * W_k"],
    "least_squares": ["(X^T X + lambda N I)^-1 X^T Y", "V diag(1 / (s + lambda N)) V^T"],
    "gradient_check": ["(f(x + h e_ix) - f(x - h e_ix)) / (2h)"],
}


def guided_regions():
    """(file, region, guidance lines, enclosing function node, file lines) of every region."""
    found = []
    for rel in TASK_FILES:
        text = (BUNDLE / rel).read_text(encoding="utf-8")
        lines, tree = text.split("\n"), ast.parse(text)
        functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
        for region in regions.find_regions(text, "code", rel):
            guidance = []
            for line in reversed(lines[:region.start]):
                if not line.strip().startswith("#"):
                    break
                guidance.insert(0, line.strip().lstrip("#").strip())
            function = max((f for f in functions if f.lineno <= region.start < f.end_lineno),
                           key=lambda f: f.lineno)
            found.append((rel, region, guidance, function, lines))
    return found


REGIONS = guided_regions()
IDS = [f"{rel}:{region.start + 1}" for rel, region, *_ in REGIONS]


def names_set_and_read_after(region, function, lines):
    """Names the region assigns (a subscript's or attribute's base included) that the rest of
    its function reads after the end marker: what the provided code needs set."""
    body = ast.parse(textwrap.dedent("\n".join(lines[region.start + 1:region.end])))
    assigned = set()
    for node in ast.walk(body):
        targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
        for target in filter(None, targets):
            for part in ast.walk(target):
                if isinstance(part, ast.Name):
                    assigned.add(part.id)
    read_after = {node.id for node in ast.walk(function) if isinstance(node, ast.Name)
                  and isinstance(node.ctx, ast.Load) and node.lineno > region.end + 1}
    return assigned & read_after - {"self"}


@pytest.mark.parametrize("rel", TASK_FILES)
def test_the_students_work_comes_first(rel):
    tree = ast.parse((BUNDLE / rel).read_text(encoding="utf-8"))
    first = min(region.start for file, region, *_ in REGIONS if file == rel)
    holder = next(node for node in tree.body
                  if node.lineno <= first + 1 <= getattr(node, "end_lineno", 0))
    assert isinstance(holder, (ast.FunctionDef, ast.ClassDef))
    assert holder.lineno <= 30, f"{rel}: the first region is in {holder.name}, at line " \
                                f"{holder.lineno}; plumbing belongs in classifiers/_validation.py"


@pytest.mark.parametrize("rel, region, guidance, function, lines", REGIONS, ids=IDS)
def test_guidance_names_the_shapes_and_what_must_be_set(rel, region, guidance, function, lines):
    text = " ".join(guidance)
    assert len(guidance) >= 2, f"{rel}:{region.start + 1}: no guidance above the start marker"
    assert SHAPE.search(text), f"{rel}:{region.start + 1}: the guidance names no shape"
    for name in names_set_and_read_after(region, function, lines):
        assert re.search(rf"\b{name}\b", text), \
            f"{rel}:{region.start + 1}: the guidance does not say to set {name}"
    for pitfall in PITFALLS.get(region.task, []):
        assert pitfall in "\n".join(guidance), \
            f"{rel}:{region.start + 1}: the guidance does not mention {pitfall!r}"


@pytest.mark.parametrize("task", sorted(FORMULAS))
def test_formulas_are_in_the_hints_not_in_the_guidance(task):
    guidance = "\n".join(line for _, region, lines, *_ in REGIONS if region.task == task
                         for line in lines)
    hints = "\n".join(hint.ladder(task))
    for formula in FORMULAS[task]:
        assert formula in hints, f"{task}: no hint gives {formula!r}"
        assert formula not in guidance, f"{task}: the guidance gives {formula!r} away"


def test_guidance_is_as_short_as_cs231ns():
    # CS231n's stubs hold 4 to 5 lines of TODO; the layout diagram of train_grid is a shape.
    for rel, region, guidance, *_ in REGIONS:
        if region.task != "train_grid":
            assert len(guidance) <= 6, f"{rel}:{region.start + 1}: {len(guidance)} lines"


def test_the_batch_draw_guidance_teaches_sampling_with_the_given_rng():
    text = " ".join(next(guidance for rel, region, guidance, function, _ in REGIONS
                         if function.name == "train"))
    for words in ("with replacement", "rng", "never with np.random", "(batch_size, D)"):
        assert words in text


def test_naive_and_vectorized_number_the_same_steps():
    text = (BUNDLE / "classifiers/softmax.py").read_text(encoding="utf-8")
    lines = text.split("\n")
    steps = [[re.match(r"\s*# (\d)\)", line)[1] for line in lines[region.start:region.end]
              if re.match(r"\s*# \d\)", line)]
             for region in regions.find_regions(text, "code", "softmax.py")]
    assert steps == [list("123456")] * 2


@pytest.mark.parametrize("rel", TASK_FILES + ["classifiers/_validation.py",
                                              "classifiers/__init__.py"])
def test_lines_fit_in_100_columns(rel):
    for number, line in enumerate((BUNDLE / rel).read_text(encoding="utf-8").split("\n"), 1):
        assert len(line) <= 100, f"{rel}:{number} has {len(line)} columns"
