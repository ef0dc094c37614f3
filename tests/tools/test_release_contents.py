"""What the student bundle holds: the listed files, the tools students run, no solution code."""

import ast
import io
import re
import shutil
import textwrap
import tokenize
from pathlib import Path

import nbformat
import pytest

from grading import tasks
from grading.authoring import release
from grading.student import regions

BUNDLE = Path(__file__).resolve().parents[2]
LAYOUT = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT,
          tokenize.ENDMARKER}
MIN_TOKENS = 5
# (shipped file, statement) repeats that give no answer away: grad_check_sparse's region
# calls the provided helper exactly as the provided eval_numerical_gradient shows.
PROVIDED_REPEATS = {("gradient_check.py", "fxph,fxmh=_centred_difference(f,x,ix,h)")}


def region_bodies(root):
    """(location, code) of every code region of the bundle, notebook cells included."""
    for rel in regions.region_files(root):
        if rel.endswith(".ipynb"):
            nb = nbformat.read(root / rel, as_version=4)
            sources = [(loc, source) for _, kind, source, loc in regions.notebook_sources(nb, rel)
                       if kind == "code"]
        else:
            sources = [(rel, (root / rel).read_text(encoding="utf-8"))]
        for loc, source in sources:
            lines = source.split("\n")
            for region in regions.find_regions(source, "code", loc):
                body = textwrap.dedent("\n".join(lines[region.start + 1:region.end]))
                yield f"{loc}:{region.start + 1}", body


def statements(code):
    """Every statement of `code` (nested ones too) of at least MIN_TOKENS tokens, each as the
    concatenation of its tokens, so that whitespace and comments do not count."""
    tokens = [token for token in tokenize.generate_tokens(io.StringIO(code).readline)
              if token.type not in LAYOUT]
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.stmt):
            start, end = (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)
            inside = [token.string for token in tokens if start <= token.start < end]
            if len(inside) >= MIN_TOKENS:
                found.append("".join(inside))
    return found


def compact(text):
    """Python source as the concatenation of its tokens (no whitespace, no comments); any
    other text without whitespace."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return "".join(token.string for token in tokens if token.type not in LAYOUT)
    except (tokenize.TokenError, SyntaxError):
        return re.sub(r"\s+", "", text)


def shipped_text(path):
    """A shipped file's text, compacted; a notebook's cell sources, each compacted."""
    if path.suffix == ".ipynb":
        return "\n".join(compact(cell.source) for cell in nbformat.read(path, as_version=4).cells)
    return compact(path.read_text(encoding="utf-8"))


def test_the_statement_reader_sees_nested_statements_and_ignores_layout():
    code = "for i in range(n):  # each row\n    loss += scores[i]\n    x = 1\n"
    assert statements(code) == ["foriinrange(n):loss+=scores[i]x=1", "loss+=scores[i]"]


def test_the_check_finds_every_region_statement_in_the_unreleased_bundle():
    # So a statement the release kept would be found: the check below can fail.
    originals = [shipped_text(BUNDLE / rel) for rel in regions.region_files(BUNDLE)]
    found = [statement in "".join(originals)
             for _, body in region_bodies(BUNDLE) for statement in statements(body)]
    assert len(found) > 2 * len(tasks.TASKS) and all(found)


def test_no_solution_statement_appears_anywhere_in_the_release(student):
    bodies = list(region_bodies(BUNDLE))
    assert len(bodies) > len(tasks.TASKS)
    shipped = {rel: shipped_text(student / rel) for rel in release.student_files(BUNDLE)}
    leaks = [f"{where}: {statement!r} is in {rel}"
             for where, body in bodies for statement in statements(body)
             for rel, text in shipped.items()
             if statement in text and (rel, statement) not in PROVIDED_REPEATS]
    assert leaks == []


def closure(module, root):
    """The bundle files a module imports, directly or indirectly, itself included."""
    seen, todo = set(), [module]
    while todo:
        rel = todo.pop()
        if rel in seen or not (root / rel).is_file():
            continue
        seen.add(rel)
        for _, name in regions.module_imports((root / rel).read_text(encoding="utf-8")):
            parts = name.split(".")
            todo += ["/".join(parts[:n]) + ".py" for n in range(1, len(parts) + 1)]
            todo += ["/".join(parts[:n]) + "/__init__.py" for n in range(1, len(parts) + 1)]
    return seen


def test_the_shipped_tools_are_collect_record_check_and_hint_with_what_they_import():
    # run.sh executes the notebook with grading.student.execute and prints its record with
    # grading.student.record; students hand in with collect, the notebook's check() cells
    # run the public tests, hint() shows the hints and free_cores() sets its BLAS threads.
    tools = (closure("grading/student/collect.py", BUNDLE)
             | closure("grading/student/record.py", BUNDLE)
             | closure("grading/student/check.py", BUNDLE)
             | closure("grading/hint.py", BUNDLE)
             | closure("grading/student/execute.py", BUNDLE)
             | closure("grading/student/cores.py", BUNDLE))
    shipped = {rel for rel in tasks.STUDENT_FILES if rel.startswith("grading/")}
    assert shipped == {rel for rel in tools if rel.startswith("grading/")}


def test_release_refuses_a_missing_listed_file_or_a_public_test_importing_a_hidden_one(tmp_path):
    bad = shutil.copytree(BUNDLE, tmp_path / "bad",
                          ignore=shutil.ignore_patterns(*tasks.SKIPPED_NAMES, "cifar-10-*"))
    (bad / "LICENSE").unlink()
    (bad / tasks.PUBLIC_TESTS / "test_extra.py").write_text("import oracles\n")
    with pytest.raises(ValueError) as error:
        release.release(tmp_path / "out", bad)
    assert str(error.value).split("\n") == [
        "LICENSE is listed in tasks.STUDENT_FILES but missing",
        f"{tasks.PUBLIC_TESTS}/test_extra.py:1 imports {tasks.HIDDEN_TESTS}/oracles.py; "
        "public tests may not import hidden or tool tests"]
    assert not (tmp_path / "out").exists()
