"""Grade a class: find submissions, grade them in parallel workers, record everything, resume.

Before any record is touched, the instructor's own solution is graded through the same sandbox
(the canary): if it does not score full marks, the machinery is broken (bubblewrap cannot start,
the interpreter is not where the sandbox looks, the limits are too small) and nothing is graded.

Per student the parent stages every file first (the feedback page and nbgrader's files beside it,
the nbgrader-style autograded notebook, the result record ``records/<student>.json``), then writes
the gradebook in one transaction, then moves the staged files into place, the record last
(:mod:`.save`). A complete record whose submission hash and assignment version match means "done", so re-running
skips it (idempotent) and an interrupted run picks up where it stopped. Workers only grade; all
writes happen in the parent.

A failure of the machinery (:class:`~.faults.GraderFault`: the sandbox did not start, a worker
died, the gradebook or the output folder cannot be written) leaves that student without a record
and without a gradebook entry from this run: they are listed as "not graded: grader fault" with
the cause, and the next run grades them. Faults that would hit every student (the sandbox, the
gradebook, a full disk) stop the run; a dead worker costs only the submissions it was grading.
"""
import collections
import concurrent.futures
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from . import gradebook, report, sandbox, save
from .faults import GraderFault
from .grader import grade_submission, load_assignment
from .notebook import folder_hash, with_solutions

_ASSIGNMENT = None   # set in the parent before the workers fork
CHANGED_RETRIES = 2  # a submission that changes while graded is graded again, this many times


class ClassResult(list):
    """The complete records of the class (one per graded student, sorted), with
    ``not_graded``: {student: why} for those this run could not grade (grader faults, or a
    submission that kept changing), and ``errors``: outputs that could not be written."""

    def __init__(self, records, not_graded, errors):
        super().__init__(records)
        self.not_graded, self.errors = dict(not_graded), list(errors)


def _init_worker(parent):
    # A worker dies with the grading command (and its sandboxes with it, --die-with-parent):
    # a killed command leaves nothing running.
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)
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
    """In a worker: ("graded", record) or ("fault", cause, detail, stop)."""
    student, folder, workdir, limits = job
    try:
        return ("graded", grade_submission(_ASSIGNMENT, student, folder, workdir, limits))
    except GraderFault as f:
        return ("fault", f.cause, f.detail, f.stop)
    except Exception as e:   # a bug on our side: never the student's fault
        return ("fault", f"internal grading error: {type(e).__name__}: {e}",
                traceback.format_exc(limit=8), False)


def _done(record_path, folder, version):
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return None
    if record.get("complete") and record.get("version") == version \
            and record.get("hash") == folder_hash(folder):
        return record
    return None


def canary(assignment, workdir, limits):
    """Grade the instructor's own solution through the same sandbox; raise GraderFault unless it
    scores full marks (nothing of the class has been touched then)."""
    folder = Path(workdir) / "canary" / assignment.name
    folder.mkdir(parents=True)
    nb = with_solutions(assignment.release_nb, assignment.source_nb)
    (folder / assignment.notebook).write_text(json.dumps(nb))
    try:
        record = grade_submission(assignment, "canary", folder, workdir, limits)
    except GraderFault as f:
        raise GraderFault(f"the instructor's solution could not be graded (canary): {f.cause}",
                          detail=f.detail) from None
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
    if record["score"] != record["max_score"]:
        lost = "\n".join(f"  {g}: {t['reason']}" for g, t in record["tests"].items()
                         if t["reason"])
        raise GraderFault(f"the instructor's solution scored {record['score']:g}/"
                          f"{record['max_score']:g} through the sandbox (canary), not full marks: "
                          "the grader, its limits or the spec are broken",
                          detail=f"interpreter: {sandbox.interpreter()}\n{lost}")


def grade_class(assignment_name, submissions, out=None, workers=None, db_url=None,
                course_root=".", limits=sandbox.Limits(), force=False, shard=(0, 1),
                autograded=None, feedback=None, log=None):
    """Grade every submission of ``assignment_name``; return a :class:`ClassResult`.

    Raises :class:`GraderFault` before touching any record or the gradebook when the grading
    machinery is broken (no bubblewrap, the canary failed, the gradebook is unreachable).
    """
    global _ASSIGNMENT
    log = log or sys.stderr
    course_root = Path(course_root).resolve()
    out = Path(out) if out else course_root / "grading" / assignment_name
    db_url = db_url or f"sqlite:///{course_root / 'gradebook.db'}"
    dirs = {"records": out / "records",
            "autograded": Path(autograded) if autograded else course_root / "autograded",
            "feedback": Path(feedback) if feedback else course_root / "feedback"}
    workers = workers or len(os.sched_getaffinity(0))
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    sandbox.bwrap_path()   # fail early, with the fix, if bubblewrap is missing
    assignment = _ASSIGNMENT = load_assignment(course_root, assignment_name)
    all_folders = find_submissions(submissions, assignment_name)

    k, n = shard
    folders = {s: f for i, (s, f) in enumerate(sorted(all_folders.items())) if i % n == k}
    records, todo = {}, []
    for student, folder in folders.items():
        done = None if force else _done(dirs["records"] / f"{student}.json", folder,
                                        assignment.version)
        if done:
            records[student] = done
        else:
            todo.append(student)
    print(f"{assignment_name}: {len(folders)} submissions, {len(records)} already graded, "
          f"{len(todo)} to grade with {workers} workers", file=log, flush=True)

    not_graded, errors = {}, []
    workdir = tempfile.mkdtemp(prefix="grading-")
    try:
        if todo:
            canary(assignment, workdir, limits)
            print(f"canary: the instructor's solution scored {assignment.max_score:g}/"
                  f"{assignment.max_score:g} through the sandbox", file=log, flush=True)
            try:
                out.mkdir(parents=True, exist_ok=True)
                dirs["records"].mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise GraderFault(f"cannot create the output folder {out}: {e}") from None
            try:
                gradebook.register_assignment(
                    db_url, assignment_name, assignment.notebook,
                    course_root / "solutions" / assignment_name / assignment.notebook)
            except Exception as e:
                first = (str(e).strip().splitlines() or [type(e).__name__])[0]
                raise GraderFault(f"the gradebook is unreachable ({db_url}): "
                                  f"{type(e).__name__}: {first[:300]}") from None
            _grade_todo(assignment, todo, folders, workdir, limits, workers, dirs, db_url,
                        records, not_graded, log)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    for student, folder in all_folders.items():   # other shards' students, graded by other jobs
        if student not in records and student not in not_graded:
            done = _done(dirs["records"] / f"{student}.json", folder, assignment.version)
            if done:
                records[student] = done
    rows = [records[s] for s in sorted(records)]
    text = report.summary(rows, assignment.tests, not_graded)
    try:
        out.mkdir(parents=True, exist_ok=True)
        tmp, path = save.stage(out / "grades.csv", report.csv_text(rows, assignment.tests,
                                                              not_graded))
        os.replace(tmp, path)   # atomic: shards may finish together
        save.write_text(out / "summary.md", text)
        wrote = f"wrote {out / 'grades.csv'}, {out / 'summary.md'}"
    except OSError as e:
        errors.append(f"could not write the grade table and summary in {out}: "
                      f"{e.strerror or e}")
        wrote = errors[-1]
    print(text + f"\n{wrote}; feedback in {dirs['feedback']}/<student>/{assignment_name}/; "
          f"gradebook {db_url}", file=log, flush=True)
    if not_graded:
        print(f"NOT GRADED: {len(not_graded)} submissions (grader fault; nothing recorded for "
              "them): run the same command again once the cause is fixed", file=log, flush=True)
    return ClassResult(rows, not_graded, errors)


def _grade_todo(assignment, todo, folders, workdir, limits, workers, dirs, db_url, records,
                not_graded, log):
    """The parallel part: at most ``workers`` submissions in flight, results saved as they come."""
    pending = collections.deque(todo)
    changed = collections.Counter()
    in_flight = {}
    stopped = None
    done_count, total = 0, len(todo)
    context = multiprocessing.get_context("fork")

    def new_pool():
        return concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(os.getpid(),))

    def fill(pool):
        while pending and len(in_flight) < workers and stopped is None:
            student = pending.popleft()
            job = (student, str(folders[student]), workdir, limits)
            in_flight[pool.submit(_grade_one, job)] = student

    def progress(student, text):   # on the terminal: no control characters from anyone
        print(report.plain(f"[{done_count}/{total}] {report.one_line(student)}: {text}"),
              file=log, flush=True)

    pool = new_pool()
    gb = None
    workers_seen = {}   # pid -> Process: how a dead worker ended (the pool forgets it)
    try:
        fill(pool)
        while in_flight and stopped is None:
            workers_seen.update(getattr(pool, "_processes", None) or {})
            finished, _ = concurrent.futures.wait(in_flight,
                                                  return_when=concurrent.futures.FIRST_COMPLETED)
            outcomes, broken = [], False
            for future in finished:
                student = in_flight.pop(future)
                try:
                    outcomes.append((student, future.result()))
                except BrokenProcessPool:
                    broken = True
                    outcomes.append((student, ("fault", "a grading worker died while grading "
                                               f"this submission ({_dead(workers_seen)})", "",
                                               False)))
            if broken:   # every submission in flight is lost with the pool: start a new one
                for future, student in list(in_flight.items()):
                    outcomes.append((student, ("fault", "a grading worker died while this "
                                               "submission was being graded", "", False)))
                in_flight.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool, workers_seen = new_pool(), {}
            fill(pool)   # keep the workers busy while the parent writes
            for student, outcome in outcomes:
                folder = folders[student]
                if stopped is not None and outcome[0] != "fault":
                    pending.appendleft(student)   # not saved: listed as not graded below
                    continue
                if outcome[0] == "fault":
                    _, cause, detail, stop = outcome
                    done_count += 1
                    not_graded[student] = cause
                    progress(student, f"NOT GRADED: grader fault: {cause}")
                    if detail:
                        print(report.plain("    " + detail.replace("\n", "\n    ")), file=log,
                              flush=True)
                    if stop and stopped is None:
                        stopped = cause
                    continue
                record = outcome[1]
                if folder_hash(folder) != record["hash"]:   # changed while it was graded
                    changed[student] += 1
                    if changed[student] <= CHANGED_RETRIES and stopped is None:
                        print(f"[{done_count}/{total}] {student}: the submission changed while "
                              "it was graded: grading it again", file=log, flush=True)
                        pending.appendleft(student)
                        fill(pool)
                        continue
                    done_count += 1
                    not_graded[student] = "the submission kept changing while it was graded"
                    progress(student, "NOT GRADED: " + not_graded[student])
                    continue
                try:
                    if gb is None:
                        gb = gradebook.Gradebook(db_url).__enter__()
                    save.save(assignment, student, folder, record, dirs, db_url, gb)
                except GraderFault as f:
                    done_count += 1
                    not_graded[student] = f.cause
                    progress(student, f"NOT GRADED: grader fault: {f.cause}")
                    if stopped is None:
                        stopped = f.cause
                    continue
                except Exception as e:   # opening the gradebook failed
                    done_count += 1
                    not_graded[student] = f"the gradebook is unreachable: {type(e).__name__}"
                    progress(student, f"NOT GRADED: grader fault: {not_graded[student]}")
                    stopped = stopped or not_graded[student]
                    continue
                done_count += 1
                records[student] = record
                progress(student, f"{record['score']:g}/{record['max_score']:g} "
                                  f"{record['status']} (graded in {record['seconds']:.1f} s)")
    finally:
        if stopped is not None or in_flight:   # stop the submissions still being graded
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                try:
                    process.kill()
                except (OSError, AttributeError):
                    pass
        pool.shutdown(wait=True, cancel_futures=True)
        if gb is not None:
            try:
                gb.__exit__(None, None, None)
            except Exception:
                pass
    for student in list(in_flight.values()) + list(pending):
        not_graded[student] = f"grading stopped after a grader fault: {stopped}"
    if stopped and (in_flight or pending):
        print(f"grading stopped after a grader fault ({stopped}); "
              f"{len(in_flight) + len(pending)} submissions not started", file=log, flush=True)


def _dead(processes):
    """How a dead worker ended, e.g. 'killed by SIGKILL' (the pool ends the others with
    SIGTERM once it is broken: those are not the cause)."""
    deadline = time.monotonic() + 2
    while True:
        # the pool's manager thread may be reaping the dead worker at this moment (its
        # waitpid wins, ours sees no child and exitcode stays None until it stores the
        # status): look again for up to 2 s before saying nothing is known
        codes = [p.exitcode for p in processes.values() if p.exitcode not in (None, 0)]
        if codes or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    codes.sort(key=lambda code: code == -signal.SIGTERM)
    if not codes:
        return "it ended unexpectedly"
    if codes[0] < 0:
        try:
            return f"killed by {signal.Signals(-codes[0]).name}"
        except ValueError:
            return f"killed by signal {-codes[0]}"
    return f"exit code {codes[0]}"
