"""Grading spec of assignment 2 (backpropagation through time), mirroring the source's test cells.

Public cases repeat the public tests' inputs (with their stand-ins); hidden cases use the hidden
tests' shapes with values drawn from a generator seeded per submission. A cache is built by the
notebook's provided forward function (``Call``), the function a gradient check differentiates is
a stand-in (``Function``), and clipping's list of arrays comes back flattened.
"""
import numpy as np

from ..spec import Call, Case, Function, Task

NOTEBOOK = "assignment2.ipynb"


def _ids(task):
    return f"test_{task}_public", f"test_{task}_hidden"


PUBLIC_1, HIDDEN_1 = _ids("task2_1_rnn_step_backward")
PUBLIC_2, HIDDEN_2 = _ids("task2_2_rnn_backward")
PUBLIC_3, HIDDEN_3 = _ids("task2_3_numerical_gradient")
PUBLIC_4, HIDDEN_4 = _ids("task2_4_clip_by_global_norm")
PUBLIC_5, HIDDEN_5 = _ids("task2_5_tbptt_gradients")


def _states(x, h0, W, U, b_h):
    """h_1..h_T (T, B, H) of the RNN, for the mistakes below."""
    h, states = h0, []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ W.T + h @ U.T + b_h)
        states.append(h)
    return np.stack(states)


# Task 2.1 ------------------------------------------------------------------------------------

def _step_mistakes(dh, cache):
    x, h_prev, W, U, b_h = cache.args
    h = np.tanh(x @ W.T + h_prev @ U.T + b_h)
    da = dh * (1 - h ** 2)
    wrong = []
    for hint, d in [("tanh's derivative looks missing: da = dh * (1 - h**2).", dh),
                    ("This is the sigmoid's derivative; tanh's is 1 - h**2.", dh * h * (1 - h)),
                    ("tanh is applied to h again: tanh'(a) = 1 - h**2.", dh * (1 - np.tanh(h) ** 2))]:
        wrong += [(hint, v) for v in (d @ W, d @ U, d.T @ x, d.T @ h_prev, d.sum(axis=0))]
    wrong += [("dh_prev looks like da @ U.T: dh_prev = da @ U.", da @ U.T),
              ("dU uses the new state h: dU = da.T @ h_prev.", da.T @ h),
              ("db_h looks averaged over the batch: sum over the examples.", da.mean(axis=0))]
    if W.shape[0] == W.shape[1]:
        wrong += [("dW has the right shape but looks transposed: dW = da.T @ x.", x.T @ da),
                  ("dx looks like da @ W.T: dx = da @ W.", da @ W.T)]
    return wrong


def step_cases(rng):
    forward = [np.full((3, 2), 0.1), np.full((3, 4), 0.2), np.full((4, 2), 0.3),
               np.full((4, 4), 0.1), np.zeros(4)]
    small = [np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([[0.5, -0.5], [1.0, 0.0]]),
             np.array([[0.1, 0.2], [-0.3, 0.4]]), np.array([[0.5, 0.1], [0.25, -0.5]]),
             np.array([0.1, -0.2])]
    cases = [Case(PUBLIC_1, [np.ones((3, 4)), Call("rnn_step_forward", forward, 1)],
                  "the shapes with D != H"),
             Case(PUBLIC_1, [np.array([[1.0, -2.0], [0.5, 1.0]]), Call("rnn_step_forward", small, 1)],
                  "one step with the small numbers of the public test", mistakes=_step_mistakes)]
    for B, D, H in [(3, 4, 5), (2, 3, 3), (1, 1, 1), (4, 2, 3)]:
        forward = [rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(H, D)) / 2,
                   rng.normal(size=(H, H)) / 2, rng.normal(size=H) / 2]
        cases.append(Case(HIDDEN_1, [rng.normal(size=(B, H)), Call("rnn_step_forward", forward, 1)],
                          mistakes=_step_mistakes))
    return cases


# Task 2.2 ------------------------------------------------------------------------------------

TOY_STEP_BACKWARD = '''
def stand_in(dh, cache):
    _calls.append(1)
    B, D = cache.x.shape
    H = dh.shape[1]
    return (np.full((B, D), dh.sum()), 2 * dh, np.full((H, D), dh.sum()), np.ones((H, H)),
            dh.sum(axis=0))
'''

REFERENCE_STEP_BACKWARD = '''
def stand_in(dh, cache):
    _calls.append(1)
    x, h_prev, W, U, h = cache
    da = dh * (1 - h ** 2)
    return da @ W, da @ U, da.T @ x, da.T @ h_prev, da.sum(axis=0)
'''


def _bptt(dh, forward, carry=True, accumulate=True):
    x, h0, W, U, b_h = forward
    h = _states(*forward)
    T = x.shape[0]
    dx, dh_next, acc = np.zeros(x.shape), np.zeros_like(h0), None
    for t in reversed(range(T)):
        h_prev = h[t - 1] if t > 0 else h0
        da = (dh[t] + (dh_next if carry else 0)) * (1 - h[t] ** 2)
        dx[t], dh_next = da @ W, da @ U
        g = [da.T @ x[t], da.T @ h_prev, da.sum(axis=0)]
        acc = g if (acc is None or not accumulate) else [a + b for a, b in zip(acc, g)]
    return [dx, dh_next, *acc]


def _sequence_mistakes(dh, cache):
    no_carry, no_acc = _bptt(dh, cache.args, carry=False), _bptt(dh, cache.args, accumulate=False)
    return ([("The gradient from step t+1 (dh_next) looks missing: add it to dh[t].", v)
             for v in no_carry]
            + [("Looks like one step's gradient only: add up over time.", v) for v in no_acc[2:]])


def sequence_cases(rng):
    two = [np.array([[[1.0]], [[-1.0]]]), np.zeros((1, 2)), np.full((2, 1), 0.5), 0.5 * np.eye(2),
           np.zeros(2)]
    three = [np.array([[[1.0], [0.0]], [[0.5], [-1.0]], [[-0.5], [2.0]]]),
             np.array([[0.0, 0.1], [0.2, 0.0]]), np.array([[0.5], [-0.5]]),
             np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([0.0, 0.1])]
    cases = [Case(PUBLIC_2, [np.array([[[0.0, 0.0]], [[1.0, 0.5]]]), Call("rnn_forward", two, 1)],
                  "T = 2 with an upstream gradient at the last step only (is dh_next added?), "
                  "with the public test's stand-in step", stand_in="toy", expect_calls=2),
             Case(PUBLIC_2, [np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [1.0, -1.0]],
                                       [[2.0, 0.0], [0.0, 0.25]]]), Call("rnn_forward", three, 1)],
                  "T = 3 with the public test's stand-in step", stand_in="toy", expect_calls=3)]
    for T, B, D, H in [(2, 1, 2, 3), (5, 3, 2, 4), (1, 2, 3, 3), (4, 1, 1, 2)]:
        forward = [rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(H, D)) / 2,
                   rng.normal(size=(H, H)) / 2, rng.normal(size=H) / 2]
        dh = rng.normal(size=(T, B, H))
        if T == 2:
            dh[0] = 0
        cases.append(Case(HIDDEN_2, [dh, Call("rnn_forward", forward, 1)], stand_in="reference",
                          expect_calls=T, mistakes=_sequence_mistakes))
    return cases


# Task 2.3 ------------------------------------------------------------------------------------

FUNCTIONS = {
    "cube": "def stand_in(a):\n    return np.sum(a ** 3)\n",
    "quadratic": ("def stand_in(a):\n    c = np.array([[[1.0, -2.0, 0.5]], [[3.0, 0.0, -1.0]]])\n"
                  "    return np.sum(c * a ** 2)\n"),
    "sine": "def stand_in(a):\n    return np.sum(np.sin(a) * np.arange(a.size).reshape(a.shape))\n",
    "product": "def stand_in(a):\n    return float(np.prod(a))\n",
    "exp": "def stand_in(a):\n    return np.sum(np.exp(a))\n",
}


def _numerical_mistakes(f, x, eps):
    fn = {}
    exec(FUNCTIONS[f.key], {"np": np}, fn)
    f = fn["stand_in"]
    forward, central = np.zeros(x.shape), np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        forward[i] = (f(xp) - f(x)) / eps
        central[i] = (f(xp) - f(xm)) / (2 * eps)
    return [("This is the one-sided difference: use central differences.", forward),
            ("This is twice the gradient: divide by 2 eps.", 2 * central)]


def numerical_cases(rng):
    cases = [Case(PUBLIC_3, [Function("cube"), np.array([[1.0, 2.0], [-1.0, 0.5]]), 1e-3],
                  "f(x) = sum(x**3) at the public test's x", mistakes=_numerical_mistakes),
             Case(PUBLIC_3, [Function("quadratic"),
                             np.array([[[0.5, 1.0, -2.0]], [[0.25, 4.0, 1.0]]]), 1e-4],
                  "a three-dimensional x")]
    for key, shape, eps in [("sine", (3, 4), 1e-5), ("product", (4,), 1e-4),
                            ("exp", (2, 3, 2), 1e-3), ("cube", (1,), 1e-2)]:
        cases.append(Case(HIDDEN_3, [Function(key), rng.normal(size=shape), eps],
                          mistakes=_numerical_mistakes))
    return cases


# Task 2.4 ------------------------------------------------------------------------------------

def _clip_mistakes(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    wrong = [("Each entry looks clipped to [-max_norm, max_norm].", np.clip(g, -max_norm, max_norm))
             for g in grads]
    wrong += [("Each array looks clipped by its own norm: use one global norm.",
               g * min(1.0, max_norm / np.linalg.norm(g))) for g in grads]
    if norm < max_norm:
        wrong += [("The gradients were rescaled although their norm is below max_norm.",
                   g * max_norm / norm) for g in grads]
    wrong += [("The norm looks squared.", np.float64(norm ** 2)),
              ("This is the norm after clipping: return the norm before.",
               np.float64(min(norm, max_norm)))]
    return wrong


def clip_cases(rng):
    grads = [np.array([[3.0, -1.0], [0.0, 2.0]]), np.array([1.0, 1.0])]
    cases = [Case(PUBLIC_4, [grads, 2.0], "the public test's gradients (norm 4), max_norm = 2",
                  mistakes=_clip_mistakes),
             Case(PUBLIC_4, [grads, 10.0], "the public test's gradients (norm 4), max_norm = 10",
                  mistakes=_clip_mistakes)]
    for shapes, scale, max_norm in [([(3, 2), (3, 3), (3,)], 1.0, 1.0), ([(4, 5), (5,)], 10.0, 5.0),
                                    ([(2, 2), (2, 2), (2,)], 0.1, 5.0), ([(1,)], 3.0, 0.5)]:
        cases.append(Case(HIDDEN_4, [[scale * rng.normal(size=s) for s in shapes], max_norm],
                          mistakes=_clip_mistakes))
    return cases


# Task 2.5 ------------------------------------------------------------------------------------

TOY_BACKWARD = '''
def stand_in(dh, cache):
    _calls.append(1)
    h = np.stack([c.h for c in cache])
    n, B, H = h.shape
    D = cache[0].x.shape[1]
    return (np.zeros((n, B, D)), np.full((B, H), 100.0), np.full((H, D), np.sum(dh * h)),
            np.full((H, H), float(n)), dh.sum(axis=(0, 1)))
'''

REFERENCE_BACKWARD = '''
def stand_in(dh, cache):
    _calls.append(1)
    dx, dh_next = np.zeros((len(cache),) + cache[0].x.shape), np.zeros_like(dh[0])
    dW, dU, db_h = 0, 0, 0
    for t in reversed(range(len(cache))):
        x, h_prev, W, U, h = cache[t]
        da = (dh[t] + dh_next) * (1 - h ** 2)
        dx[t], dh_next = da @ W, da @ U
        dW, dU, db_h = dW + da.T @ x, dU + da.T @ h_prev, db_h + da.sum(axis=0)
    return dx, dh_next, dW, dU, db_h
'''


def _tbptt_mistakes(x, h0, W, U, b_h, dh, k):
    full = _bptt(dh, [x, h0, W, U, b_h])[2:]
    total = [0, 0, 0]
    for s in range(0, x.shape[0], k):   # every chunk started from h0
        total = [a + b for a, b in zip(total, _bptt(dh[s:s + k], [x[s:s + k], h0, W, U, b_h])[2:])]
    wrong = [("Every chunk starts from h0: carry the last state into the next chunk.", v)
             for v in total]
    if k < x.shape[0]:
        wrong += [("This is the full BPTT gradient: cut the gradient between chunks.", v)
                  for v in full]
    return wrong


def tbptt_cases(rng):
    public = [np.array([[[1.0]], [[0.5]], [[-1.0]], [[2.0]], [[0.0]]]), np.array([[0.5, -0.5]]),
              np.array([[1.0], [-0.5]]), np.array([[0.5, 0.25], [-0.25, 0.5]]), np.array([0.1, 0.0]),
              np.array([[[1.0, 0.0]], [[0.0, 1.0]], [[0.5, -0.5]], [[1.0, 1.0]], [[-1.0, 2.0]]])]
    cases = [Case(PUBLIC_5, public + [2], "T = 5, k = 2 with the public test's stand-in "
                  "rnn_backward", stand_in="toy", expect_calls=3, per="chunk")]
    for T, B, D, H, k in [(7, 2, 3, 2, 3), (6, 1, 2, 3, 2), (5, 3, 1, 2, 1), (4, 2, 2, 2, 4),
                          (3, 1, 2, 2, 10)]:
        args = [rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(H, D)),
                rng.normal(size=(H, H)), rng.normal(size=H), rng.normal(size=(T, B, H)), k]
        cases.append(Case(HIDDEN_5, args, stand_in="reference", expect_calls=len(range(0, T, k)),
                          per="chunk", mistakes=_tbptt_mistakes))
    return cases


TASKS = [
    Task("Task 2.1", "rnn_step_backward", step_cases, select=[0, 1, 2, 3, 4]),
    Task("Task 2.2", "rnn_backward", sequence_cases, select=[0, 1, 2, 3, 4],
         stand_ins={"toy": ("rnn_step_backward", TOY_STEP_BACKWARD),
                    "reference": ("rnn_step_backward", REFERENCE_STEP_BACKWARD)}),
    Task("Task 2.3", "numerical_gradient", numerical_cases,
         stand_ins={key: ("", source) for key, source in FUNCTIONS.items()}, atol=1e-8),
    Task("Task 2.4", "clip_by_global_norm", clip_cases, flatten=True),
    Task("Task 2.5", "tbptt_gradients", tbptt_cases, select=[0, 1, 2],
         stand_ins={"toy": ("rnn_backward", TOY_BACKWARD),
                    "reference": ("rnn_backward", REFERENCE_BACKWARD)}),
]
