"""Write the student bundle: ``python -m grading.release OUT_DIR [--force]``.

The student bundle has the same layout as this one, with

* every code region replaced by ``raise NotImplementedError("Task <id>: ...")``
  (markers, signature and docstring kept, so the stubs are the API a
  submission must provide, and `grade` can find the student's code again);
* every answer region emptied and every notebook's outputs cleared;
* from tests/, only `tasks.PUBLIC_TESTS`; from datasets/, only its README;
* from grading/, only what students run (`collect` and what it needs);
* a README for students in place of this one (grading/student_README.md), and
  a test.sh that runs the public unit tests (grading/student_test.sh): nbval
  on a cleared notebook would check nothing, so the student bundle does not
  pretend to.

Files are written in sorted order from their contents alone, so running the
release twice gives identical trees. The release refuses to run if a marker
is malformed, if a file with regions is not a submission file, if a region
sits outside a function, or if a public test imports the hidden oracles.
"""

import argparse
import ast
import shutil
import string
import sys
from pathlib import Path

import nbformat

from grading import regions, tasks

BUNDLE = Path(__file__).resolve().parents[1]
STUDENT_TOOLS = ("grading/__init__.py", "grading/tasks.py", "grading/regions.py",
                 "grading/collect.py", "grading/check.py")


def task_files(root):
    """Map each graded task to the one .py file holding its regions; check the configuration."""
    owner, problems = {}, regions.check(root)
    if problems:
        raise regions.MarkerError("\n".join(problems))
    for rel in regions.region_files(root):
        if rel not in tasks.SUBMISSION_FILES:
            problems.append(f"{rel} holds solution regions but is not in tasks.SUBMISSION_FILES")
        found = regions.file_regions(Path(root) / rel, rel) if rel.endswith(".py") else []
        for _, _, region in found:
            if owner.setdefault(region.task, rel) != rel:
                problems.append(f"{rel}: task {region.task} has regions in {owner[region.task]} "
                                "too; a task's regions must all be in one file")
    if set(owner) != set(tasks.POINTS):
        problems.append(f"tasks with regions in .py files {sorted(owner)} differ from "
                        f"the tasks of tasks.POINTS {sorted(tasks.POINTS)}")
    problems += [f"{rel} is a public test but imports tests/oracles.py, which reveals solutions"
                 for rel in tasks.PUBLIC_TESTS if reveals(root, rel)]
    if problems:
        raise regions.MarkerError("\n".join(problems))
    return owner


def module_imports(text):
    """(line, dotted name) of each import in Python source; relative names start with "."."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            prefix = "." * node.level + (f"{node.module}." if node.module else "")
            found += [(node.lineno, prefix + alias.name) for alias in node.names]
    return found


def reveals(root, rel, seen=()):
    """True if the test module `rel` imports tests/oracles.py, directly or via test modules."""
    path = Path(root) / rel
    if rel in seen or not path.exists() or not rel.endswith(".py"):
        return False
    for _, name in module_imports(path.read_text(encoding="utf-8")):
        parts = name.lstrip(".").split(".")
        if "oracles" in parts or reveals(root, f"tests/{parts[0]}.py", seen + (rel,)):
            return True
    return False


def stub_python(text, where):
    """`text` with each code region's body replaced by a NotImplementedError stub."""
    functions = [node for node in ast.walk(ast.parse(text))
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]

    def stub(region, body):
        inside = [f for f in functions if f.lineno <= region.start + 1 <= f.end_lineno]
        if not inside:
            raise regions.MarkerError(f"{where}:{region.start + 1}: region of task {region.task} "
                                      "is not inside a function, so its stub would break "
                                      "the import")
        name = max(inside, key=lambda f: f.lineno).name
        return [f'{region.indent}raise NotImplementedError("Task {region.task}: write this '
                f'part of {name}() in {where}")']

    return regions.rewrite(text, "code", where, stub)


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


def ships(rel, out_rel):
    """True if the file `rel` of the bundle goes into the student bundle."""
    top = rel.split("/")[0]
    if out_rel and rel.startswith(out_rel + "/") or rel in ("README.md", "test.sh"):
        return False
    return {"tests": rel in tasks.PUBLIC_TESTS, "datasets": rel == "datasets/README.md",
            "grading": rel in STUDENT_TOOLS}.get(top, True)


def student_readme(owner):
    """The student README: the template with the task table filled in."""
    rows = "\n".join(f"| `{task}` | `{owner[task]}` | {points} |"
                     for task, points in tasks.POINTS.items())
    template = string.Template((BUNDLE / "grading" / "student_README.md").read_text("utf-8"))
    return template.substitute(task_table=rows, max_total=sum(tasks.POINTS.values()),
                               notebook=tasks.NOTEBOOK)


def release(out, root=BUNDLE, force=False):
    """Write the student bundle of `root` into `out` (replaced if `force`)."""
    root, out = Path(root).resolve(), Path(out).resolve()
    owner = task_files(root)
    if out.exists() and any(out.iterdir()):
        if not force:
            raise FileExistsError(f"OUT_DIR {out} is not empty; pass --force to replace it")
        shutil.rmtree(out)
    out_rel = out.relative_to(root).as_posix() if out.is_relative_to(root) else None
    for rel in regions.walk(root):
        if not ships(rel, out_rel):
            continue
        source, target = root / rel, out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".ipynb"):
            nbformat.write(stub_notebook(nbformat.read(source, as_version=4), rel), target)
        elif rel in owner.values():
            target.write_text(stub_python(source.read_text("utf-8"), rel), "utf-8")
        else:
            shutil.copyfile(source, target)
            shutil.copymode(source, target)
    (out / "README.md").write_text(student_readme(owner), encoding="utf-8")
    shutil.copyfile(BUNDLE / "grading" / "student_test.sh", out / "test.sh")
    shutil.copymode(BUNDLE / "grading" / "student_test.sh", out / "test.sh")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading.release",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", metavar="OUT_DIR", help="where to write the student bundle")
    parser.add_argument("--force", action="store_true", help="replace OUT_DIR if it is not empty")
    args = parser.parse_args(argv)
    try:
        out = release(args.out_dir, force=args.force)
    except (regions.MarkerError, FileExistsError) as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    print(f"release: student bundle written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
