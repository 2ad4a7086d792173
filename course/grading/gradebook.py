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


def _retry(fn, attempts=6):
    """Run ``fn`` again when a concurrent writer won a race (unique key, lock, serialization)."""
    for attempt in range(attempts):
        try:
            return fn()
        except Exception:   # IntegrityError, OperationalError, or nbgrader's InvalidEntry
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2 ** attempt)


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


def write_scores(db_url, assignment, notebook_name, student, scores, gb=None):
    """Set the autograded score of every test cell for ``student`` in one transaction.

    ``gb``: an open :class:`Gradebook` to reuse (one per grading run saves a connection per
    student); without it, one is opened for this call.
    """
    notebook = notebook_name.rsplit(".", 1)[0]

    def write(gb):
        with warnings.catch_warnings():
            # nbgrader's add_submission trips SQLAlchemy 2's autoflush warnings; harmless
            warnings.simplefilter("ignore", SAWarning)
            try:
                gb.update_or_create_student(student)
                gb.update_or_create_submission(assignment, student)
                for grade_id, score in scores.items():
                    gb.find_grade(grade_id, notebook, assignment, student).auto_score = score
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
