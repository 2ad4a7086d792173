"""Embedding lookup: token ids to vectors, :math:`x_{t,b} = E_{\\mathrm{id}_{t,b}}`.

Looking up row i of E is multiplying E by the one-hot vector of i, so the backward pass adds
each upstream gradient to the row it came from:

.. math::
    \\frac{\\partial L}{\\partial E_v} = \\sum_{(t, b):\\ \\mathrm{id}_{t,b} = v}
        \\frac{\\partial L}{\\partial x_{t,b}}

An id that occurs several times collects several gradients. ``dE[ids] += dx`` would keep only
one of them (fancy-index assignment does not accumulate), hence ``np.add.at``.

Shapes, where T = length, B = batch, V = vocabulary size, D = embedding size:
    ids: (T, B) integers in [0, V)   E: (V, D)   x: (T, B, D)

(any leading shape of ``ids`` works; x has that shape plus D).

See also: the book's chapter ``language-models`` and ``torch.nn.Embedding``.
"""
from typing import NamedTuple, Optional

import numpy as np

from ._checks import check_array


class EmbeddingCache(NamedTuple):
    ids: np.ndarray              # (T, B) the looked-up ids
    E_shape: tuple               # (V, D)
    E_dtype: np.dtype
    padding_idx: Optional[int]   # row that gets no gradient, or None


def embedding_forward(ids, E, padding_idx=None):
    """Look up the rows of E: :math:`x_{t,b} = E_{\\mathrm{id}_{t,b}}`.

    Args:
        ids: (T, B) integer token ids in [0, V).
        E: (V, D) embedding matrix.
        padding_idx: an id whose row receives no gradient (as in ``torch.nn.Embedding``), or None.

    Returns:
        x: (T, B, D) embeddings, a new array; and an :class:`EmbeddingCache`.
    """
    E = check_array("E", E, shape=(("V", None), ("D", None)))
    V = E.shape[0]
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids: expected an integer array of shape (T, B), got dtype {ids.dtype} "
                         f"with shape {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids: expected ids in [0, V={V}), got range [{ids.min()}, {ids.max()}]")
    if padding_idx is not None and not 0 <= padding_idx < V:
        raise ValueError(f"padding_idx: expected an id in [0, V={V}), got {padding_idx}")
    x = E[ids]                                   # (T, B, D)
    return x, EmbeddingCache(ids, E.shape, E.dtype, padding_idx)


def embedding_backward(dx, cache):
    """Backward pass of :func:`embedding_forward`: scatter-add dx into the rows of dE.

    Args:
        dx: (T, B, D) upstream gradient.
        cache: from :func:`embedding_forward`.

    Returns:
        d_ids: None (ids are integers: no gradient), dE: (V, D).
    """
    ids, E_shape, E_dtype, padding_idx = cache
    dx = check_array("dx", dx, shape=ids.shape + (E_shape[1],))
    dE = np.zeros(E_shape, dtype=E_dtype)        # (V, D)
    np.add.at(dE, ids, dx)                       # dE[v] += sum of dx where ids == v
    if padding_idx is not None:
        dE[padding_idx] = 0
    return None, dE
