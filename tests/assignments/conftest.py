"""Each assignment released, autograded and run once per test session, for every module that asks.

The tests of one assignment live in two modules (the generic checks in test_nbgrader_assignments.py,
the assignment's own in test_assignmentN.py), and autograding is the expensive part (assignment 4's
run trains models: minutes), so the work is memoised per assignment in one session-scoped
``courses`` object. A test asks for ``released``, ``graded`` or ``completed_run`` and an
``assignment`` (a descriptions.Assignment: parametrized in the generic module, a fixture in an
assignment's own module). Every test of an assignment is in that assignment's xdist group
(``graded_courses.nbgrader_group``), so that under ``pytest -n 2 --dist loadgroup`` one worker does
each assignment's runs once, and the two workers grade different assignments at the same time.
"""
import pytest

from .graded_courses import Courses


@pytest.fixture(scope="session")
def courses(tmp_path_factory):
    return Courses(tmp_path_factory)


@pytest.fixture
def released(courses, assignment):
    return courses.released(assignment)


@pytest.fixture
def graded(courses, assignment):
    return courses.graded(assignment)


@pytest.fixture
def completed_run(courses, assignment):
    return courses.completed_run(assignment)
