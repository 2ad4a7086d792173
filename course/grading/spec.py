"""What a grading spec is, and how one task's sandbox output is judged against the reference.

A spec (``course/grading/specs/<assignment>.py``) lists :class:`Task` objects, one per graded
function. Each case of a task belongs to one test cell of the instructor's source; a test cell
scores its points when all of its cases pass, as nbgrader scores a test cell that runs without
error. Expected values come from the instructor's own solution, run here, in the trusted
process; the student's values come back from the sandbox as plain arrays.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np


@dataclass
class Case:
    """One call of the graded function."""
    test: str                         # grade_id of the source test cell this case belongs to
    args: list                        # arrays (np.ndarray) or JSON scalars
    label: str = ""                   # what the case checks (shown only for public test cells)
    stand_in: Optional[str] = None    # key in Task.stand_ins: a function replaced for this call
    expect_calls: Optional[int] = None  # how often the stand-in must be called
    per: str = "time step"            # what it must be called once for, in the feedback
    scalar: bool = False              # the (first) output must be a single number
    mistakes: Callable = None         # mistakes(args) -> [(hint, wrong_output), ...]
    # check(outputs) -> '' or why not: judges the outputs (arrays) here, in place of comparing
    # them with the reference's (which are then not computed), e.g. a trained model's weights
    # measured on held-out data
    check: Optional[Callable] = None


@dataclass
class Call:
    """An argument computed by a function of the notebook, ``function(*args)[index]`` (``index``
    None: the whole value), e.g. the cache a provided forward function returns. It is evaluated in
    the sandbox in the student's namespace, and here in the reference's, before the graded call."""
    function: str
    args: list
    index: Optional[int] = None


@dataclass
class Function:
    """An argument that is a function: the stand-in ``Task.stand_ins[key]`` (its ``replaces``
    name unused), e.g. the function a gradient check differentiates."""
    key: str


@dataclass
class Task:
    """One graded function of an assignment."""
    name: str                         # "Task 1.1"
    function: str                     # the student's function name
    cases: Callable                   # cases(rng) -> list of Case
    select: Optional[list] = None     # indices to keep from a returned tuple (None: the value)
    flatten: bool = False             # outputs that are lists/tuples are spread into their items
    # key -> (name of the student's function it replaces, source defining ``stand_in``, which
    # appends to ``_calls`` on every call); the stand-in runs in the sandbox and, for the
    # reference, here.
    stand_ins: dict = field(default_factory=dict)
    atol: float = 1e-6
    rtol: float = 1e-6
    # Source defining ``drive(ns, *args)``: when given, each case calls it in place of the
    # function, with the namespace the notebook ran in (the sandbox's, or the reference's here),
    # e.g. to build the student's class with weights sent as arrays and return its outputs as
    # arrays. The function must still be defined. Runs in the student's process: it shapes what
    # comes back, the verdict is still a comparison made here.
    driver: Optional[str] = None
    # output index -> what is wrong when that output differs from the reference's, in place of
    # "wrong values" ({got} and {expected}: a single-number output's values)
    explain: dict = field(default_factory=dict)
    # Limits this task needs at least (e.g. {"wall_s": 150, "cpu_s": 150} for a training task),
    # raised above the run's limits for its sandbox only
    limits: dict = field(default_factory=dict)


def flat(values):
    """Lists and tuples among values spread into their items, recursively (Task.flatten)."""
    out = []
    for v in values:
        out += flat(v) if isinstance(v, (list, tuple)) else [v]
    return out


def encode_arg(a, key, arrays):
    """The sandbox plan's JSON for one case argument; its arrays go into ``arrays`` under keys
    that start with ``key``. Lists may hold arrays; Call and Function are described by name."""
    if isinstance(a, np.ndarray):
        arrays[key] = a
        return {"array": key}
    if isinstance(a, Call):
        return {"call": a.function, "index": a.index,
                "args": [encode_arg(b, f"{key}_{i}", arrays) for i, b in enumerate(a.args)]}
    if isinstance(a, Function):
        return {"stand_in": a.key}
    if isinstance(a, (list, tuple)):
        return {"list": [encode_arg(b, f"{key}_{i}", arrays) for i, b in enumerate(a)]}
    return {"value": a}


def resolve_arg(a, namespace, functions):
    """A case argument's value on the trusted side, as the harness builds it in the sandbox:
    arrays copied, a Call evaluated in ``namespace``, a Function looked up in ``functions``."""
    if isinstance(a, np.ndarray):
        return a.copy()
    if isinstance(a, Call):
        value = namespace[a.function](*[resolve_arg(b, namespace, functions) for b in a.args])
        return value if a.index is None else value[a.index]
    if isinstance(a, Function):
        return functions[a.key]
    if isinstance(a, (list, tuple)):
        return [resolve_arg(b, namespace, functions) for b in a]
    return a


def _number(a):
    """A single-number array as text (for Task.explain), else its shape."""
    a = np.asarray(a)
    return f"{float(a.reshape(-1)[0]):g}" if a.size == 1 else f"an array of shape {a.shape}"


def _shape(a):
    return tuple(np.shape(a))


def judge_case(task, case, expected, outs, args_after, record, hidden):
    """'' if the case passes, else why not (never showing a hidden case's inputs or values)."""
    fn = task.function
    if record.get("error"):
        error = record["error"]
        if "rnnlib" in error:
            return (f"{fn} uses rnnlib, which is not available when grading: implement it "
                    "yourself")
        if "MemoryError" in error.split(":")[0]:
            return f"{fn} ran out of memory (MemoryError)"
        if error.startswith("NotImplementedError"):
            return f"{fn} is not implemented yet"
        return f"{fn} raised {error if not hidden else error.split(':')[0]}"
    if case.stand_in is not None and case.expect_calls is not None \
            and record.get("calls") != case.expect_calls:
        replaced = task.stand_ins[case.stand_in][0]
        return (f"{fn} called {replaced} {record.get('calls')} times for "
                f"{case.expect_calls} {case.per}s: call it once per {case.per}")
    if expected is None:   # judged by the case's own check
        return case.check(outs)
    if len(outs) != len(expected):
        return f"{fn} returned {len(outs)} values, expected {len(expected)}"
    for j, (out, exp) in enumerate(zip(outs, expected)):
        if case.scalar and j == 0 and out.ndim != 0:
            return f"{fn}: expected a single number, got an array of shape {out.shape}"
        if out.shape != _shape(exp):
            if hidden:
                return f"{fn}: wrong shape {out.shape}"
            return f"{fn}: expected shape {_shape(exp)}, got {out.shape}"
        if not np.all(np.isfinite(out)) and np.all(np.isfinite(exp)):
            return f"{fn}: the result has inf or nan (is it numerically stable?)"
        if not np.allclose(out, exp, atol=task.atol, rtol=task.rtol):
            hint = ""
            for text, wrong in (case.mistakes(*case.args) if case.mistakes else []):
                if _shape(wrong) == out.shape and np.allclose(out, wrong, atol=task.atol,
                                                              rtol=task.rtol):
                    hint = " " + text
                    break
            if j in task.explain:
                return f"{fn}: {task.explain[j].format(got=_number(out), expected=_number(exp))}" \
                    + hint
            error = float(np.max(np.abs(out - np.asarray(exp)))) if out.size else 0.0
            return f"{fn}: wrong values (largest error {error:.3g}).{hint}"
    def changed(before, after):
        return after is None or after.shape != before.shape or not np.array_equal(after, before)

    for j, (before, after) in enumerate(zip(case.args, args_after)):
        if isinstance(before, np.ndarray) and changed(before, after):
            return f"{fn} modified its input argument {j + 1}: compute into new arrays"
        if isinstance(before, (list, tuple)) and isinstance(after, list) and any(
                isinstance(b, np.ndarray) and changed(b, a) for b, a in zip(before, after)):
            return (f"{fn} modified the arrays inside its input argument {j + 1}: "
                    "compute into new arrays")
    return ""
