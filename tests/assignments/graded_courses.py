"""Each assignment released, autograded and run once: the work behind conftest.py's fixtures.

``Courses`` memoises, per assignment (a descriptions.Assignment), a temporary course with a fresh
release, the same course after ONE ``nbgrader autograde`` run over every ``submissions(...)``, and
the completed notebook run top to bottom.
"""
import time

import pytest
from nbclient import NotebookClient

from .nbgrader_helpers import autograde, cell_by_id, generate, make_course, read, solved, submit, with_cell


def nbgrader_group(assignment):
    """The xdist group of every test of an assignment: under ``pytest -n 2 --dist loadgroup`` one
    worker does that assignment's runs (memoised per worker, conftest.py) once, while the other
    worker takes another assignment."""
    return pytest.mark.xdist_group(f"nbgrader-{assignment}")


def student(entry, bugs):
    """The student id of a catalogue entry's submission: bug-<name> for a bug, <name> for a variant."""
    return f"bug-{entry.name.lower()}" if entry in bugs else entry.name.lower()


def submissions(assignment, release_nb):
    """{student id: notebook}: every submission an assignment is autograded with.

    The instructor's solution; the untouched release; per task, the solution with only that task
    unanswered; per catalogue entry (bug or correct variant), the solution with the entry in its
    cell. All but the solution and the release pass through ``assignment.quiet``, and an entry's
    submission leaves ``assignment.left_unanswered(entry.cell)`` unanswered (descriptions.py).
    """
    answer = solved(release_nb, read(assignment.source))
    quiet = assignment.quiet(answer)

    def unanswered(nb, task):
        return with_cell(nb, task, cell_by_id(release_nb, task).source)

    subs = {"solution": answer, "release": release_nb}
    for task in assignment.tasks:
        subs[f"unanswered-{task}"] = unanswered(quiet, task)
    for entry in assignment.bugs + assignment.correct:
        base = quiet
        for task in assignment.left_unanswered(entry.cell):
            base = unanswered(base, task)
        subs[student(entry, assignment.bugs)] = with_cell(base, entry.cell, entry.source)
    return subs


class Courses:
    """Per assignment, memoised: a temporary course with a fresh release, autograded, and run."""

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self._released, self._graded, self._runs = {}, {}, {}

    def released(self, assignment):
        """(course, release folder) after a fresh ``nbgrader generate_assignment``."""
        if assignment.name not in self._released:
            course = make_course(self.tmp_path_factory.mktemp(assignment.name), [assignment.name])
            self._released[assignment.name] = course, generate(course, assignment.name)
        return self._released[assignment.name]

    def graded(self, assignment):
        """(course, release folder) after ONE ``nbgrader autograde`` run over every submission."""
        if assignment.name not in self._graded:
            course, release_dir = self.released(assignment)
            release_nb = read(release_dir / f"{assignment.name}.ipynb")
            for name, nb in submissions(assignment, release_nb).items():
                submit(course, assignment.name, name, {assignment.name: nb})
            autograde(course, assignment.name)
            self._graded[assignment.name] = course, release_dir
        return self._graded[assignment.name]

    def completed_run(self, assignment):
        """(seconds, executed notebook): the committed release completed with the instructor's
        answers, run top to bottom in a fresh kernel (timeout: the assignment's run budget)."""
        if assignment.name not in self._runs:
            nb = solved(read(assignment.release), read(assignment.source))
            start = time.perf_counter()
            NotebookClient(nb, timeout=assignment.run_budget_s, kernel_name="python3").execute()
            self._runs[assignment.name] = time.perf_counter() - start, nb
        return self._runs[assignment.name]
