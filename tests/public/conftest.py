"""Shared pytest configuration."""

import os

from hypothesis import settings

import strategies  # noqa: F401  (registers the hypothesis profiles)

# Reproducible property tests by default; HYPOTHESIS_PROFILE=default explores anew.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
