"""Realistic student bugs for assignment 1 (the RNN forward pass), and correct answers written
differently from the instructor's, as test data.

Each entry is the whole solution cell as a student would write it. The test
(../test_nbgrader_assignments.py) plants each one in the instructor's solution and autogrades
all of them in one nbgrader run. For each of ``BUGS`` the bug's function must lose points, the other
functions keep all of theirs, and the feedback name the function; each of ``CORRECT`` must score
full marks (the tests are not stricter than the instructions).
"""
from typing import NamedTuple


class Bug(NamedTuple):
    cell: str     # grade_id of the solution cell the bug replaces
    name: str     # a short slug, used as the student id
    source: str   # the cell's new source


Correct = Bug     # the same three fields, for an answer that must score full marks


STEP = '''def rnn_step_forward(x, h_prev, W, U, b_h):
{}'''
SEQ = '''def rnn_forward(x, h0, W, U, b_h):
{}'''
OUT = '''def output_forward(h, V, b_y):
{}'''
LOSS = '''def softmax_cross_entropy(z, y):
{}'''


def _bug(cell, template, name, body):
    return Bug(cell, name, template.format(body.strip("\n")))


_S, _Q, _O, _L = ("task1_1_rnn_step_forward", "task1_2_rnn_forward", "task1_3_output_forward",
                  "task1_4_softmax_cross_entropy")

BUGS = [
    # Task 1.1: one step
    _bug(_S, STEP, "step-W-not-transposed", "    return np.tanh(x @ W + h_prev @ U.T + b_h)"),
    _bug(_S, STEP, "step-U-not-transposed", "    return np.tanh(x @ W.T + h_prev @ U + b_h)"),
    _bug(_S, STEP, "step-no-bias", "    return np.tanh(x @ W.T + h_prev @ U.T)"),
    _bug(_S, STEP, "step-bias-after-tanh", "    return np.tanh(x @ W.T + h_prev @ U.T) + b_h"),
    _bug(_S, STEP, "step-relu-not-tanh", "    return np.maximum(x @ W.T + h_prev @ U.T + b_h, 0)"),
    _bug(_S, STEP, "step-sigmoid-not-tanh",
         "    return 1 / (1 + np.exp(-(x @ W.T + h_prev @ U.T + b_h)))"),
    _bug(_S, STEP, "step-W-U-swapped", "    return np.tanh(x @ U.T + h_prev @ W.T + b_h)"),
    _bug(_S, STEP, "step-no-recurrence", "    return np.tanh(x @ W.T + b_h)"),
    _bug(_S, STEP, "step-overwrites-h-prev", """
    h_prev[:] = np.tanh(x @ W.T + h_prev @ U.T + b_h)
    return h_prev"""),
    _bug(_S, STEP, "step-calls-rnnlib", """
    from rnnlib.rnn import rnn_step_forward as reference
    return reference(x, h_prev, W, U, b_h)[0]"""),

    # Task 1.2: the sequence
    _bug(_Q, SEQ, "seq-h-prev-not-updated", """
    states = []
    for t in range(x.shape[0]):
        states.append(rnn_step_forward(x[t], h0, W, U, b_h))
    return np.stack(states)"""),
    _bug(_Q, SEQ, "seq-states-shifted", """
    states, h = [], h0
    for t in range(x.shape[0]):
        states.append(h)
        h = rnn_step_forward(x[t], h, W, U, b_h)
    return np.stack(states)"""),
    _bug(_Q, SEQ, "seq-loop-one-short", """
    states, h = [], h0
    for t in range(x.shape[0] - 1):
        h = rnn_step_forward(x[t], h, W, U, b_h)
        states.append(h)
    return np.stack(states)"""),
    _bug(_Q, SEQ, "seq-returns-last-state", """
    h = h0
    for t in range(x.shape[0]):
        h = rnn_step_forward(x[t], h, W, U, b_h)
    return h"""),
    _bug(_Q, SEQ, "seq-stacked-batch-major", """
    states, h = [], h0
    for t in range(x.shape[0]):
        h = rnn_step_forward(x[t], h, W, U, b_h)
        states.append(h)
    return np.stack(states, axis=1)"""),
    _bug(_Q, SEQ, "seq-zeros-like-x", """
    h = np.zeros_like(x)
    h_prev = h0
    for t in range(x.shape[0]):
        h[t] = h_prev = rnn_step_forward(x[t], h_prev, W, U, b_h)
    return h"""),
    _bug(_Q, SEQ, "seq-reversed-time", """
    states, h = [], h0
    for t in reversed(range(x.shape[0])):
        h = rnn_step_forward(x[t], h, W, U, b_h)
        states.append(h)
    return np.stack(states)"""),
    _bug(_Q, SEQ, "seq-includes-h0", """
    states = [h0]
    for t in range(x.shape[0]):
        states.append(rnn_step_forward(x[t], states[-1], W, U, b_h))
    return np.stack(states)"""),
    _bug(_Q, SEQ, "seq-W-U-swapped-in-call", """
    states, h = [], h0
    for t in range(x.shape[0]):
        h = rnn_step_forward(x[t], h, U, W, b_h)
        states.append(h)
    return np.stack(states)"""),

    # Task 1.3: the output layer
    _bug(_O, OUT, "out-V-not-transposed", "    return h @ V + b_y"),
    _bug(_O, OUT, "out-no-bias", "    return h @ V.T"),
    _bug(_O, OUT, "out-last-step-only", "    return h[-1] @ V.T + b_y"),
    _bug(_O, OUT, "out-softmax-applied", """
    z = h @ V.T + b_y
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)"""),
    _bug(_O, OUT, "out-tanh-applied", "    return np.tanh(h @ V.T + b_y)"),
    _bug(_O, OUT, "out-loop-one-short", """
    z = np.zeros((h.shape[0], h.shape[1], V.shape[0]))
    for t in range(h.shape[0] - 1):
        z[t] = h[t] @ V.T + b_y
    return z"""),

    # Task 1.4: the loss
    _bug(_L, LOSS, "loss-softmax-over-time", """
    s = z - z.max(axis=0, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=0, keepdims=True))
    return -np.take_along_axis(log_p, y[..., None], axis=-1).sum() / z.shape[1]"""),
    _bug(_L, LOSS, "loss-mean-over-time-too", """
    s = z - z.max(axis=-1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_p, y[..., None], axis=-1).mean()"""),
    _bug(_L, LOSS, "loss-summed-over-batch", """
    s = z - z.max(axis=-1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_p, y[..., None], axis=-1).sum()"""),
    _bug(_L, LOSS, "loss-no-max-shift", """
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_p, y[..., None], axis=-1).sum() / z.shape[1]"""),
    _bug(_L, LOSS, "loss-sign-flipped", """
    s = z - z.max(axis=-1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=-1, keepdims=True))
    return np.take_along_axis(log_p, y[..., None], axis=-1).sum() / z.shape[1]"""),
    _bug(_L, LOSS, "loss-no-normalisation", """
    return -np.take_along_axis(z, y[..., None], axis=-1).sum() / z.shape[1]"""),
    _bug(_L, LOSS, "loss-per-step-array", """
    s = z - z.max(axis=-1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0].sum(axis=1) / z.shape[1]"""),
    _bug(_L, LOSS, "loss-fancy-index-wrong", """
    s = z - z.max(axis=-1, keepdims=True)
    p = np.exp(s) / np.exp(s).sum(axis=-1, keepdims=True)
    return -np.log(p[..., y]).sum() / z.shape[1]"""),
]

# Reaching the reference answers in rnnlib through a name bound outside the function.
BUGS += [
    Bug(_Q, "seq-calls-rnnlib-by-alias", '''from rnnlib import rnn_forward as reference

def rnn_forward(x, h0, W, U, b_h):
    return reference(x, h0, W, U, b_h)[0]'''),
    Bug(_O, "out-calls-rnnlib-by-alias", '''from rnnlib.output import output_forward as reference

def output_forward(h, V, b_y):
    return reference(h, V, b_y)[0]'''),
    Bug(_L, "loss-calls-rnnlib-module", '''import rnnlib

def softmax_cross_entropy(z, y):
    return rnnlib.softmax_cross_entropy(z, y)[0]'''),
]

# Correct answers in other styles than the instructor's: they must keep every point.
CORRECT = [
    _bug(_S, STEP, "ok-step-np-dot", "    return np.tanh(np.dot(x, W.T) + np.dot(h_prev, U.T) + b_h)"),
    _bug(_S, STEP, "ok-step-column-vectors", """
    a = (W @ x.T + U @ h_prev.T + b_h[:, None]).T
    return np.tanh(a)"""),
    _bug(_S, STEP, "ok-step-einsum", """
    return np.tanh(np.einsum("hd,bd->bh", W, x) + np.einsum("hk,bk->bh", U, h_prev) + b_h)"""),
    _bug(_Q, SEQ, "ok-seq-preallocated", """
    T, B = x.shape[:2]
    h = np.zeros((T, B, W.shape[0]))
    h_prev = h0
    for t in range(T):
        h[t] = rnn_step_forward(x[t], h_prev, W, U, b_h)
        h_prev = h[t]
    return h"""),
    _bug(_Q, SEQ, "ok-seq-iterate-over-x", """
    states, h = [], h0
    for x_t in x:
        h = rnn_step_forward(x_t, h, W, U, b_h)
        states.append(h)
    return np.array(states)"""),
    _bug(_O, OUT, "ok-out-loop", """
    z = np.empty((h.shape[0], h.shape[1], V.shape[0]))
    for t in range(h.shape[0]):
        z[t] = h[t] @ V.T + b_y
    return z"""),
    _bug(_O, OUT, "ok-out-einsum", '    return np.einsum("tbh,kh->tbk", h, V) + b_y'),
    _bug(_O, OUT, "ok-out-tensordot", "    return np.tensordot(h, V, axes=([2], [1])) + b_y"),
    _bug(_L, LOSS, "ok-loss-one-hot", """
    T, B, K = z.shape
    m = z.max(axis=-1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return -(np.eye(K)[y] * log_p).sum() / B"""),
    _bug(_L, LOSS, "ok-loss-loops", """
    T, B, K = z.shape
    total = 0.0
    for t in range(T):
        for b in range(B):
            m = z[t, b].max()
            total += m + np.log(np.sum(np.exp(z[t, b] - m))) - z[t, b, y[t, b]]
    return total / B"""),
    _bug(_L, LOSS, "ok-loss-fancy-index", """
    T, B, _ = z.shape
    m = z.max(axis=-1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    t, b = np.meshgrid(np.arange(T), np.arange(B), indexing="ij")
    return np.sum(-log_p[t, b, y]) / B"""),
]
