"""Realistic student bugs for assignment 3 (LSTM and GRU), and correct answers written differently
from the instructor's, as test data.

A bug is the instructor's solution cell with one mistake planted by text replacement (each
replacement must match, so a change to the solution that would silently disarm a bug fails
loudly). The test (../test_nbgrader_assignments.py) autogrades all of them in one nbgrader
run: each of ``BUGS`` must lose points in its own task only, with feedback that names the
function; each of ``CORRECT`` must score full marks.
"""
from ..nbgrader_helpers import REPO, cell_by_id, read, strip_markers
from .assignment1 import Bug, Correct

SOURCE = REPO / "solutions" / "assignment3" / "assignment3.ipynb"

_L1, _L2, _L3, _L4 = ("task3_1_lstm_step_forward", "task3_2_lstm_step_backward",
                      "task3_3_lstm_forward", "task3_4_lstm_backward")
_G1, _G2, _BI = "task3_5_gru_step_forward", "task3_6_gru_step_backward", "task3_7_bidirectional_forward"

_SOLUTIONS = {}


def solution(cell):
    """The instructor's answer in cell ``cell`` (grade_id), without the solution markers."""
    if cell not in _SOLUTIONS:
        _SOLUTIONS[cell] = strip_markers(cell_by_id(read(SOURCE), cell).source)
    return _SOLUTIONS[cell]


def variant(cell, name, *replacements):
    """The solution of ``cell`` with each (old, new) replaced; every ``old`` must occur once."""
    source = solution(cell)
    for old, new in replacements:
        assert source.count(old) == 1, f"{name}: {old!r} occurs {source.count(old)} times in {cell}"
        source = source.replace(old, new)
    return Bug(cell, name, source)


BUGS = [
    # Task 3.1: one LSTM step
    variant(_L1, "lstm-step-W-not-transposed", ("x @ W.T", "x @ W")),
    variant(_L1, "lstm-step-U-not-transposed", ("h_prev @ U.T", "h_prev @ U")),
    variant(_L1, "lstm-step-no-bias", (" + b ", " ")),
    variant(_L1, "lstm-step-gates-ifog", ("g = np.tanh(a[:, 2 * H:3 * H])", "g = np.tanh(a[:, 3 * H:])"),
            ("o = sigmoid(a[:, 3 * H:])", "o = sigmoid(a[:, 2 * H:3 * H])")),
    variant(_L1, "lstm-step-forget-on-candidate", ("c = f * c_prev + i * g", "c = f * g + i * c_prev")),
    variant(_L1, "lstm-step-h-without-tanh", ("h = o * np.tanh(c)", "h = o * c")),
    variant(_L1, "lstm-step-candidate-sigmoid", ("g = np.tanh(", "g = sigmoid(")),
    variant(_L1, "lstm-step-tanh-of-c-prev", ("h = o * np.tanh(c)", "h = o * np.tanh(c_prev)")),
    variant(_L1, "lstm-step-cache-holds-c-prev", ("i, f, g, o, c)", "i, f, g, o, c_prev)")),
    Bug(_L1, "lstm-step-calls-rnnlib", '''from rnnlib.lstm import lstm_step_forward as reference

def lstm_step_forward(x, h_prev, c_prev, W, U, b):
    h, c, cache = reference(x, h_prev, c_prev, W, U, b)
    H = h.shape[1]
    i, f, g, o = (cache.gates[:, k * H:(k + 1) * H] for k in range(4))
    return h, c, LSTMStepCache(x, h_prev, c_prev, W, U, i, f, g, o, c)'''),

    # Task 3.2: the LSTM step backward
    variant(_L2, "lstm-back-sigmoid-derivative-for-g", ("dg * (1 - g ** 2)", "dg * g * (1 - g)")),
    variant(_L2, "lstm-back-tanh-c-derivative-forgotten", ("dh * o * (1 - tanh_c ** 2)", "dh * o")),
    variant(_L2, "lstm-back-ignores-dc", ("dc_total = dc + dh", "dc_total = dh")),
    variant(_L2, "lstm-back-dc-prev-without-f", ("dc_prev = dc_total * f", "dc_prev = dc_total")),
    variant(_L2, "lstm-back-no-bias-gradient", ("da.sum(axis=0)", "np.zeros(da.shape[1])")),
    variant(_L2, "lstm-back-dW-transposed", ("da.T @ x", "x.T @ da")),
    variant(_L2, "lstm-back-df-uses-c", ("dc_total * c_prev, dc_total * i", "dc_total * c, dc_total * i")),
    variant(_L2, "lstm-back-db-summed-over-everything", ("da.sum(axis=0)", "da.sum()")),
    variant(_L2, "lstm-back-do-uses-c", ("do = dh * tanh_c", "do = dh * c")),

    # Task 3.3: the LSTM over a sequence
    variant(_L3, "lstm-seq-c-not-carried", ("h, c, step_cache =", "h, _, step_cache =")),
    variant(_L3, "lstm-seq-h-not-carried", ("(x[t], h, c, W, U, b)", "(x[t], h0, c, W, U, b)")),
    variant(_L3, "lstm-seq-h-c-swapped", ("(x[t], h, c, W, U, b)", "(x[t], c, h, W, U, b)")),
    variant(_L3, "lstm-seq-reversed-time", ("for t in range(x.shape[0])", "for t in reversed(range(x.shape[0]))")),
    variant(_L3, "lstm-seq-loop-one-short", ("range(x.shape[0])", "range(x.shape[0] - 1)")),
    variant(_L3, "lstm-seq-caches-reversed", ("np.stack(states), cache", "np.stack(states), cache[::-1]")),
    variant(_L3, "lstm-seq-batch-major", ("np.stack(states), cache", "np.stack(states, axis=1), cache")),

    # Task 3.4: backpropagation through time for the LSTM
    variant(_L4, "lstm-bptt-dh-next-not-added", ("lstm_step_backward(dh[t] + dh_next,", "lstm_step_backward(dh[t],")),
    variant(_L4, "lstm-bptt-dc-next-not-passed", ("dh_next, dc_next,\n", "dh_next, 0 * dc_next,\n")),
    variant(_L4, "lstm-bptt-weights-not-accumulated",
            ("dW, dU, db = dW + dW_t, dU + dU_t, db + db_t", "dW, dU, db = dW_t, dU_t, db_t")),
    variant(_L4, "lstm-bptt-forward-in-time", ("for t in reversed(range(T)):", "for t in range(T):")),
    variant(_L4, "lstm-bptt-dx-reversed", ("np.stack(dx), dh_next", "np.stack(dx[::-1]), dh_next")),
    variant(_L4, "lstm-bptt-off-by-one", ("reversed(range(T))", "reversed(range(1, T))")),

    # Task 3.5: one GRU step
    variant(_G1, "gru-step-update-flipped", ("h = (1 - z) * n + z * h_prev", "h = z * n + (1 - z) * h_prev")),
    variant(_G1, "gru-step-reset-before-U",
            ("n = np.tanh(ai[:, 2 * H:] + r * hn)",
             "n = np.tanh(ai[:, 2 * H:] + (r * h_prev) @ U[2 * H:].T + b_hh[2 * H:])")),
    variant(_G1, "gru-step-b-hn-outside-reset",
            ("n = np.tanh(ai[:, 2 * H:] + r * hn)",
             "n = np.tanh(ai[:, 2 * H:] + r * (h_prev @ U[2 * H:].T) + b_hh[2 * H:])")),
    variant(_G1, "gru-step-gates-zrn", ("r = sigmoid(ai[:, :H] + ah[:, :H])", "r = sigmoid(ai[:, H:2 * H] + ah[:, H:2 * H])"),
            ("z = sigmoid(ai[:, H:2 * H] + ah[:, H:2 * H])", "z = sigmoid(ai[:, :H] + ah[:, :H])")),
    variant(_G1, "gru-step-no-reset", ("+ r * hn)", "+ hn)")),
    variant(_G1, "gru-step-biases-swapped", ("x @ W.T + b_ih", "x @ W.T + b_hh"), ("h_prev @ U.T + b_hh", "h_prev @ U.T + b_ih")),
    variant(_G1, "gru-step-W-not-transposed", ("x @ W.T", "x @ W")),

    # Task 3.6: the GRU step backward
    variant(_G2, "gru-back-no-direct-path", ("dh_prev = dh * z + d_hid @ U", "dh_prev = d_hid @ U")),
    variant(_G2, "gru-back-dz-sign-flipped", ("dz = dh * (h_prev - n)", "dz = dh * (n - h_prev)")),
    variant(_G2, "gru-back-sigmoid-derivative-for-n", ("dn * (1 - n ** 2)", "dn * n * (1 - n)")),
    variant(_G2, "gru-back-dr-uses-h-prev", ("da_n * hn * r", "da_n * h_prev * r")),
    variant(_G2, "gru-back-reset-factor-missing", ("da_n * r], axis=1)", "da_n], axis=1)")),
    variant(_G2, "gru-back-no-input-bias-gradient", ("d_in.sum(axis=0)", "np.zeros(W.shape[0])")),
    variant(_G2, "gru-back-lecture-update-convention", ("dn = dh * (1 - z)", "dn = dh * z"),
            ("dz = dh * (h_prev - n)", "dz = dh * (n - h_prev)"), ("dh * z +", "dh * (1 - z) +")),

    # Task 3.7: the bidirectional wrapper
    variant(_BI, "bidi-not-flipped-back", ("h_bwd[::-1]], axis=-1)", "h_bwd], axis=-1)")),
    variant(_BI, "bidi-input-not-reversed", ("forward_fn(x[::-1], *params_bwd)", "forward_fn(x, *params_bwd)")),
    variant(_BI, "bidi-same-parameters", ("forward_fn(x[::-1], *params_bwd)", "forward_fn(x[::-1], *params_fwd)")),
    variant(_BI, "bidi-halves-swapped", ("[h_fwd, h_bwd[::-1]]", "[h_bwd[::-1], h_fwd]")),
    variant(_BI, "bidi-batch-reversed", ("forward_fn(x[::-1],", "forward_fn(x[:, ::-1],"),
            ("h_bwd[::-1]]", "h_bwd[:, ::-1]]")),
    variant(_BI, "bidi-concatenated-along-time", ("axis=-1)", "axis=0)")),
    variant(_BI, "bidi-caches-swapped", ("axis=-1), (cache_fwd, cache_bwd)", "axis=-1), (cache_bwd, cache_fwd)")),
]

# Correct answers in other styles than the instructor's: they must keep every point.
CORRECT = [
    Correct(_L1, "ok-lstm-step-np-split", '''def lstm_step_forward(x, h_prev, c_prev, W, U, b):
    a_i, a_f, a_g, a_o = np.split(np.dot(x, W.T) + np.dot(h_prev, U.T) + b, 4, axis=1)
    i, f, g, o = 1 / (1 + np.exp(-a_i)), 1 / (1 + np.exp(-a_f)), np.tanh(a_g), 1 / (1 + np.exp(-a_o))
    c = f * c_prev + i * g
    return o * np.tanh(c), c, LSTMStepCache(x=x, h_prev=h_prev, c_prev=c_prev, W=W, U=U, i=i, f=f, g=g, o=o, c=c)'''),
    Correct(_L2, "ok-lstm-back-einsum", '''def lstm_step_backward(dh, dc, cache):
    tc = np.tanh(cache.c)
    dct = dc + dh * cache.o * (1 - tc * tc)
    da = np.hstack([dct * cache.g * cache.i * (1 - cache.i), dct * cache.c_prev * cache.f * (1 - cache.f),
                    dct * cache.i * (1 - cache.g * cache.g), dh * tc * cache.o * (1 - cache.o)])
    return (np.einsum("bk,kd->bd", da, cache.W), np.einsum("bk,kh->bh", da, cache.U), dct * cache.f,
            np.einsum("bk,bd->kd", da, cache.x), np.einsum("bk,bh->kh", da, cache.h_prev), np.sum(da, axis=0))'''),
    Correct(_L3, "ok-lstm-seq-preallocated", '''def lstm_forward(x, h0, c0, W, U, b):
    T, B = x.shape[:2]
    h = np.empty((T, B, h0.shape[1]))
    caches = []
    h_t, c_t = h0, c0
    for t, x_t in enumerate(x):
        h_t, c_t, cache_t = lstm_step_forward(x_t, h_t, c_t, W, U, b)
        h[t] = h_t
        caches += [cache_t]
    return h, caches'''),
    Correct(_L4, "ok-lstm-bptt-inplace", '''def lstm_backward(dh, cache):
    dx = np.zeros((dh.shape[0], dh.shape[1], cache[0].x.shape[1]))
    dW, dU, db = 0.0, 0.0, 0.0
    dh_prev = np.zeros(dh.shape[1:])
    dc_prev = np.zeros(dh.shape[1:])
    for t in range(dh.shape[0] - 1, -1, -1):
        grads = lstm_step_backward(dh[t] + dh_prev, dc_prev, cache[t])
        dx[t], dh_prev, dc_prev = grads[:3]
        dW = dW + grads[3]
        dU = dU + grads[4]
        db = db + grads[5]
    return dx, dh_prev, dc_prev, dW, dU, db'''),
    Correct(_G1, "ok-gru-step-blockwise", '''def gru_step_forward(x, h_prev, W, U, b_ih, b_hh):
    H = h_prev.shape[1]
    W_r, W_z, W_n = W[:H], W[H:2 * H], W[2 * H:]
    U_r, U_z, U_n = U[:H], U[H:2 * H], U[2 * H:]
    r = sigmoid(x @ W_r.T + b_ih[:H] + h_prev @ U_r.T + b_hh[:H])
    z = sigmoid(x @ W_z.T + b_ih[H:2 * H] + h_prev @ U_z.T + b_hh[H:2 * H])
    hn = h_prev @ U_n.T + b_hh[2 * H:]
    n = np.tanh(x @ W_n.T + b_ih[2 * H:] + r * hn)
    return n + z * (h_prev - n), GRUStepCache(x, h_prev, W, U, r, z, n, hn)'''),
    Correct(_G2, "ok-gru-back-blockwise", '''def gru_step_backward(dh, cache):
    x, h_prev, W, U, r, z, n, hn = cache
    H = h_prev.shape[1]
    da_n = dh * (1 - z) * (1 - n ** 2)
    da_z = dh * (h_prev - n) * z * (1 - z)
    da_r = da_n * hn * r * (1 - r)
    dx = da_r @ W[:H] + da_z @ W[H:2 * H] + da_n @ W[2 * H:]
    dh_prev = dh * z + da_r @ U[:H] + da_z @ U[H:2 * H] + (da_n * r) @ U[2 * H:]
    dW = np.vstack([da_r.T @ x, da_z.T @ x, da_n.T @ x])
    dU = np.vstack([da_r.T @ h_prev, da_z.T @ h_prev, (da_n * r).T @ h_prev])
    db_ih = np.concatenate([da_r.sum(0), da_z.sum(0), da_n.sum(0)])
    db_hh = np.concatenate([da_r.sum(0), da_z.sum(0), (da_n * r).sum(0)])
    return dx, dh_prev, dW, dU, db_ih, db_hh'''),
    Correct(_BI, "ok-bidi-np-flip", '''def bidirectional_forward(x, forward_fn, params_fwd, params_bwd):
    forward = forward_fn(x, *params_fwd)
    backward = forward_fn(np.flip(x, axis=0), *params_bwd)
    return np.dstack([forward[0], np.flip(backward[0], axis=0)]), (forward[1], backward[1])'''),
]
