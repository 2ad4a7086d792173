"""The gradebook on a real PostgreSQL server, written by two grading jobs at once.

A private cluster is created in a temporary folder (Debian's ``postgresql`` package, installed
with apt-get when missing), listening on a unix socket only, run as the ``postgres`` user (the
server refuses root). Two ``python -m course.grading`` processes, each with 2 workers, grade the
two halves of a class into the same gradebook at the same time, as cluster jobs would.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from course.grading import gradebook

from .submissions import ASSIGNMENT, NOTEBOOK, SOURCE, solved, write

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-postgres")]

REPO = SOURCE.parents[2]


def _pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and os.geteuid() == 0:
        subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y "
                       "-qq postgresql", shell=True, check=True, capture_output=True)
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL is not installed: apt-get install -y postgresql"
    return Path(found[-1]).parent


@pytest.fixture(scope="module")
def postgres_url():
    bin_dir = _pg_bin()
    home = Path(tempfile.mkdtemp(prefix="grading-pg-", dir="/tmp"))
    home.chmod(0o755)
    data, sock = home / "data", home / "sock"
    for d in (data, sock):
        d.mkdir()
        shutil.chown(d, "postgres")
    data.chmod(0o700)
    as_postgres = ["runuser", "-u", "postgres", "--"]

    def run(*args):
        proc = subprocess.run(as_postgres + [str(a) for a in args], capture_output=True, text=True)
        assert proc.returncode == 0, f"{args}: {proc.stdout}{proc.stderr}"

    port = str(20000 + os.getpid() % 20000)
    run(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "postgres")
    run(bin_dir / "pg_ctl", "-D", data, "-w", "-l", sock / "log", "-o",
        f"-k {sock} -c listen_addresses='' -p {port}", "start")
    try:
        run(bin_dir / "createdb", "-h", sock, "-p", port, "gradebook")
        yield f"postgresql+psycopg2://postgres@/gradebook?host={sock}&port={port}"
    finally:
        subprocess.run(as_postgres + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m",
                                      "immediate", "stop"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


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
               "--autograded", str(tmp_path / "autograded")]
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
