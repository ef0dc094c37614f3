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
from collections.abc import Mapping, Sequence
from pathlib import Path

import nbformat

from grading import tasks
from grading.student import regions

BUNDLE = tasks.BUNDLE


def student_files(root: Path | str) -> list[str]:
    """The student bundle's files, relative: `tasks.STUDENT_FILES` and those of tests/public.

    A test file is public by where it is: every file of tests/public ships, so a new
    task's public tests need no list beside them (hidden ones go to tests/hidden).
    """
    public = regions.walk(Path(root) / tasks.PUBLIC_TESTS)
    return sorted({*tasks.STUDENT_FILES, *(f"{tasks.PUBLIC_TESTS}/{rel}" for rel in public)})


def list_problems(root: Path | str) -> list[str]:
    """Why `root`'s files do not make the listed student bundle, as messages."""
    root = Path(root)
    found = [f"{rel} is listed in tasks.STUDENT_FILES but missing"
             for rel in tasks.STUDENT_FILES if not (root / origin_of(rel)).is_file()]
    return found + public_test_problems(root)


def public_test_problems(root: Path | str) -> list[str]:
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


def origin_of(rel: str) -> str:
    """The bundle file that the student bundle's file `rel` is made from."""
    return tasks.STUDENT_SOURCES.get(rel, rel)


def stub_python(text: str, where: str, keep: str | None = None, note: str = "") -> str:
    """`text` with each code region's body, except those of task `keep`, made a stub.

    `note` ends each stub's message (the grader says why another task's code is absent).
    """
    functions = [node for node in ast.walk(ast.parse(text))
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]

    def stub(region: regions.Region, body: list[str]) -> list[str] | None:
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


def stub_notebook(nb: nbformat.NotebookNode, where: str) -> nbformat.NotebookNode:
    """Stub code regions, empty answer regions and clear all outputs, in place."""
    for index, kind, source, loc in regions.notebook_sources(nb, where):
        def stub(region: regions.Region, body: list[str]) -> list[str]:
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


def stamp(root: Path | str = BUNDLE) -> dict[str, str]:
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


def student_readme(owner: Mapping[str, str], template: Path | str) -> str:
    """The student README: the template file with the task table filled in."""
    rows = "\n".join(f"| `{name}` | `{owner[name]}` | {task.points} |"
                     for name, task in tasks.TASKS.items())
    text = string.Template(Path(template).read_text("utf-8"))
    return text.substitute(task_table=rows, max_total=tasks.MAX_TOTAL, notebook=tasks.NOTEBOOK)


def release(out: Path | str, root: Path | str = BUNDLE, force: bool = False) -> Path:
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


def main(argv: Sequence[str] | None = None) -> int:
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
