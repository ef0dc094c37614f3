"""The folders submitted code sees: rebuilt task files and nothing to copy from.

For task T of file F, a child's folder holds F as released with only T's
submitted region bodies put in (`rebuild.rebuild`); the other task files as
the student bundle has them (stubs); the bundle's provided library modules;
and the few grading modules the child runs. No tests, no reference regions.
The notebook's kernel imports the task files of `graded_files`: the release's,
with the bodies of every task whose regions sit where the release has them.
"""

import shutil
from pathlib import Path

from grading import tasks
from grading.authoring import rebuild, release
from grading.student import regions


def library_files(bundle: Path | str) -> list[str]:
    """The library's .py files (top level and classifiers/), as relative paths."""
    return [rel for rel in regions.walk(bundle)
            if rel.endswith(".py") and ("/" not in rel or rel.startswith("classifiers/"))]


def task_files() -> list[str]:
    """The files holding the graded tasks' regions, as `grading.tasks` declares them."""
    return sorted({task.file for task in tasks.TASKS.values()})


def build(bundle: Path | str, text: str, where: str, dest: Path | str, note: str) -> Path:
    """Write a child's folder into dest: `text` as the file `where`, the rest as released.

    `text` is the task file rebuilt for one task (`rebuild.rebuild`); every other task
    file is the release's stub, whose message ends with `note`.
    """
    for rel in library_files(bundle):
        target = Path(dest) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel == where:
            target.write_text(text, "utf-8")
        elif rel in task_files():
            source = (Path(bundle) / rel).read_text("utf-8")
            target.write_text(release.stub_python(source, rel, note=note), "utf-8")
        else:
            shutil.copyfile(Path(bundle) / rel, target)
    # The child's wing, whole, and the package file above it: all the grading code it runs.
    grading = Path(__file__).resolve().parents[1]
    shutil.copytree(grading / "child", Path(dest) / "grading" / "child",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(grading / "__init__.py", Path(dest) / "grading" / "__init__.py")
    return Path(dest)


def graded_files(bundle: Path | str, submission: Path | str, dest: Path | str) -> list[str]:
    """Write the task files the notebook's kernel imports into dest; what the submission lost.

    Each is the release's file with the submitted region bodies of every task whose
    regions sit where the release has them (`rebuild.rebuild`), so code outside the
    regions, import-time code included, never runs. Returns the problems to report:
    code outside the regions that was ignored (a region not taken fails its own task,
    which says so).
    """
    problems = []
    for where in task_files():
        try:
            submitted = (Path(submission) / where).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the task's own grading says why
        released = release.stub_python((Path(bundle) / where).read_text("utf-8"), where)
        keep = {task.name for task in tasks.TASKS.values() if task.file == where}
        text, _ = rebuild.rebuild(released, submitted, where, keep)
        ignored = rebuild.outside(released, submitted, where)
        if ignored:
            problems.append(f"{where}: code outside the answer regions is ignored (the "
                            f"release's code runs instead): {', '.join(ignored)}")
        (Path(dest) / where).parent.mkdir(parents=True, exist_ok=True)
        (Path(dest) / where).write_text(text, "utf-8")
    return problems


def reference_tree(bundle: Path | str, dest: Path | str) -> Path:
    """Copy the bundle's code, tests and configuration (not its data) into dest.

    The trusted tests run there; no child ever sees it.
    """
    for rel in regions.walk(bundle):
        if rel.split("/")[0] not in ("datasets", "grading"):
            (Path(dest) / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(bundle) / rel, Path(dest) / rel)
    return Path(dest)
