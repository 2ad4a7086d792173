"""Assignment 3 (LSTM and GRU): what only it has. The generic checks (release, marks, per-task
credit, the bug catalogue) are in test_nbgrader_assignments.py; this reads the same autograde run
(conftest.py).
"""
import pytest

from .descriptions import A3
from .graded_courses import nbgrader_group, student
from .nbgrader_helpers import scores

pytestmark = [pytest.mark.slow, nbgrader_group(A3)]


@pytest.fixture
def assignment():
    return A3


def test_catalogue_catches_every_bug_in_its_public_test(graded):
    """The catch rate students see while working: every bug fails its task's public test."""
    missed = [b.name for b in A3.bugs
              if scores(graded[0], A3.name, student(b, A3.bugs), A3.name)[f"test_{b.cell}_public"][0] > 0]
    assert not missed, missed
