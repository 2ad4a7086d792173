"""Scores into nbgrader's gradebook, as autograded scores of the source's test cells.

The assignment's cells are registered the way ``nbgrader generate_assignment`` does (nbgrader's
own ``SaveCells`` on the source notebook), so ``nbgrader export`` and the formgrader see the
scores as if nbgrader's autograder had written them. Each student's scores are one transaction;
several grading processes may write at once (PostgreSQL: ``--db-url postgresql://...``).
"""
import fcntl
import hashlib
import os
import tempfile
import time
import warnings
from contextlib import contextmanager

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning


# How long a write waits for a busy or unreachable gradebook before the grader gives up (a grader
# fault: the student is not graded, the run stops, the next run grades them). SQLite's own wait
# for a lock (5 s) counts inside each attempt.
PATIENCE_S = 30.0


def _retry(fn, patience_s=None):
    """Run ``fn`` again when a concurrent writer won a race (unique key, lock, serialization) or
    the server is briefly away, for up to ``PATIENCE_S`` seconds; then raise the last error."""
    deadline = time.monotonic() + (PATIENCE_S if patience_s is None else patience_s)
    attempt = 0
    while True:
        try:
            return fn()
        except Exception:   # IntegrityError, OperationalError, or nbgrader's InvalidEntry
            pause = min(1.0, 0.05 * 2 ** attempt)
            if time.monotonic() + pause > deadline:
                raise
            attempt += 1
            time.sleep(pause)


@contextmanager
def _registration_lock(db_url):
    """Let one grading job at a time register the assignment (others then find it there)."""
    if db_url.startswith("postgresql"):
        from sqlalchemy import create_engine, text
        engine = create_engine(db_url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(640066)"))
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(640066)"))
        finally:
            engine.dispose()
    elif db_url.startswith("sqlite:///") and len(db_url) > len("sqlite:///"):
        # SQLite serves one machine: a lock file in its temporary folder, keyed by the database
        key = hashlib.sha256(os.path.abspath(db_url[len("sqlite:///"):]).encode()).hexdigest()
        with open(os.path.join(tempfile.gettempdir(), f"course-grading-{key[:16]}.lock"), "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            yield
    else:
        yield


def register_assignment(db_url, assignment, notebook_name, source_path):
    """Create the assignment, notebook and cells in the gradebook if they are not there yet."""
    import nbformat
    from nbgrader.preprocessors import SaveCells

    def register():
        with Gradebook(db_url) as gb:
            try:
                gb.find_notebook(notebook_name.rsplit(".", 1)[0], assignment)
                return
            except MissingEntry:
                gb.update_or_create_assignment(assignment)
        nb = nbformat.read(str(source_path), as_version=4)
        resources = {"nbgrader": {"db_url": db_url, "assignment": assignment,
                                  "notebook": notebook_name.rsplit(".", 1)[0]}}
        SaveCells().preprocess(nb, resources)
    with _registration_lock(db_url):
        _retry(register)


def _submission(gb, assignment, student, timestamp):
    """The student's submission, created with every notebook, grade and comment the assignment
    has (as nbgrader's ``add_submission``), inside the caller's transaction (nbgrader's own
    helpers commit at each step, so a failure half-way would leave an empty submission, which
    ``nbgrader export`` counts as 0 points)."""
    from nbgrader.api import (Comment, Grade, Student, SubmittedAssignment,
                              SubmittedNotebook)
    from nbgrader.utils import parse_utc
    try:
        student_row = gb.find_student(student)
    except MissingEntry:
        student_row = Student(id=student)
        gb.db.add(student_row)
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        submission = SubmittedAssignment(assignment=gb.find_assignment(assignment),
                                         student=student_row)
        for notebook in submission.assignment.notebooks:
            nb = SubmittedNotebook(notebook=notebook, assignment=submission)
            for cell in notebook.grade_cells:
                Grade(cell_id=cell.id, notebook=nb)
            for cell in notebook.solution_cells:
                Comment(cell_id=cell.id, notebook=nb)
            for cell in notebook.task_cells:
                Comment(cell_id=cell.id, notebook=nb)
                Grade(cell_id=cell.id, notebook=nb)
        gb.db.add(submission)
    if timestamp:
        try:
            submission.timestamp = parse_utc(timestamp)
        except Exception:   # an unreadable timestamp.txt: nbgrader ignores it too
            pass
    return submission


def write_scores(db_url, assignment, notebook_name, student, scores, gb=None, timestamp=None,
                 unanswered=()):
    """Record one student's autograded notebook in one transaction, as ``nbgrader autograde``
    does (its ``SaveAutoGrades``): each test cell's ``auto_score`` from ``scores``
    ({grade_id: points}) and ``needs_manual_grade`` off (on only where a person already gave a
    manual score); a graded cell not in ``scores`` (a written answer) gets no auto score and
    needs a person. Solution cells left as released get the comment "No response."
    (``unanswered``: their grade ids). ``timestamp``: the submission's timestamp.txt.

    ``gb``: an open :class:`Gradebook` to reuse (one per grading run saves a connection per
    student); without it, one is opened for this call.
    """
    notebook = notebook_name.rsplit(".", 1)[0]
    unanswered = set(unanswered)

    def write(gb):
        with warnings.catch_warnings():
            # nbgrader's models trip SQLAlchemy 2's autoflush warnings; harmless
            warnings.simplefilter("ignore", SAWarning)
            try:
                _submission(gb, assignment, student, timestamp)
                gb.db.flush()
                nb = gb.find_submission_notebook(notebook, assignment, student)
                for grade in nb.grades:
                    if grade.name in scores:
                        grade.auto_score = scores[grade.name]
                        grade.needs_manual_grade = grade.manual_score is not None
                    else:
                        grade.auto_score = None
                        grade.needs_manual_grade = True
                for comment in nb.comments:
                    comment.auto_comment = ("No response." if comment.name in unanswered
                                            else None)
                gb.db.commit()
            except Exception:
                gb.db.rollback()
                raise

    def attempt():
        if gb is not None:
            return write(gb)
        with Gradebook(db_url) as own:
            return write(own)
    _retry(attempt)


def read_scores(db_url, assignment, notebook_name, student):
    """{grade_id: auto_score} for one student (for tests and checks)."""
    notebook = notebook_name.rsplit(".", 1)[0]
    with Gradebook(db_url) as gb:
        nb = gb.find_submission_notebook(notebook, assignment, student)
        return {g.name: g.auto_score for g in nb.grades}
