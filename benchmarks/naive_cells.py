"""Straightforward (cs231n-style) LSTM, GRU and RNN: what a careful student writes first.

This is the baseline that ``bench_cells.py`` compares ``rnnlib`` with, written as cs231n's
assignment 3 writes the LSTM: a step function with one fused product for all gates
(``a = x_t W^T + h_{t-1} U^T + b``, a (B, 4H) block), the plain sigmoid ``1 / (1 + exp(-a))``
(the one rnnlib's LSTM and GRU use), a loop over the steps with a tuple cache per step, and a
backward loop that builds each step's (B, 4H) gradient block and adds the weight gradients step
by step. It is correct (the benchmark checks it against ``rnnlib`` before timing; so does
``tests/benchmarks/test_naive_cells.py``).

What it leaves to ``rnnlib``: one product for the input projections of all steps (forward) and for
the weight gradients of all steps (backward), preallocated caches and gate blocks written in
place. Same weight layout as ``rnnlib`` (gates stacked i, f, g, o / r, z, n).
"""
import numpy as np

from rnnlib.rnn import rnn_step_backward, rnn_step_forward


def sigmoid(a):
    """The plain logistic sigmoid (for |a| < 700 in float64, 88 in float32, as here)."""
    return 1 / (1 + np.exp(-a))


# ----- LSTM ------------------------------------------------------------------------------------
def lstm_step_forward(x, h_prev, c_prev, W, U, b):
    H = U.shape[1]
    a = x @ W.T + h_prev @ U.T + b                       # all four gates at once   (B, 4H)
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
    g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (x, h_prev, c_prev, i, f, g, o, tanh_c)


def lstm_step_backward(dh, dc, cache, W, U):
    x, h_prev, c_prev, i, f, g, o, tanh_c = cache
    do = dh * tanh_c
    dc = dc + dh * o * (1 - tanh_c ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                         dc * i * (1 - g ** 2), do * o * (1 - o)], axis=1)   # (B, 4H)
    return (da @ W, da @ U, dc * f,                      # dx, dh_prev, dc_prev
            da.T @ x, da.T @ h_prev, da.sum(axis=0))     # dW, dU, db


def lstm_forward(x, h0, c0, W, U, b):
    h, c, caches, hs = h0, c0, [], []
    for t in range(x.shape[0]):
        h, c, cache = lstm_step_forward(x[t], h, c, W, U, b)
        caches.append(cache)
        hs.append(h)
    return np.stack(hs), c, (caches, W, U)


def lstm_backward(dh, dc_n, cache):
    caches, W, U = cache
    dx = np.empty((len(caches), dh.shape[1], W.shape[1]), dtype=W.dtype)
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros(U.shape[0], dtype=W.dtype)
    dh_next = np.zeros_like(dh[0])
    dc_next = np.zeros_like(dh[0]) if dc_n is None else dc_n
    for t in reversed(range(len(caches))):
        dx[t], dh_next, dc_next, dW_t, dU_t, db_t = lstm_step_backward(
            dh[t] + dh_next, dc_next, caches[t], W, U)
        dW += dW_t
        dU += dU_t
        db += db_t
    return dx, dh_next, dc_next, dW, dU, db


# ----- GRU (torch's convention) ----------------------------------------------------------------
def gru_step_forward(x, h_prev, W, U, b_ih, b_hh):
    H = U.shape[1]
    gi = x @ W.T + b_ih                                  # input side of r, z, n    (B, 3H)
    gh = h_prev @ U.T + b_hh                             # hidden side of r, z, n   (B, 3H)
    r = sigmoid(gi[:, :H] + gh[:, :H])
    z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    hn = gh[:, 2 * H:]
    n = np.tanh(gi[:, 2 * H:] + r * hn)
    h = (1 - z) * n + z * h_prev
    return h, (x, h_prev, r, z, n, hn)


def gru_step_backward(dh, cache, W, U):
    x, h_prev, r, z, n, hn = cache
    da_n = dh * (1 - z) * (1 - n ** 2)
    da_z = dh * (h_prev - n) * z * (1 - z)
    da_r = da_n * hn * r * (1 - r)
    da_x = np.concatenate([da_r, da_z, da_n], axis=1)        # dL/d(W x + b_ih)    (B, 3H)
    da_h = np.concatenate([da_r, da_z, da_n * r], axis=1)    # dL/d(U h + b_hh)    (B, 3H)
    return (da_x @ W, da_h @ U + dh * z,                 # dx, dh_prev
            da_x.T @ x, da_h.T @ h_prev, da_x.sum(axis=0), da_h.sum(axis=0))


def gru_forward(x, h0, W, U, b_ih, b_hh):
    h, caches, hs = h0, [], []
    for t in range(x.shape[0]):
        h, cache = gru_step_forward(x[t], h, W, U, b_ih, b_hh)
        caches.append(cache)
        hs.append(h)
    return np.stack(hs), (caches, W, U)


def gru_backward(dh, cache):
    caches, W, U = cache
    dx = np.empty((len(caches), dh.shape[1], W.shape[1]), dtype=W.dtype)
    dW, dU = np.zeros_like(W), np.zeros_like(U)
    db_ih, db_hh = np.zeros(U.shape[0], dtype=W.dtype), np.zeros(U.shape[0], dtype=W.dtype)
    dh_next = np.zeros_like(dh[0])
    for t in reversed(range(len(caches))):
        dx[t], dh_next, dW_t, dU_t, db_ih_t, db_hh_t = gru_step_backward(
            dh[t] + dh_next, caches[t], W, U)
        dW += dW_t
        dU += dU_t
        db_ih += db_ih_t
        db_hh += db_hh_t
    return dx, dh_next, dW, dU, db_ih, db_hh


# ----- RNN: a loop over rnnlib's step functions -----------------------------------------------
def rnn_forward(x, h0, W, U, b_h):
    h, caches, hs = h0, [], []
    for t in range(x.shape[0]):
        h, step_cache = rnn_step_forward(x[t], h, W, U, b_h)
        caches.append(step_cache)
        hs.append(h)
    return np.stack(hs), caches


def rnn_backward(dh, caches):
    dx, dh_next = [None] * len(caches), np.zeros_like(dh[0])
    sums = None
    for t in reversed(range(len(caches))):
        dx[t], dh_next, *grads = rnn_step_backward(dh[t] + dh_next, caches[t])
        sums = grads if sums is None else [s + g for s, g in zip(sums, grads)]
    return (np.stack(dx), dh_next, *sums)
