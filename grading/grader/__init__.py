"""The grader's wing: one submission graded in the trusted process.

`grade` unpacks (`unpack`) and grades every task in one trusted pytest (`plugin`, whose
`proxy` calls each task's child in `scratch`'s folder), scored group by group (`points`), and
re-executes the notebook (`nbgrade`, `notebook`). Used by graders and by the course
and Gradescope wings. Imports the student, authoring, child and isolation wings.
"""
