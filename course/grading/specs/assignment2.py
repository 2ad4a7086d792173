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
                    ("This is the sigmoid's derivative h (1 - h); tanh's is 1 - h**2.",
                     dh * h * (1 - h)),
                    ("tanh is applied to h again: h is already tanh(a), so tanh'(a) = 1 - h**2.",
                     dh * (1 - np.tanh(h) ** 2)),
                    ("The derivative uses h_prev: tanh'(a_t) = 1 - h_t**2, with the new state h.",
                     dh * (1 - h_prev ** 2))]:
        wrong.append((hint, {"dx": d @ W, "dh_prev": d @ U, "dW": d.T @ x, "dU": d.T @ h_prev,
                             "db_h": d.sum(axis=0)}))
    wrong += [("dh_prev looks like da @ U.T: with a = ... + h_prev @ U.T, dh_prev = da @ U.",
               {"dh_prev": da @ U.T}),
              ("dU uses the new state h; it multiplies the previous one: dU = da.T @ h_prev.",
               {"dU": da.T @ h}),
              ("dU looks transposed: dU = da.T @ h_prev.", {"dU": h_prev.T @ da}),
              ("db_h looks averaged over the batch: sum over the examples.",
               {"db_h": da.mean(axis=0)}),
              ("db_h still has the batch axis: sum da over the examples (axis 0).", {"db_h": da}),
              ("db_h has shape (1, H): sum over axis 0 without keepdims, like b_h which is (H,).",
               {"db_h": da.sum(axis=0, keepdims=True)}),
              ("dW looks transposed: dW = da.T @ x, (H, D) like W.", {"dW": x.T @ da})]
    if W.shape[0] == W.shape[1]:
        wrong.append(("dx looks like da @ W.T: with a = x @ W.T + ..., dx = da @ W.",
                      {"dx": da @ W.T}))
    return wrong


def step_cases(rng):
    forward = [np.full((3, 2), 0.1), np.full((3, 4), 0.2), np.full((4, 2), 0.3),
               np.full((4, 4), 0.1), np.zeros(4)]
    small = [np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([[0.5, -0.5], [1.0, 0.0]]),
             np.array([[0.1, 0.2], [-0.3, 0.4]]), np.array([[0.5, 0.1], [0.25, -0.5]]),
             np.array([0.1, -0.2])]
    cases = [Case(PUBLIC_1, [np.ones((3, 4)), Call("rnn_step_forward", forward, 1)],
                  "the shapes with D != H", mistakes=_step_mistakes),
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


def _bptt(dh, forward, carry=True, accumulate=True, order=reversed, twice=False):
    x, h0, W, U, b_h = forward
    h = _states(*forward)
    T = x.shape[0]
    dx, dh_next, acc = np.zeros(x.shape), np.zeros_like(h0), None
    for t in order(range(T)):
        h_prev = h[t - 1] if t > 0 else h0
        da = (dh[t] + (dh_next if carry else 0) * (2 if twice else 1)) * (1 - h[t] ** 2)
        dx[t], dh_next = da @ W, da @ U
        g = [da.T @ x[t], da.T @ h_prev, da.sum(axis=0)]
        acc = g if (acc is None or not accumulate) else [a + b for a, b in zip(acc, g)]
    return [dx, dh_next, *acc]


NAMES_2 = ["dx", "dh0", "dW", "dU", "db_h"]


def _loop_mistakes(right, no_carry, no_acc, forward, twice):
    """The known mistakes of rnn_backward's loop, from its outputs computed right, without
    dh_next, without adding up over time, forward in time, with dh_next added twice."""
    named = lambda values: dict(zip(NAMES_2, values))   # noqa: E731
    wrong = [("The gradient from step t+1 (dh_next) looks missing: add it to dh[t] before "
              "calling rnn_step_backward.", named(no_carry)),
             ("dW, dU and db_h look like one step's gradient only: add them up over all the "
              "steps (dW += ...).", named([None, None, *no_acc[2:]])),
             ("dh0 is zero: return the dh_next left after the loop, the gradient that reaches "
              "h0.", {"dh0": np.zeros_like(right[1])}),
             ("The loop runs forward in time: backpropagation goes from t = T-1 down to 0.",
              named(forward)),
             ("dh_next looks added twice: the step's upstream gradient is dh[t] + dh_next.",
              named(twice))]
    if right[0].shape[0] > 1:
        wrong.append(("dx is not in time order: dx[t] belongs to step t (fill it from T-1 "
                      "down, or reverse the list).", {"dx": right[0][::-1]}))
    return [(hint, {k: v for k, v in p.items() if v is not None}) for hint, p in wrong]


def _sequence_mistakes(dh, cache):
    return _loop_mistakes(_bptt(dh, cache.args), _bptt(dh, cache.args, carry=False),
                          _bptt(dh, cache.args, accumulate=False),
                          _bptt(dh, cache.args, order=iter), _bptt(dh, cache.args, twice=True))


def _toy_loop(dh, x, carry=True, accumulate=True, order=reversed, twice=False):
    """rnn_backward's outputs with the public test's stand-in step (TOY_STEP_BACKWARD)."""
    T, B, D = x.shape
    H = dh.shape[2]
    dx, dh_next, acc = np.zeros(x.shape), np.zeros((B, H)), None
    for t in order(range(T)):
        d = dh[t] + (dh_next if carry else 0) * (2 if twice else 1)
        dx[t], dh_next = np.full((B, D), d.sum()), 2 * d
        g = [np.full((H, D), d.sum()), np.ones((H, H)), d.sum(axis=0)]
        acc = g if (acc is None or not accumulate) else [a + b for a, b in zip(acc, g)]
    return [dx, dh_next, *acc]


def _toy_sequence_mistakes(dh, cache):
    x = cache.args[0]
    return _loop_mistakes(_toy_loop(dh, x), _toy_loop(dh, x, carry=False),
                          _toy_loop(dh, x, accumulate=False), _toy_loop(dh, x, order=iter),
                          _toy_loop(dh, x, twice=True))


def sequence_cases(rng):
    two = [np.array([[[1.0]], [[-1.0]]]), np.zeros((1, 2)), np.full((2, 1), 0.5), 0.5 * np.eye(2),
           np.zeros(2)]
    three = [np.array([[[1.0], [0.0]], [[0.5], [-1.0]], [[-0.5], [2.0]]]),
             np.array([[0.0, 0.1], [0.2, 0.0]]), np.array([[0.5], [-0.5]]),
             np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([0.0, 0.1])]
    cases = [Case(PUBLIC_2, [np.array([[[0.0, 0.0]], [[1.0, 0.5]]]), Call("rnn_forward", two, 1)],
                  "T = 2 with an upstream gradient at the last step only (is dh_next added?), "
                  "with the public test's stand-in step", stand_in="toy", expect_calls=2,
                  mistakes=_toy_sequence_mistakes),
             Case(PUBLIC_2, [np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [1.0, -1.0]],
                                       [[2.0, 0.0], [0.0, 0.25]]]), Call("rnn_forward", three, 1)],
                  "T = 3 with the public test's stand-in step", stand_in="toy", expect_calls=3,
                  mistakes=_toy_sequence_mistakes)]
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
    everywhere = (f(x + eps) - f(x - eps)) / (2 * eps)
    rows = np.zeros(x.shape)   # x[i] += eps over the first axis only: whole rows perturbed
    for i in range(x.shape[0]):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        rows[i] = (f(xp) - f(xm)) / (2 * eps)
    return [("This is the one-sided difference (f(x + eps) - f(x)) / eps: use central "
             "differences, (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).", forward),
            ("This is twice the gradient: divide by 2 eps.", 2 * central),
            ("Every entry holds the same number: perturb one entry of x at a time, not all of "
             "them.", np.full(x.shape, everywhere)),
            ("The gradient is zero: is f evaluated at the perturbed x (or your perturbed copy)?",
             np.zeros(x.shape)),
            ("Return the gradient in x's shape, not flattened.", central.reshape(-1)),
            ("Whole rows look perturbed at once: loop over every entry of x, "
             "np.ndindex(x.shape), not over its first axis.", rows)]


def numerical_cases(rng):
    cases = [Case(PUBLIC_3, [Function("cube"), np.array([[1.0, 2.0], [-1.0, 0.5]]), 1e-3],
                  "f(x) = sum(x**3) at the public test's x", mistakes=_numerical_mistakes),
             Case(PUBLIC_3, [Function("quadratic"),
                             np.array([[[0.5, 1.0, -2.0]], [[0.25, 4.0, 1.0]]]), 1e-4],
                  "a three-dimensional x", mistakes=_numerical_mistakes)]
    for key, shape, eps in [("sine", (3, 4), 1e-5), ("product", (4,), 1e-4),
                            ("exp", (2, 3, 2), 1e-3), ("cube", (1,), 1e-2)]:
        cases.append(Case(HIDDEN_3, [Function(key), rng.normal(size=shape), eps],
                          mistakes=_numerical_mistakes))
    return cases


# Task 2.4 ------------------------------------------------------------------------------------

def _clip_mistakes(grads, max_norm):
    norm, n = np.sqrt(sum(np.sum(g ** 2) for g in grads)), len(grads)

    def each(arrays):
        return dict(enumerate(arrays))

    summed = sum(np.linalg.norm(g) for g in grads)
    wrong = [("The norm looks like the sum of each array's norm: the global norm is the square "
              "root of the sum of all squares.",
              {**each(g * min(1.0, max_norm / summed) for g in grads), n: np.float64(summed)}),
             ("Each entry looks clipped to [-max_norm, max_norm]: rescale every array by one "
              "factor, max_norm / norm, when the global norm is above max_norm.",
              each(np.clip(g, -max_norm, max_norm) for g in grads)),
             ("Each array looks clipped by its own norm: use one global norm over all of them.",
              each(g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads)),
             ("The norm looks squared: take the square root of the sum of squares.",
              {n: np.float64(norm ** 2)}),
             ("This is the norm after clipping: return the norm before.",
              {n: np.float64(min(norm, max_norm))}),
             ("The arrays look rescaled by norm / max_norm: multiply by max_norm / norm.",
              each(g * norm / max_norm for g in grads))]
    if norm < max_norm:
        wrong.append(("The gradients were rescaled although their norm is below max_norm: "
                      "leave them as they are then.", each(g * max_norm / norm for g in grads)))
    else:
        wrong.append(("The gradients were not rescaled although their norm is above max_norm.",
                      each(grads)))
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


def _chunks(x, h0, W, U, b_h, dh, k, backward, state="carry", accumulate=True, average=False,
            dh_sliced=True):
    """tbptt_gradients' (dW, dU, db_h) with ``backward(dh_chunk, x_chunk, h_start)`` standing
    for rnn_backward on a chunk, with the switches' mistakes."""
    total, h_prev, starts = None, h0, range(0, x.shape[0], k)
    for s in starts:
        x_c = x[s:s + k]
        dh_c = dh[s:s + k] if dh_sliced else dh[:len(x_c)]
        grads = backward(dh_c, x_c, h_prev)
        total = (grads if (total is None or not accumulate)
                 else [a + b for a, b in zip(total, grads)])
        h = _states(x_c, h_prev, W, U, b_h)
        h_prev = {"carry": h[-1], "reset": h0, "first": h[0]}[state]
    return [t / len(starts) for t in total] if average else total


def _tbptt_variants(args, backward):
    names = ["dW", "dU", "db_h"]
    named = lambda values: dict(zip(names, values))   # noqa: E731
    return [("Every chunk starts from h0: carry the last state of a chunk into the next one.",
             named(_chunks(*args, backward, state="reset"))),
            ("The next chunk starts from the first state of the chunk: carry the last one, "
             "h[-1].", named(_chunks(*args, backward, state="first"))),
            ("These look like the last chunk's gradients only: add them up over the chunks.",
             named(_chunks(*args, backward, accumulate=False))),
            ("The gradients look averaged over the chunks: add them up.",
             named(_chunks(*args, backward, average=True))),
            ("Every chunk gets the first chunk's dh: pass dh[s:s + k], the chunk's own.",
             named(_chunks(*args, backward, dh_sliced=False)))]


def _tbptt_mistakes(x, h0, W, U, b_h, dh, k):
    args = (x, h0, W, U, b_h, dh, k)
    wrong = _tbptt_variants(args, lambda dh_c, x_c, h_start:
                            _bptt(dh_c, [x_c, h_start, W, U, b_h])[2:])
    if k < x.shape[0]:
        wrong.append(("This is the full BPTT gradient: cut the gradient between chunks (a "
                      "separate rnn_backward per chunk).",
                      dict(zip(["dW", "dU", "db_h"], _bptt(dh, [x, h0, W, U, b_h])[2:]))))
    return wrong


def _toy_tbptt_mistakes(x, h0, W, U, b_h, dh, k):
    """With the public test's stand-in rnn_backward (TOY_BACKWARD)."""
    H, D = W.shape

    def toy(dh_c, x_c, h_start):
        h = _states(x_c, h_start, W, U, b_h)
        return [np.full((H, D), np.sum(dh_c * h)), np.full((H, H), float(len(x_c))),
                dh_c.sum(axis=(0, 1))]

    return _tbptt_variants((x, h0, W, U, b_h, dh, k), toy)


def tbptt_cases(rng):
    public = [np.array([[[1.0]], [[0.5]], [[-1.0]], [[2.0]], [[0.0]]]), np.array([[0.5, -0.5]]),
              np.array([[1.0], [-0.5]]), np.array([[0.5, 0.25], [-0.25, 0.5]]), np.array([0.1, 0.0]),
              np.array([[[1.0, 0.0]], [[0.0, 1.0]], [[0.5, -0.5]], [[1.0, 1.0]], [[-1.0, 2.0]]])]
    cases = [Case(PUBLIC_5, public + [2], "T = 5, k = 2 with the public test's stand-in "
                  "rnn_backward", stand_in="toy", expect_calls=3, per="chunk",
                  mistakes=_toy_tbptt_mistakes)]
    for T, B, D, H, k in [(7, 2, 3, 2, 3), (6, 1, 2, 3, 2), (5, 3, 1, 2, 1), (4, 2, 2, 2, 4),
                          (3, 1, 2, 2, 10)]:
        args = [rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(H, D)),
                rng.normal(size=(H, H)), rng.normal(size=H), rng.normal(size=(T, B, H)), k]
        cases.append(Case(HIDDEN_5, args, stand_in="reference", expect_calls=len(range(0, T, k)),
                          per="chunk", mistakes=_tbptt_mistakes))
    return cases


TASKS = [
    Task("Task 2.1", "rnn_step_backward", step_cases, select=[0, 1, 2, 3, 4],
         outputs=["dx", "dh_prev", "dW", "dU", "db_h"], arguments=["dh", "cache"],
         raise_hint="Check the shapes: da is (B, H), W is (H, D) and U is (H, H), so dx = "
                    "da @ W, dh_prev = da @ U, dW = da.T @ x, dU = da.T @ h_prev."),
    Task("Task 2.2", "rnn_backward", sequence_cases, select=[0, 1, 2, 3, 4], outputs=NAMES_2,
         arguments=["dh", "cache"],
         stand_ins={"toy": ("rnn_step_backward", TOY_STEP_BACKWARD),
                    "reference": ("rnn_step_backward", REFERENCE_STEP_BACKWARD)}),
    Task("Task 2.3", "numerical_gradient", numerical_cases,
         stand_ins={key: ("", source) for key, source in FUNCTIONS.items()}, atol=1e-8,
         outputs=["g"], arguments=["f", "x", "eps"],
         in_place={"x": "perturbing x in place is fine, but put back the saved value after each "
                        "evaluation (x[i] = old)"}),
    Task("Task 2.4", "clip_by_global_norm", clip_cases, flatten=True,
         outputs=lambda n: [f"clipped[{i}]" for i in range(n - 1)] + ["norm"],
         arguments=["grads", "max_norm"],
         in_place={"grads": "return new arrays (g * scale) and leave the caller's gradients as "
                            "they were"}),
    Task("Task 2.5", "tbptt_gradients", tbptt_cases, select=[0, 1, 2],
         outputs=["dW", "dU", "db_h"], arguments=["x", "h0", "W", "U", "b_h", "dh", "k"],
         stand_ins={"toy": ("rnn_backward", TOY_BACKWARD),
                    "reference": ("rnn_backward", REFERENCE_BACKWARD)}),
]
