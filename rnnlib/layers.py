"""Layer classes with the constructor, state-dict keys and return values of ``torch.nn``.

Gradients come from the NumPy backward passes, so these layers can be checked against
``torch.nn`` number for number (see ``tests/rnnlib/test_layers.py``).
"""
import numpy as np

from .gru import CONVENTIONS, gru_backward, gru_forward
from .layer_base import RecurrentLayer
from .lstm import lstm_backward, lstm_forward
from .rnn import rnn_backward, rnn_forward


class RNN(RecurrentLayer):
    """Elman RNN over a sequence, a NumPy twin of ``torch.nn.RNN``.

    .. math::
        h_t = f(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})

    In the lectures' names :math:`W = W_{ih}`, :math:`U = W_{hh}` and :math:`b_h = b_{ih} + b_{hh}`
    (torch keeps two biases; only their sum matters, and both get the same gradient).

    Args:
        input_size: D, features per step.
        hidden_size: H.
        num_layers: stacked layers (layer k > 0 reads layer k-1's output).
        nonlinearity: ``'tanh'`` or ``'relu'``.
        bias: whether to use ``bias_ih``/``bias_hh``.
        batch_first: input and output are (B, T, ·) instead of (T, B, ·).
        bidirectional: add a reverse-time direction; outputs are concatenated.
        dtype: float64 (for checks) or float32.
        seed: seeds the initialization U(-1/sqrt(H), 1/sqrt(H)).

    Shapes: input (T, B, D); h_0 and h_n (num_layers * num_directions, B, H);
    output (T, B, num_directions * H).

    Example::

        rnn = RNN(3, 5)
        rnn.load_state_dict({k: v.detach().numpy() for k, v in torch_rnn.state_dict().items()})
        output, h_n = rnn.forward(x)
        dx, dh_0, grads = rnn.backward(doutput)  # grads keyed like rnn.state_dict()

    See also: the book's chapter ``forward-pass``.
    """

    num_gates = 1
    state_names = ("h",)

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, bidirectional=False, dtype=np.float64, seed=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional,
                         dtype, seed)

    def _repr_extra(self):
        extra = super()._repr_extra()
        if self.nonlinearity != "tanh":
            extra["nonlinearity"] = repr(self.nonlinearity)
        return extra

    def _direction_forward(self, x, state0, params):
        W, U, b_ih, b_hh = params
        b_h = None if b_ih is None else b_ih + b_hh
        h, cache = rnn_forward(x, state0[0], W, U, b_h, self.nonlinearity)   # (T, B, H)
        return h, (h[-1],), cache

    def _direction_backward(self, dout, dstate_n, cache):
        dh = dout.copy()
        dh[-1] += dstate_n[0]                     # h_n is h_T: its gradient joins dh_T
        dx, dh0, dW, dU, db_h = rnn_backward(dh, cache)
        return dx, (dh0,), (dW, dU, db_h, None if db_h is None else db_h.copy())


class LSTM(RecurrentLayer):
    """LSTM over a sequence, a NumPy twin of ``torch.nn.LSTM``.

    .. math::
        i_t &= \\sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\\\
        f_t &= \\sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \\\\
        g_t &= \\tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \\\\
        o_t &= \\sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) \\\\
        c_t &= f_t \\odot c_{t-1} + i_t \\odot g_t, \\qquad h_t = o_t \\odot \\tanh(c_t)

    ``weight_ih_l{k}`` stacks :math:`W_{ii}, W_{if}, W_{ig}, W_{io}` (4H rows); in the
    lectures' names :math:`W = W_{ih}`, :math:`U = W_{hh}`, :math:`b = b_{ih} + b_{hh}`
    (see :mod:`rnnlib.lstm`).

    Args: as :class:`RNN`, without ``nonlinearity``.

    Shapes: input (T, B, D); h_0, c_0, h_n, c_n (num_layers * num_directions, B, H);
    output (T, B, num_directions * H).

    Example::

        lstm = LSTM(3, 5)
        lstm.load_state_dict({k: v.detach().numpy() for k, v in torch_lstm.state_dict().items()})
        output, (h_n, c_n) = lstm.forward(x, (h_0, c_0))          # hx may be None
        dx, (dh_0, dc_0), grads = lstm.backward(doutput, (dh_n, dc_n))

    See also: the book's chapter ``lstm``.
    """

    num_gates = 4
    state_names = ("h", "c")

    def _direction_forward(self, x, state0, params):
        W, U, b_ih, b_hh = params
        b = None if b_ih is None else b_ih + b_hh
        h, c_n, cache = lstm_forward(x, state0[0], state0[1], W, U, b)   # (T, B, H)
        return h, (h[-1], c_n), cache

    def _direction_backward(self, dout, dstate_n, cache):
        dh = dout.copy()
        dh[-1] += dstate_n[0]                     # h_n is h_T: its gradient joins dh_T
        dx, dh0, dc0, dW, dU, db = lstm_backward(dh, dstate_n[1], cache)
        return dx, (dh0, dc0), (dW, dU, db, None if db is None else db.copy())


class GRU(RecurrentLayer):
    """GRU over a sequence, a NumPy twin of ``torch.nn.GRU``.

    .. math::
        r_t &= \\sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\\\
        z_t &= \\sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\\\
        n_t &= \\tanh(W_{in} x_t + b_{in} + r_t \\odot (W_{hn} h_{t-1} + b_{hn})) \\\\
        h_t &= (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}

    With ``convention="lecture"`` the layer runs lecture 003's variant instead
    (:math:`n_t = \\tanh(W_{in} x_t + b_{in} + W_{hn} (r_t \\odot h_{t-1}) + b_{hn})`,
    :math:`h_t = (1 - z_t) \\odot h_{t-1} + z_t \\odot n_t`), with the same parameters;
    see :mod:`rnnlib.gru`. Only ``"torch"`` matches ``torch.nn.GRU``.

    Args: as :class:`RNN`, without ``nonlinearity``, plus ``convention``.

    Shapes: input (T, B, D); h_0 and h_n (num_layers * num_directions, B, H);
    output (T, B, num_directions * H).

    Example::

        gru = GRU(3, 5)
        gru.load_state_dict({k: v.detach().numpy() for k, v in torch_gru.state_dict().items()})
        output, h_n = gru.forward(x)
        dx, dh_0, grads = gru.backward(doutput, dh_n)

    See also: the book's chapter ``gru``.
    """

    num_gates = 3
    state_names = ("h",)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 bidirectional=False, dtype=np.float64, seed=None, convention="torch"):
        if convention not in CONVENTIONS:
            raise ValueError(f"convention: expected one of {CONVENTIONS}, got {convention!r}")
        self.convention = convention
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional,
                         dtype, seed)

    def _repr_extra(self):
        extra = super()._repr_extra()
        if self.convention != "torch":
            extra["convention"] = repr(self.convention)
        return extra

    def _direction_forward(self, x, state0, params):
        W, U, b_ih, b_hh = params
        h, cache = gru_forward(x, state0[0], W, U, b_ih, b_hh, self.convention)  # (T, B, H)
        return h, (h[-1],), cache

    def _direction_backward(self, dout, dstate_n, cache):
        dh = dout.copy()
        dh[-1] += dstate_n[0]                     # h_n is h_T: its gradient joins dh_T
        dx, dh0, dW, dU, db_ih, db_hh = gru_backward(dh, cache)
        return dx, (dh0,), (dW, dU, db_ih, db_hh)
