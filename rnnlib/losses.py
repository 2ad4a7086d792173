"""Losses summed over time and averaged over the batch, each returning its gradient.

.. math::
    L = \\frac{1}{B} \\sum_{b=1}^{B} \\sum_{t=1}^{T} L_t(\\hat y_{t,b}, y_{t,b})

Summing over time follows the lectures (:math:`L = \\sum_t L_t`); averaging over the batch keeps
the loss of a batch comparable to that of one sequence.
"""
import numpy as np

from ._checks import check_array


def softmax(z, axis=-1):
    """Softmax along ``axis``, shifted by the maximum for stability; same shape as ``z``."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """:math:`\\log \\mathrm{softmax}(z)` along ``axis``, shifted by the maximum for stability."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def check_labels(y, T, B):
    """Return ``y`` as an array after checking it holds integer labels of shape (T, B)."""
    y = np.asarray(y)
    if y.shape != (T, B) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y: expected integer labels of shape (T={T}, B={B}), "
                         f"got {y.dtype} array of shape {y.shape}")
    return y


def softmax_cross_entropy(z, y):
    """Cross-entropy of softmax outputs:
    :math:`L_t = -\\log \\mathrm{softmax}(z_t)_{y_t}`.

    Args:
        z: (T, B, K) scores (logits).
        y: (T, B) integer class labels in ``[0, K)``.

    Returns:
        loss: float, summed over time and averaged over the batch (in nats).
        dz: (T, B, K) gradient
            :math:`(\\hat y_t - \\mathrm{onehot}(y_t)) / B`.
    """
    z = check_array("z", z, ndim=3)
    T, B, K = z.shape
    y = check_labels(y, T, B)
    if y.size and (y.min() < 0 or y.max() >= K):
        raise ValueError(f"y: labels must lie in [0, K={K}), got range "
                         f"[{y.min()}, {y.max()}]")
    log_probs = log_softmax(z)                                  # (T, B, K)
    picked = np.take_along_axis(log_probs, y[..., None],
                                axis=-1)[..., 0]                # (T, B)
    loss = -picked.sum() / B
    dz = np.exp(log_probs)                               # y_hat  (T, B, K)
    np.put_along_axis(dz, y[..., None],
                      np.take_along_axis(dz, y[..., None], axis=-1) - 1,
                      axis=-1)
    dz /= B
    return float(loss), dz


def mse_loss(y_hat, y):
    """Squared error: :math:`L_t = \\lVert \\hat y_t - y_t \\rVert^2`.

    Args:
        y_hat: (T, B, K) predictions.
        y: (T, B, K) targets.

    Returns:
        loss: float, summed over time and outputs, averaged over the batch.
        dy_hat: (T, B, K) gradient :math:`2 (\\hat y_t - y_t) / B`.
    """
    y_hat = check_array("y_hat", y_hat, ndim=3)
    y = check_array("y", y, shape=y_hat.shape)
    B = y_hat.shape[1]
    diff = y_hat - y                             # (T, B, K)
    return float((diff * diff).sum() / B), 2 * diff / B
