"""The gradebook as nbgrader's own tools read it: what the grader writes for a submission equals
what ``nbgrader autograde`` writes for the same submission (scores, ``needs_manual_grade``, the
"No response." comments, the submission's timestamp), so the formgrader shows nothing left to
grade by hand for an autograded assignment (issue 14)."""
import io
import json
import sys
from pathlib import Path

import pytest

from course.grading import pipeline
from course.grading.sandbox import Limits

from .submissions import ASSIGNMENT, SOURCE

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))   # tests.assignments' helpers
from tests.assignments.nbgrader_helpers import (autograde, generate, make_course,  # noqa: E402
                                                read, solved, submit)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-gradebook")]

REPO = SOURCE.parents[2]
WRONG_LOSS = "def softmax_cross_entropy(z, y):\n    return 0.0\n"


def _dump(db_url):
    """Per student: every grade (auto score, needs manual grade), comment and the timestamp."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        found = {}
        for sub in gb.find_assignment(ASSIGNMENT).submissions:
            nb = sub.notebooks[0]
            found[sub.student.id] = {
                "grades": {g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
                "timestamp": sub.timestamp, "needs_manual_grade": nb.needs_manual_grade}
        formgrader = {d["student"]: d["needs_manual_grade"]
                      for d in gb.notebook_submission_dicts(ASSIGNMENT, ASSIGNMENT)}
    return found, formgrader


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same three submissions, autograded by nbgrader and graded by the course's grader."""
    course = make_course(tmp_path_factory.mktemp("gradebook"), [ASSIGNMENT])
    release = read(generate(course, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb")
    answer = solved(release, read(SOURCE))
    wrong = json.loads(json.dumps(answer))
    for cell in wrong["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == \
                "task1_4_softmax_cross_entropy":
            cell["source"] = WRONG_LOSS
    import nbformat
    for student, nb in {"alice": answer, "bob": release,
                        "carl": nbformat.from_dict(wrong)}.items():
        submit(course, ASSIGNMENT, student, {ASSIGNMENT: nb})
    autograde(course, ASSIGNMENT)
    db_url = f"sqlite:///{course / 'grader.db'}"
    result = pipeline.grade_class(ASSIGNMENT, course / "submitted", out=course / "grading",
                                  workers=2, db_url=db_url, course_root=REPO,
                                  limits=Limits(wall_s=20, cpu_s=20), log=io.StringIO(),
                                  autograded=course / "grader-autograded",
                                  feedback=course / "grader-feedback")
    assert not result.not_graded
    return _dump(f"sqlite:///{course / 'gradebook.db'}"), _dump(db_url)


def test_scores_needs_manual_grade_comments_and_timestamp_equal_nbgraders(both):
    (nbgrader, _), (ours, _) = both
    assert set(ours) == {"alice", "bob", "carl"}
    assert ours == nbgrader
    assert sum(s for s, _ in ours["alice"]["grades"].values()) == 12
    assert sum(s for s, _ in ours["carl"]["grades"].values()) == 9
    assert set(ours["bob"]["comments"].values()) == {"No response."}
    assert set(ours["alice"]["comments"].values()) == {None}


def test_formgrader_shows_nothing_to_grade_by_hand(both):
    _, (ours, formgrader) = both
    assert formgrader == {"alice": False, "bob": False, "carl": False}
    assert not any(needs for s in ours.values() for _, needs in s["grades"].values())
