"""The LSTM in NumPy: step and sequence forward passes with caches, and their backward passes.

The cell, in the book's notation, with the four gates stacked in ``torch.nn``'s order i, f, g, o:

.. math::
    a_t &= W x_t + U h_{t-1} + b = [a_i; a_f; a_g; a_o] \\in \\mathbb{R}^{4H} \\\\
    i_t &= \\sigma(a_i), \\quad f_t = \\sigma(a_f), \\quad g_t = \\tanh(a_g), \\quad
        o_t = \\sigma(a_o) \\\\
    c_t &= f_t \\odot c_{t-1} + i_t \\odot g_t \\\\
    h_t &= o_t \\odot \\tanh(c_t)

For a batch the rows are examples: ``a = x @ W.T + h_prev @ U.T + b`` is one fused (B, 4H) block.
``torch.nn.LSTM`` keeps two biases; here ``b = b_ih + b_hh``.

Shapes, where T = sequence length, B = batch size, D = input size, H = hidden size:

    x: (T, B, D)   h0, c0, h_prev, c_prev: (B, H)   W: (4H, D)   U: (4H, H)   b: (4H,) or None

Return convention: the step returns ``(h, c, cache)``; the sequence returns ``(h, c_n, cache)``
with every hidden state ``h`` (T, B, H) but only the final cell state ``c_n`` (B, H), as
``torch.nn.LSTM`` does. The backward passes take the gradients in the same order, then the cache.

See also: the book's chapter ``lstm``.
"""
from typing import NamedTuple

import numpy as np

from ._checks import check_array, check_same_dtype
from .activations import sigmoid_


def _gates(a, H):
    """Views of the four (.., H) blocks of a (.., 4H) array: i, f, g, o."""
    return a[..., :H], a[..., H:2 * H], a[..., 2 * H:3 * H], a[..., 3 * H:]


def _activate_(a, H):
    """In place: a (B, 4H) pre-activations -> [sigma(a_i), sigma(a_f), tanh(a_g), sigma(a_o)]."""
    sigmoid_(a[..., :2 * H])                      # i, f
    np.tanh(a[..., 2 * H:3 * H], out=a[..., 2 * H:3 * H])   # g
    sigmoid_(a[..., 3 * H:])                      # o
    return a


class LSTMStepCache(NamedTuple):
    """What :func:`lstm_step_backward` needs from one step."""
    x: np.ndarray        # (B, D) input x_t
    h_prev: np.ndarray   # (B, H) h_{t-1}
    c_prev: np.ndarray   # (B, H) c_{t-1}
    W: np.ndarray        # (4H, D)
    U: np.ndarray        # (4H, H)
    gates: np.ndarray    # (B, 4H) i, f, g, o after their nonlinearities
    tanh_c: np.ndarray   # (B, H) tanh(c_t)
    has_bias: bool


class LSTMCache(NamedTuple):
    """What :func:`lstm_backward` needs from a whole sequence (memory linear in T)."""
    x: np.ndarray        # (T, B, D) inputs
    h: np.ndarray        # (T+1, B, H) h_0, h_1, ..., h_T
    c: np.ndarray        # (T+1, B, H) c_0, c_1, ..., c_T
    W: np.ndarray        # (4H, D)
    U: np.ndarray        # (4H, H)
    gates: np.ndarray    # (T, B, 4H) i, f, g, o of every step, after their nonlinearities
    tanh_c: np.ndarray   # (T, B, H) tanh(c_t)
    has_bias: bool


def _check_params(W, U, b):
    U = check_array("U", U, shape=(("4H", None), ("H", None)))
    H = U.shape[1]
    U = check_array("U", U, shape=(("4H", 4 * H), ("H", H)))
    W = check_array("W", W, shape=(("4H", 4 * H), ("D", None)))
    if b is not None:
        b = check_array("b", b, shape=(("4H", 4 * H),))
    check_same_dtype(W=W, U=U, b=b)
    return W, U, b


def lstm_step_forward(x, h_prev, c_prev, W, U, b=None):
    """One LSTM step (equations in the module docstring).

    Args:
        x: (B, D) input :math:`x_t`.
        h_prev, c_prev: (B, H) previous hidden and cell states.
        W: (4H, D) input-to-hidden weights, gates stacked i, f, g, o.
        U: (4H, H) hidden-to-hidden weights, same stacking.
        b: (4H,) bias (``b_ih + b_hh`` of torch), or None.

    Returns:
        h: (B, H) :math:`h_t`;  c: (B, H) :math:`c_t`;
        cache: :class:`LSTMStepCache`.
    """
    W, U, b = _check_params(W, U, b)
    H, D = U.shape[1], W.shape[1]
    x = check_array("x", x, shape=(("B", None), ("D", D)))
    B = x.shape[0]
    h_prev = check_array("h_prev", h_prev, shape=(("B", B), ("H", H)))
    c_prev = check_array("c_prev", c_prev, shape=(("B", B), ("H", H)))
    check_same_dtype(x=x, h_prev=h_prev, c_prev=c_prev, W=W)
    gates = x @ W.T + h_prev @ U.T    # a = W x_t + U h_{t-1}        (B, 4H)
    if b is not None:
        gates += b                    # a += b
    # sigma(a_i), sigma(a_f), tanh(a_g), sigma(a_o)
    i, f, g, o = _gates(_activate_(gates, H), H)
    c = f * c_prev + i * g            # c_t = f * c_{t-1} + i * g    (B, H)
    tanh_c = np.tanh(c)
    h = o * tanh_c                    # h_t = o * tanh(c_t)          (B, H)
    return h, c, LSTMStepCache(x, h_prev, c_prev, W, U, gates, tanh_c,
                               b is not None)


def lstm_step_backward(dh, dc, cache):
    """Backward pass of one LSTM step.

    Args:
        dh: (B, H) total gradient on :math:`h_t`.
        dc: (B, H) gradient on :math:`c_t` from step t+1 (or from ``c_n``),
            or None for zero.
        cache: from :func:`lstm_step_forward`.

    Returns:
        dx (B, D), dh_prev (B, H), dc_prev (B, H), dW (4H, D), dU (4H, H),
        db (4H,) or None.
    """
    x, h_prev, c_prev, W, U, gates, tanh_c, has_bias = cache
    H = U.shape[1]
    dh = check_array("dh", dh, shape=(("B", x.shape[0]), ("H", H)))
    i, f, g, o = _gates(gates, H)
    da = np.empty_like(gates)                  # dL/da                (B, 4H)
    da_i, da_f, da_g, da_o = _gates(da, H)
    # h_t = o * tanh(c_t)
    # dL/da_o = dh * tanh(c_t) * sigma'(a_o)
    da_o[...] = dh * tanh_c * o * (1 - o)
    # dL/dc_t, both paths
    dc = dh * o * (1 - tanh_c ** 2) + (0 if dc is None else dc)
    # c_t = f * c_{t-1} + i * g
    # dL/da_i = dc * g * sigma'(a_i)
    da_i[...] = dc * g * i * (1 - i)
    # dL/da_f = dc * c_{t-1} * sigma'(a_f)
    da_f[...] = dc * c_prev * f * (1 - f)
    # dL/da_g = dc * i * tanh'(a_g)
    da_g[...] = dc * i * (1 - g ** 2)
    dc_prev = dc * f                           # dL/dc_{t-1} = dc * f
    # a = W x_t + U h_{t-1} + b
    dx = da @ W                                # (B, D)
    dh_prev = da @ U                           # (B, H)
    dW = da.T @ x                              # (4H, D)
    dU = da.T @ h_prev                         # (4H, H)
    db = da.sum(axis=0) if has_bias else None  # (4H,)
    return dx, dh_prev, dc_prev, dW, dU, db


def lstm_forward(x, h0, c0, W, U, b=None):
    """Run the LSTM over a sequence (equations in the module docstring), t = 1..T.

    The input projections :math:`W x_t + b` of all steps are one matrix product, written
    into a preallocated (T, B, 4H) block that the loop then turns, step by step and in place,
    into the gates. The sigmoid gates are :math:`\\sigma(a) = 1 / (1 + e^{-a})`: the rows of
    W, U and b that feed i, f and o are negated once (exactly), so that the loop's ``exp``
    gives :math:`e^{-a}` directly.

    Args:
        x: (T, B, D) inputs, time-major.
        h0, c0: (B, H) initial states, or None for zeros.
        W: (4H, D), U: (4H, H), b: (4H,) or None.

    Returns:
        h: (T, B, H) hidden states :math:`h_1..h_T` (a view into the cache: copy before
        changing it in place);  c_n: (B, H) the final cell state :math:`c_T`;
        cache: :class:`LSTMCache`.
    """
    W, U, b = _check_params(W, U, b)
    H, D = U.shape[1], W.shape[1]
    x = check_array("x", x, shape=(("T", None), ("B", None), ("D", D)))
    T, B, _ = x.shape
    check_same_dtype(x=x, W=W)
    h = np.empty((T + 1, B, H), dtype=W.dtype)   # h_0..h_T                      (T+1, B, H)
    c = np.empty((T + 1, B, H), dtype=W.dtype)   # c_0..c_T                      (T+1, B, H)
    for name, s0, store in (("h0", h0, h), ("c0", c0, c)):
        if s0 is None:
            store[0] = 0
        else:
            s0 = check_array(name, s0, shape=(("B", B), ("H", H)))
            check_same_dtype(W=W, **{name: s0})
            store[0] = s0

    # sigma(a) = 1 / (1 + exp(-a)): negate the rows of i, f, o once (exact), so that the loop
    # takes exp of its pre-activations as they are; g keeps its sign for its tanh.
    sigmoid_rows = np.ones(4 * H, dtype=bool)    # True for the rows of i, f, o     (4H,)
    sigmoid_rows[2 * H:3 * H] = False
    tanh_rows = ~sigmoid_rows                    # True for the rows of g            (4H,)
    sign = np.where(sigmoid_rows, -1, 1).astype(W.dtype)   # -1 for i, f, o; 1 for g  (4H,)
    gates = (x.reshape(T * B, D) @ (sign[:, None] * W).T).reshape(T, B, 4 * H)  # W x_t, all t
    if b is not None:
        gates += sign * b
    UT = np.ascontiguousarray((sign[:, None] * U).T)  # (H, 4H) row-major: faster h @ UT
    Uh = np.empty((B, 4 * H), dtype=W.dtype)
    ig = np.empty((B, H), dtype=W.dtype)
    tanh_c = np.empty((T, B, H), dtype=W.dtype)
    with np.errstate(over="ignore"):           # exp(-a) = inf for a << 0 gives sigma = 0
        for t in range(T):
            a = gates[t]
            np.matmul(h[t], UT, out=Uh)        # U h_{t-1}                       (B, 4H)
            a += Uh                            # a_t = W x_t + b + U h_{t-1} (i, f, o negated)
            np.exp(a, out=a, where=sigmoid_rows)            # exp(-a) for i, f, o
            np.add(a, 1, out=a, where=sigmoid_rows)
            np.reciprocal(a, out=a, where=sigmoid_rows)     # i, f, o = 1 / (1 + exp(-a))
            np.tanh(a, out=a, where=tanh_rows)              # g = tanh(a_g)
            i, f, g, o = _gates(a, H)
            np.multiply(f, c[t], out=c[t + 1])  # c_t = f * c_{t-1} ...
            np.multiply(i, g, out=ig)
            c[t + 1] += ig                      #       ... + i * g
            np.tanh(c[t + 1], out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=h[t + 1])  # h_t = o * tanh(c_t)
    return h[1:], c[T].copy(), LSTMCache(x, h, c, W, U, gates, tanh_c, b is not None)


def lstm_backward(dh, dc_n, cache):
    """Backpropagation through time for :func:`lstm_forward`.

    ``dh[t]`` is the direct gradient on :math:`h_t` (add the gradient on ``h_n`` to
    ``dh[-1]``); the loop adds what flows back from step t+1:

    .. math::
        \\frac{dL}{dh_t} = \\frac{\\partial L}{\\partial h_t}
            + \\frac{dL}{da_{t+1}} U, \\qquad
        \\frac{dL}{dc_t} = \\frac{dL}{dh_t} \\odot o_t \\odot (1 - \\tanh^2 c_t)
            + \\frac{dL}{dc_{t+1}} \\odot f_{t+1}

    The loop writes every step's :math:`dL/da_t` into one preallocated (T, B, 4H) block, so
    that the weight gradients are one matrix product each after it.

    Args:
        dh: (T, B, H) upstream gradients on every hidden state.
        dc_n: (B, H) gradient on the final cell state, or None.
        cache: from :func:`lstm_forward`.

    Returns:
        dx (T, B, D), dh0 (B, H), dc0 (B, H), dW (4H, D), dU (4H, H), db (4H,) or None.
    """
    x, h, c, W, U, gates, tanh_c, has_bias = cache
    T, B, H = h.shape[0] - 1, h.shape[1], h.shape[2]
    dh = check_array("dh", dh, shape=(("T", T), ("B", B), ("H", H)))
    dtype = gates.dtype
    i, f, g, o = _gates(gates, H)                # all steps                       (T, B, H)
    # What does not depend on the gradients flowing back, for all steps at once:
    #   dL/da_t = [dc_t * g * sigma'(a_i), dc_t * c_{t-1} * sigma'(a_f),
    #              dc_t * i * tanh'(a_g), dh_t * tanh(c_t) * sigma'(a_o)]
    # with sigma' = s (1 - s) and tanh' = 1 - g^2; the loop multiplies by dc_t and dh_t in place.
    da = np.subtract(1, gates)                   # (T, B, 4H)
    da *= gates                                  # s (1 - s) for i, f, o
    da_i, da_f, da_g, da_o = _gates(da, H)
    np.multiply(g, g, out=da_g)
    np.subtract(1, da_g, out=da_g)               # tanh'(a_g) = 1 - g^2
    da_i *= g
    da_f *= c[:-1]
    da_g *= i
    da_o *= tanh_c
    dc_dh = np.multiply(tanh_c, tanh_c)          # dc_t/dh_t = o * (1 - tanh^2 c_t)  (T, B, H)
    np.subtract(1, dc_dh, out=dc_dh)
    dc_dh *= o
    dh_next = np.zeros((B, H), dtype=dtype)      # dL/dh_t carried from step t+1
    dc_next = np.zeros((B, H), dtype=dtype) if dc_n is None else \
        check_array("dc_n", dc_n, shape=(("B", B), ("H", H))).copy()
    dh_t, dc_t = np.empty((B, H), dtype=dtype), np.empty((B, H), dtype=dtype)
    for t in reversed(range(T)):
        da_i, da_f, da_g, da_o = _gates(da[t], H)
        np.add(dh[t], dh_next, out=dh_t)         # dL/dh_t = direct + from step t+1
        np.multiply(dh_t, dc_dh[t], out=dc_t)
        dc_t += dc_next                          # dL/dc_t = dh_t o (1 - tanh^2 c_t) + dc_next
        da_i *= dc_t                             # dL/da_i = dc_t * g * i (1 - i)
        da_f *= dc_t                             # dL/da_f = dc_t * c_{t-1} * f (1 - f)
        da_g *= dc_t                             # dL/da_g = dc_t * i * (1 - g^2)
        da_o *= dh_t                             # dL/da_o = dh_t * tanh(c_t) * o (1 - o)
        np.multiply(dc_t, f[t], out=dc_next)     # dL/dc_{t-1} = dc_t * f
        np.matmul(da[t], U, out=dh_next)         # dL/dh_{t-1} = da_t U           (B, H)
    da_flat = da.reshape(T * B, 4 * H)           # (T*B, 4H)
    dx = (da_flat @ W).reshape(T, B, -1)         # dL/dx_t = da_t W               (T, B, D)
    dW = da_flat.T @ x.reshape(T * B, -1)        # sum_t da_t^T x_t               (4H, D)
    dU = da_flat.T @ h[:-1].reshape(T * B, H)    # sum_t da_t^T h_{t-1}           (4H, H)
    db = da_flat.sum(axis=0) if has_bias else None  # sum over t and the batch    (4H,)
    return dx, dh_next, dc_next, dW, dU, db
