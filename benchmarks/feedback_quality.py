"""How well the grader explains each catalogued bug (issue 16): caught, and what the reason says.

    .venv/bin/python benchmarks/feedback_quality.py [--assignments assignment1 assignment2 ...]
                                                    [--show]

Every bug of the developers' catalogue (tests/assignments/bugs/assignmentN.py) is planted in the
instructor's solution and its function graded through the real grader (one sandbox per bug, as
``course.grading.grader`` runs a task). The "first reason" is the reason of the first test cell
of the bug's task that lost points (its public test, usually): what the student reads first.
Per assignment and function the table prints

- ``caught``: bugs that lost points in their task;
- ``names output``: first reasons that name the wrong output (a name of one of the function's
  outputs, e.g. ``dh0`` or ``h``; for an input changed in place, the argument's name), or whose
  reason is not about values (an exception, a call count);
- ``names mistake``: first reasons that say more than a verdict (see ``specific``: "wrong values
  (largest error X)", "expected shape ..., got ...", "dx is wrong (...)" or an exception alone do
  not);
- ``internal``: reasons (any test cell) naming the grader's wrappers or harness
  (``*_with_cache``, ``*_on_arrays``, ``*_on_toy``, ``stand_in``, ``drive``).

Issue 16 asks for every bug caught, >= 90% naming the output, >= 75% naming a mistake, 0 internal.
Assignment 4's training task trains a model per bug (minutes): leave it out with --assignments.
"""
import argparse
import importlib
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# What each graded function returns (and takes), as the notebooks name them: the words a reason
# must use to name an output (or an argument changed in place).
OUTPUTS = {
    "rnn_step_forward": (["h", "h_next"], ["x", "h_prev", "W", "U", "b_h"]),
    "rnn_forward": (["h", "states"], ["x", "h0", "W", "U", "b_h"]),
    "output_forward": (["z", "scores"], ["h", "V", "b_y"]),
    "softmax_cross_entropy": (["loss", "L", "the loss"], ["z", "y"]),
    "rnn_step_backward": (["dx", "dh_prev", "dW", "dU", "db_h"], ["dh", "cache"]),
    "rnn_backward": (["dx", "dh0", "dW", "dU", "db_h"], ["dh", "cache"]),
    "numerical_gradient": (["g", "grad"], ["f", "x", "eps"]),
    "clip_by_global_norm": (["clipped", "norm", "total_norm"], ["grads", "max_norm"]),
    "tbptt_gradients": (["dW", "dU", "db_h"], ["x", "h0", "W", "U", "b_h", "dh", "k"]),
    "lstm_step_forward": (["h", "c", "cache", "i", "f", "g", "o"],
                          ["x", "h_prev", "c_prev", "W", "U", "b"]),
    "lstm_step_backward": (["dx", "dh_prev", "dc_prev", "dW", "dU", "db"], ["dh", "dc", "cache"]),
    "lstm_forward": (["h", "c", "caches", "cache"], ["x", "h0", "c0", "W", "U", "b"]),
    "lstm_backward": (["dx", "dh0", "dc0", "dW", "dU", "db"], ["dh", "caches"]),
    "gru_step_forward": (["h", "cache", "r", "z", "n"], ["x", "h_prev", "W", "U", "b_ih", "b_hh"]),
    "gru_step_backward": (["dx", "dh_prev", "dW", "dU", "db_ih", "db_hh"], ["dh", "cache"]),
    "bidirectional_forward": (["h", "states", "caches", "cache"], ["x", "h0_f", "h0_b"]),
    "CharLSTM": (["logits", "state", "h", "c", "loss"], []),
    "train_epoch": (["loss", "weights", "parameters"], ["model", "optimizer"]),
    "evaluate": (["loss", "perplexity"], ["model"]),
    "train_model": (["perplexity", "model"], []),
}
INTERNAL = re.compile(r"_with_cache|_on_arrays|_on_toy|\bstand_in\b|\bdrive\b|\bharness\b")
NOT_ABOUT_VALUES = re.compile(r"is not implemented yet|uses rnnlib|\braised\b|\bcalled \S+ \d+ "
                              r"times|stopped|crashed|ran out of memory|exited")
_LABEL = re.compile(r"\s*\[[^\]]*\]$")
# Parts of a verdict that say how wrong, not why: removed before looking for a sentence that names
# the likely mistake.
_HOW_WRONG = re.compile(r"\s*\((largest errors? [^)]*|[^()]*\b(is|are) right)\)")


def specific(text):
    """Whether a reason (label removed) says more than a verdict: a sentence after the verdict
    (the old "wrong values (largest error X). Hint." and the new "dx is wrong (...). Hint."), a
    transpose recognised, or a cause that is not a wrong result (a call count, an input changed,
    rnnlib used, not implemented)."""
    if re.search(r"is not implemented yet|uses rnnlib|called \S+ \d+ times|modified|changed "
                 r"|looks transposed", text):
        return True
    if " raised " in text.split(":")[0] + " ":
        return bool(re.search(r"\. [A-Z]|; it called", text))   # a hint after the error message
    verdict, _, rest = _HOW_WRONG.sub("", text).partition(". ")
    return bool(rest.strip())


def judge_reason(function, reason):
    """(names the output, names a mistake, has internal names) for one reason."""
    text = _LABEL.sub("", reason.strip())
    outputs, args = OUTPUTS.get(function, ([], []))
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text))
    in_place = re.search(r"modif|in place|changed|unchanged", text)
    names = (bool(NOT_ABOUT_VALUES.search(text)) or bool(words & set(outputs))
             or bool(in_place and words & set(args)))
    return names, specific(text), bool(INTERNAL.search(reason))


def grade_bug(assignment, bug, source, release, workdir, limits):
    """{grade_id: (score, points, reason)} of the bug's task, graded by the real grader."""
    import numpy as np
    from course.grading.grader import _run_task
    from course.grading.notebook import student_code, with_solutions
    nb = with_solutions(release, source, {bug.cell: bug.source})
    cells = student_code(nb, assignment.release_nb)
    points = {t.grade_id: t.points for t in assignment.tests}
    result = {}
    for task in assignment.tasks:
        tests = {c.test for c in task.cases(np.random.default_rng(0))}
        if not any(bug.cell in t for t in tests):
            continue
        reasons, _, _ = _run_task(assignment, task, cells, np.random.default_rng(7), workdir,
                                  limits)
        for gid in [t.grade_id for t in assignment.tests if t.grade_id in reasons]:
            why = reasons[gid]
            result[gid] = (0.0 if why else points[gid], points[gid], why)
    return result


def function_of(assignment, cell):
    import numpy as np
    for task in assignment.tasks:
        if any(cell in c.test for c in task.cases(np.random.default_rng(0))):
            name = task.function
            for suffix in ("_with_cache", "_on_arrays", "_on_toy"):   # the grader's wrappers
                name = name.replace(suffix, "")
            return name
    return cell


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assignments", nargs="+",
                        default=["assignment1", "assignment2", "assignment3", "assignment4"])
    parser.add_argument("--bugs", nargs="+", help="only these bugs (their names)")
    parser.add_argument("--show", action="store_true", help="print every bug's first reason")
    parser.add_argument("--json", help="write every bug's result to this file")
    a = parser.parse_args()
    from course.grading.grader import load_assignment
    from course.grading.sandbox import Limits
    limits = Limits(wall_s=20, cpu_s=20, memory_bytes=2 << 30, nproc=32, log_max=1 << 20)
    rows, dump = [], {}
    total = defaultdict(int)
    for name in a.assignments:
        assignment = load_assignment(REPO, name)
        bugs = importlib.import_module(f"tests.assignments.bugs.{name}").BUGS
        bugs = [b for b in bugs if not a.bugs or b.name in a.bugs]
        source = json.loads((REPO / "solutions" / name / assignment.notebook).read_text())
        release = json.loads((REPO / "assignments" / name / assignment.notebook).read_text())
        per = defaultdict(lambda: defaultdict(int))
        with tempfile.TemporaryDirectory() as workdir:
            for bug in bugs:
                tests = grade_bug(assignment, bug, source, release, Path(workdir), limits)
                function = function_of(assignment, bug.cell)
                lost = [(gid, why) for gid, (s, p, why) in tests.items() if s < p]
                first = lost[0][1] if lost else ""
                counts = per[function]
                counts["bugs"] += 1
                counts["caught"] += bool(lost)
                if lost:
                    names, specific, _ = judge_reason(function, first)
                    counts["names"] += names
                    counts["specific"] += specific
                counts["internal"] += sum(bool(INTERNAL.search(why)) for _, why in lost)
                dump[f"{name}/{bug.name}"] = {"function": function, "reasons": dict(lost)}
                if a.show:
                    print(f"{name} {bug.name}: {first or '(NOT CAUGHT)'}", flush=True)
        for function, counts in per.items():
            rows.append((name, function, counts))
            for k, v in counts.items():
                total[k] += v
    print(f"\n{'assignment':<12} {'function':<24} {'caught':>9} {'names output':>13} "
          f"{'names mistake':>14} {'internal':>9}")

    def line(name, function, c):
        caught = max(c["caught"], 1)
        print(f"{name:<12} {function:<24} {c['caught']:>4}/{c['bugs']:<4} "
              f"{100 * c['names'] / caught:>12.0f}% {100 * c['specific'] / caught:>13.0f}% "
              f"{c['internal']:>9}")

    for row in rows:
        line(*row)
    line("all", "", total)
    if a.json:
        Path(a.json).write_text(json.dumps(dump, indent=1))


if __name__ == "__main__":
    main()
