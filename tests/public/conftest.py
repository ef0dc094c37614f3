"""Configuration of the public tests: the reproducible hypothesis profile."""

import strategies

strategies.use_profile()
