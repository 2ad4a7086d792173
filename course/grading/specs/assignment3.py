"""Grading spec of assignment 3 (LSTM and GRU), mirroring the source's test cells.

The sandbox passes and compares plain arrays. The step forwards are driven (``Task.driver``) to
return their outputs and every field of their cache, so a cache the backward pass would misread
loses points; ``bidirectional_forward`` is driven with the given ``toy_forward``, whose cache is
its input, so the caches' order is graded too. The other functions are called through the
notebook's locked entry points (its test-helper cell, ``Task.entry``): ``lstm_forward_with_cache``
returns the states and the cell states of its caches, ``lstm_step_backward_on_arrays`` and
``lstm_backward_on_arrays`` build the ``LSTMStepCache``s, ``gru_step_backward_on_arrays`` the
``GRUStepCache``. Reasons name the student's function and outputs only (``Task.function``,
``Task.outputs``). The caches' contents come from the trusted forward below, never from the
student's forward, so each function is graded on its own. Public cases use fixed inputs; hidden
ones values drawn from the generator seeded per submission. The known mistakes live in
_assignment3_mistakes.py.
"""
import numpy as np

from ..spec import Case, Task
from . import _assignment3_mistakes as mistakes

NOTEBOOK = "assignment3.ipynb"

IDS = ["task3_1_lstm_step_forward", "task3_2_lstm_step_backward", "task3_3_lstm_forward",
       "task3_4_lstm_backward", "task3_5_gru_step_forward", "task3_6_gru_step_backward",
       "task3_7_bidirectional_forward"]
PUBLIC = {k + 1: f"test_{gid}_public" for k, gid in enumerate(IDS)}
HIDDEN = {k + 1: f"test_{gid}_hidden" for k, gid in enumerate(IDS)}


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _lstm_step(x, h_prev, c_prev, W, U, b):
    """(h, c, [x, h_prev, c_prev, W, U, i, f, g, o, c]): LSTMStepCache's fields, in order."""
    H = h_prev.shape[1]
    a = x @ W.T + h_prev @ U.T + b                                          # (B, 4H)
    i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])
    g = np.tanh(a[:, 2 * H:3 * H])
    c = f * c_prev + i * g
    return o * np.tanh(c), c, [x, h_prev, c_prev, W, U, i, f, g, o, c]


def _gru_step(x, h_prev, W, U, b_ih, b_hh):
    """(h, [x, h_prev, W, U, r, z, n, hn]): the cache fields in GRUStepCache order."""
    H = h_prev.shape[1]
    ai, ah = x @ W.T + b_ih, h_prev @ U.T + b_hh                            # (B, 3H)
    r, z = _sigmoid(ai[:, :H] + ah[:, :H]), _sigmoid(ai[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ai[:, 2 * H:] + r * ah[:, 2 * H:])
    return (1 - z) * n + z * h_prev, [x, h_prev, W, U, r, z, n, ah[:, 2 * H:]]


def _lstm_params(rng, B, D, H):
    return [rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(4 * H, D)),
            rng.normal(size=(4 * H, H)), rng.normal(size=4 * H)]


# Task 3.1 -------------------------------------------------------------------------------------

def lstm_step_cases(rng):
    fixed = np.random.default_rng(31)
    shapes = [(2, 3), (2, 2), (2, 2), (8, 3), (8, 2), 8]
    small = [np.round(fixed.normal(size=s), 1) for s in shapes]
    cases = [Case(PUBLIC[1], [np.ones((4, 3)), np.ones((4, 2)), np.ones((4, 2)), np.ones((8, 3)),
                              np.ones((8, 2)), np.zeros(8)], "the shapes with D != H",
                  mistakes=mistakes.lstm_step_mistakes),
             Case(PUBLIC[1], small, "one step with small numbers (B = 2, D = 3, H = 2)",
                  mistakes=mistakes.lstm_step_mistakes)]
    for B, D, H in [(3, 4, 5), (2, 3, 3), (1, 1, 1)]:
        p = _lstm_params(rng, B, D, H)
        cases.append(Case(HIDDEN[1], [rng.normal(size=(B, D)), *p],
                          mistakes=mistakes.lstm_step_mistakes))
    return cases


# Task 3.2 -------------------------------------------------------------------------------------

def lstm_step_backward_cases(rng):
    fixed = np.random.default_rng(32)
    cases = []
    for test, gen, (B, D, H) in [(PUBLIC[2], fixed, (2, 2, 1)), (HIDDEN[2], rng, (3, 4, 2)),
                                 (HIDDEN[2], rng, (2, 2, 3)), (HIDDEN[2], rng, (1, 3, 1))]:
        _, _, fields = _lstm_step(gen.normal(size=(B, D)), *_lstm_params(gen, B, D, H))
        cases.append(Case(test, [gen.normal(size=(B, H)), gen.normal(size=(B, H)), *fields],
                          "a step with B = 2, D = 2, H = 1" if test == PUBLIC[2] else "",
                          mistakes=mistakes.lstm_step_backward_mistakes))
    return cases


# Task 3.3 -------------------------------------------------------------------------------------

TOY_STEP = '''
import types

def stand_in(x, h_prev, c_prev, W, U, b):
    _calls.append(1)
    c = 2 * c_prev + 1
    return h_prev + c_prev + x.sum(axis=1, keepdims=True), c, types.SimpleNamespace(c=c)
'''

REFERENCE_STEP = '''
import types

def stand_in(x, h_prev, c_prev, W, U, b):
    _calls.append(1)
    H = h_prev.shape[1]
    a = x @ W.T + h_prev @ U.T + b
    s = lambda v: 0.5 * (1.0 + np.tanh(0.5 * v))
    i, f, g, o = s(a[:, :H]), s(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), s(a[:, 3 * H:])
    c = f * c_prev + i * g
    return o * np.tanh(c), c, types.SimpleNamespace(c=c)
'''


def lstm_forward_cases(rng):
    x = np.array([[[1.0, 0.0]], [[2.0, -1.0]], [[0.0, 3.0]]])
    cases = [Case(PUBLIC[3], [x, np.array([[0.0, 1.0]]), np.array([[1.0, -1.0]]), np.zeros((8, 2)),
                              np.zeros((8, 2)), np.zeros(8)],
                  "the loop with the public test's stand-in step", stand_in="toy", expect_calls=3,
                  mistakes=mistakes.toy_lstm_forward_mistakes)]
    for T, B, D, H in [(5, 3, 2, 4), (1, 2, 3, 3), (4, 1, 1, 2)]:
        cases.append(Case(HIDDEN[3], [rng.normal(size=(T, B, D)), *_lstm_params(rng, B, D, H)],
                          stand_in="reference", expect_calls=T))
    return cases


# Task 3.4 -------------------------------------------------------------------------------------

TOY_STEP_BACKWARD = '''
def stand_in(dh, dc, cache):
    _calls.append(1)
    H = dh.shape[1]
    return ((dh + dc) @ cache.W[:H], 0.5 * dh, 0.5 * dc + dh, np.ones_like(cache.W) * dh.sum(),
            np.ones_like(cache.U) * dc.sum(), np.full(cache.W.shape[0], cache.x.sum()))
'''

REFERENCE_STEP_BACKWARD = '''
def stand_in(dh, dc, cache):
    _calls.append(1)
    x, h_prev, c_prev, W, U, i, f, g, o, c = cache
    tc = np.tanh(c)
    dct = dc + dh * o * (1 - tc ** 2)
    da = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f), dct * i * (1 - g ** 2),
                         dh * tc * o * (1 - o)], axis=1)
    return da @ W, da @ U, dct * f, da.T @ x, da.T @ h_prev, da.sum(0)
'''


def _sequence_fields(x, h0, c0, W, U, b):
    """The step caches of a sequence, each field stacked over time (lstm_backward_on_arrays)."""
    h, c, steps = h0, c0, []
    for x_t in x:
        h, c, fields = _lstm_step(x_t, h, c, W, U, b)
        steps.append(fields)
    stacked = [np.stack([s[k] for s in steps]) for k in range(10)]
    stacked[3], stacked[4] = W, U                    # the weights are shared, not stacked
    return stacked


def lstm_backward_cases(rng):
    x = np.array([[[1.0, 2.0]], [[0.0, -1.0]], [[3.0, 0.5]]])
    W = np.array([[1.0, -1.0], [0.5, 0.0], [0.0, 2.0], [1.0, 1.0]])
    U = np.array([[1.0], [0.0], [-1.0], [0.5]])
    z = np.zeros((3, 1, 1))
    dh = np.array([[[1.0]], [[-2.0]], [[0.5]]])
    cases = [Case(PUBLIC[4], [dh, x, z, z, W, U, z, z, z, z, z],
                  "the loop with the public test's stand-in step backward", stand_in="toy",
                  expect_calls=3, mistakes=mistakes.toy_lstm_backward_mistakes)]
    for T, B, D, H in [(4, 2, 3, 2), (1, 2, 2, 3), (3, 1, 1, 1)]:
        fields = _sequence_fields(rng.normal(size=(T, B, D)), *_lstm_params(rng, B, D, H))
        cases.append(Case(HIDDEN[4], [rng.normal(size=(T, B, H)), *fields], stand_in="reference",
                          expect_calls=T))
    return cases


# Task 3.5 -------------------------------------------------------------------------------------

def _gru_args(gen, B, D, H):
    return [gen.normal(size=(B, D)), gen.normal(size=(B, H)), gen.normal(size=(3 * H, D)),
            gen.normal(size=(3 * H, H)), gen.normal(size=3 * H), gen.normal(size=3 * H)]


def gru_step_cases(rng):
    cases = [Case(PUBLIC[5], [np.ones((4, 3)), np.ones((4, 2)), np.ones((6, 3)), np.ones((6, 2)),
                              np.zeros(6), np.zeros(6)], "the shapes with D != H",
                  mistakes=mistakes.gru_step_mistakes),
             Case(PUBLIC[5], _gru_args(np.random.default_rng(35), 2, 2, 2),
                  "one step with small numbers (B = D = H = 2)",
                  mistakes=mistakes.gru_step_mistakes)]
    for B, D, H in [(3, 4, 5), (2, 3, 3), (1, 1, 1)]:
        cases.append(Case(HIDDEN[5], _gru_args(rng, B, D, H), mistakes=mistakes.gru_step_mistakes))
    return cases


# Task 3.6 -------------------------------------------------------------------------------------

def gru_step_backward_cases(rng):
    fixed = np.random.default_rng(36)
    cases = []
    for test, gen, (B, D, H) in [(PUBLIC[6], fixed, (2, 2, 1)), (HIDDEN[6], rng, (3, 4, 2)),
                                 (HIDDEN[6], rng, (2, 2, 3)), (HIDDEN[6], rng, (1, 3, 1))]:
        _, fields = _gru_step(*_gru_args(gen, B, D, H))
        cases.append(Case(test, [gen.normal(size=(B, H)), *fields],
                          "a step with B = 2, D = 2, H = 1" if test == PUBLIC[6] else "",
                          mistakes=mistakes.gru_step_backward_mistakes))
    return cases


# Task 3.7 -------------------------------------------------------------------------------------

# bidirectional_forward with the notebook's toy_forward, whose cache is its input x: the caches
# come back as arrays, so that their order is graded (cache_fwd is x, cache_bwd is x[::-1]).
BIDIRECTIONAL_DRIVER = '''
def drive(ns, x, h0_f, a_f, W_f, h0_b, a_b, W_b):
    h, cache = ns["bidirectional_forward"](x, ns["toy_forward"], (h0_f, a_f, W_f),
                                           (h0_b, a_b, W_b))
    return h, cache[0], cache[1]
'''


def bidirectional_cases(rng):
    x = np.array([[[1.0], [2.0]], [[0.0], [-1.0]], [[3.0], [0.5]]])
    cases = [Case(PUBLIC[7], [x, np.array([[0.0], [1.0]]), np.array(0.5), np.array([[1.0]]),
                              np.array([[1.0], [0.0]]), np.array(-1.0), np.array([[2.0]])],
                  "toy_forward with the public test's numbers",
                  mistakes=mistakes.bidirectional_mistakes)]
    for T, B, D, H in [(5, 3, 2, 4), (1, 2, 3, 3), (4, 1, 1, 2)]:
        cases.append(Case(HIDDEN[7], [rng.normal(size=(T, B, D)), rng.normal(size=(B, H)),
                                      np.array(rng.uniform(-1, 1)), rng.normal(size=(H, D)),
                                      rng.normal(size=(B, H)), np.array(rng.uniform(-1, 1)),
                                      rng.normal(size=(H, D))],
                          mistakes=mistakes.bidirectional_mistakes))
    return cases


SIX = [0, 1, 2, 3, 4, 5]

# A step forward's outputs and every field of its cache, as arrays: a cache field the backward
# pass would read wrong (x, h_prev, the weights, a gate) loses points, not only h and c.
STEP_CACHE_DRIVER = '''
def drive(ns, *args):
    *states, cache = ns["{function}"](*args)
    fields = list(cache)
    if len(fields) != {n}:
        raise ValueError(f"its cache holds {{len(fields)}} values, expected {n}: {cache}")
    return (*states, *fields)
'''

LSTM_FIELDS = ["cache.x", "cache.h_prev", "cache.c_prev", "cache.W", "cache.U", "cache.i",
               "cache.f", "cache.g", "cache.o", "cache.c"]
SHAPES = ("Check the shapes: W is ({k}H, D) and U is ({k}H, H), so use x @ W.T and "
          "h_prev @ U.T.")

TASKS = [
    Task("Task 3.1", "lstm_step_forward", lstm_step_cases, select=list(range(12)),
         driver=STEP_CACHE_DRIVER.format(function="lstm_step_forward", n=10,
                                         cache="LSTMStepCache(x, h_prev, c_prev, W, U, i, f, g, "
                                               "o, c)"),
         outputs=["h", "c", *LSTM_FIELDS],
         arguments=["x", "h_prev", "c_prev", "W", "U", "b"], raise_hint=SHAPES.format(k=4)),
    Task("Task 3.2", "lstm_step_backward", lstm_step_backward_cases, select=SIX,
         entry="lstm_step_backward_on_arrays",
         outputs=["dx", "dh_prev", "dc_prev", "dW", "dU", "db"],
         arguments=["dh", "dc", *LSTM_FIELDS]),
    Task("Task 3.3", "lstm_forward", lstm_forward_cases, select=[0, 1],
         entry="lstm_forward_with_cache", outputs=["h", "cache[t].c"],
         arguments=["x", "h0", "c0", "W", "U", "b"],
         stand_ins={"toy": ("lstm_step_forward", TOY_STEP),
                    "reference": ("lstm_step_forward", REFERENCE_STEP)}),
    Task("Task 3.4", "lstm_backward", lstm_backward_cases, select=SIX,
         entry="lstm_backward_on_arrays", outputs=["dx", "dh0", "dc0", "dW", "dU", "db"],
         arguments=["dh", *(f.replace("cache.", "cache[t].") for f in LSTM_FIELDS)],
         stand_ins={"toy": ("lstm_step_backward", TOY_STEP_BACKWARD),
                    "reference": ("lstm_step_backward", REFERENCE_STEP_BACKWARD)}),
    Task("Task 3.5", "gru_step_forward", gru_step_cases, select=list(range(9)),
         driver=STEP_CACHE_DRIVER.format(function="gru_step_forward", n=8,
                                         cache="GRUStepCache(x, h_prev, W, U, r, z, n, hn)"),
         outputs=["h", "cache.x", "cache.h_prev", "cache.W", "cache.U", "cache.r", "cache.z",
                  "cache.n", "cache.hn"],
         arguments=["x", "h_prev", "W", "U", "b_ih", "b_hh"], raise_hint=SHAPES.format(k=3)),
    Task("Task 3.6", "gru_step_backward", gru_step_backward_cases, select=SIX,
         entry="gru_step_backward_on_arrays",
         outputs=["dx", "dh_prev", "dW", "dU", "db_ih", "db_hh"],
         arguments=["dh", "cache.x", "cache.h_prev", "cache.W", "cache.U", "cache.r", "cache.z",
                    "cache.n", "cache.hn"]),
    Task("Task 3.7", "bidirectional_forward", bidirectional_cases, driver=BIDIRECTIONAL_DRIVER,
         select=[0, 1, 2],
         outputs=["h", "cache_fwd", "cache_bwd"],
         arguments=["x", "h0_f", "a_f", "W_f", "h0_b", "a_b", "W_b"]),
]
