"""How course/grading/spec.py words a failed case (issue 16): each wrong output named with how
wrong it is, a known mistake named only where every output it predicts agrees with it, the
student's names only, advice that fits the mistake. Judged here on outputs made by hand from the
instructor's answers, without a sandbox (the pipeline tests grade real submissions)."""
import numpy as np
import pytest

from course.grading.grader import _expected, load_assignment
from course.grading.spec import Case, Task, judge_case
from course.grading.specs import assignment4

from .pipeline_run import REPO

RIGHT = {"error": None, "calls": None}


@pytest.fixture(scope="module")
def a2():
    return load_assignment(REPO, "assignment2")


def _task(assignment, function):
    return next(t for t in assignment.tasks if t.function == function)


def _hidden_case(task, test, where):
    return next(c for c in task.cases(np.random.default_rng(3)) if c.test == test and where(c))


def _judge(assignment, task, case, change, args_after=None, hidden=True):
    expected = _expected(assignment, task, case)
    outs = change([e.copy() for e in expected])
    record = dict(RIGHT, calls=case.expect_calls)
    after = args_after if args_after is not None else [
        a.copy() if isinstance(a, np.ndarray) else None for a in case.args]
    return judge_case(task, case, expected, outs, after, record, hidden)


def test_rnn_backward_returning_dh0_zero_is_told_about_dh0_not_dh_next(a2):
    """The issue's mislabelled hint: dh_next carried, dh0 = 0, in the T = 2 case whose upstream
    gradient arrives at the last step only (where "no dh_next" also gives dh0 = 0)."""
    task = _task(a2, "rnn_backward")
    case = _hidden_case(task, "test_task2_2_rnn_backward_hidden",
                        lambda c: c.args[0].shape[0] == 2)

    def dh0_zero(outs):
        outs[1] = np.zeros_like(outs[1])
        return outs

    why = _judge(a2, task, case, dh0_zero)
    assert why.startswith("rnn_backward: wrong values in dh0 (largest error "), why
    assert "(dx, dW, dU and db_h are right)" in why and "dh0 is zero" in why, why
    assert "dh_next) looks missing" not in why, why


def test_rnn_backward_without_dh_next_is_told_about_dh_next(a2):
    task = _task(a2, "rnn_backward")
    case = _hidden_case(task, "test_task2_2_rnn_backward_hidden",
                        lambda c: c.args[0].shape[0] == 5)
    predicted = next(p for h, p in case.mistakes(*case.args) if "dh_next) looks missing" in h)
    why = _judge(a2, task, case, lambda outs: [predicted[n] for n in task.outputs])
    assert "dh_next) looks missing" in why and "wrong values in dx" in why, why


def test_numerical_gradient_restoring_x_by_adding_eps_back_is_told_to_assign_the_saved_value(a2):
    task = _task(a2, "numerical_gradient")
    case = next(c for c in task.cases(np.random.default_rng(0)) if c.label.startswith("f(x)"))
    x = case.args[1]
    rounded = x.copy()
    rounded[0, 0] = np.nextafter(x[0, 0], 2.0)   # what x[i] += eps; ... x[i] += eps leaves
    why = _judge(a2, task, case, lambda outs: outs, [None, rounded, None], hidden=False)
    assert "changed its argument x by a rounding error" in why and "x[i] = old" in why, why
    assert "compute into new arrays" not in why, why


def test_numerical_gradient_leaving_x_perturbed_is_told_to_put_the_value_back(a2):
    task = _task(a2, "numerical_gradient")
    case = next(c for c in task.cases(np.random.default_rng(0)) if c.label.startswith("f(x)"))
    perturbed = case.args[1] - 1e-3
    why = _judge(a2, task, case, lambda outs: outs, [None, perturbed, None], hidden=False)
    assert "changed its argument x in place" in why and "put back the saved value" in why
    assert "compute into new arrays" not in why, why


def test_a_mistake_that_predicts_a_right_output_wrongly_is_not_named():
    """A mistake predicting two outputs is named only when both agree with it."""
    task = Task("Task 0", "f", lambda rng: [], outputs=["a", "b"])
    case = Case("t", [], mistakes=lambda: [("Both halves swapped.", {"a": np.ones(2),
                                                                      "b": np.zeros(2)}),
                                           ("a is doubled.", {"a": 2 * np.ones(2)})])
    expected = [np.zeros(2), np.ones(2)]
    only_a = judge_case(task, case, expected, [np.ones(2), np.ones(2)], [], RIGHT, False)
    assert only_a == "f: wrong values in a (largest error 1) (b is right).", only_a
    both = judge_case(task, case, expected, [np.ones(2), np.zeros(2)], [], RIGHT, False)
    assert both == ("f: wrong values in a (largest error 1), b (largest error 1). "
                    "Both halves swapped."), both
    doubled = judge_case(task, case, expected, [2 * np.ones(2), np.ones(2)], [], RIGHT, False)
    assert doubled.endswith("(b is right). a is doubled."), doubled


def test_two_mistakes_that_explain_a_case_equally_are_not_named():
    """relu and "tanh missing" agree on positive inputs: neither is named there."""
    task = Task("Task 0", "f", lambda rng: [], outputs=["h"])
    case = Case("t", [], mistakes=lambda: [("relu.", np.full(2, 6.0)),
                                           ("tanh missing.", np.full(2, 6.0))])
    why = judge_case(task, case, [np.tanh(np.full(2, 6.0))], [np.full(2, 6.0)], [], RIGHT, False)
    assert why.specific is False and "relu" not in why and "tanh missing" not in why, why


@pytest.mark.parametrize("name", ["assignment1", "assignment2", "assignment3"])
def test_reasons_name_the_students_functions_and_outputs_only(name):
    """No grader wrapper (*_with_cache, *_on_arrays, *_on_toy) is the function a reason names,
    and every task of several outputs names them."""
    assignment = load_assignment(REPO, name)
    functions = {t.function for t in assignment.tasks}
    assert not any(w in f for f in functions for w in ("_with_cache", "_on_arrays", "_on_toy"))
    for task in assignment.tasks:
        case = task.cases(np.random.default_rng(0))[-1]
        expected = _expected(assignment, task, case)
        outs = [e + 1.0 for e in expected]
        why = judge_case(task, case, expected, outs, [None] * len(case.args), RIGHT, True)
        names = task.output_names(len(expected))
        assert why.startswith(f"{task.function}: wrong values in {names[0]} "), why
        assert all(n in why for n in names) and "output 1" not in why, (names, why)


def test_a_model_that_trains_badly_is_told_both_ways_to_tune_the_learning_rate(monkeypatch):
    """Not only "a larger learning rate": a rate too high also leaves the perplexity high."""
    monkeypatch.setattr(assignment4, "corpus", lambda: type("C", (), {"vocab": "abc"})())
    monkeypatch.setattr(assignment4, "_reference_model", lambda weights: None)
    monkeypatch.setattr(assignment4, "validation_perplexity", lambda model: 23.7)
    weights = [np.zeros((3, 4))] + [np.zeros(1)] * (len(assignment4.NAMES) - 1)
    why = assignment4.check_trained([np.float64(10.0), *weights])
    assert "validation perplexity is 23.7," in why, why
    assert "raise the learning rate" in why and "lower the learning rate" in why, why


@pytest.mark.parametrize("error, shown", [
    ("ValueError: shapes (3,4) and (5,) not aligned", "raised ValueError"),
    ("AssertionError: train_model must return the CharLSTM it trained", "raised AssertionError"),
    ("class_ReferenceCharLSTM_nn_Module_def_init_self: ...", "raised an exception"),
    ("Warning42: anything", "raised an exception"),
    ("(error message not shown, because it holds the inputs of hidden tests) spelled out",
     "raised an exception"),
    ("(error message not shown, because it holds the inputs of hidden tests)",
     "raised (error message not shown, because it holds the inputs of hidden tests)"),
])
def test_a_hidden_case_names_only_pythons_own_exceptions(error, shown):
    """The name of an exception class the student defined could spell out what its sandbox held
    (assignment 4's hidden Task 4.4 runs beside the reference CharLSTM): a hidden case shows
    Python's own exception names only, and never the message."""
    task = Task("Task 9", "f", lambda rng: [])
    case = Case("test_f_hidden", [])
    why = judge_case(task, case, None, [], [], {"error": error, "calls": None}, True)
    assert why == f"f {shown}", why
    public = judge_case(task, case, None, [], [], {"error": error, "calls": None}, False)
    assert public == f"f raised {error}", public


def test_the_trained_models_numbers_are_bounded_in_the_reason(monkeypatch):
    """What train_model's sandbox controls (its reported CPU time, the weights that decide the
    perplexity) reaches the reason only as a bounded number."""
    monkeypatch.setattr(assignment4, "corpus", lambda: type("C", (), {"vocab": "abc"})())
    monkeypatch.setattr(assignment4, "_reference_model", lambda weights: None)
    weights = [np.zeros((3, 4))] + [np.zeros(1)] * (len(assignment4.NAMES) - 1)
    why = assignment4.check_trained([np.float64(123456789.0), *weights])
    assert why.startswith(f"train_model took {2 * assignment4.BUDGET_S:.0f} s of CPU time"), why
    monkeypatch.setattr(assignment4, "validation_perplexity", lambda model: 31415.926)
    why = assignment4.check_trained([np.float64(10.0), *weights])
    assert "validation perplexity is over 100, not below" in why, why
