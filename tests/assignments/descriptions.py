"""What the generic assignment tests (test_nbgrader_assignments.py) need to know about each assignment.

An ``Assignment`` names its notebook, its bug catalogue (tests/assignments/bugs/), its points and the
functions its tasks ask for, and says how its test submissions differ from "the instructor's
solution with one cell changed". Only assignment 4's differ:

* its ungraded train-and-report cell is skipped in every test submission but the solution
  (``quiet``: it trains the student's model, and is not graded);
* a bug or correct variant of Task 4.1-4.3 is planted with Task 4.4 left unanswered
  (``left_unanswered``), so that nothing trains (Task 4.4's hidden test trains a model); such a
  submission is then checked on Tasks 4.1-4.3 only. The bugs of Task 4.4 train.
"""
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import nbformat

from .bugs import assignment1, assignment2, assignment3, assignment4
from .nbgrader_helpers import REPO, read, solution_ids


def unchanged(nb):
    return nb


def nothing_left_unanswered(cell):
    return ()


@dataclass(frozen=True)
class Assignment:
    name: str                         # folder and notebook name: "assignment1"
    functions: tuple                  # what the tasks ask for, in task order: ("rnn_step_forward", ...)
    total_points: int                 # the instructor's solution's score
    bugs: list = field(repr=False)    # catalogued bugs (bugs/assignmentN.py's BUGS): each must lose points
    correct: list = field(repr=False)  # answers in another style (CORRECT): each must score full marks
    leak_checked_lines: int           # the release-leak check must look at more solution lines than this
    run_budget_s: float = 60          # the completed notebook runs top to bottom within this many seconds
    quiet: Callable = unchanged       # notebook -> the same, as a test submission (not the solution) runs it
    left_unanswered: Callable = nothing_left_unanswered   # bug's cell -> tasks left unanswered around it

    def __str__(self):
        return self.name               # the test ids: test_...[assignment1], test_...[assignment1-<bug>]

    @property
    def source(self):
        """The instructor's notebook: solutions/NAME/NAME.ipynb."""
        return REPO / "solutions" / self.name / f"{self.name}.ipynb"

    @property
    def release(self):
        """The committed student notebook: assignments/NAME/NAME.ipynb."""
        return REPO / "assignments" / self.name / f"{self.name}.ipynb"

    @cached_property
    def tasks(self):
        """grade_ids of the solution cells, in notebook order: task1_1_rnn_step_forward, ..."""
        return solution_ids(read(self.source))

    def tasks_checked(self, cell):
        """The tasks whose scores a bug or variant planted in ``cell`` is checked against."""
        return [t for t in self.tasks if t not in self.left_unanswered(cell)]


# ----- assignment 4: the ungraded training cell, and Task 4.4 trains ---------------------------------
TRAINED = "task4_4_train_model"
REPORT = "# Train your model with your own"            # how the ungraded train-and-report cell begins


def report_cell(nb):
    """Assignment 4's ungraded cell that trains the student's model and prints its perplexity."""
    matches = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(REPORT)]
    assert len(matches) == 1, f"expected one cell starting {REPORT!r}, found {len(matches)}"
    return matches[0]


def without_report(nb):
    """A copy of nb whose ungraded train-and-report cell does nothing (it is not graded)."""
    nb = nbformat.reads(nbformat.writes(nbformat.from_dict(nb)), as_version=4)
    report_cell(nb).source = "# (training skipped in this test submission)"
    return nb


def untrained_unless_task_4_4(cell):
    """Task 4.4 (which trains) is left unanswered around a bug in Tasks 4.1-4.3."""
    return () if cell == TRAINED else (TRAINED,)


# ----- the four assignments --------------------------------------------------------------------------
A1 = Assignment("assignment1", ("rnn_step_forward", "rnn_forward", "output_forward",
                                "softmax_cross_entropy"),
                total_points=12, bugs=assignment1.BUGS, correct=assignment1.CORRECT,
                leak_checked_lines=20)
A2 = Assignment("assignment2", ("rnn_step_backward", "rnn_backward", "numerical_gradient",
                                "clip_by_global_norm", "tbptt_gradients"),
                total_points=15, bugs=assignment2.BUGS, correct=assignment2.CORRECT,
                leak_checked_lines=40)
A3 = Assignment("assignment3", ("lstm_step_forward", "lstm_step_backward", "lstm_forward",
                                "lstm_backward", "gru_step_forward", "gru_step_backward",
                                "bidirectional_forward"),
                total_points=21, bugs=assignment3.BUGS, correct=assignment3.CORRECT,
                leak_checked_lines=60)
A4 = Assignment("assignment4", ("CharLSTM", "train_epoch", "evaluate", "train_model"),
                total_points=14, bugs=assignment4.BUGS, correct=assignment4.CORRECT,
                leak_checked_lines=40, run_budget_s=120,
                quiet=without_report, left_unanswered=untrained_unless_task_4_4)
ASSIGNMENTS = [A1, A2, A3, A4]
