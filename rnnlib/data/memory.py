"""Generated long-memory tasks: the adding problem, the copy task and parity.

Each needs information from far back in the sequence, so a vanilla RNN fails them as the
length grows (vanishing gradients, chapter 4) while an LSTM or GRU learns them (chapter 6).
Sequences are time-major: ``(T, N, ...)``, where T = sequence length, N = number of examples;
``batch_first=True`` gives ``(N, T, ...)``.
"""
import numpy as np

from ._common import (Examples, Split, check_int, disjoint_draws, make_rng,
                      time_to_batch_first)


def adding_problem(n_train=1000, n_validation=200, length=50, seed=0, batch_first=False):
    """The adding problem (Hochreiter & Schmidhuber, 1997, in the form of Le et al., 2015).

    Each step carries two numbers: a value :math:`v_t \\sim U[0, 1)` and a marker
    :math:`m_t \\in \\{0, 1\\}`. Exactly two markers are 1, one in the first half of the
    sequence and one in the second; the target is the sum of the two marked values,

    .. math::
        y = \\sum_t m_t v_t .

    Predicting the constant 1 gives a mean squared error of 1/6 (the variance of the sum of two
    uniform values): a model has learned something only below that line. It teaches why a
    vanilla RNN forgets (chapter 4) and what the gated cells fix (chapter 6).

    Returns:
        Split(train, validation) of Examples(x, y):
            x: (T, N, 2) float64, channel 0 the values, channel 1 the markers
               ((N, T, 2) with ``batch_first``).
            y: (N, 1) float64, the sum of the two marked values.
    """
    T = check_int("length", length, minimum=2)
    n_train = check_int("n_train", n_train, minimum=1)
    n_validation = check_int("n_validation", n_validation, minimum=0)
    rng = make_rng(seed)
    n = n_train + n_validation
    values = rng.random((T, n))                                   # (T, N)
    first = rng.integers(0, T // 2, size=n)                       # (N,) in the first half
    second = rng.integers(T // 2, T, size=n)                      # (N,) in the second half
    markers = np.zeros((T, n))                                    # (T, N)
    columns = np.arange(n)
    markers[first, columns] = 1.0
    markers[second, columns] = 1.0
    x = np.stack([values, markers], axis=-1)                      # (T, N, 2)
    y = (values * markers).sum(axis=0)[:, None]                   # (N, 1)
    x = time_to_batch_first(x, batch_first)
    xs = (x[:, :n_train], x[:, n_train:]) if not batch_first else (x[:n_train], x[n_train:])
    return Split(Examples(xs[0], y[:n_train]), Examples(xs[1], y[n_train:]))


def copy_task(n_train=1000, n_validation=200, copy_length=10, delay=20, n_symbols=8, seed=0,
              batch_first=False):
    """The copy (memory) task (Hochreiter & Schmidhuber, 1997; Arjovsky et al., 2016).

    The input shows ``copy_length`` symbols drawn from ``1..n_symbols``, then blanks (id 0),
    a delimiter (id ``n_symbols + 1``) at step ``copy_length + delay - 1`` and blanks again;
    the target is blank until the delimiter has passed and then repeats the symbols::

        x:  a1 a2 a3  _  _  _  :  _  _  _        (copy_length=3, delay=4)
        y:   _  _  _  _  _  _  _ a1 a2 a3

    so :math:`T = 2\\,\\mathrm{copy\\_length} + \\mathrm{delay}`. A model that remembers nothing
    still predicts the blanks and guesses the symbols: its cross-entropy per step is
    :math:`\\mathrm{copy\\_length} \\log(\\mathrm{n\\_symbols}) / T`. It teaches holding
    information unchanged over ``delay`` steps (chapters 4 and 6). Validation sequences never
    equal a training sequence.

    Returns:
        Split(train, validation) of Examples(x, y):
            x: (T, N) int64 token ids in ``[0, n_symbols + 2)`` ((N, T) with ``batch_first``);
               use :func:`rnnlib.data.one_hot` for a ``(T, N, n_symbols + 2)`` float input.
            y: (T, N) int64 target ids in ``[0, n_symbols + 1)``.
    """
    L = check_int("copy_length", copy_length, minimum=1)
    delay = check_int("delay", delay, minimum=1)
    K = check_int("n_symbols", n_symbols, minimum=1)
    n_train = check_int("n_train", n_train, minimum=1)
    n_validation = check_int("n_validation", n_validation, minimum=0)
    rng = make_rng(seed)
    train, validation = disjoint_draws(
        rng, lambda r, n: r.integers(1, K + 1, size=(n, L)), n_train, n_validation, "copy_task")

    def build(symbols):                                           # symbols: (N, L)
        n, T = len(symbols), 2 * L + delay
        x = np.zeros((T, n), dtype=np.int64)                      # (T, N)
        y = np.zeros((T, n), dtype=np.int64)                      # (T, N)
        x[:L] = symbols.T
        x[L + delay - 1] = K + 1
        y[L + delay:] = symbols.T
        return Examples(time_to_batch_first(x, batch_first), time_to_batch_first(y, batch_first))

    return Split(build(train), build(validation))


def parity(n_train=1000, n_validation=200, length=20, running=False, seed=0, batch_first=False):
    """Parity of a bit string: :math:`y = (x_1 + x_2 + \\dots + x_T) \\bmod 2`.

    With ``running=False`` the label comes only at the end and depends on every bit, so the
    gradient must reach all the way back: a hard test of long-range credit assignment
    (chapter 4). With ``running=True`` the target at each step is the parity so far,
    :math:`y_t = y_{t-1} \\oplus x_t`, which a small RNN learns easily (the state is one bit):
    comparing the two shows what dense supervision buys (chapter 6). Validation strings never
    equal a training string, so ``n_train + n_validation`` must stay well below :math:`2^T`.

    Returns:
        Split(train, validation) of Examples(x, y):
            x: (T, N, 1) float64 bits, 0.0 or 1.0 ((N, T, 1) with ``batch_first``).
            y: (N,) int64 parity of the whole string, or with ``running=True`` (T, N) int64
               running parity ((N, T) with ``batch_first``).
    """
    T = check_int("length", length, minimum=1)
    n_train = check_int("n_train", n_train, minimum=1)
    n_validation = check_int("n_validation", n_validation, minimum=0)
    if n_train + n_validation > 2 ** min(T, 62):
        raise ValueError(f"parity: expected n_train + n_validation <= 2**length = {2 ** T}, "
                         f"got {n_train + n_validation}")
    rng = make_rng(seed)
    train, validation = disjoint_draws(
        rng, lambda r, n: r.integers(0, 2, size=(n, T), dtype=np.int8), n_train, n_validation,
        "parity")

    def build(bits):                                              # bits: (N, T)
        x = bits.T[:, :, None].astype(np.float64)                 # (T, N, 1)
        if running:
            y = (np.cumsum(bits.T, axis=0) % 2).astype(np.int64)  # (T, N)
            y = time_to_batch_first(y, batch_first)
        else:
            y = (bits.sum(axis=1) % 2).astype(np.int64)           # (N,)
        return Examples(time_to_batch_first(x, batch_first), y)

    return Split(build(train), build(validation))
