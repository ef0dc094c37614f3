"""Tools that turn this bundle into a student exercise and grade what comes back.

Two declarations travel everywhere: `tasks` (one `Task` per graded task, the file lists and
limits) and `report` (the grading report). The rest sits in wings by stage and trust zone;
tests/tools/test_layering.py holds each wing to the imports its docstring allows:

- `student`: what ships in the student bundle (check cells, collect, the record, markers);
- `authoring`: the release, and the task files rebuilt from it;
- `child`: the only grading code that runs in the sandbox beside submitted code;
- `isolation`: bubblewrap, pids cgroups, the unprivileged uid;
- `grader`: grading one submission, in the trusted process;
- `course`: grading a class, its reports, the pairs of submissions alike, manual marks and
  notebooks for reading (`grading.similarity` is the command of its `similarity`);
- `gradescope`: the Gradescope autograder.

See grading/README.md for the design.
"""
