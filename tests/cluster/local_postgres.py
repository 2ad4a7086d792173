"""A private PostgreSQL server for a gradebook (the idea of tests/grading/test_postgres.py).

Debian's ``postgresql`` (``make system-packages`` installs it), a cluster created in a temporary
folder, run as the ``postgres`` user (the server refuses root), listening on a unix socket only.
Jobs on the local Slurm cluster run on this machine, so they reach the socket as nbgrader and the
grader would reach ``postgresql://grader@db-host/course`` on a real cluster.
"""
import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path


def pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL is not installed: make system-packages (apt-get install postgresql)"
    return Path(found[-1]).parent


@contextmanager
def postgres(database="gradebook", port=None, extra=()):
    """Yield the SQLAlchemy URL of a fresh database on a private server (and create the
    ``extra`` databases beside it: the same URL with their name); stop it after."""
    bin_dir = pg_bin()
    home = Path(tempfile.mkdtemp(prefix="cluster-pg-", dir="/tmp"))
    home.chmod(0o755)
    data, sock = home / "data", home / "sock"
    for d in (data, sock):
        d.mkdir()
        shutil.chown(d, "postgres")
    data.chmod(0o700)
    as_postgres = ["runuser", "-u", "postgres", "--"]

    def run(*args):
        proc = subprocess.run(as_postgres + [str(a) for a in args], capture_output=True,
                              text=True)
        assert proc.returncode == 0, f"{args}: {proc.stdout}{proc.stderr}"

    port = str(port or 20000 + (os.getpid() * 7 + 3) % 20000)
    started = False
    try:
        run(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "postgres")
        run(bin_dir / "pg_ctl", "-D", data, "-w", "-l", sock / "log", "-o",
            f"-k {sock} -c listen_addresses='' -p {port}", "start")
        started = True
        for name in (database, *extra):
            run(bin_dir / "createdb", "-h", sock, "-p", port, name)
        yield f"postgresql+psycopg2://postgres@/{database}?host={sock}&port={port}"
    finally:
        if started:
            subprocess.run(as_postgres + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m",
                                          "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
