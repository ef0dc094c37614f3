"""Configuration of the hidden tests: the public tests' reproducible hypothesis profile."""

import strategies

strategies.use_profile()
