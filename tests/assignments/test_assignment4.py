"""Assignment 4 (a character-level language model in PyTorch): what only it has. The generic checks
(release, marks, per-task credit, the bug catalogue) are in test_nbgrader_assignments.py, with
assignment 4's arrangement of its submissions described in descriptions.py (the ungraded training
cell skipped, Task 4.4 left unanswered around the bugs of Tasks 4.1-4.3).

Here: the instructions state the time budget and the perplexity threshold that Task 4.4's hidden
test enforces, the graded code cannot reach rnnlib's models, and the instructor's model (in the
autograde run) and the report cell's model (in the completed notebook's run) meet the threshold.
"""
import re

import pytest

from .descriptions import A4, TRAINED, report_cell
from .graded_courses import nbgrader_group
from .nbgrader_helpers import cell_by_id, outputs, read

pytestmark = [pytest.mark.slow, nbgrader_group(A4)]


@pytest.fixture
def assignment():
    return A4


def test_instructions_state_the_budget_the_threshold_and_the_book_section():
    text = "\n".join(c.source for c in read(A4.release).cells if c.cell_type == "markdown")
    assert "07_applications.md" in text and "90 seconds" in text and "below 9.0" in text
    hidden = cell_by_id(read(A4.source), f"test_{TRAINED}_hidden").source
    assert "seconds < 90" in hidden and "ppl < 9.0" in hidden


def test_graded_code_cannot_reach_rnnlib_models():
    """The setup cell imports only rnnlib.data; the hidden tests reject any other use of rnnlib."""
    setup = cell_by_id(read(A4.source), "setup").source
    imports = [line for line in setup.splitlines() if "rnnlib" in line]
    assert imports == ["from rnnlib.data import bptt_batches, stdlib_corpus"]


def test_the_instructors_model_trains_to_below_9_perplexity(graded):
    """The hidden test's time budget is the assignment's rule for students; this test does not
    assert on the measured time itself (no test does: a loaded machine would fail it)."""
    text = outputs(graded[0], A4.name, "solution", A4.name)[f"test_{TRAINED}_hidden"]
    ppl = float(re.search(r"took [\d.]+ s; validation perplexity ([\d.]+)", text).group(1))
    assert ppl < 9.0, ppl


def test_the_report_cell_trains_the_completed_notebooks_model_to_below_9_perplexity(completed_run):
    printed = "".join(o.get("text", "") for o in report_cell(completed_run[1]).outputs)
    assert float(re.search(r"perplexity ([\d.]+)", printed).group(1)) < 9.0, printed
