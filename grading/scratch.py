"""The folder a sandboxed child sees: a submission's task file and nothing to copy from.

For task T of file F, the child's folder holds F as submitted with every
region of another task replaced by a stub that raises; the other task files
as the student bundle has them (stubs); the bundle's provided library modules;
and the few grading modules the child runs. No tests, no reference regions.
"""

import ast
import shutil
from pathlib import Path

from grading import regions, release

CHILD_MODULES = ("__init__.py", "wire.py", "channel.py", "child.py")


def module_name(rel):
    """'classifiers/softmax.py' -> 'classifiers.softmax'."""
    return rel[:-3].replace("/", ".").removesuffix(".__init__")


def library_files(bundle):
    """The library's .py files (top level and classifiers/), as relative paths."""
    return [rel for rel in regions.walk(bundle)
            if rel.endswith(".py") and ("/" not in rel or rel.startswith("classifiers/"))]


def targets(text, task, where):
    """[module, qualified name] of each function of `text` holding a region of `task`.

    A method is named Class.method; the child calls it with the object's state.
    """
    tree, names = ast.parse(text), []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.append((child.lineno, child.end_lineno, prefix + child.name))

    visit(tree, "")
    found = []
    for region in regions.find_regions(text, "code", where):
        inside = [name for start, end, name in names if start <= region.start + 1 <= end]
        if region.task == task and inside and [module_name(where), inside[-1]] not in found:
            found.append([module_name(where), inside[-1]])
    return found


def build(bundle, text, task, where, owner, dest):
    """Write the child's folder for `task` into dest; `text` is the submitted file `where`.

    `owner` maps each task to its file (`regions.task_files`).
    """
    task_files = set(owner.values())
    note = (f"; task {task} is graded without it: a task may call another task's code only "
            "where grading/tasks.py DEPENDENCIES lists it")
    for rel in library_files(bundle):
        target = Path(dest) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel == where:
            target.write_text(release.stub_python(text, rel, keep=task, note=note), "utf-8")
        elif rel in task_files:
            source = (Path(bundle) / rel).read_text("utf-8")
            target.write_text(release.stub_python(source, rel, note=note), "utf-8")
        else:
            shutil.copyfile(Path(bundle) / rel, target)
    (Path(dest) / "grading").mkdir(parents=True, exist_ok=True)
    for name in CHILD_MODULES:
        shutil.copyfile(Path(__file__).parent / name, Path(dest) / "grading" / name)
    return Path(dest)


def reference_tree(bundle, dest):
    """Copy the bundle's code, tests and configuration (not its data) into dest.

    The trusted tests run there; no child ever sees it.
    """
    for rel in regions.walk(bundle):
        if rel.split("/")[0] not in ("datasets", "grading"):
            (Path(dest) / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(bundle) / rel, Path(dest) / rel)
    return Path(dest)
