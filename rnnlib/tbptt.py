"""Truncated backpropagation through time over one long sequence, in NumPy (lecture 001's k1, k2).

Every k1 steps, run BPTT back at most k2 steps (k2 >= k1), then update the parameters.
At an update after step t the loss is that of the last k1 steps, and the graph starts at the
stored state :math:`h_{t-k_2}`, which counts as a constant (the gradient is cut there):

.. math::
    L^{(t)} = \\sum_{s=t-k_1+1}^{t} L_s(V h_s + b_y,\\ y_s), \\qquad
    h_s = f(W x_s + U h_{s-1} + b_h) \\ \\text{for } s = t-k_2+1, \\dots, t, \\qquad
    \\frac{\\partial h_{t-k_2}}{\\partial \\theta} := 0

The states of the window are recomputed with the current parameters from :math:`h_{t-k_2}`;
the last one, :math:`h_t`, is carried into the next chunk (the network is *stateful*: it sees
the stream as one sequence, although no gradient crosses more than k2 steps).
k1 = k2 is the canonical TBPTT: the stream is cut into chunks of k1 steps, each a separate
graph; k1 = k2 = T is full BPTT. A last chunk shorter than k1 is updated on too; its graph
also starts k2 - k1 steps before its first loss step (so with k1 = k2 it is a chunk of its own).

Parameters are a dict ``{"W", "U", "b_h", "V", "b_y"}`` (biases may be None or absent);
gradients come back under the same names.

Shapes, where T = length of the stream, B = batch (parallel streams), D, H, K as usual:
    x: (T, B, D)   y: (T, B) labels or (T, B, K) targets   h0: (B, H)
    W: (H, D)   U: (H, H)   b_h: (H,)   V: (K, H)   b_y: (K,)

See also: the book's chapter ``bptt`` (truncated BPTT), and :func:`rnnlib.training.train_tbptt`
for the PyTorch loop with ``detach``.
"""
from typing import NamedTuple

import numpy as np

from ._checks import check_array
from .clipping import clip_by_global_norm, global_norm
from .losses import softmax_cross_entropy
from .output import output_backward, output_forward
from .rnn import rnn_backward, rnn_forward


class Chunk(NamedTuple):
    """One update of truncated BPTT."""
    start: int                  # first step whose loss counts (0-based)
    stop: int                   # one past the last step; the update happens after step stop
    loss: float                 # the loss of steps start..stop-1
    grads: dict                 # gradients of that loss, keyed like params
    h_last: np.ndarray          # (B, H) state after step stop, carried into the next chunk


class History(NamedTuple):
    losses: list                # one loss per chunk
    grad_norms: list            # the global gradient norm of each chunk, before clipping
    h_last: np.ndarray          # (B, H) the final state


def update_steps(T, k1):
    """The steps after which truncated BPTT updates: k1, 2 k1, ..., and T."""
    stops = list(range(k1, T + 1, k1))
    return stops if stops and stops[-1] == T else stops + [T]


def tbptt_chunks(x, y, params, k1, k2=None, h0=None, nonlinearity="tanh",
                 loss_fn=softmax_cross_entropy):
    """Generate the chunks of truncated BPTT; update ``params`` in place between them.

    Args:
        x: (T, B, D) the stream's inputs.
        y: the targets, (T, B) labels or (T, B, K), as ``loss_fn`` takes them.
        params: dict with W, U, V and optionally b_h, b_y; read afresh at every chunk, so an
            optimizer may update the arrays in place between chunks.
        k1: steps between updates.
        k2: how many steps back BPTT goes (k2 >= k1; None means k2 = k1, canonical TBPTT).
        h0: (B, H) initial state, or None for zeros.
        nonlinearity: ``'tanh'`` or ``'relu'``.
        loss_fn: ``loss_fn(z (n, B, K), y[start:stop]) -> (loss, dz)``, e.g.
            :func:`rnnlib.losses.softmax_cross_entropy` (default) or ``mse_loss``.

    Returns:
        an iterator of :class:`Chunk`, one per update.

    Example::

        for chunk in tbptt_chunks(x, y, params, k1=20):
            optimizer.step(chunk.grads)
    """
    missing = {"W", "U", "V"} - set(params)
    if missing:
        raise ValueError(f"params: expected keys W, U, V (and optionally b_h, b_y), "
                         f"missing {sorted(missing)}")
    k2 = k1 if k2 is None else k2
    if int(k1) != k1 or k1 < 1 or int(k2) != k2 or k2 < k1:
        raise ValueError(f"k1, k2: expected integers with 1 <= k1 <= k2, got k1={k1}, k2={k2}")
    H, D = np.shape(params["W"])
    x = check_array("x", x, shape=(("T", None), ("B", None), ("D", D)))
    T, B, _ = x.shape
    if T == 0:
        raise ValueError(f"x: expected at least one time step, got shape {x.shape}")
    if np.shape(y)[:2] != (T, B):
        raise ValueError(f"y: expected leading shape (T={T}, B={B}), got {np.shape(y)}")
    h0 = np.zeros((B, H), dtype=x.dtype) if h0 is None else h0
    h0 = check_array("h0", h0, shape=(("B", B), ("H", H)))
    return _chunks(x, y, params, int(k1), int(k2), h0, nonlinearity, loss_fn)


def _chunks(x, y, params, k1, k2, h0, nonlinearity, loss_fn):
    T, B, _ = x.shape
    # states[s] = h_s  (T+1, B, H)
    states = np.empty((T + 1,) + h0.shape, dtype=h0.dtype)
    states[0] = h0
    start = 0
    for stop in update_steps(T, k1):
        W, U, V = params["W"], params["U"], params["V"]
        b_h, b_y = params.get("b_h"), params.get("b_y")
        # the graph starts at h_{s0}, a constant
        s0 = max(0, start - (k2 - k1))
        h, cache = rnn_forward(x[s0:stop], states[s0], W, U, b_h,
                               nonlinearity)             # (stop-s0, B, H)
        states[s0 + 1:stop + 1] = h
        # only the last k1 steps: (n, B, K)
        z, out_cache = output_forward(h[start - s0:], V, b_y)
        loss, dz = loss_fn(z, y[start:stop])
        dh_out, dV, db_y = output_backward(dz, out_cache)     # (n, B, H)
        dh = np.zeros_like(h)                            # (stop-s0, B, H)
        dh[start - s0:] = dh_out                 # no loss before `start`
        # dh_{s0} is dropped: the cut
        _, _, dW, dU, db_h = rnn_backward(dh, cache)
        grads = {"W": dW, "U": dU, "b_h": db_h, "V": dV, "b_y": db_y}
        grads = {k: v for k, v in grads.items() if k in params}
        yield Chunk(start, stop, loss, grads, h[-1].copy())
        start = stop


def tbptt_train(x, y, params, optimizer, k1, k2=None, h0=None, max_norm=None,
                nonlinearity="tanh", loss_fn=softmax_cross_entropy):
    """One pass of truncated BPTT over the stream, updating ``params`` in place.

    After each chunk: clip the gradients by global norm (if ``max_norm``), then
    ``optimizer.step(grads)`` (an :mod:`rnnlib.optim` optimizer built on ``params``).
    The other arguments are those of :func:`tbptt_chunks`.

    Returns:
        :class:`History`: the loss and gradient norm of every chunk, and the final state (pass
        it as ``h0`` to continue the stream).
    """
    losses, norms, h_last = [], [], h0
    for chunk in tbptt_chunks(x, y, params, k1, k2, h0, nonlinearity, loss_fn):
        grads = chunk.grads
        if max_norm is not None:
            grads, norm = clip_by_global_norm(grads, max_norm)
        else:
            norm = global_norm(grads)
        optimizer.step(grads)
        losses.append(chunk.loss)
        norms.append(norm)
        h_last = chunk.h_last
    return History(losses, norms, h_last)
