"""A private PostgreSQL server for the gradebook tests: a cluster in a temporary folder.

Debian's ``postgresql`` package (``make system-packages`` installs it), listening on a unix socket
only, run as the ``postgres`` user (the server refuses root). ``stop()`` and ``start()`` let a
test take the server away in the middle of a grading run and bring it back.
"""
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

AS_POSTGRES = ["runuser", "-u", "postgres", "--"]


def pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL is not installed: make system-packages (apt-get install postgresql)"
    return Path(found[-1]).parent


class PostgresServer:
    def __init__(self):
        self.bin = pg_bin()
        self.home = Path(tempfile.mkdtemp(prefix="grading-pg-", dir="/tmp"))
        self.home.chmod(0o755)
        self.data, self.sock = self.home / "data", self.home / "sock"
        for d in (self.data, self.sock):
            d.mkdir()
            shutil.chown(d, "postgres")
        self.data.chmod(0o700)
        self.port = str(20000 + os.getpid() % 20000)
        self.run(self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres")
        self.start()

    def run(self, *args):
        proc = subprocess.run(AS_POSTGRES + [str(a) for a in args], capture_output=True,
                              text=True)
        assert proc.returncode == 0, f"{args}: {proc.stdout}{proc.stderr}"

    def stop_command(self, mode="fast"):
        return AS_POSTGRES + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m",
                              mode, "stop"]

    def start(self):
        self.run(self.bin / "pg_ctl", "-D", self.data, "-w", "-l", self.sock / "log", "-o",
                 f"-k {self.sock} -c listen_addresses='' -p {self.port}", "start")

    def stop(self, mode="fast"):
        subprocess.run(self.stop_command(mode), capture_output=True)

    def createdb(self, name):
        self.run(self.bin / "createdb", "-h", self.sock, "-p", self.port, name)
        return self.url(name)

    def url(self, name):
        return f"postgresql+psycopg2://postgres@/{name}?host={self.sock}&port={self.port}"

    def close(self):
        self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)
