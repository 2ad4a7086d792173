"""Failures of the grading machinery, told apart from failures of a student's code.

A :class:`GraderFault` is raised wherever grading cannot be trusted for a reason that is not in
the submission: the sandbox did not start, the interpreter is missing, the gradebook cannot be
written, the output folder is full, a grading worker died. The pipeline then records nothing for
that student (no score, no record marked complete), lists them as "not graded: grader fault"
with the cause, exits non-zero, and grades them on the next run. A score of 0 is only ever
recorded for what the student's code did.
"""


class GraderFault(Exception):
    """The grading machinery failed; the student is not to blame.

    ``cause``: one line for the summary; ``detail``: what the sandbox printed, the command it
    ran, the interpreter it tried (for the instructor); ``stop``: the same fault will hit every
    other student (the sandbox or the gradebook is down), so grading the rest is pointless.
    """

    def __init__(self, cause, detail="", stop=True):
        super().__init__(cause)
        self.cause, self.detail, self.stop = cause, detail, stop

    def __str__(self):
        return self.cause
