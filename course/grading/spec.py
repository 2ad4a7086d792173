"""What a grading spec is, and how one task's sandbox output is judged against the reference.

A spec (``course/grading/specs/<assignment>.py``) lists :class:`Task` objects, one per graded
function. Each case of a task belongs to one test cell of the instructor's source; a test cell
scores its points when all of its cases pass, as nbgrader scores a test cell that runs without
error. Expected values come from the instructor's own solution, run here, in the trusted
process; the student's values come back from the sandbox as plain arrays.
"""
import builtins
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .verdict import Reason, calls_reason, changed_argument, judge_outputs


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
    # mistakes(*args) -> [(hint, predicted), ...]: what a known mistake returns, ``predicted``
    # being {output name: array} (only the outputs it predicts) or, for a function with one
    # output, that output's array. Shape cases may carry them too.
    mistakes: Callable = None
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
    # The outputs' names as the student's notebook calls them ("dx", "cache.i"), in the order they
    # come back (a callable n -> names when their number varies); None: "the result"
    outputs: object = None
    # The arguments' names as the student's notebook calls them, for "changed x in place"
    arguments: Optional[list] = None
    # argument name -> what to do when it comes back changed, in place of "compute into new arrays"
    in_place: dict = field(default_factory=dict)
    # The notebook function the grader calls, when it is not ``function`` itself: a locked helper
    # of the notebook that builds a cache or unpacks one into arrays. Never named in a reason.
    entry: Optional[str] = None
    # What to check when the function raises a ValueError (a shape mismatch, usually)
    raise_hint: str = ""
    # Limits this task needs at least (e.g. {"wall_s": 150, "cpu_s": 150} for a training task),
    # raised above the run's limits for its sandbox only
    limits: dict = field(default_factory=dict)


    @property
    def callee(self):
        """The notebook function each case calls (``entry`` or ``function``)."""
        return self.entry or self.function

    def output_names(self, n):
        """Names of ``n`` outputs, as the student knows them."""
        names = self.outputs(n) if callable(self.outputs) else list(self.outputs or [])
        if n == 1 and not names:
            return ["the result"]
        return [names[j] if j < len(names) else f"output {j + 1}" for j in range(n)]


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


# What the grader shows in place of a function's error message that must not reach the student
WITHHELD_CODE = "(error message not shown, because it quotes code the grader ran beside yours)"
WITHHELD_INPUTS = "(error message not shown, because it holds the inputs of hidden tests)"


def exception_name(error):
    """The class name that starts ``error`` ("ValueError: ..."), if it is one of Python's own
    exceptions, else "an exception" (or the grader's own note, when it withheld the message). A
    hidden case shows no more than this: the name of an exception the student's code defined
    could carry anything its sandbox held."""
    if error in (WITHHELD_CODE, WITHHELD_INPUTS):
        return error
    name = error.split(":")[0].strip()
    builtin = getattr(builtins, name, None)
    return name if isinstance(builtin, type) and issubclass(builtin, BaseException) \
        else "an exception"


def judge_case(task, case, expected, outs, args_after, record, hidden):
    """A Reason: '' if the case passes, else why not (never showing a hidden case's inputs or
    values)."""
    fn = task.function
    if record.get("error"):
        error = record["error"]
        if "rnnlib" in error:
            return Reason.of(f"{fn} uses rnnlib, which is not available when grading: "
                             "implement it yourself", True)
        if "MemoryError" in error.split(":")[0]:
            return Reason.of(f"{fn} ran out of memory (MemoryError)", True)
        if error.startswith("NotImplementedError"):
            return Reason.of(f"{fn} is not implemented yet", True)
        why = f"{fn} raised {error if not hidden else exception_name(error)}"
        calls = calls_reason(task, case, record)
        if calls:
            return Reason.of(f"{why}; it {calls}", True)
        if task.raise_hint and record.get("is_value_error"):
            return Reason.of(f"{why}. {task.raise_hint}", True)
        return Reason.of(why, False)
    calls = calls_reason(task, case, record)
    if calls:
        return Reason.of(f"{fn} {calls}", True)
    if expected is None:   # judged by the case's own check
        why = case.check(outs)
        return Reason.of(why, True)
    if len(outs) != len(expected):
        names = task.output_names(len(expected))
        return Reason.of(f"{fn} returned {len(outs)} values, expected {len(expected)} "
                         f"({', '.join(names)})" if task.outputs else
                         f"{fn} returned {len(outs)} values, expected {len(expected)}", False)
    verdict = judge_outputs(task, case, expected, outs, hidden)
    if verdict:
        return verdict
    return Reason.of(changed_argument(task, case, args_after), True)
