"""A private PostgreSQL server for a gradebook: tests/grading's server (Debian's ``postgresql``,
which ``make system-packages`` installs; a cluster in a temporary folder, run as the ``postgres``
user, on a unix socket only) as a context manager.

Jobs on the local Slurm cluster run on this machine, so they reach the socket as nbgrader and the
grader would reach ``postgresql://grader@db-host/course`` on a real cluster.
"""
import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))   # tests.grading's helpers
from tests.grading.postgres_server import PostgresServer  # noqa: E402


@contextmanager
def postgres(database="gradebook", extra=()):
    """Yield the SQLAlchemy URL of a fresh database on a private server (and create the
    ``extra`` databases beside it: the same URL with their name); stop it after."""
    server = PostgresServer()
    try:
        url = server.createdb(database)
        for name in extra:
            server.createdb(name)
        yield url
    finally:
        server.close()
