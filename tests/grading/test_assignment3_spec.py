"""The grading pipeline on assignment 3: its spec (course/grading/specs/assignment3.py) gives the
instructor's solution full marks, the untouched release zero, and a few catalogued bugs
(tests/assignments/bugs/assignment3.py) the loss of exactly their own task, with a reason that
names the function. All graded in one run with 2 workers, as tests/grading/test_adversarial.py
does for assignment 1.
"""
import io
import json
from pathlib import Path

import pytest

from course.grading import pipeline
from course.grading.notebook import with_solutions
from course.grading.sandbox import Limits

from tests.assignments.bugs.assignment3 import BUGS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT, NOTEBOOK = "assignment3", "assignment3.ipynb"
SOURCE = REPO / "solutions" / ASSIGNMENT / NOTEBOOK
RELEASE = REPO / "assignments" / ASSIGNMENT / NOTEBOOK
LIMITS = Limits(wall_s=20, cpu_s=20, memory_bytes=1 << 30, nproc=32, log_max=1 << 20)
FULL = 21.0
# One bug per task, the ones the issue names where there is one.
GRADED_BUGS = ["lstm-step-forget-on-candidate", "lstm-back-tanh-c-derivative-forgotten",
               "lstm-seq-c-not-carried", "lstm-bptt-dh-next-not-added", "gru-step-update-flipped",
               "gru-back-sigmoid-derivative-for-n", "bidi-not-flipped-back"]
BY_NAME = {b.name: b for b in BUGS}


def _task_number(grade_id):
    """test_task3_2_lstm_step_backward_public -> '3.2'"""
    return ".".join(grade_id.split("_")[1:3]).replace("task", "")


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("a3-pipeline")
    submitted = tmp / "submitted"
    release, source = json.loads(RELEASE.read_text()), json.loads(SOURCE.read_text())
    notebooks = {"solution": with_solutions(release, source), "release": release}
    for name in GRADED_BUGS:
        bug = BY_NAME[name]
        notebooks[name] = with_solutions(release, source, {bug.cell: bug.source})
    for student, nb in notebooks.items():
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / NOTEBOOK).write_text(json.dumps(nb, indent=1))
    found = pipeline.grade_class(ASSIGNMENT, submitted, out=tmp / "out", workers=2,
                                 db_url=f"sqlite:///{tmp / 'gradebook.db'}", course_root=REPO,
                                 limits=LIMITS, log=io.StringIO(),
                                 autograded=tmp / "course" / "autograded")
    return {r["student"]: r for r in found}


def test_the_solution_scores_full_marks(records):
    record = records["solution"]
    assert record["max_score"] == FULL
    assert record["score"] == FULL, json.dumps(record["tests"], indent=1)


def test_the_untouched_release_scores_zero(records):
    record = records["release"]
    assert record["score"] == 0
    for grade_id, test in record["tests"].items():
        if not test["hidden"]:
            assert "is not implemented yet" in test["reason"], (grade_id, test["reason"])


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
