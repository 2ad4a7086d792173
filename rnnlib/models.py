"""Small PyTorch models for the applications chapter, one per input/output mode.

=====================  ==============  =================================================
model                  mode            task in the book
=====================  ==============  =================================================
:class:`CharLM`        many-to-many    next character; text generation with :func:`sample`
:class:`Classifier`    many-to-one     a label for a whole sequence (agreement, sentiment)
:class:`Forecaster`    many-to-one     the next values of a time series
:class:`Seq2Seq`       unsynced        encoder-decoder translation, :meth:`Seq2Seq.greedy`
=====================  ==============  =================================================

Each wraps ``torch.nn.RNN``, ``LSTM`` or ``GRU`` (``cell="rnn" | "lstm" | "gru"``), which compute
the same numbers as the readable cells of :mod:`rnnlib.torch_cells` with a fused loop.
Everything is time-major: x is (T, B, ...), and a recurrent state is what the torch module
returns (h, or the pair (h, c) for an LSTM, each (num_layers, B, H)).

See also: the book's chapter ``applications``.
"""
import torch
from torch import nn

RNN_TYPES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def recurrent(cell, input_size, hidden_size, num_layers=1):
    """A time-major ``torch.nn.RNN``/``LSTM``/``GRU`` chosen by name."""
    if cell not in RNN_TYPES:
        raise ValueError(f"cell: expected one of {', '.join(map(repr, RNN_TYPES))}, got {cell!r}")
    return RNN_TYPES[cell](input_size, hidden_size, num_layers)


def _check_ids(name, x, ndim):
    if not isinstance(x, torch.Tensor) or x.dim() != ndim or x.dtype != torch.int64:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        dtype = getattr(x, "dtype", None)
        raise ValueError(f"{name}: expected a {ndim}-d int64 tensor of ids, got {shape} of "
                         f"dtype {dtype}")


class CharLM(nn.Module):
    """A character-level language model (many-to-many, synced):

    .. math::
        h_t = \\mathrm{RNN}(E[x_t], h_{t-1}), \\qquad
        z_t = V h_t + b_y, \\qquad
        p(x_{t+1} = k \\mid x_{\\le t}) = \\mathrm{softmax}(z_t)_k

    Args:
        vocab_size: K characters. embedding_dim: E. hidden_size: H.

    ``forward(x, state=None) -> (z, state)``: x (T, B) int64 ids, z (T, B, K)
    logits; the state carries on to the next chunk
    (``rnnlib.training.train_tbptt`` detaches it there).
    """

    def __init__(self, vocab_size, embedding_dim=32, hidden_size=128,
                 num_layers=1, cell="lstm"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)  # E: (K, E)
        self.rnn = recurrent(cell, embedding_dim, hidden_size, num_layers)
        self.head = nn.Linear(hidden_size, vocab_size)            # V: (K, H)

    def forward(self, x, state=None):
        _check_ids("x", x, 2)
        # (T, B, E) -> (T, B, H)
        h, state = self.rnn(self.embedding(x), state)
        return self.head(h), state                      # (T, B, K)


@torch.no_grad()
def sample(model, prompt, length, temperature=1.0, generator=None):
    """Generate ``length`` ids after ``prompt`` from a :class:`CharLM`,
    with a temperature:

    .. math::
        p_k = \\frac{\\exp(z_k / \\tau)}{\\sum_j \\exp(z_j / \\tau)}

    :math:`\\tau \\to 0` is greedy (always the likeliest character),
    :math:`\\tau = 1` samples the model's own distribution,
    :math:`\\tau > 1` flattens it towards uniform.

    Args:
        prompt: (P,) int64 ids, P >= 1, read before sampling starts.
        generator: a ``torch.Generator`` for repeatable samples.

    Returns:
        (length,) int64 tensor of the sampled ids (the prompt not included).
    """
    _check_ids("prompt", prompt, 1)
    if len(prompt) == 0 or temperature <= 0:
        raise ValueError(
            f"expected a non-empty prompt and temperature > 0, got "
            f"{len(prompt)} ids and temperature {temperature}")
    was_training = model.training
    model.eval()
    z, state = model(prompt[:, None])                   # (P, 1, K)
    out = []
    for _ in range(length):
        p = torch.softmax(z[-1, 0] / temperature, -1)   # (K,)
        nxt = torch.multinomial(p, 1, generator=generator)   # (1,)
        out.append(nxt)
        z, state = model(nxt[:, None], state)           # (1, 1, K)
    model.train(was_training)
    return torch.cat(out) if out else prompt.new_zeros(0)


class Classifier(nn.Module):
    """A many-to-one classifier: read the sequence, classify from the last
    real step:

    .. math::
        h_t = \\mathrm{RNN}(E[x_t], h_{t-1}), \\qquad z = V h_{L} + b_y

    where L is the sequence's length (right padding after it is never read
    into z).

    ``forward(x, lengths) -> z``: x (T, B) int64 ids, lengths (B,) int64 in
    [1, T], z (B, K) logits.
    """

    def __init__(self, vocab_size, num_classes, embedding_dim=16,
                 hidden_size=64, cell="lstm"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)  # (V, E)
        self.rnn = recurrent(cell, embedding_dim, hidden_size)
        self.head = nn.Linear(hidden_size, num_classes)           # (K, H)

    def forward(self, x, lengths):
        _check_ids("x", x, 2)
        if (tuple(lengths.shape) != (x.shape[1],) or lengths.min() < 1
                or lengths.max() > len(x)):
            raise ValueError(f"lengths: expected shape (B={x.shape[1]},) "
                             f"with values in [1, {len(x)}], "
                             f"got {tuple(lengths.shape)}")
        h, _ = self.rnn(self.embedding(x))              # (T, B, H)
        # h_L of each sequence: (B, H)
        last = h[lengths - 1, torch.arange(x.shape[1])]
        return self.head(last)                          # (B, K)


class Forecaster(nn.Module):
    """A many-to-one regressor: read a window of a series, predict the next
    ``horizon`` values:

    .. math::
        h_t = \\mathrm{RNN}(x_t, h_{t-1}), \\qquad \\hat y = V h_T + b_y

    ``forward(x) -> y_hat``: x (T, B, D) float, y_hat (horizon, B, D), the
    shapes of ``rnnlib.data.make_windows``' x and y.
    """

    def __init__(self, input_size=1, hidden_size=32, horizon=1, num_layers=1,
                 cell="lstm"):
        super().__init__()
        self.horizon = horizon
        self.rnn = recurrent(cell, input_size, hidden_size, num_layers)
        # (horizon*D, H)
        self.head = nn.Linear(hidden_size, horizon * input_size)

    def forward(self, x):
        if x.dim() != 3 or x.shape[-1] != self.rnn.input_size:
            raise ValueError(
                f"x: expected shape (T, B, D={self.rnn.input_size}), "
                f"got {tuple(x.shape)}")
        h, _ = self.rnn(x)                              # (T, B, H)
        y = self.head(h[-1])                            # (B, horizon*D)
        # (horizon, B, D)
        return y.reshape(x.shape[1], self.horizon, -1).transpose(0, 1)


class Seq2Seq(nn.Module):
    """An encoder-decoder (Sutskever et al., 2014; Cho et al., 2014), without
    attention:

    .. math::
        h^{enc}_s = \\mathrm{RNN}_{enc}(E_{src}[x_s], h^{enc}_{s-1}), \\qquad
        h^{dec}_0 = h^{enc}_S, \\\\
        h^{dec}_t = \\mathrm{RNN}_{dec}(E_{tgt}[y_{t-1}], h^{dec}_{t-1}),
        \\qquad z_t = V h^{dec}_t + b_y

    The encoder's last state is the only channel from source to target. In
    training the decoder reads the true previous word :math:`y_{t-1}`
    (teacher forcing; ``forward``); in use it reads its own previous guess
    (:meth:`greedy`).

    ``forward(src, tgt_in) -> z``: src (S, B) and tgt_in (T, B) int64 ids,
    the latter starting with ``<bos>``; z (T, B, K) logits for the next
    target word.
    """

    def __init__(self, src_vocab_size, tgt_vocab_size, embedding_dim=32,
                 hidden_size=128, cell="gru"):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab_size, embedding_dim)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, embedding_dim)
        self.encoder = recurrent(cell, embedding_dim, hidden_size)
        self.decoder = recurrent(cell, embedding_dim, hidden_size)
        self.head = nn.Linear(hidden_size, tgt_vocab_size)        # (K, H)

    def encode(self, src):
        """src (S, B) -> the encoder's final state (the decoder's h_0)."""
        _check_ids("src", src, 2)
        # (S, B, E) -> state (1, B, H)
        _, state = self.encoder(self.src_embedding(src))
        return state

    def forward(self, src, tgt_in):
        _check_ids("tgt_in", tgt_in, 2)
        h, _ = self.decoder(self.tgt_embedding(tgt_in),
                            self.encode(src))                 # (T, B, H)
        return self.head(h)                             # (T, B, K)

    @torch.no_grad()
    def greedy(self, src, bos, max_len):
        """Greedy decoding: feed back the likeliest word, ``max_len`` steps
        -> (max_len, B) ids."""
        state = self.encode(src)
        y = torch.full((1, src.shape[1]), bos, dtype=torch.int64)  # (1, B)
        out = []
        for _ in range(max_len):
            # (1, B, H)
            h, state = self.decoder(self.tgt_embedding(y), state)
            y = self.head(h).argmax(-1)                 # (1, B)
            out.append(y)
        return torch.cat(out)                           # (max_len, B)
