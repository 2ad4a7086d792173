"""Weight initializers for recurrent layers, each seeded by an argument (never globally).

Weights are (fan_out, fan_in) matrices as in ``torch.nn`` (``W`` is H x D): fan_in = shape[1],
fan_out = shape[0]. Every function takes ``rng``: None, an integer seed or a
``numpy.random.Generator``, and returns a new float64 array (``dtype`` to change it).

See also: the book's chapter ``exploding-vanishing`` (why the recurrent matrix's spectrum matters).
"""
import numpy as np


def _rng(rng):
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _check_shape(shape):
    shape = tuple(int(s) for s in shape)
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"shape: expected a 2-d shape (fan_out, fan_in) with positive sizes, "
                         f"got {shape}")
    return shape


def orthogonal(shape, gain=1.0, rng=None, blocks=1, dtype=np.float64):
    """A (semi-)orthogonal matrix times ``gain``: rows orthonormal if rows <= cols, else columns.

    .. math::
        A \\sim \\mathcal N(0, 1)^{m \\times n}, \\quad A = QR, \\quad
        Q \\leftarrow Q\\,\\mathrm{diag}(\\mathrm{sign}(R_{ii})), \\quad W = \\mathrm{gain}\\cdot Q

    (the sign fix makes Q uniformly distributed, as in ``torch.nn.init.orthogonal_``). A square
    U then has every singular value equal to ``gain``, so
    :math:`\\lVert U^k h \\rVert = \\mathrm{gain}^k \\lVert h \\rVert`: with gain 1 the linear
    part of the recurrence neither explodes nor vanishes at initialization (Saxe et al. 2014).

    Args:
        shape: (m, n).
        gain: scale of the result.
        rng: None, seed or Generator.
        blocks: split the rows into this many equal blocks, each orthogonal on its own (for
            gate-stacked matrices such as an LSTM's U of shape (4H, H)).

    Returns:
        (m, n) array.
    """
    m, n = _check_shape(shape)
    if blocks < 1 or m % blocks:
        raise ValueError(f"blocks: expected a divisor of shape[0]={m}, got {blocks}")
    gen = _rng(rng)
    out = []
    for _ in range(blocks):
        rows = m // blocks
        a = gen.standard_normal((max(rows, n), min(rows, n)))   # tall: (max, min)
        q, r = np.linalg.qr(a)                                  # q: (max, min)
        q *= np.sign(np.diag(r))                                # uniform over orthogonal matrices
        out.append(q if rows >= n else q.T)                     # (rows, n)
    return (gain * np.concatenate(out, axis=0)).astype(dtype)   # (m, n)


def identity(n, scale=1.0, dtype=np.float64):
    """:math:`U = \\mathrm{scale} \\cdot I_n`: the IRNN initialization (Le et al., 2015).

    With ReLU and zero biases, :math:`h_t = \\mathrm{relu}(U h_{t-1} + W x_t)` starts by copying the
    state forward, so gradients pass many steps unchanged. The paper pairs it with
    ``W ~ N(0, 0.001^2)`` and zero biases.

    Returns:
        (n, n) array.
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"n: expected a positive size, got {n}")
    return (scale * np.eye(n)).astype(dtype)


def xavier_uniform(shape, gain=1.0, rng=None, dtype=np.float64):
    """Glorot and Bengio (2010): :math:`W_{ij} \\sim U(-a, a)`,
    :math:`a = \\mathrm{gain}\\sqrt{6 / (\\mathrm{fan_{in}} + \\mathrm{fan_{out}})}`.

    The variance :math:`2 / (\\mathrm{fan_{in}} + \\mathrm{fan_{out}})` keeps activations and
    gradients at one scale through a linear layer. Returns a ``shape`` array (fan_out, fan_in).
    """
    fan_out, fan_in = _check_shape(shape)
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return _rng(rng).uniform(-a, a, size=(fan_out, fan_in)).astype(dtype)


def xavier_normal(shape, gain=1.0, rng=None, dtype=np.float64):
    """Glorot and Bengio (2010): :math:`W_{ij} \\sim \\mathcal N(0, \\sigma^2)`,
    :math:`\\sigma = \\mathrm{gain}\\sqrt{2 / (\\mathrm{fan_{in}} + \\mathrm{fan_{out}})}`.

    Returns a ``shape`` array (fan_out, fan_in).
    """
    fan_out, fan_in = _check_shape(shape)
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return (std * _rng(rng).standard_normal((fan_out, fan_in))).astype(dtype)
