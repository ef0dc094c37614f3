"""How ./test.sh shares the whole suite between pytest-xdist workers (loaded with ``-p``).

A worker runs one scope at a time, its tests in order. A scope is a test module, so that its
module-scoped fixtures are made once; the notebook, whose cells share one kernel; or every
module that reads the graded class of tests/tools/conftest.py. That session fixture is made
once per worker and takes minutes (a class graded by grade_all with the sandbox), so all its
readers run on one worker, which grades the class once. xdist's own ``--dist loadgroup``
would say the same with markers, but it renames test ids in a way pytest 9 ignores.
"""

from pathlib import PurePath

import pytest

# The modules with a test that reads the graded_class fixture; a run refuses to start when a
# module reads it without being listed here.
CLASS_MODULES = frozenset({"test_fair_points", "test_gradescope", "test_grading_grade",
                           "test_hostile", "test_replay"})
CLASS_SCOPE = "the graded class"


def scope(nodeid):
    """The scope a test runs in.

    Parameters
    ----------
    nodeid : str
        pytest's id of the test, ``path::name[params]``.

    Returns
    -------
    str
        CLASS_SCOPE for a test of CLASS_MODULES, else its file's path.
    """
    module = nodeid.split("::", 1)[0]
    return CLASS_SCOPE if PurePath(module).stem in CLASS_MODULES else module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Schedule by the scopes of `scope`, largest first, as xdist's --dist loadscope does."""
    from xdist.scheduler import LoadScopeScheduling  # present whenever xdist calls this hook

    class Scopes(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return scope(nodeid)

    return Scopes(config, log)


def pytest_collection_modifyitems(items):
    """Refuse a run in which a module reads the graded class without being in CLASS_MODULES:
    its worker would grade the class a second time."""
    readers = {item.path.stem for item in items
               if "graded_class" in getattr(item, "fixturenames", ())}
    if readers - CLASS_MODULES:
        raise pytest.UsageError(
            f"{sorted(readers - CLASS_MODULES)} read the graded_class fixture: add them to "
            "CLASS_MODULES in scripts/suite_scopes.py, so that one worker grades the class once")
