"""Grade one submission: find its notebook, run each task in its own sandbox, judge the results.

Runs in a worker process of the trusted side. The student's code runs only inside the sandboxes;
this module reads their notebook as text and their results as arrays.
"""
import contextlib
import dataclasses
import hashlib
import importlib
import io
import json
import re
import shutil
import signal
import struct
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import harness, sandbox
from .faults import GraderFault
from .spec import (WITHHELD_CODE, WITHHELD_INPUTS, encode_arg, flat, judge_case,
                   resolve_arg)
from .verdict import Reason
from .notebook import (SubmissionError, find_notebook, folder_hash, read_json_notebook,
                       reference_code, source_test_cells, student_code,
                       unanswered)


@dataclass
class Assignment:
    """Everything trusted about one assignment, loaded once."""
    name: str
    notebook: str              # file name, e.g. "assignment1.ipynb"
    tests: list                # notebook.TestCell, in source order
    tasks: list                # spec.Task
    release_nb: dict
    reference: dict            # namespace where the instructor's solution ran
    version: str               # hash of the source and the grader: a change re-grades everyone
    files: dict = None         # {relative path: bytes} put in every sandbox's job folder
    source_nb: dict = None     # the instructor's source (solutions, hidden tests): the canary

    @property
    def max_score(self):
        return sum(t.points for t in self.tests)


def load_assignment(course_root, name, source_dir="solutions", release_dir="assignments"):
    """Read the source and release notebooks and the spec; run the instructor's solution."""
    try:
        spec = importlib.import_module(f"course.grading.specs.{name}")
    except ModuleNotFoundError:
        raise SystemExit(f"no grading spec for {name!r}: write course/grading/specs/{name}.py "
                         "(see course/grading/specs/assignment1.py)") from None
    course_root = Path(course_root)
    source_path = course_root / source_dir / name / spec.NOTEBOOK
    release_path = course_root / release_dir / name / spec.NOTEBOOK
    source_nb = read_json_notebook(source_path)
    release_nb = read_json_notebook(release_path) if release_path.exists() else source_nb
    tests = source_test_cells(source_nb)
    cased = set()
    for task in spec.TASKS:
        cased |= {case.test for case in task.cases(np.random.default_rng(0))}
    missing = {t.grade_id for t in tests} ^ cased
    if missing:
        raise ValueError(f"{name}: the spec and the source's test cells disagree on "
                         f"{sorted(missing)}")
    reference = {"__name__": "reference"}
    with contextlib.redirect_stdout(io.StringIO()):   # what the given cells print
        for code in reference_code(source_nb):
            exec(compile(code, str(source_path), "exec"), reference)
    files = spec.sandbox_files() if hasattr(spec, "sandbox_files") else {}
    version = hashlib.sha256(source_path.read_bytes())   # the grader's code counts too
    specs = Path(spec.__file__).parent   # the spec and its helper modules (_<name>_*.py)
    for path in (sorted(Path(__file__).parent.glob("*.py")) + [Path(spec.__file__)]
                 + sorted(specs.glob(f"_{name}_*.py"))):
        version.update(path.read_bytes())
    version = version.hexdigest()[:16]
    return Assignment(name, spec.NOTEBOOK, tests, spec.TASKS, release_nb, reference, version,
                      files, source_nb)


def _outputs(value, select, flatten=False):
    values = [value] if select is None else [value[i] for i in select]
    values = flat(values) if flatten else values
    return [np.asarray(v, dtype=np.float64) for v in values]


def _expected(assignment, task, case):
    """The instructor's answer for one case, computed here (the stand-in swapped in likewise)."""
    ref = assignment.reference
    functions = {}
    for key, (_, source) in task.stand_ins.items():
        fns = {"np": np, "_calls": []}
        exec(source, fns)
        functions[key] = fns["stand_in"]
    args = [resolve_arg(a, ref, functions) for a in case.args]
    if task.driver is not None:
        dns = {"__name__": "driver", "np": np, "_calls": []}
        exec(task.driver, dns)
        return _outputs(dns["drive"](ref, *args), task.select, task.flatten)
    if case.stand_in is None:
        return _outputs(ref[task.callee](*args), task.select, task.flatten)
    name, source = task.stand_ins[case.stand_in]
    sns = {"np": np, "_calls": []}
    exec(source, sns)
    saved, ref[name] = ref[name], sns["stand_in"]
    try:
        return _outputs(ref[task.callee](*args), task.select, task.flatten)
    finally:
        ref[name] = saved


def _job(workdir, cells, files=None):
    """Write one sandbox job folder: the student's code, the harness and the spec's files
    (nothing the student may not see: the plan and inputs go on standard input, see
    :func:`_payload`)."""
    job = Path(tempfile.mkdtemp(prefix="job-", dir=workdir))
    for name, content in (files or {}).items():
        path = job / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (job / "cells.json").write_text(json.dumps(cells))
    shutil.copyfile(harness.__file__, job / "harness.py")
    for p in job.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    job.chmod(0o755)
    return job


def _payload(task, cases):
    """What the harness reads on standard input once the cells have run: the plan's length
    (8 bytes), the plan (JSON), the argument arrays (``.npz``)."""
    arrays, plan_cases = {}, []
    for c, case in enumerate(cases):
        args = [encode_arg(a, f"c{c}_a{j}", arrays) for j, a in enumerate(case.args)]
        entry = {"args": args, "select": task.select, "flatten": task.flatten}
        if case.stand_in is not None:
            entry.update(stand_in=case.stand_in, replaces=task.stand_ins[case.stand_in][0])
        plan_cases.append(entry)
    plan = json.dumps({"function": task.callee, "cases": plan_cases,
                       "stand_ins": {k: src for k, (_, src) in task.stand_ins.items()},
                       "driver": task.driver}).encode()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return len(plan).to_bytes(8, "little") + plan + buffer.getvalue()


def _killed_reason(task, run, limits):
    fn = task.function
    if run.killed == "timeout":
        return f"{fn}: stopped after {limits.wall_s:g} s (an infinite loop, or far too slow)"
    if run.killed == "output":
        return f"{fn}: stopped: printed more than {limits.log_max >> 20} MiB"
    if run.killed == "memory":
        return (f"{fn}: stopped: its processes used more than {limits.memory_bytes >> 20} MiB "
                "of memory together")
    if run.killed == "result":
        return f"{fn}: stopped: returned more than {limits.result_bytes >> 20} MiB of results"
    # bwrap's init reports a child killed by signal S as exit code 128 + S
    sig = -run.returncode if run.returncode < 0 else run.returncode - 128
    if sig == signal.SIGXCPU:
        return f"{fn}: stopped after {limits.cpu_s} s of CPU time"
    if sig == signal.SIGXFSZ:
        return f"{fn}: stopped: wrote a file larger than {limits.file_bytes >> 20} MiB"
    if sig > 0:
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        return f"{fn}: the Python process crashed (signal {sig}, {name}) before returning results"
    return (f"{fn}: the Python process exited (code {run.returncode}) before returning results "
            "(sys.exit or os._exit at the top level of a cell, or in the function?)")


MAX_RESULT_MEMBERS = 4096   # arrays in one result: far more than any plan's cases need


def _check_zip_directory(data):
    """Check a result zip from its end-of-central-directory record and central directory only
    (nothing is decompressed or decoded, and the memory used does not grow with the number of
    members): raise ValueError unless its members are stored (not compressed), listed in the
    order they lie in the file, one after another without overlapping, before the central
    directory; then their sizes add up to no more than the bytes received."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if eocd < 0 or len(data) - eocd < 22:
        raise ValueError("no zip directory")
    disk, cd_disk, n_here, n_total, cd_size, cd_start = struct.unpack(
        "<HHHHII", data[eocd + 4:eocd + 20])
    if disk or cd_disk or n_here != n_total or n_total > MAX_RESULT_MEMBERS \
            or cd_start + cd_size > eocd:
        raise ValueError("multi-part, oversized or inconsistent zip directory")
    pos, previous_end = cd_start, 0
    for _ in range(n_total):
        if data[pos:pos + 4] != b"PK\x01\x02" or pos + 46 > eocd:
            raise ValueError("broken central directory")
        (method, csize, usize, name_len, extra_len, comment_len,
         offset) = struct.unpack("<6xH8xIIHHH8xI", data[pos + 4:pos + 46])
        pos += 46 + name_len + extra_len + comment_len
        if method != zipfile.ZIP_STORED or csize != usize or csize == 0xFFFFFFFF \
                or offset + 30 > cd_start or data[offset:offset + 4] != b"PK\x03\x04":
            raise ValueError("compressed, zip64 or misplaced member")
        if offset < previous_end:
            raise ValueError("overlapping members")
        local_name, local_extra = struct.unpack("<HH", data[offset + 26:offset + 30])
        previous_end = offset + 30 + local_name + local_extra + csize
        if previous_end > cd_start:
            raise ValueError("a member runs past the data")
    if pos > eocd:
        raise ValueError("broken central directory")


def _check_npz(data, max_bytes):
    """Refuse results that would expand beyond what came back: checked from the zip's directory
    before anything is decoded (:func:`_check_zip_directory`: stored, non-overlapping members
    that fit in the bytes received, so decoding them all takes at most about their size), then
    no array claiming more bytes than its member holds, and no object arrays."""
    if len(data) > max_bytes:
        raise ValueError("result larger than the limit")
    _check_zip_directory(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            with z.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"npy format {version}")
                if dtype.hasobject or dtype.itemsize * int(np.prod(shape)) > info.file_size:
                    raise ValueError("array header larger than its data")


def _is_int(value, low, high):
    return type(value) is int and low <= value <= high


def _valid_meta(meta, n_cases):
    """The harness's record of the calls (``{"cases": [...]}``), checked as data: one record per
    case with fields of the harness's types and ranges. Returns the records; raises ValueError
    for anything else (whatever code in the sandbox wrote is not trusted)."""
    records = meta.get("cases") if isinstance(meta, dict) else None
    if not (isinstance(records, list) and len(records) == n_cases):
        raise ValueError("wrong number of case records")
    for r in records:
        if not (isinstance(r, dict)
                and (r.get("error") is None or isinstance(r["error"], str))
                and type(r.get("is_value_error", False)) is bool
                and (r.get("calls") is None or _is_int(r["calls"], 0, 1 << 30))
                and _is_int(r.get("n_out", 0), 0, MAX_RESULT_MEMBERS)):
            raise ValueError("malformed case record")
    return records


def _valid_cells(cell_errors, n_cells):
    """The cells' report: at most one ``[cell number, message]`` per cell; ValueError if not."""
    if not (isinstance(cell_errors, list) and len(cell_errors) <= n_cells
            and all(isinstance(e, list) and len(e) == 2 and _is_int(e[0], 1, n_cells)
                    and isinstance(e[1], str) for e in cell_errors)):
        raise ValueError("malformed cell errors")
    return cell_errors


ERROR_CHARS = 300   # of a function's error message, in a reason


class _Secrets:
    """What the grader put in a task's sandbox that its feedback must never show: the lines of
    code of the stand-ins and the driver (their string literals are not code: an error message
    the driver raises on purpose, or a library's own message, still reaches the student), and
    the values of the hidden cases' inputs."""
    MIN_LINE = 20

    def __init__(self, task, cases, hidden):
        sources = [src for _, src in task.stand_ins.values()] + [task.driver or ""]
        self.lines = {self._norm(line) for src in sources for line in src.splitlines()
                      if len(self._norm(_STRINGS.sub("", line))) >= self.MIN_LINE}
        values = [np.asarray(a, dtype=np.float64).ravel()[:4096] for case in cases
                  if hidden.get(case.test) for a in flat(case.args)
                  if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        values = np.concatenate(values) if values else np.zeros(0)
        self.values = {f"{v:.3f}" for v in values[np.abs(values) >= 1e-3]}

    @staticmethod
    def _norm(text):
        return " ".join(text.split())

    def withheld(self, message):
        """``message``, or a note saying why it cannot be shown."""
        text = self._norm(message)
        if any(line in text for line in self.lines):
            return WITHHELD_CODE
        numbers = {f"{float(n):.3f}" for n in _FLOATS.findall(message)}
        if len(numbers & self.values) >= 2:
            return WITHHELD_INPUTS
        return message


_STRINGS = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_FLOATS = re.compile(r"-?\d+\.\d{3,}(?:[eE][-+]?\d+)?")


def _sandbox_fault(task, run, python, limits):
    """The sandbox ended before its harness could run any student code: bubblewrap failed, the
    interpreter is missing, the harness could not import NumPy, or the machine was so slow that
    the harness did not start within the time limit. The grader's fault."""
    printed = run.log.strip()
    first = next((line for line in printed.splitlines() if line.strip()), "")
    if run.killed == "timeout":
        cause = (f"the sandbox's Python did not start within {limits.wall_s:g} s "
                 "(the machine is overloaded, or --wall is too small)")
    elif first:
        cause = f"the sandbox did not start: {first[:300]}"
    else:
        cause = f"the sandbox did not start (exit code {run.returncode}, nothing printed)"
    detail = (f"while grading {task.function}; interpreter tried: {python}; exit code "
              f"{run.returncode}{'; stopped: ' + run.killed if run.killed else ''}\n"
              "what the sandbox printed:\n" + (printed[:4000] or "(nothing)"))
    return GraderFault(cause, detail=detail)


def _run_task(assignment, task, cells, rng, workdir, limits):
    """Grade one task; returns ({test grade_id: reason or ''}, cell_errors or None, seconds)."""
    cases = task.cases(rng)
    expected = [_expected(assignment, task, case) if case.check is None else None
                for case in cases]
    hidden = {t.grade_id: t.hidden for t in assignment.tests}
    if task.limits:   # what this task needs at least
        limits = dataclasses.replace(limits, **{k: max(getattr(limits, k), v)
                                                for k, v in task.limits.items()})
    try:
        job = _job(workdir, cells, files=assignment.files)
    except OSError as e:
        raise GraderFault(f"could not write the sandbox's job folder in {workdir}: "
                          f"{e.strerror or e}") from None
    python = sandbox.interpreter()
    # top-level code: half the wall limit in CPU time, 3/4 of it in wall time (see harness)
    argv = [python, "harness.py", "{RESULT_FD}", str(limits.wall_s / 2), str(limits.wall_s * 0.75)]
    try:
        run = sandbox.run(job, argv, limits, send=(harness.CELLS_DONE, _payload(task, cases)))
    except OSError as e:   # prlimit, sh or bwrap could not be executed at all
        raise GraderFault(f"the sandbox could not be started: {e}",
                          detail=f"interpreter: {python}") from None
    finally:
        shutil.rmtree(job, ignore_errors=True)
    if not run.result.startswith(harness.READY):
        raise _sandbox_fault(task, run, python, limits)
    # the cells' report is what came before the first CELLS_DONE: all of it had come before the
    # plan was sent (see harness), so no cell error can hold what the plan and inputs hold
    report, done, results = run.result[len(harness.READY):].partition(harness.CELLS_DONE)
    cell_errors = None
    if done:
        try:
            cell_errors = _valid_cells(json.loads(report.decode()), len(cells))
        except Exception:
            cell_errors = None
    run.result = results
    reasons = {case.test: "" for case in cases}
    data = None
    if not run.killed and run.result and cell_errors is not None:
        try:
            _check_npz(run.result, limits.result_bytes)
            with np.load(io.BytesIO(run.result), allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
            meta = json.loads(bytes(data.pop("meta")).decode())
            records = _valid_meta(meta, len(cases))
            if any(a.dtype.kind not in "biuf" for a in data.values()):
                raise ValueError("not a plain numeric array")
        except Exception:   # whatever came back, it decides nothing but "malformed"
            data = None
    if data is None:
        why = (_killed_reason(task, run, limits) if (run.killed or not run.result)
               else f"{task.function}: the results that came back were malformed")
        return {test: why for test in reasons}, cell_errors, run.seconds
    secrets = _Secrets(task, cases, hidden)
    for c, (case, exp, record) in enumerate(zip(cases, expected, records)):
        if getattr(reasons[case.test], "specific", False):
            continue   # a test cell shows the first of its most specific reasons
        try:
            if record.get("error") is not None:
                record["error"] = secrets.withheld(record["error"][:ERROR_CHARS])
                if record["error"].startswith("NameError") and cell_errors:
                    cell, error = cell_errors[0]
                    record["error"] += f" (your cell {cell} raised {error[:500]})"
            most = len(exp) + 1 if exp is not None else 64
            outs = [data.get(f"c{c}_out{j}") for j in range(min(int(record.get("n_out") or 0),
                                                               most))]
            if any(o is None for o in outs):
                outs = []
            after = [[data.get(f"c{c}_arg{j}_{k}") for k in range(len(a))]
                     if isinstance(a, (list, tuple)) else data.get(f"c{c}_arg{j}")
                     for j, a in enumerate(case.args)]
            why = judge_case(task, case, exp, outs, after, record, hidden[case.test])
        except Exception:
            why = f"{task.function}: the results that came back were malformed"
        if why and (not reasons[case.test] or getattr(why, "specific", False)):
            label = "" if hidden[case.test] or not case.label else f" [{case.label}]"
            reasons[case.test] = Reason.of(why + label, getattr(why, "specific", False))
    return reasons, cell_errors, run.seconds


def grade_submission(assignment, student, folder, workdir, limits=sandbox.Limits()):
    """Grade ``folder`` (``submitted/<student>/<assignment>``); return the result record (a dict).

    Every test cell of the source gets a score and, when not full, a reason. Never raises for
    anything in the submission; raises :class:`GraderFault` when the grading machinery fails
    (the sandbox did not start, ...), so that nothing is recorded for the student.
    """
    start = time.monotonic()
    record = {"student": student, "assignment": assignment.name, "version": assignment.version,
              "hash": folder_hash(folder), "status": "graded", "notes": [], "cell_errors": [],
              "tests": {}, "max_score": assignment.max_score}
    task_of = {case_test: task.name for task in assignment.tasks
               for case_test in {c.test for c in task.cases(np.random.default_rng(0))}}
    reasons = {}
    try:
        path, note = find_notebook(folder, assignment.notebook)
        if note:
            record["notes"].append(note)
        submitted = read_json_notebook(path)
        cells = student_code(submitted, assignment.release_nb)
        record["unanswered"] = unanswered(submitted, assignment.release_nb)
    except SubmissionError as e:
        record["unanswered"] = unanswered(None, assignment.release_nb)
        record["status"] = "ungradable"
        record["notes"].append(str(e))
        reasons = {t.grade_id: str(e) for t in assignment.tests}
    else:
        seed = int(hashlib.sha256((assignment.name + record["hash"]).encode()).hexdigest()[:15], 16)
        rng = np.random.default_rng(seed)
        for task in assignment.tasks:
            task_reasons, cell_errors, _ = _run_task(assignment, task, cells, rng, workdir, limits)
            reasons.update(task_reasons)
            if cell_errors and not record["cell_errors"]:
                record["cell_errors"] = [[int(i), str(e)[:500]] for i, e in cell_errors[:20]]
    for t in assignment.tests:
        why = reasons.get(t.grade_id, "not graded")
        record["tests"][t.grade_id] = {"task": task_of.get(t.grade_id, ""), "hidden": t.hidden,
                                       "points": t.points, "score": 0.0 if why else t.points,
                                       "reason": why}
    record["score"] = sum(v["score"] for v in record["tests"].values())
    record["seconds"] = round(time.monotonic() - start, 3)
    record["complete"] = True
    return record
