"""Find, check and rewrite the solution regions of Python files and notebooks.

A code region (in a .py file or a notebook code cell) is one pair of lines,
indented like the code it encloses::

    # *****START OF YOUR CODE (task: softmax_naive)*****
    ...
    # *****END OF YOUR CODE*****

An answer region (in a notebook markdown cell) renders invisibly::

    <!-- START OF YOUR ANSWER (task: inline_question_1) -->
    ...
    <!-- END OF YOUR ANSWER -->

Regions never nest, every start names its task, every start has its end.
`python -m grading.student.regions [PATH ...]` checks the given files (by default
every file of the bundle that holds regions) and names file and line of each
problem. `task_files` maps each task to its file; `module_imports` reads the
imports of Python source, for the checks on task files and test folders.
"""

import ast
import os
import re
import sys
from collections import namedtuple
from collections.abc import Callable, Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import nbformat

from grading import tasks

_TASK = r"\(task: (?P<task>[a-z][a-z0-9_]*)\)"
# kind -> (start pattern, end pattern, words that only markers use, how a marker line begins).
# A line is a malformed marker only if it begins as one does: the words in a string or in
# running text are a student's own.
SYNTAX = {
    "code": (re.compile(r"^(?P<indent>\s*)# \*{5}START OF YOUR CODE " + _TASK + r"\*{5}\s*$"),
             re.compile(r"^\s*# \*{5}END OF YOUR CODE\*{5}\s*$"),
             ("START OF YOUR CODE", "END OF YOUR CODE"), "#"),
    "answer": (re.compile(r"^(?P<indent>\s*)<!-- START OF YOUR ANSWER " + _TASK + r" -->\s*$"),
               re.compile(r"^\s*<!-- END OF YOUR ANSWER -->\s*$"),
               ("START OF YOUR ANSWER", "END OF YOUR ANSWER"), "<!--"),
}
CELL_KINDS = {"code": "code", "markdown": "answer"}

# start and end are the 0-based line numbers of the two marker lines.
Region = namedtuple("Region", "task start end indent")


class MarkerError(ValueError):
    """A marker is unbalanced, nested, unnamed or malformed."""


def find_regions(text: str, kind: str, where: str) -> list[Region]:
    """Regions of `text`, in order; `kind` is "code" or "answer".

    Raises MarkerError naming ``where:line`` on the first bad marker.
    """
    start_re, end_re, words, opening = SYNTAX[kind]
    regions: list[Region] = []
    opened: Region | None = None
    for n, line in enumerate(text.split("\n")):
        start, end = start_re.match(line), end_re.match(line)
        if start and opened:
            raise MarkerError(f"{where}:{n + 1}: region of task {start['task']} starts inside "
                              f"the region opened at line {opened.start + 1} (regions cannot nest)")
        if start:
            opened = Region(start["task"], n, None, start["indent"])
        elif end:
            if opened is None:
                raise MarkerError(f"{where}:{n + 1}: end marker without a start marker")
            regions.append(opened._replace(end=n))
            opened = None
        elif line.lstrip().startswith(opening) and any(word in line for word in words):
            raise MarkerError(f"{where}:{n + 1}: malformed or unnamed marker {line.strip()!r}; "
                              f"a start marker must name its task, as in '(task: softmax_naive)'")
    if opened:
        raise MarkerError(f"{where}:{opened.start + 1}: start marker of task {opened.task} "
                          "has no end marker")
    return regions


def rewrite(text: str, kind: str, where: str,
            new_body: Callable[[Region, list[str]], list[str] | None]) -> str:
    """Replace the body of each region by ``new_body(region, body_lines)``.

    `new_body` returns the new list of body lines, or None to keep the body.
    Marker lines and everything outside regions stay as they are.
    """
    lines = text.split("\n")
    for region in reversed(find_regions(text, kind, where)):
        body = new_body(region, lines[region.start + 1:region.end])
        if body is not None:
            lines[region.start + 1:region.end] = body
    return "\n".join(lines)


def notebook_sources(nb: Any, where: str) -> Iterator[tuple[int, str, str, str]]:
    """Yield (cell index, region kind, source, location) for every region-capable cell."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type in CELL_KINDS:
            yield index, CELL_KINDS[cell.cell_type], cell.source, f"{where} cell {index}"


def file_regions(path: Path | str, where: str | None = None) -> list[tuple[str, str, Region]]:
    """All regions of a .py file or notebook as a list of (location, kind, Region)."""
    path, where = Path(path), where or str(path)
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return [(loc, kind, region) for _, kind, source, loc in notebook_sources(nb, where)
                for region in find_regions(source, kind, loc)]
    return [(where, "code", region)
            for region in find_regions(path.read_text(encoding="utf-8"), "code", where)]


def is_skipped(rel: str | Path) -> bool:
    """True if a relative path lies in a folder (or is a file) the tools never copy."""
    return any(fnmatch(part, pattern)
               for part in Path(rel).parts for pattern in tasks.SKIPPED_NAMES)


def walk(root: Path | str) -> list[str]:
    """Sorted relative paths (posix) of all files under root that are not skipped."""
    found = []
    for folder, dirnames, filenames in os.walk(root):
        rel = Path(folder).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if not is_skipped(rel / d))
        found += [(rel / name).as_posix() for name in filenames if not is_skipped(rel / name)]
    return sorted(found)


def region_files(root: Path | str) -> list[str]:
    """Relative paths of the bundle's .py and .ipynb files that mention markers.

    The grading tools and tests talk about markers without holding regions,
    so they are not scanned.
    """
    words = SYNTAX["code"][2] + SYNTAX["answer"][2]
    return [rel for rel in walk(root)
            if rel.endswith((".py", ".ipynb")) and rel.split("/")[0] not in ("grading", "tests")
            and any(word in (Path(root) / rel).read_text(encoding="utf-8") for word in words)]


def check(root: Path | str, paths: list[str] | None = None) -> list[str]:
    """Problems with the regions of `paths` (default: `region_files(root)`), as messages."""
    problems = []
    for rel in paths or region_files(root):
        try:
            file_regions(Path(root) / rel, rel)
        except MarkerError as error:
            problems.append(str(error))
    return problems


def task_files(root: Path | str) -> dict[str, str]:
    """Map each graded task to the one .py file holding its regions; check the configuration."""
    owner: dict[str, str] = {}
    problems = check(root)
    if problems:
        raise MarkerError("\n".join(problems))
    for rel in region_files(root):
        if rel not in tasks.SUBMISSION_FILES:
            problems.append(f"{rel} holds solution regions but is not in tasks.SUBMISSION_FILES")
        found = file_regions(Path(root) / rel, rel) if rel.endswith(".py") else []
        for _, _, region in found:
            if owner.setdefault(region.task, rel) != rel:
                problems.append(f"{rel}: task {region.task} has regions in {owner[region.task]} "
                                "too; a task's regions must all be in one file")
    if set(owner) != set(tasks.TASKS):
        problems.append(f"tasks with regions in .py files {sorted(owner)} differ from "
                        f"the tasks of tasks.TASKS {sorted(tasks.TASKS)}")
    if problems:
        raise MarkerError("\n".join(problems))
    return owner


def module_imports(text: str) -> list[tuple[int, str]]:
    """(line, dotted name) of each import in Python source; relative names start with "."."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            prefix = "." * node.level + (f"{node.module}." if node.module else "")
            found += [(node.lineno, prefix + alias.name) for alias in node.names]
    return found


def main(argv: list[str] | None = None) -> int:
    """Check the regions of the given files, or of the whole bundle; exit 1 on problems."""
    paths = sys.argv[1:] if argv is None else argv
    problems = check(Path.cwd(), paths)
    for problem in problems:
        print(problem)
    print("regions: " + (f"{len(problems)} problem(s)" if problems else "all markers are balanced"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
