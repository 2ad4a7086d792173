"""Grading spec of assignment 1 (the RNN forward pass), mirroring the source's test cells.

Public cases repeat the public tests' inputs; hidden cases use the hidden tests' shapes with
values drawn from a generator seeded per submission, so they cannot be looked up in advance.
"""
import numpy as np

from ..spec import Case, Task

NOTEBOOK = "assignment1.ipynb"

PUBLIC_1, HIDDEN_1 = "test_task1_1_rnn_step_forward_public", "test_task1_1_rnn_step_forward_hidden"
PUBLIC_2, HIDDEN_2 = "test_task1_2_rnn_forward_public", "test_task1_2_rnn_forward_hidden"
PUBLIC_3, HIDDEN_3 = "test_task1_3_output_forward_public", "test_task1_3_output_forward_hidden"
PUBLIC_4, HIDDEN_4 = ("test_task1_4_softmax_cross_entropy_public",
                      "test_task1_4_softmax_cross_entropy_hidden")


def _step_mistakes(x, h_prev, W, U, b_h):
    wrong = [("The bias b_h looks missing.", np.tanh(x @ W.T + h_prev @ U.T)),
             ("tanh looks missing: return tanh(a), not a.", x @ W.T + h_prev @ U.T + b_h),
             ("b_h is added after tanh; it belongs inside.", np.tanh(x @ W.T + h_prev @ U.T) + b_h),
             ("The recurrent term U h_(t-1) looks missing.", np.tanh(x @ W.T + b_h)),
             ("This looks like relu: the vanilla RNN here uses tanh.",
              np.maximum(x @ W.T + h_prev @ U.T + b_h, 0)),
             ("This looks like the sigmoid: the vanilla RNN here uses tanh.",
              1 / (1 + np.exp(-(x @ W.T + h_prev @ U.T + b_h))))]
    if W.shape[0] == W.shape[1]:
        wrong += [("Looks like x @ W instead of x @ W.T (W is (H, D)).",
                   np.tanh(x @ W + h_prev @ U.T + b_h)),
                  ("W and U look swapped.", np.tanh(x @ U.T + h_prev @ W.T + b_h))]
    wrong.append(("Looks like h_prev @ U instead of h_prev @ U.T.",
                  np.tanh(x @ W.T + h_prev @ U + b_h)))
    return wrong


def step_cases(rng):
    x = np.array([[1.0, 2.0], [0.0, -1.0]])
    h_prev = np.array([[0.5, -0.5], [1.0, 0.0]])
    W = np.array([[0.1, 0.2], [-0.3, 0.4]])
    U = np.array([[0.5, 0.1], [0.25, -0.5]])
    b_h = np.array([0.1, -0.2])
    cases = [Case(PUBLIC_1, [np.ones((3, 2)), np.ones((3, 4)), np.ones((4, 2)), np.ones((4, 4)),
                             np.zeros(4)], "the shape with D != H: expected (B, H) = (3, 4)",
                  mistakes=_step_mistakes),
             Case(PUBLIC_1, [x, h_prev, W, U, b_h], "one step with the small numbers of the "
                  "public test", mistakes=_step_mistakes)]
    for B, D, H in [(3, 4, 5), (2, 3, 3), (1, 1, 1)]:
        args = [rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(H, D)),
                rng.normal(size=(H, H)), rng.normal(size=H)]
        cases.append(Case(HIDDEN_1, args, mistakes=_step_mistakes))
    return cases


DOUBLING_STEP = '''
def stand_in(x, h_prev, W, U, b_h):
    _calls.append(1)
    return 2 * h_prev + x.sum(axis=1, keepdims=True)
'''

REFERENCE_STEP = '''
def stand_in(x, h_prev, W, U, b_h):
    _calls.append(1)
    return np.tanh(x @ W.T + h_prev @ U.T + b_h)
'''


def _loop(x, h0, step, update=True, reverse=False):
    """rnn_forward's states h_1..h_T with ``step(x_t, h_prev)``, with the switches' mistakes."""
    states, h = [], h0
    for t in (reversed(range(len(x))) if reverse else range(len(x))):
        h = step(x[t], h if update else h0)
        states.append(h)
    return np.stack(states)


def _loop_mistakes(x, h0, step):
    states = _loop(x, h0, step)
    return [("h[0] is right but later steps are wrong: is h_prev updated inside the loop?",
             _loop(x, h0, step, update=False)),
            ("The states are shifted by one step: return h_1..h_T, not h_0..h_(T-1).",
             np.concatenate([h0[None], states[:-1]])),
            ("The loop runs backwards in time: go from t = 0 to T-1.",
             _loop(x, h0, step, reverse=True)),
            ("This is the last state only: return every state, stacked along time (T, B, H).",
             states[-1]),
            ("The states look stacked batch first: stack along time, axis 0, (T, B, H).",
             np.stack(list(states), axis=1)),
            ("h0 is included: return the T new states h_1..h_T, not h_0.",
             np.concatenate([h0[None], states]))]


def _sequence_mistakes(x, h0, W, U, b_h):
    wrong = _loop_mistakes(x, h0, lambda x_t, h: np.tanh(x_t @ W.T + h @ U.T + b_h))
    if W.shape[0] == W.shape[1]:
        wrong.append(("W and U look swapped in the call: rnn_step_forward(x[t], h, W, U, b_h).",
                      _loop(x, h0, lambda x_t, h: np.tanh(x_t @ U.T + h @ W.T + b_h))))
    return wrong


def _doubling_mistakes(x, h0, W, U, b_h):
    """With the public test's stand-in step (DOUBLING_STEP)."""
    return _loop_mistakes(x, h0, lambda x_t, h: 2 * h + x_t.sum(axis=1, keepdims=True))


def sequence_cases(rng):
    x = np.array([[[1.0, 0.0], [0.0, 0.0]], [[2.0, 0.0], [0.0, 1.0]], [[3.0, 0.0], [0.0, -1.0]]])
    h0 = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    cases = [Case(PUBLIC_2, [x, h0, np.zeros((3, 2)), np.zeros((3, 3)), np.zeros(3)],
                  "the loop with the public test's stand-in step h_t = 2 h_(t-1) + sum(x_t)",
                  stand_in="doubling", expect_calls=3, mistakes=_doubling_mistakes)]
    for T, B, D, H in [(5, 3, 2, 4), (1, 2, 3, 3), (4, 1, 1, 2)]:
        args = [rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(H, D)),
                rng.normal(size=(H, H)), rng.normal(size=H)]
        cases.append(Case(HIDDEN_2, args, stand_in="reference", expect_calls=T,
                          mistakes=_sequence_mistakes))
    return cases


def _output_mistakes(h, V, b_y):
    z = h @ V.T + b_y
    e = np.exp(z - z.max(-1, keepdims=True))
    wrong = [("The bias b_y looks missing.", h @ V.T),
             ("These look like probabilities: return the scores z_t; softmax belongs to the loss.",
              e / e.sum(-1, keepdims=True)),
             ("tanh is applied to the scores: the output layer is linear.", np.tanh(z))]
    if V.shape[0] == V.shape[1]:
        wrong.append(("Looks like h @ V instead of h @ V.T (V is (K, H)).", h @ V + b_y))
    last = np.zeros_like(z)
    last[:-1] = z[:-1]
    wrong += [("This is the last step's scores only: apply the layer at every step, (T, B, K).",
               z[-1]),
              ("The last step's scores are missing: does the loop stop one step early?", last)]
    return wrong


def output_cases(rng):
    h = np.array([[[0.5, -1.0]], [[0.25, 2.0]]])
    V = np.array([[1.0, 2.0], [-1.0, 0.5]])
    b_y = np.array([0.1, -0.3])
    cases = [Case(PUBLIC_3, [np.ones((4, 3, 2)), np.ones((5, 2)), np.zeros(5)],
                  "the shape with K != H: expected (T, B, K) = (4, 3, 5)",
                  mistakes=_output_mistakes),
             Case(PUBLIC_3, [h, V, b_y], "the small numbers of the public test",
                  mistakes=_output_mistakes)]
    for T, B, H, K in [(3, 2, 4, 5), (4, 3, 3, 3), (1, 1, 2, 1)]:
        cases.append(Case(HIDDEN_3, [rng.normal(size=(T, B, H)), rng.normal(size=(K, H)),
                                     rng.normal(size=K)], mistakes=_output_mistakes))
    return cases


def _nll(z, y, axis=-1):
    s = z - z.max(axis=axis, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=axis, keepdims=True))
    return -np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]   # (T, B)


def _loss_mistakes(z, y):
    B = z.shape[1]
    nll = _nll(z, y)
    wrong = [("The loss looks averaged over time too: sum over time, average over the batch.",
              nll.mean()),
             ("The loss looks summed over the batch: divide by B.", nll.sum()),
             ("Only the last time step looks counted.", nll[-1].sum() / B),
             ("The sign is flipped: the loss is -log of the label's probability.", -nll.sum() / B)]
    wrong.append(("This is one loss per time step: sum over time as well, to one number.",
                  nll.sum(axis=1) / B))
    picked = np.take_along_axis(z, y[..., None], axis=-1)[..., 0]
    wrong.append(("The scores are used as log-probabilities: take log-softmax first, "
                  "log p = z - logsumexp(z) over the classes.", -picked.sum() / B))
    e = np.exp(z - z.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    with np.errstate(divide="ignore"):
        wrong.append(("p[..., y] picks a (T, B) table for every (t, b): pick one label per "
                      "(t, b), e.g. np.take_along_axis(log_p, y[..., None], axis=-1).",
                      -np.log(p[..., y]).sum() / B))
    if z.shape[0] > 1:
        wrong.append(("Softmax looks taken over the time axis.", _nll(z, y, axis=0).sum() / B))
    if B > 1:
        wrong.append(("Softmax looks taken over the batch axis.", _nll(z, y, axis=1).sum() / B))
    return [(hint, np.float64(value)) for hint, value in wrong]


def loss_cases(rng):
    z = np.array([[[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]], [[0.0, 0.0, 3.0], [1.0, -1.0, 0.0]]])
    y = np.array([[0, 1], [2, 0]])
    cases = [Case(PUBLIC_4, [z, y], "the small numbers of the public test", scalar=True,
                  mistakes=_loss_mistakes),
             Case(PUBLIC_4, [np.array([[[1000.0, 0.0, -1000.0]], [[0.0, 1000.0, 0.0]]]),
                             np.array([[0], [1]])],
                  "scores around 1000 (subtract the row maximum before np.exp)", scalar=True)]
    for T, B, K, scale in [(3, 4, 5, 1.0), (5, 2, 2, 3.0), (1, 1, 4, 1.0), (4, 3, 6, 500.0)]:
        cases.append(Case(HIDDEN_4, [scale * rng.normal(size=(T, B, K)),
                                     rng.integers(0, K, size=(T, B))],
                          scalar=True, mistakes=_loss_mistakes))
    return cases


TASKS = [
    Task("Task 1.1", "rnn_step_forward", step_cases, outputs=["h"],
         arguments=["x", "h_prev", "W", "U", "b_h"],
         raise_hint="Check the shapes: W is (H, D) and U is (H, H), so use x @ W.T and "
                    "h_prev @ U.T."),
    Task("Task 1.2", "rnn_forward", sequence_cases, outputs=["h"],
         arguments=["x", "h0", "W", "U", "b_h"],
         raise_hint="Check each call: rnn_step_forward(x[t], h_prev, W, U, b_h), its "
                    "arguments in this order, x[t] of shape (B, D).",
         stand_ins={"doubling": ("rnn_step_forward", DOUBLING_STEP),
                    "reference": ("rnn_step_forward", REFERENCE_STEP)}),
    Task("Task 1.3", "output_forward", output_cases, outputs=["z"], arguments=["h", "V", "b_y"],
         raise_hint="Check the shapes: V is (K, H), so use h @ V.T."),
    Task("Task 1.4", "softmax_cross_entropy", loss_cases, outputs=["the loss"],
         arguments=["z", "y"]),
]
