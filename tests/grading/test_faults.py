"""Faults of the grading machinery, injected for real, never recorded as a student's score.

A class of three (alice: full marks, bob: one task wrong, carol: a broken notebook) is graded
once undisturbed; then, per fault, graded again by ``python -m course.grading`` with the fault
injected at an exact moment (``fault_runner.py``: right after the first student is saved, while
the next is being graded, or just before the next one's grading starts, unless said otherwise), with one worker so that the moment is exact.
After each: the command's exit status and what it printed are the expected ones, every student in
the gradebook has exactly the undisturbed scores (a student hit by the fault has no entry and no
complete record), and a rerun grades exactly the others and ends with the undisturbed grades.

| fault | expected outcome of the disturbed run |
|---|---|
| bubblewrap cannot create namespaces | stops before any record (canary), exit 1 |
| bubblewrap missing | stops before any record, exit 1 |
| interpreter missing before the run | stops before any record (canary), exit 1 |
| interpreter missing mid-run | bob not graded (sandbox), carol not started, exit 1 |
| SQLite gradebook locked | bob not graded (gradebook), carol not started, exit 1 |
| PostgreSQL stopped | bob not graded (gradebook), carol not started, exit 1 |
| a worker killed (SIGKILL) | bob not graded (worker died), carol graded, exit 1 |
| the command killed (SIGKILL) | alice and bob saved, nothing left running |
| output folder full (tmpfs) | bob not graded (no space), carol not started, exit 1 |
| submission changed mid-grading | bob graded again on the new text, exit 0 |
| a symlinked .venv | graded as usual, exit 0 |
"""
import io
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from course.grading import pipeline
from course.grading.sandbox import Limits

from .postgres_server import PostgresServer
from .submissions import ASSIGNMENT, NOTEBOOK, SOURCE, solved, write

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-faults")]

REPO = SOURCE.parents[2]
RUNNER = Path(__file__).with_name("fault_runner.py")
WALL = 20   # generous: a canary that times out on a loaded machine would be a fault of its own
WRONG_LOSS = {"1.4": "def softmax_cross_entropy(z, y):\n    return 0.0\n"}
STUDENTS = ["alice", "bob", "carol"]
NOT_STARTED = "grading stopped after a grader fault"


def make_class(tmp, outputs=None):
    """The class under ``tmp``; outputs (out, feedback, autograded) under ``outputs``."""
    submitted = tmp / "submitted"
    write(submitted, "alice", solved())
    write(submitted, "bob", solved(replace=WRONG_LOSS))
    write(submitted, "carol", raw=b"{not json")
    outputs = outputs or tmp
    return {"submitted": submitted, "out": outputs / "out", "feedback": outputs / "feedback",
            "autograded": outputs / "autograded", "db_url": f"sqlite:///{tmp / 'gradebook.db'}",
            "db": tmp / "gradebook.db"}


def cli_args(c, workers=1):
    return [ASSIGNMENT, str(c["submitted"]), "--workers", str(workers), "--db-url", c["db_url"],
            "--out", str(c["out"]), "--feedback", str(c["feedback"]),
            "--autograded", str(c["autograded"]), "--course-root", str(REPO),
            "--wall", str(WALL)]


def run_with_fault(c, spec, prefix=(), env=None, python=sys.executable):
    """The grading command with the fault of ``spec`` injected; (exit status, output)."""
    spec = dict(spec, token=uuid.uuid4().hex)   # names this run's processes
    proc = subprocess.run([*prefix, python, str(RUNNER), json.dumps(spec), "--", *cli_args(c)],
                          capture_output=True, text=True, env=env, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr, spec["token"]


def rerun(c):
    """The same command again, undisturbed (in this process); (result, what it printed)."""
    log = io.StringIO()
    result = pipeline.grade_class(ASSIGNMENT, c["submitted"], out=c["out"], workers=1,
                                  db_url=c["db_url"], course_root=REPO,
                                  limits=Limits(wall_s=WALL, cpu_s=WALL), log=log,
                                  autograded=c["autograded"], feedback=c["feedback"])
    return result, log.getvalue()


def stored(db_url):
    """{student: {grade_id: auto_score}} of every submission in the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(db_url) as gb:
        try:
            submissions = gb.find_assignment(ASSIGNMENT).submissions
        except MissingEntry:
            return {}
        return {s.student.id: {g.name: g.auto_score for g in s.notebooks[0].grades}
                for s in submissions}


def records(c):
    folder = c["out"] / "records"
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")} \
        if folder.is_dir() else {}


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory):
    """{student: {grade_id: score}} of the class graded without any fault."""
    c = make_class(tmp_path_factory.mktemp("undisturbed"))
    result, log = rerun(c)
    assert not result.not_graded, log
    scores = stored(c["db_url"])
    assert {s: sum(v.values()) for s, v in scores.items()} == \
        {"alice": 12.0, "bob": 9.0, "carol": 0.0}, log
    assert {r["student"]: {g: t["score"] for g, t in r["tests"].items()} for r in result} == scores
    return scores


def check_after_fault(c, undisturbed, graded):
    """Exactly ``graded`` have a gradebook entry and a complete record, with the undisturbed
    scores; nobody else has either; no staged file is left behind."""
    scores = stored(c["db_url"]) if c["db"].exists() or "postgresql" in c["db_url"] else {}
    assert scores == {s: undisturbed[s] for s in graded}, scores
    assert {s: r["complete"] for s, r in records(c).items()} == {s: True for s in graded}
    for folder in (c["out"], c["feedback"], c["autograded"]):
        assert not list(folder.rglob(".*.tmp")) if folder.exists() else True


def check_rerun(c, undisturbed, already):
    result, log = rerun(c)
    assert f"{len(already)} already graded, {len(STUDENTS) - len(already)} to grade" in log, log
    assert not result.not_graded and not result.errors, log
    assert {r["student"]: {g: t["score"] for g, t in r["tests"].items()} for r in result} \
        == undisturbed
    assert stored(c["db_url"]) == undisturbed
    for student in STUDENTS:
        page = c["feedback"] / student / ASSIGNMENT / "assignment1.html"
        assert f"Score: {sum(undisturbed[student].values()):g} / 12" in page.read_text()


def not_graded_lines(output):
    """{student: cause} from the summary's "not graded: grader fault" list."""
    found = {}
    for line in output.splitlines():
        if line.startswith("- ") and ": not graded: grader fault: " in line:
            student, cause = line[2:].split(": not graded: grader fault: ", 1)
            found[student] = cause
    return found


def test_bubblewrap_that_cannot_start_stops_before_any_record(tmp_path, undisturbed):
    """An unprivileged container: bwrap cannot create its namespaces (CAP_SYS_ADMIN dropped)."""
    c = make_class(tmp_path)
    drop = ["setpriv", "--bounding-set=-sys_admin", "--inh-caps=-sys_admin", "--"]
    code, output, _ = run_with_fault(c, {"at": "never", "do": "none"}, prefix=drop)
    assert code == 1, output
    stop = [line for line in output.splitlines() if line.startswith("grading stopped")]
    assert stop == ["grading stopped, nothing recorded: the instructor's solution could not be "
                    "graded (canary): the sandbox did not start: bwrap: Creating new namespace "
                    "failed: Operation not permitted"], output
    assert f"interpreter tried: {Path(sys.prefix).resolve()}/bin/" in output
    assert not c["db"].exists() and not c["out"].exists() and not c["feedback"].exists()
    check_rerun(c, undisturbed, already=[])


def test_missing_bubblewrap_stops_before_any_record(tmp_path, undisturbed):
    c = make_class(tmp_path)
    code, output, _ = run_with_fault(c, {"at": "never", "do": "none"},
                                     env=dict(os.environ, PATH=str(tmp_path / "no-bin")))
    assert code == 1, output
    assert output.splitlines()[0] == ("grading stopped, nothing recorded: bubblewrap (bwrap) is "
                                      "not installed: apt-get install -y bubblewrap (or `make "
                                      "system-packages`)"), output
    assert not c["db"].exists() and not c["out"].exists()
    check_rerun(c, undisturbed, already=[])


def test_interpreter_missing_before_the_run_stops_before_any_record(tmp_path, undisturbed):
    c = make_class(tmp_path)
    bin_dir = Path(sys.prefix).resolve() / "bin"
    code, output, _ = run_with_fault(c, {"at": f"{ASSIGNMENT}: ", "do": "hide",
                                         "path": str(bin_dir)})
    assert code == 1, output
    assert (f"grading stopped, nothing recorded: the instructor's solution could not be graded "
            f"(canary): the sandbox did not start: setpriv: failed to execute {bin_dir}/python"
            in output), output
    assert not c["db"].exists() and not c["out"].exists()
    check_rerun(c, undisturbed, already=[])


def test_interpreter_missing_mid_run(tmp_path, undisturbed):
    c = make_class(tmp_path)
    bin_dir = Path(sys.prefix).resolve() / "bin"
    code, output, _ = run_with_fault(c, {"at": "never", "before_student": "bob", "do": "hide",
                                         "path": str(bin_dir)})
    assert code == 1, output
    faults = not_graded_lines(output)
    assert set(faults) == {"bob", "carol"}, output
    assert faults["bob"].startswith(f"the sandbox did not start: setpriv: failed to execute "
                                    f"{bin_dir}/python"), faults
    assert faults["carol"].startswith(NOT_STARTED), faults
    check_after_fault(c, undisturbed, graded=["alice"])
    check_rerun(c, undisturbed, already=["alice"])


def test_sqlite_gradebook_locked(tmp_path, undisturbed):
    c = make_class(tmp_path)
    code, output, _ = run_with_fault(c, {"at": "[1/3]", "do": "lock_sqlite",
                                         "db": str(c["db"]), "patience_s": 1})
    assert code == 1, output
    faults = not_graded_lines(output)
    assert faults["bob"] == (f"the gradebook could not be written ({c['db_url']}): "
                             "OperationalError: (sqlite3.OperationalError) database is locked")
    assert set(faults) == {"bob", "carol"} and faults["carol"].startswith(NOT_STARTED), faults
    check_after_fault(c, undisturbed, graded=["alice"])
    check_rerun(c, undisturbed, already=["alice"])


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer()
    try:
        yield server
    finally:
        server.close()


def test_postgres_server_stopped_mid_run(tmp_path, undisturbed, postgres):
    c = make_class(tmp_path)
    c["db_url"] = postgres.createdb("faults")
    code, output, _ = run_with_fault(c, {"at": "[1/3]", "do": "run", "patience_s": 2,
                                         "command": postgres.stop_command("fast")})
    assert code == 1, output
    faults = not_graded_lines(output)
    assert set(faults) == {"bob", "carol"} and faults["carol"].startswith(NOT_STARTED), faults
    assert faults["bob"].startswith(f"the gradebook could not be written ({c['db_url']}): "
                                    "OperationalError: "), faults
    postgres.start()
    check_after_fault(c, undisturbed, graded=["alice"])
    check_rerun(c, undisturbed, already=["alice"])


def test_worker_killed_mid_submission(tmp_path, undisturbed):
    c = make_class(tmp_path)
    code, output, _ = run_with_fault(c, {"at": "[1/3]", "do": "kill_worker"})
    assert code == 1, output
    faults = not_graded_lines(output)
    assert list(faults) == ["bob"], output
    assert faults["bob"] == ("a grading worker died while grading this submission "
                             "(killed by SIGKILL)"), faults
    assert "[3/3] carol: 0/12 ungradable" in output   # the others are graded by a new worker
    check_after_fault(c, undisturbed, graded=["alice", "carol"])
    check_rerun(c, undisturbed, already=["alice", "carol"])


def _processes_with(token):
    found = []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and token.encode() in Path(f"/proc/{name}/cmdline").read_bytes():
                found.append(int(name))
        except OSError:
            pass
    return found


def test_grading_command_killed_then_resumed(tmp_path, undisturbed):
    c = make_class(tmp_path)
    code, output, token = run_with_fault(c, {"at": "[2/3]", "do": "kill_self"})
    assert code == -9, output
    deadline = time.monotonic() + 10
    while _processes_with(token) and time.monotonic() < deadline:   # its workers die with it
        time.sleep(0.1)
    assert not _processes_with(token)
    check_after_fault(c, undisturbed, graded=["alice", "bob"])
    check_rerun(c, undisturbed, already=["alice", "bob"])


@pytest.fixture
def small_filesystem(tmp_path):
    """A real file system of 8 MiB (tmpfs) for the outputs; unmounted afterwards."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_output_folder_full(tmp_path, undisturbed, small_filesystem):
    c = make_class(tmp_path, outputs=small_filesystem)
    filler = small_filesystem / "filler"
    code, output, _ = run_with_fault(c, {"at": "[1/3]", "do": "fill_disk", "path": str(filler)})
    assert code == 1, output
    faults = not_graded_lines(output)
    assert set(faults) == {"bob", "carol"} and faults["carol"].startswith(NOT_STARTED), faults
    assert faults["bob"].startswith("could not write the results: No space left on device"), faults
    assert "could not write the grade table and summary" in output
    check_after_fault(c, undisturbed, graded=["alice"])
    filler.unlink()
    check_rerun(c, undisturbed, already=["alice"])


def test_submission_changed_while_graded_is_graded_again(tmp_path, undisturbed):
    c = make_class(tmp_path)
    bob = c["submitted"] / "bob" / ASSIGNMENT / NOTEBOOK
    code, output, _ = run_with_fault(c, {"at": "[1/3]", "do": "rewrite", "path": str(bob),
                                         "text": json.dumps(solved(), indent=1)})
    assert code == 0, output
    assert "bob: the submission changed while it was graded: grading it again" in output
    assert re.search(r"^\[[23]/3\] bob: 12/12 graded", output, re.M), output
    final = dict(undisturbed, bob=undisturbed["alice"])   # bob's new text is alice's answer
    check_after_fault(c, final, graded=STUDENTS)
    result, log = rerun(c)
    assert "3 already graded, 0 to grade" in log and not result.not_graded
    assert stored(c["db_url"]) == final


def test_symlinked_venv_grades_as_usual(tmp_path, undisturbed):
    """The issue's trial: a clone whose .venv is a symbolic link to another checkout's."""
    c = make_class(tmp_path)
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / ".venv").symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    python = clone / ".venv" / "bin" / Path(sys.executable).name
    code, output, _ = run_with_fault(c, {"at": "never", "do": "none"}, python=str(python))
    assert code == 0, output
    check_after_fault(c, undisturbed, graded=STUDENTS)
