"""Assignment 2 (backpropagation through time): what only it has. The generic checks (release,
marks, per-task credit, the bug catalogue) are in test_nbgrader_assignments.py.

Its instructions point to book sections by name, and its public tests name the mistake of several
catalogued bugs (LEARNERS.md items 4 and 7), read from the one autograde run (conftest.py).
"""
import re

import pytest

from .descriptions import A2
from .graded_courses import nbgrader_group, student
from .nbgrader_helpers import REPO, outputs, read, task_tests

pytestmark = [pytest.mark.slow, nbgrader_group(A2)]


@pytest.fixture
def assignment():
    return A2


def test_instructions_point_to_the_book_sections_that_exist():
    text = "\n".join(c.source for c in read(A2.source).cells if c.cell_type == "markdown")
    chapters = {"03_bptt.md": ["The implementation", "The general formula",
                               "Checking the formula on the page", "The bug that two steps reveal",
                               "Truncated BPTT"],
                "04_activations.md": ["Gradient clipping",
                                      "Vanishing and exploding gradients, measured"]}
    for chapter, sections in chapters.items():
        book = (REPO / "book" / "chapters" / chapter).read_text()
        assert chapter in text
        for section in sections:
            assert f"*{section}" in text, section
            assert re.search(rf"^#+ {re.escape(section)}", book, re.M), (chapter, section)


# Public-test messages that pin the mistake down (LEARNERS.md items 4 and 7).
PINNED = {
    "step-dW-transposed": "looks transposed",
    "step-sigmoid-derivative": "sigmoid's derivative",
    "step-db-not-summed": "db_h still has the batch axis",
    "seq-dh-next-forgotten": "is the gradient from step t+1 (dh_next) added to dh[t]?",
    "seq-not-accumulated": "add up",
    "num-forward-difference": "one-sided difference",
    "num-x-not-restored": "put back the saved value",
    "clip-each-element": "Each entry looks clipped",
    "clip-always": "clip only when norm > max_norm",
    "tbptt-no-detach-full-bptt": "the gradient is cut between chunks",
    "tbptt-state-reset": "carry the last state",
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_public_test_names_the_mistake(graded, name):
    bug = next(b for b in A2.bugs if b.name == name)
    text = outputs(graded[0], A2.name, student(bug, A2.bugs), A2.name)[task_tests(bug.cell)[0]]
    assert PINNED[name] in text, text[-800:]
