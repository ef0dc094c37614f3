"""The child's wing: the only grading code that runs in the sandbox beside submitted code.

`server` serves calls of a task's functions, over `channel`'s messages in `wire`'s format.
Copied whole into each child's folder; imports nothing outside this wing but numpy and
the standard library, so no other grading code is in reach of a submission.
"""
