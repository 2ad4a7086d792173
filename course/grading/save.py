"""What is written for one graded student, and in which order, so that a failure half-way
never leaves a score behind.

Every file is staged first under a temporary name beside its place (the feedback page with
nbgrader's ``timestamp.txt`` and ``submission_secret.txt``, the autograded notebook, the result
record); then the gradebook is written in one transaction; then the files are moved into place,
the record last. A file that cannot be written (a full disk) or a gradebook that cannot be
reached is a :class:`~.faults.GraderFault`: the staged files are removed and nothing of the
student is recorded.
"""
import glob
import json
import os
import socket
from pathlib import Path

from . import gradebook, report
from .autograded import autograded_notebook
from .faults import GraderFault
from .notebook import SubmissionError, find_notebook, read_json_notebook

NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")   # what nbgrader's exchange needs


HOST = socket.gethostname()


def _left_by_a_dead_run(tmp, name):
    """Whether ``tmp`` (``.<name>.<host>.<pid>.tmp``; ``.<name>.<pid>.tmp`` from an older grader)
    was staged on this host by a process that no longer runs. Another process's file is its own
    until it moves it into place: shards of one class write the same grade table, often at the
    same moment, and a course folder shared by cluster nodes holds other hosts' files, whose
    processes this host cannot see."""
    host, _, pid = tmp.name[len(name) + 2:-len(".tmp")].rpartition(".")
    if host not in (HOST, "") or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:   # alive, another user's
        return False
    return False


def stage(path, data):
    """Write ``data`` beside ``path`` under a temporary name; return (temporary, final)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        if _left_by_a_dead_run(stale, path.name):
            stale.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.{HOST}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, path


def write_text(path, text):
    tmp, path = stage(path, text)
    os.replace(tmp, path)


def _submitted_notebook(assignment, folder):
    try:
        path, _ = find_notebook(folder, assignment.notebook)
        return read_json_notebook(path)
    except SubmissionError:
        return None


def outputs(assignment, student, folder, record, dirs):
    """{path: bytes} of everything written for one graded student, the record last."""
    nb = autograded_notebook(assignment.release_nb, _submitted_notebook(assignment, folder),
                             record)
    stem = assignment.notebook.rsplit(".", 1)[0]
    feedback = dirs["feedback"] / student / assignment.name
    autograded = dirs["autograded"] / student / assignment.name
    files = {feedback / f"{stem}.html": report.feedback_html(record, nb),
             autograded / assignment.notebook: json.dumps(nb, indent=1)}
    for name in NBGRADER_FILES:   # release_feedback / fetch_feedback find the feedback by these
        source = Path(folder) / name
        if source.is_file() and not source.is_symlink():
            for target in (feedback, autograded):
                files[target / name] = source.read_bytes()[:4096]
    files[dirs["records"] / f"{student}.json"] = json.dumps(record, indent=1)
    return files


def save(assignment, student, folder, record, dirs, db_url, gb):
    """Stage the files, write the gradebook, move the files into place (record last)."""
    staged = []
    try:
        try:
            for path, data in outputs(assignment, student, folder, record, dirs).items():
                staged.append(stage(path, data))
        except OSError as e:
            raise GraderFault(f"could not write the results: {e.strerror or e} "
                              f"({e.filename or dirs['records']})") from None
        try:
            gradebook.write_scores(db_url, assignment.name, assignment.notebook, student,
                                   {g: t["score"] for g, t in record["tests"].items()}, gb=gb,
                                   timestamp=timestamp(folder),
                                   unanswered=record.get("unanswered", []))
        except Exception as e:
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise GraderFault(f"the gradebook could not be written ({db_url}): "
                              f"{type(e).__name__}: {first[:300]}") from None
        try:
            for tmp, path in staged:
                os.replace(tmp, path)
            staged = []
        except OSError as e:
            raise GraderFault(f"could not move the results into place: {e}") from None
    finally:
        for tmp, _ in staged:
            try:
                tmp.unlink()
            except OSError:
                pass


def timestamp(folder):
    try:
        text = (Path(folder) / "timestamp.txt").read_text()[:100].strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None
