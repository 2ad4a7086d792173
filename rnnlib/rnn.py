"""The vanilla (Elman) RNN in NumPy: forward passes with caches and their backward passes (BPTT).

The recurrence, in the book's notation (see ``notation``):

.. math::
    a_t = W x_t + U h_{t-1} + b_h, \\qquad h_t = f(a_t), \\qquad f \\in \\{\\tanh, \\mathrm{relu}\\}

For a batch the rows are examples, so the code reads ``a = x @ W.T + h_prev @ U.T + b_h``.

Shapes, where:
    T = sequence length, B = batch size, D = input size, H = hidden size.

    x: (T, B, D)   h0, h_prev: (B, H)   W: (H, D)   U: (H, H)   b_h: (H,) or None
"""
from typing import NamedTuple, Optional

import numpy as np

from ._checks import check_array, check_same_dtype
from .activations import get_nonlinearity


class RNNStepCache(NamedTuple):
    """What :func:`rnn_step_backward` needs from one step."""
    x: np.ndarray        # (B, D) input at step t
    h_prev: np.ndarray   # (B, H) state h_{t-1}
    W: np.ndarray        # (H, D)
    U: np.ndarray        # (H, H)
    h: np.ndarray        # (B, H) state h_t = f(a_t), post-activation
    has_bias: bool
    nonlinearity: str


class RNNCache(NamedTuple):
    """What :func:`rnn_backward` needs from a whole sequence."""
    x: np.ndarray        # (T, B, D)
    h0: np.ndarray       # (B, H)
    W: np.ndarray        # (H, D)
    U: np.ndarray        # (H, H)
    h: np.ndarray        # (T, B, H) every state h_1..h_T, post-activation
    has_bias: bool
    nonlinearity: str


def _check_params(W, U, b_h):
    W = check_array("W", W, shape=(("H", None), ("D", None)))
    H = W.shape[0]
    U = check_array("U", U, shape=(("H", H), ("H", H)))
    if b_h is not None:
        b_h = check_array("b_h", b_h, shape=(("H", H),))
    check_same_dtype(W=W, U=U, b_h=b_h)
    return W, U, b_h


def rnn_step_forward(x, h_prev, W, U, b_h=None, nonlinearity="tanh"):
    """One step of the RNN: :math:`h_t = f(W x_t + U h_{t-1} + b_h)`.

    Args:
        x: (B, D) input at step t.
        h_prev: (B, H) previous hidden state :math:`h_{t-1}`.
        W: (H, D) input-to-hidden weights.
        U: (H, H) hidden-to-hidden weights.
        b_h: (H,) hidden bias, or None for no bias.
        nonlinearity: ``'tanh'`` or ``'relu'``.

    Returns:
        h: (B, H) the new state :math:`h_t`.
        cache: :class:`RNNStepCache` for :func:`rnn_step_backward`.

    See also: the book's section ``forward-pass``.
    """
    W, U, b_h = _check_params(W, U, b_h)
    H, D = W.shape
    x = check_array("x", x, shape=(("B", None), ("D", D)))
    h_prev = check_array("h_prev", h_prev,
                         shape=(("B", x.shape[0]), ("H", H)))
    check_same_dtype(x=x, h_prev=h_prev, W=W)
    f, _ = get_nonlinearity(nonlinearity)
    a = x @ W.T + h_prev @ U.T                                 # (B, H)
    if b_h is not None:
        a += b_h
    h = f(a)                                                   # (B, H)
    return h, RNNStepCache(x, h_prev, W, U, h, b_h is not None, nonlinearity)


def rnn_step_backward(dh, cache):
    """Backward pass of one RNN step.

    With :math:`\\delta = \\partial L / \\partial a_t = dh \\odot f'(a_t)`:

    .. math::
        \\frac{\\partial L}{\\partial x_t} = \\delta W, \\quad
        \\frac{\\partial L}{\\partial h_{t-1}} = \\delta U, \\quad
        \\frac{\\partial L}{\\partial W} = \\delta^\\top x_t, \\quad
        \\frac{\\partial L}{\\partial U} = \\delta^\\top h_{t-1}, \\quad
        \\frac{\\partial L}{\\partial b_h} = \\textstyle\\sum_b \\delta_b

    Args:
        dh: (B, H) total gradient of the loss with respect to :math:`h_t`.
        cache: from :func:`rnn_step_forward`.

    Returns:
        dx (B, D), dh_prev (B, H), dW (H, D), dU (H, H), db_h (H,) or None.
    """
    x, h_prev, W, U, h, has_bias, nonlinearity = cache
    dh = check_array("dh", dh, shape=(("B", h.shape[0]), ("H", h.shape[1])))
    _, f_grad = get_nonlinearity(nonlinearity)
    da = dh * f_grad(h)         # delta = dL/da_t = dh * f'(a_t)     (B, H)
    dx = da @ W                 # dL/dx_t = delta W                  (B, D)
    dh_prev = da @ U            # dL/dh_{t-1} = delta U              (B, H)
    dW = da.T @ x               # dL/dW = delta^T x_t                (H, D)
    dU = da.T @ h_prev          # dL/dU = delta^T h_{t-1}            (H, H)
    # dL/db_h = sum over the batch                                   (H,)
    db_h = da.sum(axis=0) if has_bias else None
    return dx, dh_prev, dW, dU, db_h


def rnn_forward(x, h0, W, U, b_h=None, nonlinearity="tanh"):
    """Run the RNN over a whole sequence:
    :math:`h_t = f(W x_t + U h_{t-1} + b_h)`, t = 1..T.

    The input projections :math:`W x_t` of all steps are one matrix product;
    only the recurrent part runs step by step.

    Args:
        x: (T, B, D) inputs, time-major.
        h0: (B, H) initial state, or None for zeros.
        W: (H, D) input-to-hidden weights.
        U: (H, H) hidden-to-hidden weights.
        b_h: (H,) hidden bias, or None.
        nonlinearity: ``'tanh'`` or ``'relu'``.

    Returns:
        h: (T, B, H) states :math:`h_1, \\dots, h_T` (``h[-1]`` is the final
            state).
        cache: :class:`RNNCache` for :func:`rnn_backward`.

    See also: the book's section ``forward-pass``.
    """
    W, U, b_h = _check_params(W, U, b_h)
    H, D = W.shape
    x = check_array("x", x, shape=(("T", None), ("B", None), ("D", D)))
    T, B, _ = x.shape
    check_same_dtype(x=x, W=W)
    if h0 is None:
        h0 = np.zeros((B, H), dtype=W.dtype)
    h0 = check_array("h0", h0, shape=(("B", B), ("H", H)))
    check_same_dtype(h0=h0, W=W)
    f, _ = get_nonlinearity(nonlinearity)

    a = x @ W.T                  # W x_t for every t at once     (T, B, H)
    if b_h is not None:
        a += b_h
    h = np.empty((T, B, H), dtype=W.dtype)                     # (T, B, H)
    h_prev = h0
    for t in range(T):
        a_t = a[t]
        a_t += h_prev @ U.T      # a_t = W x_t + b_h + U h_{t-1}  (B, H)
        h[t] = f(a_t)            # h_t = f(a_t)
        h_prev = h[t]
    return h, RNNCache(x, h0, W, U, h, b_h is not None, nonlinearity)


def rnn_backward(dh, cache):
    """Backpropagation through time for :func:`rnn_forward`.

    ``dh[t]`` holds only the *direct* gradient
    :math:`\\partial L / \\partial h_t` (from the output at step t).
    The total gradient adds what flows back from step t+1:

    .. math::
        \\frac{dL}{dh_t} = \\frac{\\partial L}{\\partial h_t}
            + \\Big(\\frac{dL}{dh_{t+1}} \\odot f'(a_{t+1})\\Big) U

    and the weight gradients are sums over time of the per-step terms.

    Args:
        dh: (T, B, H) upstream gradients on every state.
        cache: from :func:`rnn_forward`.

    Returns:
        dx (T, B, D), dh0 (B, H), dW (H, D), dU (H, H), db_h (H,) or None.

    See also: the book's chapter ``bptt``.
    """
    x, h0, W, U, h, has_bias, nonlinearity = cache
    dh = check_array("dh", dh, shape=(("T", h.shape[0]), ("B", h.shape[1]),
                                      ("H", h.shape[2])))
    _, f_grad = get_nonlinearity(nonlinearity)
    T = h.shape[0]
    da = dh * f_grad(h)            # direct part of delta_t, all t  (T, B, H)
    dU = np.zeros_like(U)
    dh_next = np.zeros_like(h0)    # dL/dh_t carried from step t+1  (B, H)
    for t in reversed(range(T)):
        da_t = da[t]
        # delta_t = (dh_t + dh_next) * f'(a_t)
        da_t += dh_next * f_grad(h[t])
        h_prev = h[t - 1] if t > 0 else h0
        dU += da_t.T @ h_prev      # dL/dU += delta_t^T h_{t-1}     (H, H)
        dh_next = da_t @ U         # dL/dh_{t-1} = delta_t U        (B, H)
    B = h.shape[1]
    da_flat = da.reshape(T * B, -1)                            # (T*B, H)
    dx = da @ W                    # dL/dx_t = delta_t W            (T, B, D)
    dW = da_flat.T @ x.reshape(T * B, -1)  # sum_t delta_t^T x_t    (H, D)
    # sum_t sum_b delta_t                                           (H,)
    db_h = da_flat.sum(axis=0) if has_bias else None
    return dx, dh_next, dW, dU, db_h
