"""Softmax cross-entropy over padded batches: padded positions neither count nor get gradient.

Sequences of different lengths are padded to one length T; a mask :math:`m_{t,b} \\in \\{0, 1\\}`
marks the real tokens. With :math:`p_t = \\mathrm{softmax}(z_t)`:

.. math::
    L = \\frac{1}{N} \\sum_{t,b} m_{t,b} \\left(-\\log p_{t,b,y_{t,b}}\\right), \\qquad
    \\frac{\\partial L}{\\partial z_{t,b}} =
        \\frac{m_{t,b}}{N} (p_{t,b} - \\mathrm{onehot}(y_{t,b}))

where the normaliser N is, by ``normalize``:

* ``"tokens"`` (default): N = number of real tokens :math:`\\sum m_{t,b}`, the mean loss per
  token, as ``torch.nn.functional.cross_entropy(..., ignore_index=pad)``; its exponential is the
  perplexity. Every token weighs the same, whatever the length of its sequence.
* ``"sequences"``: N = B, the loss summed over each sequence's real tokens and averaged over the
  batch, as :func:`rnnlib.losses.softmax_cross_entropy` (the lectures' :math:`L = \\sum_t L_t`).

A batch with no real token has loss 0 and gradient 0 (torch returns nan).

Shapes, where T = length, B = batch, K = classes:
    z: (T, B, K)   y: (T, B) integers, in [0, K) where the mask is 1 (anything elsewhere)
    mask: (T, B) booleans (True = real token)   lengths: (B,)

See also: the book's chapter ``seq2seq`` (padding and masking).
"""
import numpy as np

from ._checks import check_array
from .losses import check_labels, log_softmax


def mask_from_lengths(lengths, T):
    """Mask (T, B) with ``mask[t, b] = t < lengths[b]``: sequences padded at the end."""
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(f"lengths: expected a 1-d integer array (B,), got dtype {lengths.dtype} "
                         f"with shape {lengths.shape}")
    if lengths.size and (lengths.min() < 0 or lengths.max() > T):
        raise ValueError(f"lengths: expected values in [0, T={T}], got range "
                         f"[{lengths.min()}, {lengths.max()}]")
    return np.arange(T)[:, None] < lengths[None, :]                      # (T, B)


def masked_softmax_cross_entropy(z, y, mask, normalize="tokens"):
    """Cross-entropy of softmax outputs over the real (unmasked) tokens only.

    Args:
        z: (T, B, K) scores (logits).
        y: (T, B) integer labels; values under ``mask == False`` are ignored.
        mask: (T, B) booleans, True where the token is real.
        normalize: ``"tokens"`` (mean over real tokens) or ``"sequences"`` (sum over time,
            mean over the batch); see the module docstring.

    Returns:
        loss: float (nats).
        dz: (T, B, K) gradient, zero at masked positions.
    """
    z = check_array("z", z, ndim=3)
    T, B, K = z.shape
    y = check_labels(y, T, B)
    mask = np.asarray(mask)
    if mask.shape != (T, B) or mask.dtype != np.bool_:
        raise ValueError(f"mask: expected a boolean array of shape (T={T}, B={B}), "
                         f"got {mask.dtype} array of shape {mask.shape}")
    if normalize not in ("tokens", "sequences"):
        raise ValueError(f"normalize: expected 'tokens' or 'sequences', got {normalize!r}")
    real = y[mask]
    if real.size and (real.min() < 0 or real.max() >= K):
        raise ValueError(f"y: labels at real tokens must lie in [0, K={K}), got range "
                         f"[{real.min()}, {real.max()}]")
    N = int(mask.sum()) if normalize == "tokens" else B
    y_safe = np.where(mask, y, 0)                                            # (T, B)
    log_probs = log_softmax(z)                                               # (T, B, K)
    picked = np.take_along_axis(log_probs, y_safe[..., None], axis=-1)[..., 0]  # (T, B)
    if N == 0:
        return 0.0, np.zeros_like(z)
    loss = -(picked * mask).sum() / N
    dz = np.exp(log_probs)                                                   # p_t  (T, B, K)
    np.put_along_axis(dz, y_safe[..., None],
                      np.take_along_axis(dz, y_safe[..., None], axis=-1) - 1, axis=-1)
    dz *= mask[..., None] / N                                                # (T, B, K)
    return float(loss), dz
