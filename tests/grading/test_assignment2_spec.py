"""The grading pipeline on assignment 2: its spec (course/grading/specs/assignment2.py) against the
instructor's solution, the untouched release, and catalogued bugs (tests/assignments/bugs/).

The spec needs what assignment 1's did not: caches built by the notebook's provided forward
functions (``Call``), a function as an argument (``Function``, for the gradient check) and a list
of arrays in and out (clipping, ``Task.flatten``). One run grades every submission with 2 workers.
"""
import numpy as np
import pytest

from course.grading.grader import _expected, load_assignment
from course.grading.notebook import with_solutions
from course.grading.sandbox import Limits
from tests.assignments.bugs.assignment2 import BUGS, CORRECT

from .pipeline_run import (REPO, check_full_marks, check_untouched_release, grade_notebooks,
                           source_and_release)

ASSIGNMENT = "assignment2"
LIMITS = Limits(wall_s=8, cpu_s=8, memory_bytes=1 << 30, nproc=32, log_max=1 << 20)
FULL = 15.0
FUNCTION = {"task2_1": "rnn_step_backward", "task2_2": "rnn_backward",
            "task2_3": "numerical_gradient", "task2_4": "clip_by_global_norm",
            "task2_5": "tbptt_gradients"}
# Two or more bugs per graded function, with what the public test's reason must say: the wrong
# output and the likely mistake (issue 16).
GRADED_BUGS = {
    "step-dW-transposed": "dW has shape (2, 4), expected (4, 2) (it looks transposed)",
    "step-dh-prev-U-transposed": "wrong values in dh_prev (largest error",
    "step-scales-dh-in-place": "rnn_step_backward changed its argument dh in place",
    "seq-dh-next-forgotten": "The gradient from step t+1 (dh_next) looks missing",
    "seq-dh0-not-returned": "wrong values in dh0 (largest error 4) (dx, dW, dU and db_h are right). "
                            "dh0 is zero",
    "seq-off-by-one": "called rnn_step_backward 1 times",
    "num-forward-difference": "one-sided difference",
    "num-x-not-restored": "changed its argument x in place: perturbing x in place is fine, but "
                          "put back the saved value",
    "num-eps-added-back": "changed its argument x by a rounding error",
    "clip-each-element": "Each entry looks clipped",
    "clip-always": "rescaled although their norm is below max_norm",
    "clip-in-place": "changed the arrays inside its argument grads in place",
    "tbptt-no-detach-full-bptt": "called rnn_backward 1 times",
    "tbptt-state-reset": "Every chunk starts from h0",
}
# What no reason of these bugs may say, in any test cell: the mislabelled hints.
NEVER = {
    "seq-dh0-not-returned": "dh_next) looks missing",
    "num-eps-added-back": "compute into new arrays",
    "num-x-not-restored": "compute into new arrays",
}


def _task(gid):
    return gid.replace("test_", "", 1)[:7]   # test_task2_1_..._public -> task2_1


def test_spec_agrees_with_the_source_and_computes_every_expected_value():
    assignment = load_assignment(REPO, ASSIGNMENT)
    assert assignment.max_score == FULL
    for task in assignment.tasks:
        for case in task.cases(np.random.default_rng(1)):
            outputs = _expected(assignment, task, case)
            assert outputs and all(np.all(np.isfinite(o)) for o in outputs), (task.name, case.test)


def graded(test):
    """Marks of the tests that read the graded class (one slow pipeline run)."""
    return pytest.mark.xdist_group("grading-assignment2_spec")(pytest.mark.slow(test))


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """{student: result record} after one pipeline run over every submission below."""
    source, release = source_and_release(ASSIGNMENT)
    submissions = {"honest": with_solutions(release, source), "untouched": release}
    bugs = {b.name: b for b in BUGS}
    for name in GRADED_BUGS:
        submissions[name] = with_solutions(release, source, {bugs[name].cell: bugs[name].source})
    for variant in CORRECT:
        submissions[variant.name] = with_solutions(release, source,
                                                   {variant.cell: variant.source})
    return grade_notebooks(tmp_path_factory.mktemp("a2-pipeline"), ASSIGNMENT, submissions,
                           LIMITS)


@graded
def test_solution_scores_full_marks(records):
    check_full_marks(records["honest"], FULL)


@graded
def test_untouched_release_scores_zero_as_not_implemented(records):
    check_untouched_release(records["untouched"], lambda gid: FUNCTION[_task(gid)],
                            include_hidden=True)


@pytest.mark.parametrize("name", sorted(GRADED_BUGS))
@graded
def test_bug_loses_its_functions_points_only(records, name):
    bug = next(b for b in BUGS if b.name == name)
    tests = records[name]["tests"]
    for gid, test in tests.items():
        if _task(gid) == bug.cell[:7]:
            continue
        assert test["score"] == test["points"], (name, gid, test["reason"])
    own = {gid: t for gid, t in tests.items() if _task(gid) == bug.cell[:7]}
    assert sum(t["score"] for t in own.values()) < sum(t["points"] for t in own.values())
    public = own[f"test_{bug.cell}_public"]
    assert public["score"] == 0 and FUNCTION[bug.cell[:7]] in public["reason"]
    assert GRADED_BUGS[name] in public["reason"], public["reason"]
    if name in NEVER:
        assert not any(NEVER[name] in t["reason"] for t in own.values()), own


@pytest.mark.parametrize("name", [v.name for v in CORRECT])
@graded
def test_correct_answer_in_another_style_scores_full_marks(records, name):
    assert records[name]["score"] == FULL, records[name]["tests"]
