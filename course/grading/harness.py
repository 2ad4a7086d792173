"""The program that runs inside the sandbox: student code in, arrays out. Standard library + NumPy.

It is copied into the job folder and run as ``python harness.py RESULT_FD CELLS_CPU_S
CELLS_WALL_S``. The job folder holds only:

- ``cells.json``: the student's code cells, in notebook order, as written (magics and ``!``
  commands are turned into calls of ``get_ipython()`` here, see :func:`_python`);
- files an assignment's spec puts there for the notebook (e.g. a stand-in for a data module).

It runs every cell (an exception stops that cell only) and writes what the cells raised to the
result descriptor, followed by ``CELLS_DONE``. Only then does the grader send, on standard input,
the plan (the function to call or a driver calling it, the cases with their arguments by name,
stand-ins to install) and the argument arrays (an ``.npz``): so the cells' report, which the
student's feedback shows, was written before anything the grader holds (hidden inputs, stand-in
source) was in reach of their code. Then it calls the function once per case and writes one
``.npz``: each case's returned values, its arguments after the call (so the grader can see
whether inputs were modified) and a JSON record of errors and call counts. Nothing here decides a
grade: whatever student code does to this process, only what it leaves in the result is looked
at, by the grader, outside.
"""
import io
import json
import os
import re
import signal
import sys
import time


def _describe(exc):
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 500 else text[:500] + "..."


# A line IPython would transform: a magic (%, %%), a shell command (!), help (? before or after).
_IPYTHON_LINE = re.compile(r"^\s*[!%?]|\?\s*$", re.MULTILINE)


def _python(text):
    """A cell's text as Python: IPython's input transformation where the cell has IPython syntax
    (imported only then). It runs here, inside the sandbox and the cell's time limit, because its
    time grows with the cell's size times its number of magics. A cell it cannot transform runs
    as written and reports its SyntaxError."""
    if not _IPYTHON_LINE.search(text):
        return text
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        return TransformerManager().transform_cell(text)
    except Exception:
        return text


class CellTimeout(BaseException):
    """Raised in a cell that ran past the time for top-level code."""


def _interrupt(signum, frame):
    raise CellTimeout("the cell ran too long and was interrupted")


def _decode(a, inputs, ns, stand_ins):
    """A case argument from the plan (see course.grading.spec.encode_arg)."""
    if "array" in a:
        return inputs[a["array"]].copy()
    if "list" in a:
        return [_decode(b, inputs, ns, stand_ins) for b in a["list"]]
    if "call" in a:
        value = ns[a["call"]](*[_decode(b, inputs, ns, stand_ins) for b in a["args"]])
        return value if a.get("index") is None else value[a["index"]]
    if "stand_in" in a:
        return stand_ins[a["stand_in"]]["stand_in"]
    return a["value"]


def _flat(values):
    out = []
    for v in values:
        out += _flat(v) if isinstance(v, (list, tuple)) else [v]
    return out


class _Shell:
    """Stands in for ``get_ipython()``: magics and shell calls do nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


# Written first on the result channel once the harness has started and read its job, before any
# student code runs: a result without it means the sandbox itself failed (bubblewrap could not
# start, no interpreter, NumPy missing), which is never the student's fault.
READY = b"course-grading harness ready\n"
# Written after the cells' report (JSON, which never holds a NUL): the grader sends the plan on
# standard input once it has seen this, and reads the report as what came before it.
CELLS_DONE = b"\0course-grading cells done\0"


def main():
    result_fd = int(sys.argv[1])
    result = os.fdopen(result_fd, "wb", closefd=True)
    import numpy as np
    savez, asarray, value_error = np.savez, np.asarray, ValueError
    cells_seconds, cells_wall_seconds = float(sys.argv[2]), float(sys.argv[3])
    with open("cells.json") as f:
        cells = json.load(f)
    result.write(READY)
    result.flush()

    shell = _Shell()
    ns = {"__name__": "__main__", "__builtins__": __builtins__, "get_ipython": lambda: shell}
    cell_errors = []
    # Top-level code gets at most CELLS_CPU_S of CPU time in all (a training loop left
    # in a cell is interrupted, as nbgrader interrupts a cell that times out); CPU time, so that
    # a busy machine costs the student nothing. A cell that waits without computing is stopped
    # at CELLS_WALL_S of wall clock. The calls get the rest.
    signal.signal(signal.SIGALRM, _interrupt)
    signal.signal(signal.SIGPROF, _interrupt)
    cpu_budget = cells_seconds
    cpu_start, wall_deadline = time.process_time(), time.monotonic() + cells_wall_seconds
    for i, code in enumerate(cells):
        left = cpu_budget - (time.process_time() - cpu_start)
        wall_left = wall_deadline - time.monotonic()
        if left <= 0 or wall_left <= 0:
            cell_errors.append([i + 1, "not run: the time for top-level code was used up"])
            continue
        try:
            signal.setitimer(signal.ITIMER_PROF, left)
            signal.setitimer(signal.ITIMER_REAL, wall_left)
            exec(compile(_python(code), f"<cell {i + 1}>", "exec"), ns)
        except BaseException as exc:   # SystemExit and KeyboardInterrupt too: the cell just stops
            cell_errors.append([i + 1, _describe(exc)])
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.setitimer(signal.ITIMER_REAL, 0)

    result.write(json.dumps(cell_errors, default=str).encode() + CELLS_DONE)
    result.flush()
    payload = bytearray()   # the plan's length (8 bytes), the plan, the arrays: until EOF
    while True:
        chunk = os.read(0, 1 << 20)
        if not chunk:
            break
        payload += chunk
    size = int.from_bytes(payload[:8], "little")
    plan = json.loads(payload[8:8 + size].decode())
    with np.load(io.BytesIO(bytes(payload[8 + size:])), allow_pickle=False) as data:
        inputs = {k: data[k] for k in data.files}
    del payload

    stand_ins = {}
    for key, source in plan.get("stand_ins", {}).items():
        sns = {"np": np, "_calls": []}
        exec(source, sns)
        stand_ins[key] = sns

    driver = driver_error = None
    if plan.get("driver"):   # drive(ns, *args) calls the function (see course.grading.spec.Task)
        try:
            dns = {"__name__": "driver", "np": np, "_calls": []}
            exec(plan["driver"], dns)
            driver = dns["drive"]
        except BaseException as exc:
            driver_error = _describe(exc)

    arrays, records = {}, []
    func = ns.get(plan["function"])
    for c, case in enumerate(plan["cases"]):
        record = {"error": None, "is_value_error": False, "calls": None, "n_out": 0}
        records.append(record)
        originals = []
        if func is None or not callable(func):
            record["error"] = f"NameError: {plan['function']} is not defined"
            continue
        if driver_error is not None:
            record["error"] = driver_error
            continue
        try:   # a Call argument runs notebook code (a provided forward function)
            args = [_decode(a, inputs, ns, stand_ins) for a in case["args"]]
        except BaseException as exc:
            record["error"] = _describe(exc)
            continue
        originals = list(args)
        key, installed = case.get("stand_in"), case.get("replaces")
        saved = ns.get(installed) if installed else None
        if installed:
            stand_ins[key]["_calls"].clear()
            ns[installed] = stand_ins[key]["stand_in"]
        try:
            out = driver(ns, *args) if driver is not None else func(*args)
            outs = [out] if case.get("select") is None else [out[i] for i in case["select"]]
            if case.get("flatten"):
                outs = _flat(outs)
            for j, value in enumerate(outs):
                arrays[f"c{c}_out{j}"] = asarray(value, dtype=np.float64)
            record["n_out"] = len(outs)
        except BaseException as exc:
            record["error"] = _describe(exc)
            record["is_value_error"] = isinstance(exc, value_error)
        finally:
            if installed:
                record["calls"] = len(stand_ins[key]["_calls"])
                ns[installed] = saved
        for j, arg in enumerate(originals):   # arguments after the call: modified in place?
            if isinstance(arg, np.ndarray):
                arrays[f"c{c}_arg{j}"] = asarray(arg)
            elif isinstance(arg, list):          # a list of arrays (e.g. gradients to clip)
                for k, item in enumerate(arg):
                    if isinstance(item, np.ndarray):
                        arrays[f"c{c}_arg{j}_{k}"] = asarray(item)

    meta = json.dumps({"cases": records}, default=str)
    arrays["meta"] = np.frombuffer(meta.encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    savez(buffer, **arrays)
    result.write(buffer.getvalue())
    result.flush()
    os._exit(0)   # skip interpreter shutdown: atexit handlers and __del__ of student objects


if __name__ == "__main__":
    main()
