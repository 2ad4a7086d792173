"""The output layer, applied at every time step: :math:`z_t = V h_t + b_y`.

The prediction is :math:`\\hat y_t = g(z_t)`; ``g`` (softmax, identity) is folded into the loss
(:mod:`rnnlib.losses`), which is both cheaper and numerically stable.

Shapes, where T = sequence length, B = batch, H = hidden size, K = output size:
    h: (T, B, H)   V: (K, H)   b_y: (K,)   z: (T, B, K)
"""
from typing import NamedTuple, Optional

import numpy as np

from ._checks import check_array, check_same_dtype


class OutputCache(NamedTuple):
    h: np.ndarray    # (..., H) hidden states fed to the output layer
    V: np.ndarray    # (K, H)
    has_bias: bool


def output_forward(h, V, b_y=None):
    """Time-distributed affine output layer :math:`z_t = V h_t + b_y`.

    Args:
        h: (T, B, H) hidden states (any leading shape ``(..., H)`` works,
            e.g. one step (B, H)).
        V: (K, H) hidden-to-output weights.
        b_y: (K,) output bias, or None.

    Returns:
        z: (T, B, K) scores (logits for classification), and an
            :class:`OutputCache`.

    See also: the book's section ``forward-pass``.
    """
    V = check_array("V", V, shape=(("K", None), ("H", None)))
    K, H = V.shape
    h = check_array("h", h)
    if h.ndim < 1 or h.shape[-1] != H:
        raise ValueError(f"h: expected shape (..., H={H}), got {h.shape}")
    if b_y is not None:
        b_y = check_array("b_y", b_y, shape=(("K", K),))
    check_same_dtype(h=h, V=V, b_y=b_y)
    z = h @ V.T                                  # (T, B, K)
    if b_y is not None:
        z = z + b_y
    return z, OutputCache(h, V, b_y is not None)


def output_backward(dz, cache):
    """Backward pass of :func:`output_forward`.

    .. math::
        \\frac{\\partial L}{\\partial h_t} = \\frac{\\partial L}{\\partial z_t} V, \\quad
        \\frac{\\partial L}{\\partial V} = \\sum_t \\Big(\\frac{\\partial L}{\\partial z_t}\\Big)^\\top h_t,
        \\quad \\frac{\\partial L}{\\partial b_y} = \\sum_t \\sum_b \\frac{\\partial L}{\\partial z_{t,b}}

    Args:
        dz: (T, B, K) gradient of the loss with respect to the scores.

    Returns:
        dh (T, B, H), dV (K, H), db_y (K,) or None.
    """
    h, V, has_bias = cache
    dz = check_array("dz", dz, shape=h.shape[:-1] + (V.shape[0],))
    K, H = V.shape
    dh = dz @ V                                          # (T, B, H)
    dV = dz.reshape(-1, K).T @ h.reshape(-1, H)          # (K, H)
    db_y = dz.reshape(-1, K).sum(axis=0) if has_bias else None  # (K,)
    return dh, dV, db_y
