"""One pipeline run over a set of notebooks, as the assignment spec tests need it.

Each spec test (``test_assignment{2,3,4}_spec.py``) builds its submissions from the committed
release and the instructor's source (``with_solutions``), grades them all in one run with two
workers into a private SQLite gradebook, and reads the records by student.
"""
import io
import json
from pathlib import Path

from course.grading import pipeline

REPO = Path(__file__).resolve().parents[2]


def source_and_release(assignment):
    """The instructor's source and the committed release of ``assignment``, as JSON dicts."""
    notebook = f"{assignment}.ipynb"
    return (json.loads((REPO / "solutions" / assignment / notebook).read_text()),
            json.loads((REPO / "assignments" / assignment / notebook).read_text()))


def grade_notebooks(tmp, assignment, notebooks, limits, workers=2):
    """Write ``notebooks`` ({student: notebook dict}) as nbgrader submissions under ``tmp`` and
    grade them in one pipeline run; returns {student: record}."""
    for student, nb in notebooks.items():
        folder = tmp / "submitted" / student / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_text(json.dumps(nb, indent=1))
    records = pipeline.grade_class(assignment, tmp / "submitted", out=tmp / "out",
                                   workers=workers, db_url=f"sqlite:///{tmp / 'gradebook.db'}",
                                   course_root=REPO, limits=limits, log=io.StringIO(),
                                   autograded=tmp / "course" / "autograded",
                                   feedback=tmp / "course" / "feedback")
    return {r["student"]: r for r in records}


def check_untouched_release(record, function_of=None, include_hidden=False):
    """The release as handed out scores 0, each public test (and hidden, with ``include_hidden``)
    saying the function is not implemented (named, with ``function_of(grade_id)``)."""
    assert record["score"] == 0, record
    for grade_id, test in record["tests"].items():
        if test["hidden"] and not include_hidden:
            continue
        function = function_of(grade_id) + " " if function_of else ""
        assert f"{function}is not implemented yet" in test["reason"], (grade_id, test["reason"])


def check_full_marks(record, full):
    """A correct submission: graded, every test passed, ``full`` points."""
    assert record["status"] == "graded" and record["max_score"] == full, record
    assert record["score"] == full, json.dumps(record["tests"], indent=1)
    assert not any(t["reason"] for t in record["tests"].values()), record["tests"]
