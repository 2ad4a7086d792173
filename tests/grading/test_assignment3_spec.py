"""The grading pipeline on assignment 3: its spec (course/grading/specs/assignment3.py) gives the
instructor's solution full marks, the untouched release zero, and a few catalogued bugs
(tests/assignments/bugs/assignment3.py) the loss of exactly their own task, with a reason that
names the function. All graded in one run with 2 workers, as tests/grading/test_adversarial.py
does for assignment 1.
"""
import json

import pytest

from course.grading.notebook import with_solutions
from course.grading.sandbox import Limits

from tests.assignments.bugs.assignment3 import BUGS

from .pipeline_run import (check_full_marks, check_untouched_release, grade_notebooks,
                           source_and_release)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-assignment3_spec")]

ASSIGNMENT = "assignment3"
LIMITS = Limits(wall_s=20, cpu_s=20, memory_bytes=1 << 30, nproc=32, log_max=1 << 20)
FULL = 21.0
# One bug per task, the ones the issue names where there is one.
GRADED_BUGS = ["lstm-step-forget-on-candidate", "lstm-back-tanh-c-derivative-forgotten",
               "lstm-seq-c-not-carried", "lstm-bptt-dh-next-not-added", "gru-step-update-flipped",
               "gru-back-sigmoid-derivative-for-n", "bidi-not-flipped-back",
               "bidi-caches-swapped", "lstm-step-cache-holds-c-prev"]
BY_NAME = {b.name: b for b in BUGS}


def _task_number(grade_id):
    """test_task3_2_lstm_step_backward_public -> '3.2'"""
    return ".".join(grade_id.split("_")[1:3]).replace("task", "")


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    source, release = source_and_release(ASSIGNMENT)
    notebooks = {"solution": with_solutions(release, source), "release": release}
    for name in GRADED_BUGS:
        bug = BY_NAME[name]
        notebooks[name] = with_solutions(release, source, {bug.cell: bug.source})
    return grade_notebooks(tmp_path_factory.mktemp("a3-pipeline"), ASSIGNMENT, notebooks, LIMITS)


def test_the_solution_scores_full_marks(records):
    check_full_marks(records["solution"], FULL)


def test_the_untouched_release_scores_zero(records):
    check_untouched_release(records["release"])


@pytest.mark.parametrize("name", GRADED_BUGS)
def test_a_catalogued_bug_loses_its_own_task_only(records, name):
    bug = BY_NAME[name]
    record, function = records[name], bug.cell.split("_", 2)[2]
    own = {gid: t for gid, t in record["tests"].items() if bug.cell in gid}
    others = {gid: t for gid, t in record["tests"].items() if bug.cell not in gid}
    assert len(own) == 2 and all(t["score"] == t["points"] for t in others.values()), \
        json.dumps(record["tests"], indent=1)
    lost = [t for t in own.values() if t["score"] < t["points"]]
    assert lost, f"{name} was not caught by the grading pipeline"
    assert all(function in t["reason"] for t in lost), [t["reason"] for t in lost]
    assert record["score"] == FULL - sum(t["points"] - t["score"] for t in lost)


def test_public_reasons_show_the_named_hints(records):
    reasons = {name: " ".join(t["reason"] for t in records[name]["tests"].values())
               for name in GRADED_BUGS}
    assert "forget gate seems applied to the candidate" in reasons["lstm-step-forget-on-candidate"]
    assert "Update gate flipped" in reasons["gru-step-update-flipped"]
    assert "not flipped back" in reasons["bidi-not-flipped-back"]
    swapped = reasons["bidi-caches-swapped"]
    assert "wrong values in cache_fwd (largest error" in swapped and "(h is right)" in swapped
    assert "The caches look swapped: return (cache_fwd, cache_bwd)" in swapped, swapped
    assert "wrong values in cache.c" in reasons["lstm-step-cache-holds-c-prev"]


def test_reasons_name_the_students_function_never_the_graders_wrappers(records):
    """Issue 16: lstm_step_forward, not lstm_step_forward_with_cache (nor *_on_arrays, *_on_toy)."""
    for name in GRADED_BUGS:
        for gid, test in records[name]["tests"].items():
            assert not any(w in test["reason"] for w in ("_with_cache", "_on_arrays", "_on_toy")), \
                (name, gid, test["reason"])
