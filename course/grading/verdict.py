"""The words of a failed case: per-output verdicts, the likely mistake, an argument changed.

Used by :func:`course.grading.spec.judge_case`. Each wrong output is named (as the student's
notebook names it, ``Task.outputs``) with its largest error; a known mistake (``Case.mistakes``)
is named only where every output it predicts agrees with it, the one explaining the most wrong
outputs winning; an argument that came back changed is named with what to do instead.
"""
import numpy as np

def number(a):
    """A single-number array as text (for Task.explain), else its shape."""
    a = np.asarray(a)
    return f"{float(a.reshape(-1)[0]):g}" if a.size == 1 else f"an array of shape {a.shape}"


def shape_of(a):
    return tuple(np.shape(a))


class Reason(str):
    """Why a case failed ('' when it passed); ``specific`` when it names a likely mistake or a
    cause (a hint, a call count, an exception, an input changed), not only a wrong result."""
    specific = False

    @classmethod
    def of(cls, text, specific):
        reason = cls(text)
        reason.specific = bool(specific) and bool(text)
        return reason


def _close(task, a, b):
    return shape_of(a) == shape_of(b) and bool(np.allclose(a, b, atol=task.atol, rtol=task.rtol))


def _predictions(task, case, n):
    """[(hint, {output index: array})] of the case's known mistakes."""
    names = task.output_names(n)
    out = []
    for hint, predicted in (case.mistakes(*case.args) if case.mistakes else []):
        if not isinstance(predicted, dict):
            predicted = {0: predicted}
        index = {}
        for key, value in predicted.items():
            j = key if isinstance(key, int) else (names.index(key) if key in names else None)
            if j is not None and j < n:
                index[j] = np.asarray(value, dtype=np.float64)
        if index:
            out.append((hint, index))
    return out


def _likely_mistake(task, case, outs, wrong):
    """The hint of the known mistake that explains the most wrong outputs, every output it
    predicts agreeing with it; '' when none does, or when two mistakes explain them equally
    well (this case cannot tell them apart: another case of the test cell may)."""
    best, explained = set(), 0
    for hint, predicted in _predictions(task, case, len(outs)):
        if all(_close(task, outs[j], p) for j, p in predicted.items()):
            count = len(wrong & set(predicted))
            if count > explained:
                best, explained = {hint}, count
            elif count == explained and count:
                best.add(hint)
    return best.pop() if len(best) == 1 else ""


def _listing(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def judge_outputs(task, case, expected, outs, hidden):
    """Per-output verdicts, with the likely mistake: a Reason ('' when every output is right)."""
    fn = task.function
    names = task.output_names(len(expected))
    verdicts, wrong, values = [], set(), []
    for j, (out, exp) in enumerate(zip(outs, expected)):
        name = names[j]
        if case.scalar and j == 0 and out.ndim != 0:
            verdicts.append(f"{name} should be a single number, got an array of shape {out.shape}")
        elif out.shape != shape_of(exp):
            transposed = out.ndim >= 2 and out.shape == shape_of(exp)[::-1]
            verdicts.append(f"{name} has shape {out.shape}"
                            + ("" if hidden else f", expected {shape_of(exp)}")
                            + (" (it looks transposed)" if transposed else ""))
        elif not np.all(np.isfinite(out)) and np.all(np.isfinite(exp)):
            verdicts.append(f"{name} has inf or nan (is it numerically stable?)")
        elif not np.allclose(out, exp, atol=task.atol, rtol=task.rtol):
            if j in task.explain:
                verdicts.append(task.explain[j].format(got=number(out), expected=number(exp)))
            else:
                error = float(np.max(np.abs(out - np.asarray(exp)))) if out.size else 0.0
                values.append(f"{name} (largest error {error:.3g})")
        else:
            continue
        wrong.add(j)
    if not wrong:
        return Reason.of("", False)
    if values:
        verdicts.append("wrong values in " + ", ".join(values))
    text = f"{fn}: " + "; ".join(verdicts)
    right = [names[j] for j in range(len(names)) if j not in wrong]
    if len(right) > 4:
        text += " (the other outputs are right)"
    elif right and len(names) > 1:
        text += f" ({_listing(right)} {'is' if len(right) == 1 else 'are'} right)"
    hint = _likely_mistake(task, case, outs, wrong)
    explained = any(j in task.explain for j in wrong)
    return Reason.of(text + "." + (" " + hint if hint else ""), hint or explained)


def changed_argument(task, case, args_after):
    """Why an argument came back changed ('' when none did)."""
    fn = task.function
    names = task.arguments or []

    def name_of(j):
        return names[j] if j < len(names) else f"argument {j + 1}"

    def changed(before, after):
        return after is None or after.shape != before.shape or not np.array_equal(after, before)

    for j, (before, after) in enumerate(zip(case.args, args_after)):
        items = ([(before, after)] if isinstance(before, np.ndarray) else
                 list(zip(before, after)) if isinstance(before, (list, tuple))
                 and isinstance(after, list) else [])
        items = [(b, a) for b, a in items if isinstance(b, np.ndarray) and changed(b, a)]
        if not items:
            continue
        name = name_of(j)
        b, a = items[0]
        inside = "the arrays inside " if not isinstance(before, np.ndarray) else ""
        if a is not None and a.shape == b.shape and np.all(np.isfinite(a)) and \
                np.max(np.abs(a - b)) <= 1e-9 * max(1.0, float(np.max(np.abs(b)))):
            return (f"{fn} changed {inside}its argument {name} by a rounding error (up to "
                    f"{float(np.max(np.abs(a - b))):.1g}): restore an entry by assigning the "
                    "value you saved (x[i] = old), not by adding and subtracting eps back.")
        advice = task.in_place.get(name, "compute into new arrays (a = a * 2, not a *= 2 or "
                                          "a[...] = ...): the caller still needs its values")
        return f"{fn} changed {inside}its argument {name} in place: {advice}."
    return ""


def calls_reason(task, case, record):
    """'called f 2 times for 3 time steps: ...' when the stand-in was called too few or too many
    times, else ''."""
    if case.stand_in is None or case.expect_calls is None or record.get("calls") is None \
            or record.get("calls") == case.expect_calls:
        return ""
    replaced = task.stand_ins[case.stand_in][0]
    return (f"called {replaced} {record.get('calls')} times for {case.expect_calls} "
            f"{case.per}s: call it once per {case.per}")
