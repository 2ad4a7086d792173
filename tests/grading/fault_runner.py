"""``python -m course.grading ARGS`` with one fault injected at a chosen moment, for test_faults.

    python fault_runner.py SPEC_JSON -- ARGS...

runs the grading command exactly as ``python -m course.grading ARGS`` does, in this process,
and injects the fault ``SPEC["do"]`` the moment the command prints a line that starts with
``SPEC["at"]`` (e.g. ``[1/3]``: after the first student is saved, while the next one is being
graded). The injection runs inside the grader's own process, before it goes on, so the moment is
exact. With ``SPEC["before_student"]`` instead, it runs in the worker just before that student's
grading starts (for a fault that must hit a sandbox start: a worker may start the next student's
sandbox before the line of the previous one is printed). The faults are real: a SQLite lock held by another connection, the PostgreSQL server
stopped, a file system that is full, a worker or this whole process killed with SIGKILL, the
interpreter's folder hidden under an empty mount (in this process's own mount namespace), a
submission rewritten while its sandbox runs.
"""
import ctypes
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

_KEEP = []   # what must stay alive until the process ends (the SQLite lock)


def _children(pid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(name))
    return found


def _worker_in_a_sandbox(timeout=60):
    """The pid of a worker of this process that is running a sandbox right now."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in _children(os.getpid()):
            if _children(worker):
                return worker
        time.sleep(0.01)
    raise RuntimeError("no worker started a sandbox")


def inject(spec):
    do = spec["do"]
    if do == "lock_sqlite":   # another program holds the gradebook's write lock
        conn = sqlite3.connect(spec["db"], isolation_level=None, timeout=0)
        conn.execute("BEGIN EXCLUSIVE")
        _KEEP.append(conn)
    elif do == "run":   # e.g. stop the PostgreSQL server
        subprocess.run(spec["command"], check=True, capture_output=True)
    elif do == "fill_disk":   # the output folder's file system is full
        with open(spec["path"], "wb") as f:
            try:
                while True:
                    f.write(b"\0" * (1 << 16))
                    f.flush()
            except OSError:
                pass
    elif do == "kill_worker":   # a worker dies in the middle of a submission
        os.kill(_worker_in_a_sandbox(), signal.SIGKILL)
    elif do == "kill_self":   # the grading command itself is killed
        os.kill(os.getpid(), signal.SIGKILL)
    elif do == "hide":   # a folder (the interpreter's) disappears under an empty mount
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs",
                        spec["path"]], check=True)
    elif do == "rewrite":   # the submission changes while its sandbox runs
        _worker_in_a_sandbox()
        with open(spec["path"], "w") as f:
            f.write(spec["text"])
    else:
        raise ValueError(do)


class Trigger:
    """stderr, with the injection run once, right after the first line that starts with ``at``."""

    def __init__(self, stream, spec):
        self.stream, self.spec, self.fired, self.buffer = stream, spec, False, ""

    def write(self, text):
        self.stream.write(text)
        self.buffer += text
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            if not self.fired and line.startswith(self.spec["at"]):
                self.fired = True
                self.stream.flush()
                inject(self.spec)
        return len(text)

    def flush(self):
        self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


def main():
    spec = json.loads(sys.argv[1])
    args = sys.argv[sys.argv.index("--") + 1:]
    if spec.get("do") == "hide":   # a mount namespace of our own: nothing outside sees it
        if ctypes.CDLL(None, use_errno=True).unshare(0x00020000) != 0:   # CLONE_NEWNS
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
        subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    if "patience_s" in spec:
        from course.grading import gradebook
        gradebook.PATIENCE_S = spec["patience_s"]
    if "before_student" in spec:   # workers are forked: they run the wrapped function
        from course.grading import pipeline
        grade_submission = pipeline.grade_submission

        def fault_then_grade(assignment, student, *args, **kwargs):
            if student == spec["before_student"]:
                inject(spec)
            return grade_submission(assignment, student, *args, **kwargs)

        pipeline.grade_submission = fault_then_grade
    from course.grading.__main__ import main as grade
    sys.stderr = Trigger(sys.stderr, spec)
    code = grade(args)
    sys.stderr.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
