"""Tools that turn this bundle into a student exercise and grade what comes back.

`release` writes the student bundle, `collect` packs a student's submission,
`grade` scores one submission and `grade_all` a whole folder of them.
`tasks` holds the points and file lists they share; `regions` reads the
solution markers. See grading/README.md for the design.
"""
