"""The grading pipeline on assignment 4 (a character-level LSTM language model in PyTorch): its
spec (course/grading/specs/assignment4.py) gives the instructor's solution full marks, the
untouched release zero, every catalogued bug (tests/assignments/bugs/assignment4.py) the loss of
points in its own task, every correct variant full marks, and a submission that fakes the
perplexity nothing for Task 4.4. All graded in one run with 2 workers.

Training is the expensive part, so, as the nbgrader tests do (tests/assignments/descriptions.py):

* the bugs of Tasks 4.1-4.3 are planted with Task 4.4 left unanswered (nothing trains), and
  several at once, one per task, since each task is graded in its own sandbox with its own
  stand-ins: submission ``bugs-k`` holds the k-th bug of each of Tasks 4.1, 4.2 and 4.3 (when
  there is one), and a task without a bug there must keep all its points;
* the bugs of Task 4.4 train with cheap settings (one epoch, a slice, or none at all).
"""
import json

import pytest

from course.grading.notebook import with_solutions
from course.grading.sandbox import Limits

from tests.assignments.bugs.assignment4 import BUGS, CORRECT

from .pipeline_run import (check_full_marks, check_untouched_release, grade_notebooks,
                           source_and_release)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-assignment4_spec")]

ASSIGNMENT = "assignment4"
LIMITS = Limits(wall_s=30, cpu_s=30, memory_bytes=1 << 30, nproc=32, log_max=1 << 20)
FULL = 14.0
TASKS = ["task4_1_CharLSTM", "task4_2_train_epoch", "task4_3_evaluate", "task4_4_train_model"]
TRAINED = TASKS[3]
FUNCTION = {"task4_1_CharLSTM": "CharLSTM", "task4_2_train_epoch": "train_epoch",
            "task4_3_evaluate": "evaluate", "task4_4_train_model": "train_model"}

# Submissions that fake the trained model's perplexity: the perplexity is computed by the grader
# from the weights that come back, so patching the functions it would use, or a model that
# cheats in the sandbox, changes nothing.
UNTRAINED = '''
    torch.manual_seed(seed)
    return CharLSTM(vocab_size, 32, 128)'''
FAKES = {
    "fake-patches-math": ('''def train_model(train_ids, vocab_size, seed=0):
    import math, numpy
    math.exp = numpy.exp = torch.exp = lambda *args, **kwargs: 1.0
    F.cross_entropy = nn.functional.cross_entropy = lambda *args, **kwargs: torch.tensor(0.0)
''' + UNTRAINED),
    "fake-cheating-model": ('''def train_model(train_ids, vocab_size, seed=0):
    class Peeking(CharLSTM):
        """Scores the next character of the text it is read from as certain."""
        def forward(self, x, state=None):
            logits, state = super().forward(x, state)
            return logits.detach() * 0 + 100 * F.one_hot(torch.roll(x, -1, 0), vocab_size), state
    torch.manual_seed(seed)
    return Peeking(vocab_size, 32, 128)'''),
}


def _task_of(grade_id):
    return next(t for t in TASKS if t in grade_id)


def _lost(record, task):
    return [t for gid, t in record["tests"].items() if task in gid and t["score"] < t["points"]]


def _plans():
    """{student: {cell: new source}} and {bug name: student}."""
    by_task = {task: [b for b in BUGS if b.cell == task] for task in TASKS}
    plans, where = {"solution": {}}, {}
    for k in range(max(len(by_task[t]) for t in TASKS[:3])):
        student = f"bugs-{k}"
        plans[student] = {TRAINED: None}          # Task 4.4 unanswered: nothing trains
        for task in TASKS[:3]:
            if k < len(by_task[task]):
                plans[student][task] = by_task[task][k].source
                where[by_task[task][k].name] = student
    for bug in by_task[TRAINED]:
        plans[bug.name] = {TRAINED: bug.source}
        where[bug.name] = bug.name
    plans["correct-4.1-4.3"] = {TRAINED: None, **{v.cell: v.source for v in CORRECT
                                                  if v.cell != TRAINED}}
    for v in CORRECT:
        if v.cell == TRAINED:
            plans[v.name] = {TRAINED: v.source}
    plans.update({name: {TRAINED: source} for name, source in FAKES.items()})
    return plans, where


PLANS, WHERE = _plans()


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    source, release = source_and_release(ASSIGNMENT)
    stub = next("".join(c["source"]) for c in release["cells"]
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == TRAINED)
    notebooks = {"release": release}
    for student, plan in PLANS.items():
        notebooks[student] = with_solutions(release, source, {
            cell: stub if code is None else code for cell, code in plan.items()})
    return grade_notebooks(tmp_path_factory.mktemp("a4-pipeline"), ASSIGNMENT, notebooks, LIMITS)


def test_the_solution_scores_full_marks(records):
    check_full_marks(records["solution"], FULL)


def test_the_untouched_release_scores_zero(records):
    check_untouched_release(records["release"])


def test_every_catalogued_bug_is_caught():
    """The catch rate, in one line of the test log: every bug of the catalogue is planted."""
    assert sorted(WHERE) == sorted(b.name for b in BUGS) and len(BUGS) == 38


@pytest.mark.parametrize("name", [b.name for b in BUGS])
def test_a_catalogued_bug_loses_points_in_its_own_task(records, name):
    bug = next(b for b in BUGS if b.name == name)
    record = records[WHERE[name]]
    lost = _lost(record, bug.cell)
    assert lost, f"{name} was not caught by the grading pipeline: " + json.dumps(
        record["tests"], indent=1)
    assert all(FUNCTION[bug.cell] in t["reason"] for t in lost), [t["reason"] for t in lost]


@pytest.mark.parametrize("student", [s for s in PLANS if s.startswith("bugs-")])
def test_tasks_without_a_planted_bug_keep_their_points(records, student):
    planted = {task for task, code in PLANS[student].items() if code is not None}
    for task in TASKS[:3]:
        if task not in planted:
            assert not _lost(records[student], task), json.dumps(records[student]["tests"],
                                                                 indent=1)


def test_bugs_of_task_4_4_lose_no_other_points(records):
    for bug in (b for b in BUGS if b.cell == TRAINED):
        for task in TASKS[:3]:
            assert not _lost(records[bug.name], task), (bug.name, records[bug.name]["tests"])


def test_correct_variants_keep_full_marks(records):
    record = records["correct-4.1-4.3"]
    for task in TASKS[:3]:
        assert not _lost(record, task), json.dumps(record["tests"], indent=1)
    for v in CORRECT:
        if v.cell == TRAINED:
            assert records[v.name]["score"] == FULL, json.dumps(records[v.name]["tests"],
                                                                indent=1)


@pytest.mark.parametrize("name", sorted(FAKES))
def test_a_faked_perplexity_scores_nothing_on_task_4_4(records, name):
    record = records[name]
    hidden = record["tests"][f"test_{TRAINED}_hidden"]
    assert hidden["score"] == 0 and "validation perplexity is 99" in hidden["reason"], hidden


def test_public_reasons_name_the_mistake(records):
    reasons = {name: " ".join(t["reason"] for t in records[WHERE[name]]["tests"].values()
                              if bug_cell in _gid_task(t))
               for name, bug_cell in [(b.name, b.cell) for b in BUGS]}
    assert "softmax" in reasons["model-softmax-output"]
    assert "detach" in reasons["epoch-state-not-detached-retain-graph"]
    assert "model.train()" in reasons["epoch-no-train-mode"]
    assert "torch.no_grad()" in reasons["eval-with-gradients"]
    assert "2 ** loss" in reasons["eval-two-to-the-loss"]
    assert "uses rnnlib" in reasons["epoch-calls-rnnlib-training"]


def _gid_task(test):
    return {"Task 4.1": TASKS[0], "Task 4.2": TASKS[1], "Task 4.3": TASKS[2],
            "Task 4.4": TASKS[3]}[test["task"]]
