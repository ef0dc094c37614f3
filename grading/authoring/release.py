"""Write the student bundle: ``python -m grading.authoring.release OUT_DIR [--force]``.

The student bundle is exactly the files of `tasks.STUDENT_FILES` and every file of
tests/public, laid out as in this bundle, with

* every code region replaced by ``raise NotImplementedError("Task <id>: ...")``
  (markers, signature and docstring kept, so the stubs are the API a
  submission must provide, and `grade` can find the student's code again);
* every answer region emptied and every notebook's outputs cleared;
* a README for students in place of this one (grading/authoring/student_README.md), and
  a test.sh that runs the public unit tests (grading/authoring/student_test.sh): nbval
  on a cleared notebook would check nothing, so the student bundle does not
  pretend to.

Files are written in sorted order from their contents alone, so running the
release twice gives identical trees. The release refuses to run if a listed
file is missing, if a public test imports a hidden or tool test, if a marker
is malformed, if a file with regions is not a submission file, or if a region
sits outside a function.
"""

import argparse
import ast
import hashlib
import json
import shutil
import string
import sys
from pathlib import Path
from typing import NamedTuple

import nbformat

from grading import tasks
from grading.student import regions

BUNDLE = tasks.BUNDLE


def student_files(root):
    """The student bundle's files, relative: `tasks.STUDENT_FILES` and those of tests/public.

    A test file is public by where it is: every file of tests/public ships, so a new
    task's public tests need no list beside them (hidden ones go to tests/hidden).
    """
    public = regions.walk(Path(root) / tasks.PUBLIC_TESTS)
    return sorted({*tasks.STUDENT_FILES, *(f"{tasks.PUBLIC_TESTS}/{rel}" for rel in public)})


def list_problems(root):
    """Why `root`'s files do not make the listed student bundle, as messages."""
    root = Path(root)
    found = [f"{rel} is listed in tasks.STUDENT_FILES but missing"
             for rel in tasks.STUDENT_FILES if not (root / origin_of(rel)).is_file()]
    return found + public_test_problems(root)


def public_test_problems(root):
    """Imports by which a public test would reach a hidden or tool test module, as messages.

    Hidden tests compare with reference implementations (the answers), so a
    public test that imports one would hand them out.
    """
    root = Path(root)
    private = {path.stem: f"{folder}/{path.name}" for folder in (tasks.HIDDEN_TESTS,
               tasks.TOOL_TESTS) for path in (root / folder).glob("*.py")}
    private.pop("conftest", None)  # every folder's own; pytest never imports another's
    problems = []
    for path in sorted((root / tasks.PUBLIC_TESTS).glob("*.py")):
        for line, name in regions.module_imports(path.read_text(encoding="utf-8")):
            top = name.lstrip(".").split(".")[0]
            if top in private:
                problems.append(f"{tasks.PUBLIC_TESTS}/{path.name}:{line} imports {private[top]}; "
                                "public tests may not import hidden or tool tests")
    return problems


def origin_of(rel):
    """The bundle file that the student bundle's file `rel` is made from."""
    return tasks.STUDENT_SOURCES.get(rel, rel)


def stub_python(text, where, keep=None, note=""):
    """`text` with each code region's body, except those of task `keep`, made a stub.

    `note` ends each stub's message (the grader says why another task's code is absent).
    """
    functions = [node for node in ast.walk(ast.parse(text))
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]

    def stub(region, body):
        if region.task == keep:
            return None
        inside = [f for f in functions if f.lineno <= region.start + 1 <= f.end_lineno]
        if not inside:
            raise regions.MarkerError(f"{where}:{region.start + 1}: region of task {region.task} "
                                      "is not inside a function, so its stub would break "
                                      "the import")
        name = max(inside, key=lambda f: f.lineno).name
        # Two lines, so that the stub fits in 100 columns like the code around it.
        return [f"{region.indent}raise NotImplementedError(",
                f'{region.indent}    "Task {region.task}: write this part of {name}(){note}")']

    return regions.rewrite(text, "code", where, stub)


class Place(NamedTuple):
    """Where a code region sits: the blocks around it, from the module inward, and its indent.

    `blocks` names each enclosing statement: a def or class by its name, any other block
    by its keyword (``("LinearClassifier", "train", "for")``); `function` is the qualified
    name of the innermost def with its classes (``LinearClassifier.train``).
    """

    task: str
    blocks: tuple[str, ...]
    function: str
    indent: str
    line: int


def hollow(text, where):
    """`text` with every code region's body replaced by ``pass``: the code around the regions."""
    return regions.rewrite(text, "code", where, lambda region, body: [f"{region.indent}pass"])


KEYWORDS = {ast.FunctionDef: "def", ast.AsyncFunctionDef: "async def", ast.ClassDef: "class"}


def places(text, where):
    """The `Place` of each code region of `text`, in order.

    Found on the code around the regions (`hollow`), so no region's body can move
    another's place. Raises MarkerError on bad markers and SyntaxError when the code
    around the regions does not parse.
    """
    text = hollow(text, where)
    found, tree = regions.find_regions(text, "code", where), ast.parse(text)

    def blocks(nodes, line):
        """(kind, name) of each statement around `line`, from the outside in."""
        for node in nodes:
            if node.lineno <= line <= node.end_lineno and hasattr(node, "body"):
                named = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                inner = [child for field in ("body", "orelse", "handlers", "finalbody")
                         for child in getattr(node, field, [])]
                kind = KEYWORDS.get(type(node), type(node).__name__.lower())
                return ((kind, node.name if named else ""), *blocks(inner, line))
        return ()

    result = []
    for region in found:
        # The `pass` standing for the region's body is the line after its start marker.
        chain = blocks(tree.body, region.start + 2)
        function = ".".join(name for _, name in chain if name)
        result.append(Place(region.task, tuple(f"{kind} {name}".strip() for kind, name in chain),
                            function, region.indent, region.start + 1))
    return result


def rebuild(released, submitted, where, keep):
    """The released file with the submitted bodies of the regions of the tasks in `keep`.

    Everything outside those regions is the release's, as nbgrader restores locked
    cells: code a submission wrote elsewhere is never run. A task's bodies are taken
    only when its regions sit where the release has them (same functions and blocks,
    same indent, same number); otherwise its regions stay stubs.

    Returns
    -------
    text : str
        The rebuilt file.
    refused : dict of str to str
        For each task of `keep` whose regions were not taken, why, in a student's words.
    """
    try:
        theirs = places(submitted, where)
    except (regions.MarkerError, SyntaxError) as error:
        reason = (f"{where} does not parse outside its regions: {error.msg} (line {error.lineno})"
                  if isinstance(error, SyntaxError) else str(error))
        return released, {task: reason for task in keep}
    ours = places(released, where)
    bodies, refused = {}, {}
    lines = submitted.split("\n")
    for task in keep:
        want = [place for place in ours if place.task == task]
        have = [place for place in theirs if place.task == task]
        problem = misplaced(want, have, where)
        if problem:
            refused[task] = problem
            continue
        bodies[task] = [lines[region.start + 1:region.end]
                        for region in regions.find_regions(submitted, "code", where)
                        if region.task == task]

    def body(region, _):
        # `regions.rewrite` goes from the last region to the first.
        return bodies[region.task].pop() if region.task in bodies else None

    return regions.rewrite(released, "code", where, body), refused


def misplaced(want, have, where):
    """Why the submitted places `have` of a task's regions differ from the release's, or None."""
    if len(want) != len(have):
        return (f"{where}: the release has {len(want)} region(s) of task {want[0].task}, the "
                f"submission {len(have)}; keep every marker pair where the release has it")
    for number, (ours, theirs) in enumerate(zip(want, have), 1):
        if (ours.blocks, ours.indent) != (theirs.blocks, theirs.indent):
            inside = f"in {theirs.function}()" if theirs.function else "at module level"
            detail = f" ({' > '.join(theirs.blocks)})" if theirs.blocks else ""
            return (f"{where}:{theirs.line}: region {number} of task {ours.task} must sit in "
                    f"{ours.function}(), where the release has it; the submission has it "
                    f"{inside}{detail}, so it is not graded")
    return None


def outside(released, submitted, where):
    """Where `submitted` has code of its own outside its regions, compared on the AST.

    Comments, blank lines and region bodies do not count. Returns short descriptions
    (``def _decoy (line 40)``); that code is ignored by the grader (`rebuild`).
    """
    try:
        ours, theirs = (ast.parse(hollow(text, where)) for text in (released, submitted))
    except (regions.MarkerError, SyntaxError):
        return []  # `rebuild` already refused the file's tasks, saying why

    def described(nodes, prefix=""):
        """{AST dump: (label, line)} of each statement, a class's methods one by one."""
        out = {}
        for node in nodes:
            if isinstance(node, ast.ClassDef):
                out.update(described(node.body, f"{node.name}."))
                node = ast.ClassDef(name=node.name, bases=node.bases, keywords=node.keywords,
                                    body=[], decorator_list=node.decorator_list)
            name = getattr(node, "name", None)
            label = (f"{KEYWORDS[type(node)]} {prefix}{name}" if name else
                     f"{ast.unparse(node).splitlines()[0][:40]!r}")
            out.setdefault(ast.dump(node), (label, getattr(node, "lineno", 0)))
        return out

    mine, release_nodes = described(theirs.body), described(ours.body)
    changed = [f"{label} (line {line})" for dump, (label, line) in mine.items()
               if dump not in release_nodes]
    labels = {label for label, _ in mine.values()}
    removed = [f"{label} (removed)" for dump, (label, _) in release_nodes.items()
               if dump not in mine and label not in labels]
    return changed + removed


def stub_notebook(nb, where):
    """Stub code regions, empty answer regions and clear all outputs, in place."""
    for index, kind, source, loc in regions.notebook_sources(nb, where):
        def stub(region, body):
            if kind == "answer":
                return [""]
            return [f'{region.indent}raise NotImplementedError("Task {region.task}: write this '
                    f'part of cell {index} of {where}")']
        found = regions.find_regions(source, kind, loc)
        inside = {n for region in found for n in range(region.start, region.end + 1)}
        if kind == "answer" and found and all(
                n in inside or not line.strip() for n, line in enumerate(source.split("\n"))):
            raise regions.MarkerError(f"{loc}: the answer region fills the whole cell, so the "
                                      "student bundle would lose the question; put the "
                                      "question above the start marker")
        nb.cells[index].source = regions.rewrite(source, kind, loc, stub)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # JupyterLab's timestamps
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def stamp(root=BUNDLE):
    """{"version", "hash"} of the release of `root`: its version and a hash of its stubs.

    Written into the student notebook's metadata (key "grading") and into
    grading/release.json, so the grader can tell which release a submission came from.
    """
    root, digest = Path(root), hashlib.sha256()
    version = next((line.split('"')[1] for line in
                    (root / "pyproject.toml").read_text("utf-8").splitlines()
                    if line.startswith("version = ")), "unknown")
    for rel in sorted(regions.task_files(root).values()):
        digest.update(stub_python((root / rel).read_text("utf-8"), rel).encode("utf-8"))
    nb = stub_notebook(nbformat.read(root / tasks.NOTEBOOK, as_version=4), tasks.NOTEBOOK)
    digest.update(json.dumps([cell.source for cell in nb.cells]).encode("utf-8"))
    return {"version": version, "hash": digest.hexdigest()}


def student_readme(owner, template):
    """The student README: the template file with the task table filled in."""
    rows = "\n".join(f"| `{name}` | `{owner[name]}` | {task.points} |"
                     for name, task in tasks.TASKS.items())
    template = string.Template(Path(template).read_text("utf-8"))
    return template.substitute(task_table=rows, max_total=tasks.MAX_TOTAL,
                               notebook=tasks.NOTEBOOK)


def release(out, root=BUNDLE, force=False):
    """Write the student bundle of `root` into `out` (replaced if `force`)."""
    root, out = Path(root).resolve(), Path(out).resolve()
    owner, version = regions.task_files(root), stamp(root)
    problems = list_problems(root)
    if problems:
        raise ValueError("\n".join(problems))
    if out.exists() and any(out.iterdir()):
        if not force:
            raise FileExistsError(f"OUT_DIR {out} is not empty; pass --force to replace it")
        shutil.rmtree(out)
    for rel in student_files(root):
        origin, target = root / origin_of(rel), out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel == "README.md":
            target.write_text(student_readme(owner, origin), encoding="utf-8")
        elif rel.endswith(".ipynb"):
            nb = stub_notebook(nbformat.read(origin, as_version=4), rel)
            nb.metadata["grading"] = version
            nbformat.write(nb, target)
        elif rel in owner.values():
            target.write_text(stub_python(origin.read_text("utf-8"), rel), "utf-8")
        else:
            shutil.copyfile(origin, target)
            shutil.copymode(origin, target)
    (out / tasks.RELEASE_STAMP).write_text(json.dumps(version) + "\n", "utf-8")
    return out


def main(argv=None):
    """Write the student bundle from the command line; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m grading.authoring.release",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", metavar="OUT_DIR", help="where to write the student bundle")
    parser.add_argument("--force", action="store_true", help="replace OUT_DIR if it is not empty")
    args = parser.parse_args(argv)
    try:
        out = release(args.out_dir, force=args.force)
    except (ValueError, FileExistsError) as error:  # MarkerError is a ValueError
        print(f"release: {error}", file=sys.stderr)
        return 1
    print(f"release: student bundle written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
