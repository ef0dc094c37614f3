"""The bundle's architecture: the library below the tools, and the grading modules by trust
zone (what runs in the sandbox, what ships to students, what grades a class)."""

import subprocess
import sys
from pathlib import Path

from grading import regions, release, scratch, tasks

BUNDLE = Path(__file__).resolve().parents[2]
LIBRARY = ("classifiers", "data_utils", "gradient_check", "cifar_synthetic", "cifar_pickle")
TOOLS = ("grading", "scripts", "benchmarks", "tests")


def modules():
    """Relative paths of the bundle's Python modules (data and environments left out)."""
    return [rel for rel in regions.walk(BUNDLE)
            if rel.endswith(".py") and not rel.startswith("datasets/")]


def test_modules_are_found():
    found = modules()
    assert {"data_utils.py", "grading/release.py", "tests/tools/test_layering.py"} <= set(found)


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
    assert refused("grading/notebook.py", "from scripts.results import record\n", tests) == \
        ["grading/notebook.py:1 imports scripts.results.record"]
    assert refused("grading/grade.py", "import benchmarks\n", tests)
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


def grading_imports(rel):
    """The top names of `grading` modules and third-party packages module `rel` imports."""
    found = set()
    for _, name in regions.module_imports((BUNDLE / rel).read_text("utf-8")):
        parts = name.split(".")
        if parts[0] == "grading":
            found.add(parts[1] if len(parts) > 1 else "grading")
        elif parts[0] not in sys.stdlib_module_names:
            found.add(parts[0])
    return found


def stems(files):
    return {Path(rel).stem for rel in files if rel.startswith("grading/") and rel.endswith(".py")}


# The grading modules by trust zone. The child's runs inside the sandbox with submitted code;
# the student's ship in the release; the course's grade a whole class.
CHILD = stems(f"grading/{name}" for name in scratch.CHILD_MODULES)
STUDENT = stems(tasks.STUDENT_FILES)
COURSE = {"grade_all", "class_report", "manual", "export", "progress", "gradescope",
          "gradescope_results"}


def test_the_child_imports_only_itself_numpy_and_the_standard_library():
    for stem in CHILD:
        assert grading_imports(f"grading/{stem}.py") <= CHILD | {"numpy", "grading"}, stem


def test_the_students_grading_modules_import_only_each_other_and_the_library():
    allowed = STUDENT | set(LIBRARY) | {"numpy", "nbformat", "pytest", "IPython", "grading"}
    for stem in STUDENT:
        assert grading_imports(f"grading/{stem}.py") <= allowed, stem


def test_nothing_below_the_course_tools_imports_them():
    for rel in modules():
        if rel.startswith("grading/") and Path(rel).stem not in COURSE:
            assert not grading_imports(rel) & COURSE, rel


def test_ruff_passes():
    # The linter configured in pyproject.toml: pyflakes, pycodestyle, isort, numpydoc rules.
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."],
                          cwd=BUNDLE, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]

