"""Public means public (issue 16): for every catalogued bug, the notebook's public test of the
bug's task passes under nbgrader exactly when the grader's public cases of that task pass, so
that "Task N public test passed" in the notebook means its public points at grading.

The notebook side is the nbgrader run the generic tests use (conftest.py's ``graded``); the
grader side grades the same submission's task through course.grading (one sandbox per bug).
Assignment 4 is left out: its public tests drive a PyTorch model through stand-ins that the
grader replaces with drivers, and its Task 4.4 trains.
"""
import json

import numpy as np
import pytest

from course.grading.grader import _run_task, load_assignment
from course.grading.notebook import student_code, with_solutions
from course.grading.sandbox import Limits

from .descriptions import ASSIGNMENTS
from .graded_courses import nbgrader_group, student
from .nbgrader_helpers import REPO, outputs, scores, task_tests

pytestmark = pytest.mark.slow
CHECKED = [a for a in ASSIGNMENTS if a.name != "assignment4"]
LIMITS = Limits(wall_s=20, cpu_s=20, memory_bytes=1 << 30, nproc=32, log_max=1 << 20)


@pytest.fixture(scope="module")
def public_reasons(tmp_path_factory):
    """assignment -> {bug name: the grader's reason for the bug's public test ('' passed)}."""
    memo = {}

    def grade(assignment):
        if assignment.name not in memo:
            graded = load_assignment(REPO, assignment.name)
            source = json.loads(assignment.source.read_text())
            release = json.loads(assignment.release.read_text())
            workdir = tmp_path_factory.mktemp(f"agree-{assignment.name}")
            reasons = {}
            for bug in assignment.bugs:
                public = task_tests(bug.cell)[0]
                task = next(t for t in graded.tasks if any(
                    c.test == public for c in t.cases(np.random.default_rng(0))))
                cells = student_code(with_solutions(release, source, {bug.cell: bug.source}),
                                     graded.release_nb)
                found, _, _ = _run_task(graded, task, cells, np.random.default_rng(0), workdir,
                                        LIMITS)
                reasons[bug.name] = found[public]
            memo[assignment.name] = reasons
        return memo[assignment.name]

    return grade


@pytest.mark.parametrize("assignment", [pytest.param(a, id=str(a), marks=nbgrader_group(a))
                                        for a in CHECKED])
def test_the_notebooks_public_test_and_the_graders_public_cases_agree_on_every_bug(
        assignment, graded, public_reasons):
    grader = public_reasons(assignment)
    disagree = {}
    for bug in assignment.bugs:
        name = student(bug, assignment.bugs)
        public = task_tests(bug.cell)[0]
        score, max_score = scores(graded[0], assignment.name, name, assignment.name)[public]
        notebook_passed, grader_passed = score == max_score, not grader[bug.name]
        if notebook_passed != grader_passed:
            text = outputs(graded[0], assignment.name, name, assignment.name)[public]
            disagree[bug.name] = {"notebook": text[-400:] or "passed",
                                  "grader": grader[bug.name] or "passed"}
    assert not disagree, json.dumps(disagree, indent=1)
