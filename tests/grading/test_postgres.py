"""The gradebook on a real PostgreSQL server, written by two grading jobs at once.

A private cluster is created in a temporary folder (Debian's ``postgresql`` package, which
``make system-packages`` installs), listening on a unix socket only, run as the ``postgres`` user
(the server refuses root). Two ``python -m course.grading`` processes, each with 2 workers, grade
the two halves of a class into the same gradebook at the same time, as cluster jobs would.
"""
import subprocess
import sys

import pytest

from course.grading import gradebook

from .postgres_server import PostgresServer
from .submissions import ASSIGNMENT, NOTEBOOK, SOURCE, solved, write

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-postgres")]

REPO = SOURCE.parents[2]


@pytest.fixture(scope="module")
def postgres_url():
    server = PostgresServer()
    try:
        yield server.createdb("gradebook")
    finally:
        server.close()


def test_two_jobs_write_one_postgres_gradebook_at_once(tmp_path, postgres_url):
    submitted, out = tmp_path / "submitted", tmp_path / "out"
    wrong_loss = {"1.4": "def softmax_cross_entropy(z, y):\n    return 0.0\n"}
    expected = {}
    for i in range(8):
        partial = i % 4 == 3
        nb = solved(replace=wrong_loss if partial else None)
        nb["cells"][0]["source"] = f"# student {i}"
        write(submitted, f"s{i}", nb)
        expected[f"s{i}"] = 9.0 if partial else 12.0
    write(submitted, "broken", raw=b"{not json")
    expected["broken"] = 0.0

    command = [sys.executable, "-m", "course.grading", ASSIGNMENT, str(submitted),
               "--workers", "2", "--db-url", postgres_url, "--out", str(out),
               "--course-root", str(REPO), "--wall", "10",
               "--autograded", str(tmp_path / "autograded"),
               "--feedback", str(tmp_path / "feedback")]
    jobs = [subprocess.Popen(command + ["--shard", f"{k}/2"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for k in range(2)]
    logs = [job.communicate(timeout=300)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], "\n".join(logs)

    for student, score in expected.items():
        stored = gradebook.read_scores(postgres_url, ASSIGNMENT, NOTEBOOK, student)
        assert sum(stored.values()) == score, (student, stored)
    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(expected)   # the last job to finish wrote the whole table

    # nbgrader itself reads the same PostgreSQL gradebook
    course = tmp_path / "course"
    course.mkdir()
    export = subprocess.run([sys.executable, "-m", "nbgrader", "export",
                             f"--CourseDirectory.root={course}",
                             f"--CourseDirectory.db_url={postgres_url}"],
                            cwd=course, capture_output=True, text=True)
    assert export.returncode == 0, export.stderr
    lines = (course / "grades.csv").read_text().splitlines()
    assert any(",s0," in line and ",12.0,0.0,12.0,12.0" in line for line in lines), lines
    assert any(",s3," in line and ",9.0,0.0,9.0,12.0" in line for line in lines), lines
