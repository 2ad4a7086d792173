"""Grade a class: find submissions, grade them in parallel workers, record everything, resume.

Per student the parent writes, in this order, the gradebook transaction, the feedback HTML, the
nbgrader-style autograded notebook and the result record ``records/<student>.json``; a complete record whose submission hash and
assignment version match means "done", so re-running skips it (idempotent) and an interrupted
run picks up where it stopped. Workers only grade; all writes happen in the parent.
"""
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import gradebook, report, sandbox
from .grader import grade_submission, load_assignment
from .autograded import autograded_notebook
from .notebook import SubmissionError, find_notebook, folder_hash, read_json_notebook

_ASSIGNMENT = None   # set in the parent before the workers fork


def _init_worker():
    sandbox.sandbox_uid()   # claim this worker's own sandbox uid now


def find_submissions(submissions, assignment):
    """{student: folder} for ``submitted/<student>/<assignment>`` (or ``<dir>/<student>/...``)."""
    base = Path(submissions)
    if not base.is_dir():
        raise SystemExit(f"no submissions folder {base} (expected submitted/<student>/"
                         f"{assignment}/*.ipynb, as `nbgrader collect` leaves them)")
    if (base / "submitted").is_dir():
        base = base / "submitted"
    found = {}
    for d in sorted(base.iterdir()):
        if d.is_dir() and not d.is_symlink() and (d / assignment).exists():
            found[d.name] = d / assignment
    return found


def _grade_one(job):
    student, folder, workdir, limits = job
    try:
        return grade_submission(_ASSIGNMENT, student, folder, workdir, limits)
    except Exception:   # a bug on our side: report it, grade the others
        return {"student": student, "assignment": _ASSIGNMENT.name, "status": "error",
                "notes": ["internal grading error:\n" + traceback.format_exc(limit=5)],
                "complete": False, "score": 0.0, "max_score": _ASSIGNMENT.max_score,
                "tests": {t.grade_id: {"task": "", "hidden": t.hidden, "points": t.points,
                                       "score": 0.0, "reason": "internal grading error"}
                          for t in _ASSIGNMENT.tests}, "cell_errors": []}


def _write_text(path, text):
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _write_json(path, data):
    _write_text(path, json.dumps(data, indent=1))


def _write_autograded(autograded, assignment, student, folder, record):
    """``autograded/<student>/<assignment>/<notebook>`` for ``nbgrader generate_feedback``."""
    try:
        path, _ = find_notebook(folder, assignment.notebook)
        submitted = read_json_notebook(path)
    except SubmissionError:
        submitted = None
    target = Path(autograded) / student / assignment.name / assignment.notebook
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = autograded_notebook(assignment.release_nb, submitted, record)
    target.write_text(json.dumps(nb, indent=1))


def _done(record_path, folder, version):
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return None
    if record.get("complete") and record.get("version") == version \
            and record.get("hash") == folder_hash(folder):
        return record
    return None


def grade_class(assignment_name, submissions, out=None, workers=None, db_url=None,
                course_root=".", limits=sandbox.Limits(), force=False, shard=(0, 1),
                autograded=None, log=sys.stderr):
    """Grade every submission of ``assignment_name``; return the records (one per student)."""
    global _ASSIGNMENT
    course_root = Path(course_root).resolve()
    out = Path(out) if out else course_root / "grading" / assignment_name
    db_url = db_url or f"sqlite:///{course_root / 'gradebook.db'}"
    autograded = Path(autograded) if autograded else course_root / "autograded"
    workers = workers or len(os.sched_getaffinity(0))
    sandbox.bwrap_path()   # fail early, with the fix, if bubblewrap is missing
    assignment = _ASSIGNMENT = load_assignment(course_root, assignment_name)
    all_folders = find_submissions(submissions, assignment_name)
    for sub in ("records", "feedback"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    gradebook.register_assignment(db_url, assignment_name, assignment.notebook,
                                  course_root / "solutions" / assignment_name / assignment.notebook)

    k, n = shard
    folders = {s: f for i, (s, f) in enumerate(sorted(all_folders.items())) if i % n == k}
    records, todo = {}, []
    workdir = tempfile.mkdtemp(prefix="grading-")
    for student, folder in folders.items():
        done = None if force else _done(out / "records" / f"{student}.json", folder,
                                        assignment.version)
        if done:
            records[student] = done
        else:
            todo.append((student, str(folder), workdir, limits))
    print(f"{assignment_name}: {len(folders)} submissions, {len(records)} already graded, "
          f"{len(todo)} to grade with {workers} workers", file=log, flush=True)

    start, errors = time.monotonic(), 0
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, _init_worker) as pool, \
                gradebook.Gradebook(db_url) as gb:   # opened after the fork, used by the parent
            for i, record in enumerate(pool.imap_unordered(_grade_one, todo), 1):
                student = record["student"]
                if record["status"] != "error":
                    gradebook.write_scores(db_url, assignment_name, assignment.notebook, student,
                                           {g: t["score"] for g, t in record["tests"].items()},
                                           gb=gb)
                    (out / "feedback" / f"{student}.html").write_text(report.feedback_html(record))
                    _write_autograded(autograded, assignment, student, folders[student], record)
                else:
                    errors += 1
                _write_json(out / "records" / f"{student}.json", record)
                records[student] = record
                print(f"[{i}/{len(todo)}] {student}: {record['score']:g}/{record['max_score']:g} "
                      f"{record['status']} ({time.monotonic() - start:.1f} s)", file=log,
                      flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    for student, folder in all_folders.items():   # other shards' students, graded by other jobs
        if student not in records:
            done = _done(out / "records" / f"{student}.json", folder, assignment.version)
            if done:
                records[student] = done
    rows = [records[s] for s in sorted(records)]
    tmp = out / f"grades.{os.getpid()}.tmp"
    report.write_csv(tmp, rows, assignment.tests)
    os.replace(tmp, out / "grades.csv")   # atomic: shards may finish together
    text = report.summary(rows, assignment.tests)
    _write_text(out / "summary.md", text)
    print(text + f"\nwrote {out / 'grades.csv'}, {out / 'summary.md'}, {out / 'feedback'}/; "
          f"gradebook {db_url}", file=log, flush=True)
    if errors:
        print(f"{errors} submissions hit an internal grading error (see their records)", file=log)
    return rows
