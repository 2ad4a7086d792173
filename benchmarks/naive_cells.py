"""Straightforward (cs231n-style) LSTM, GRU and RNN: one step at a time, one matrix product per
gate, a tuple cache per step, weight gradients summed step by step.

This is the baseline that ``bench_cells.py`` compares ``rnnlib`` with. It is correct (the
benchmark checks it against ``rnnlib`` before timing) but leaves the speed-ups out: no single
product for all input projections, no fused (B, 4H) gate block, no in-place activations, no
preallocated caches. Same weight layout as ``rnnlib`` (gates stacked i, f, g, o / r, z, n).
"""
import numpy as np

from rnnlib.activations import sigmoid
from rnnlib.rnn import rnn_step_backward, rnn_step_forward


def _rows(M, k, H):
    return M[k * H:(k + 1) * H]


# ----- LSTM ------------------------------------------------------------------------------------
def lstm_forward(x, h0, c0, W, U, b):
    H = U.shape[1]
    h, c, caches, hs = h0, c0, [], []
    for t in range(x.shape[0]):
        x_t, h_prev, c_prev = x[t], h, c
        i = sigmoid(x_t @ _rows(W, 0, H).T + h_prev @ _rows(U, 0, H).T + _rows(b, 0, H))
        f = sigmoid(x_t @ _rows(W, 1, H).T + h_prev @ _rows(U, 1, H).T + _rows(b, 1, H))
        g = np.tanh(x_t @ _rows(W, 2, H).T + h_prev @ _rows(U, 2, H).T + _rows(b, 2, H))
        o = sigmoid(x_t @ _rows(W, 3, H).T + h_prev @ _rows(U, 3, H).T + _rows(b, 3, H))
        c = f * c_prev + i * g
        h = o * np.tanh(c)
        caches.append((x_t, h_prev, c_prev, i, f, g, o, c))
        hs.append(h)
    return np.stack(hs), c, (caches, W, U)


def lstm_backward(dh, dc_n, cache):
    caches, W, U = cache
    H = U.shape[1]
    dx = np.zeros((len(caches), dh.shape[1], W.shape[1]), dtype=W.dtype)
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros(4 * H, dtype=W.dtype)
    dh_next = np.zeros_like(dh[0])
    dc_next = np.zeros_like(dh[0]) if dc_n is None else dc_n
    for t in reversed(range(len(caches))):
        x_t, h_prev, c_prev, i, f, g, o, c = caches[t]
        dh_t = dh[t] + dh_next
        tanh_c = np.tanh(c)
        do = dh_t * tanh_c
        dc = dc_next + dh_t * o * (1 - tanh_c ** 2)
        di, df, dg = dc * g, dc * c_prev, dc * i
        dc_next = dc * f
        das = [di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)]
        dh_next = np.zeros_like(h_prev)
        for k, da in enumerate(das):
            dx[t] += da @ _rows(W, k, H)
            dh_next += da @ _rows(U, k, H)
            dW[k * H:(k + 1) * H] += da.T @ x_t
            dU[k * H:(k + 1) * H] += da.T @ h_prev
            db[k * H:(k + 1) * H] += da.sum(axis=0)
    return dx, dh_next, dc_next, dW, dU, db


# ----- GRU (torch's convention) ----------------------------------------------------------------
def gru_forward(x, h0, W, U, b_ih, b_hh):
    H = U.shape[1]
    h, caches, hs = h0, [], []
    for t in range(x.shape[0]):
        x_t, h_prev = x[t], h
        r = sigmoid(x_t @ _rows(W, 0, H).T + _rows(b_ih, 0, H)
                    + h_prev @ _rows(U, 0, H).T + _rows(b_hh, 0, H))
        z = sigmoid(x_t @ _rows(W, 1, H).T + _rows(b_ih, 1, H)
                    + h_prev @ _rows(U, 1, H).T + _rows(b_hh, 1, H))
        hn = h_prev @ _rows(U, 2, H).T + _rows(b_hh, 2, H)
        n = np.tanh(x_t @ _rows(W, 2, H).T + _rows(b_ih, 2, H) + r * hn)
        h = (1 - z) * n + z * h_prev
        caches.append((x_t, h_prev, r, z, n, hn))
        hs.append(h)
    return np.stack(hs), (caches, W, U)


def gru_backward(dh, cache):
    caches, W, U = cache
    H = U.shape[1]
    dx = np.zeros((len(caches), dh.shape[1], W.shape[1]), dtype=W.dtype)
    dW, dU = np.zeros_like(W), np.zeros_like(U)
    db_ih, db_hh = np.zeros(3 * H, dtype=W.dtype), np.zeros(3 * H, dtype=W.dtype)
    dh_next = np.zeros_like(dh[0])
    for t in reversed(range(len(caches))):
        x_t, h_prev, r, z, n, hn = caches[t]
        dh_t = dh[t] + dh_next
        dn = dh_t * (1 - z)
        dz = dh_t * (h_prev - n)
        da_n = dn * (1 - n ** 2)
        dr = da_n * hn
        da_r, da_z = dr * r * (1 - r), dz * z * (1 - z)
        dhn = da_n * r
        dh_next = dh_t * z
        for k, (da_x, da_h) in enumerate([(da_r, da_r), (da_z, da_z), (da_n, dhn)]):
            dx[t] += da_x @ _rows(W, k, H)
            dW[k * H:(k + 1) * H] += da_x.T @ x_t
            db_ih[k * H:(k + 1) * H] += da_x.sum(axis=0)
            dh_next += da_h @ _rows(U, k, H)
            dU[k * H:(k + 1) * H] += da_h.T @ h_prev
            db_hh[k * H:(k + 1) * H] += da_h.sum(axis=0)
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
