"""The student's wing: the only grading code that ships in the student bundle.

`check` runs a task's public tests from a notebook cell, `hint` shows a task's hints one
at a time (``python -m grading.hint TASK`` prints them all), `collect` zips a submission,
`handin` tells what a hand-in holds and misses (collect's table, which the grader shows too),
`execute` runs the notebook headless for ./run.sh, `record` reads the notebook's record of
its run, `regions` finds the solution markers, `cores` counts the idle cores the notebook's
large products may use. Used by students, and by the other wings.
Imports only the library, numpy, nbformat, nbclient, pytest, IPython, the standard library
and `grading.tasks`.
"""
