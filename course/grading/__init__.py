"""Grading submissions outside the student's kernel: sandboxed runs, verdicts in a trusted process.

``python -m course.grading ASSIGNMENT SUBMISSIONS [--workers N] [--db-url URL] [--out DIR]``
(see :mod:`course.grading.__main__`). The parts, each with one job:

- :mod:`.sandbox` runs code in a bubblewrap sandbox with limits and returns bytes;
- :mod:`.harness` is what runs inside: the student's cells, then calls of one function;
- :mod:`.notebook` reads the source (trusted) and submissions (not) as data;
- :mod:`.spec` and :mod:`.specs` say what each test cell checks and judge the returned arrays;
- :mod:`.verdict` words a failed case: each wrong output, the likely mistake, a changed input;
- :mod:`.grader` grades one submission; :mod:`.pipeline` grades a class in parallel (after a
  canary: the instructor's solution through the same sandbox) and writes, per student
  (:mod:`.save`), the gradebook (:mod:`.gradebook`), feedback and the grade table (:mod:`.report`);
- :mod:`.faults`: failures of the grading machinery, which are never recorded as a score.
"""
