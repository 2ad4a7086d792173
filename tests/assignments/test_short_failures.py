"""A failed check in the notebook shows its message, not a traceback through the test helpers
(issue 16, item 7): the helpers raise an AssertionError that IPython renders as one line.

The committed releases of assignments 1-3 run in a real kernel up to their first public test,
once with the task unanswered and once with a known mistake planted: each failure's output is
the one line "AssertionError: <message>", the message naming the function and the mistake.
"""
import pytest
from nbclient import NotebookClient

from .bugs import assignment1, assignment2, assignment3
from .descriptions import A1, A2, A3
from .nbgrader_helpers import grade_id, read, solved, with_cell

pytestmark = pytest.mark.slow

BUGS = {"assignment1": (A1, assignment1, "step-sigmoid-not-tanh"),
        "assignment2": (A2, assignment2, "step-scales-dh-in-place"),
        "assignment3": (A3, assignment3, "lstm-step-forget-on-candidate")}


def _errors_up_to_first_public_test(nb):
    """The error outputs of the notebook run in a fresh kernel up to its first public test."""
    first = next(i for i, c in enumerate(nb.cells) if (grade_id(c) or "").endswith("_public"))
    nb.cells = nb.cells[:first + 1]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    return [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


@pytest.mark.parametrize("name", sorted(BUGS))
def test_an_unanswered_task_fails_with_its_message_alone(name):
    assignment = BUGS[name][0]
    (test,) = _errors_up_to_first_public_test(read(assignment.release))
    assert test.ename == "AssertionError" and "is not implemented yet" in test.evalue, test
    assert len(test.traceback) == 1 and "File " not in test.traceback[0], test.traceback


@pytest.mark.parametrize("name", sorted(BUGS))
def test_a_known_mistake_fails_with_its_message_and_hint_alone(name):
    assignment, catalogue, bug_name = BUGS[name]
    bug = next(b for b in catalogue.BUGS if b.name == bug_name)
    nb = with_cell(solved(read(assignment.release), read(assignment.source)), bug.cell,
                   bug.source)
    (error,) = _errors_up_to_first_public_test(nb)
    assert error.ename == "AssertionError", error
    assert len(error.traceback) == 1 and "File " not in error.traceback[0], error.traceback
    assert error.evalue.startswith(bug.cell.split("_", 2)[2]), error.evalue
    assert any(word in error.evalue for word in ("sigmoid", "in place", "forget gate")), \
        error.evalue
