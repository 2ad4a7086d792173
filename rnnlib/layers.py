"""Layer classes with the constructor, state-dict keys and return values of ``torch.nn``.

Gradients come from the NumPy backward passes, so these layers can be checked against
``torch.nn`` number for number (see ``tests/rnnlib/test_layers.py``).
"""
import numpy as np

from .layer_base import RecurrentLayer
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
