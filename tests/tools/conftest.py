"""Fixtures shared by the tool tests."""

from pathlib import Path

import pytest

from grading import release

BUNDLE = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def student(tmp_path_factory):
    """The student bundle of this bundle, released once; tests copy it before changing it."""
    return release.release(tmp_path_factory.mktemp("release") / "student", BUNDLE)
