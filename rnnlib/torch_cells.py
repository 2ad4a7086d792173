"""Readable PyTorch recurrent cells: the same numbers as ``torch.nn``, written with plain ops.

``torch.nn.LSTM`` hands the loop to cuDNN or a fused C++ kernel; these modules spell the
recurrence out, one line per equation, and let autograd do the backward pass. Their parameters
carry ``torch.nn``'s names and shapes, so weights move between them with ``load_state_dict``::

    cell = LSTMCell(3, 5)
    cell.load_state_dict(torch.nn.LSTMCell(3, 5).state_dict())

Gates are stacked in torch's order (LSTM: i, f, g, o; GRU: r, z, n). In the lectures' names
:math:`W` is ``weight_ih``, :math:`U` is ``weight_hh`` and :math:`b_h` is ``bias_ih + bias_hh``.

Shapes, where B = batch, D = input size, H = hidden size, G = gates (1, 4 or 3), T = length:
    weight_ih: (G*H, D)   weight_hh: (G*H, H)   bias_ih, bias_hh: (G*H,)
    cell input x: (B, D) or (D,)   states h, c: (B, H) or (H,)   sequence: (T, B, D)

See also: the book's chapters ``lstm`` and ``gru``.
"""
import math

import torch
from torch import nn


class _CellBase(nn.Module):
    """Parameters named and initialized as in ``torch.nn.RNNCellBase``: U(-1/sqrt(H), 1/sqrt(H))."""

    num_gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        G, H = self.num_gates, hidden_size
        kw = {"device": device, "dtype": dtype}
        self.weight_ih = nn.Parameter(torch.empty(G * H, input_size, **kw))   # W  (G*H, D)
        self.weight_hh = nn.Parameter(torch.empty(G * H, H, **kw))            # U  (G*H, H)
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(G * H, **kw))             # (G*H,)
            self.bias_hh = nn.Parameter(torch.empty(G * H, **kw))             # (G*H,)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def _projections(self, x, h_prev):
        """Input and hidden projections of all gates at once: (B, G*H) each."""
        gi = x @ self.weight_ih.T                # W x_t       (B, G*H)
        gh = h_prev @ self.weight_hh.T           # U h_{t-1}   (B, G*H)
        if self.bias:
            gi = gi + self.bias_ih
            gh = gh + self.bias_hh
        return gi, gh

    def _batch(self, x, states):
        """Check shapes; add a batch axis to unbatched input. Returns x, states, was_unbatched."""
        if x.dim() not in (1, 2) or x.shape[-1] != self.input_size:
            D = self.input_size
            raise ValueError(f"x: expected shape (B, D={D}) or (D={D},), got {tuple(x.shape)}")
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)                   # (1, D)
        B, H = x.shape[0], self.hidden_size
        out = []
        for name, s in states:
            if s is None:
                s = x.new_zeros(B, H)
            else:
                if unbatched:
                    s = s.unsqueeze(0)
                if tuple(s.shape) != (B, H):
                    raise ValueError(f"{name}: expected shape (B={B}, H={H}), got "
                                     f"{tuple(s.shape[1:] if unbatched else s.shape)}")
            out.append(s)
        return x, out, unbatched


class RNNCell(_CellBase):
    """One Elman step, :math:`h_t = f(W x_t + b_{ih} + U h_{t-1} + b_{hh})`, f = tanh or relu.

    ``forward(x, h_prev=None) -> h``; x (B, D), h_prev and h (B, H); zeros when h_prev is None.
    """

    num_gates = 1

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, x, h_prev=None):
        x, (h_prev,), unbatched = self._batch(x, [("h_prev", h_prev)])
        gi, gh = self._projections(x, h_prev)    # (B, H) each
        a = gi + gh                              # a_t = W x_t + U h_{t-1} + b   (B, H)
        h = torch.tanh(a) if self.nonlinearity == "tanh" else torch.relu(a)
        return h.squeeze(0) if unbatched else h


class LSTMCell(_CellBase):
    """One LSTM step, as ``torch.nn.LSTMCell``:

    .. math::
        i &= \\sigma(W_i x_t + U_i h_{t-1} + b_i) \\qquad
        f = \\sigma(W_f x_t + U_f h_{t-1} + b_f) \\\\
        g &= \\tanh(W_g x_t + U_g h_{t-1} + b_g) \\qquad
        o = \\sigma(W_o x_t + U_o h_{t-1} + b_o) \\\\
        c_t &= f \\odot c_{t-1} + i \\odot g \\qquad h_t = o \\odot \\tanh(c_t)

    ``forward(x, state=None) -> (h, c)``; x (B, D), state a pair (h_prev, c_prev) of (B, H).
    """

    num_gates = 4

    def forward(self, x, state=None):
        h_prev, c_prev = (None, None) if state is None else state
        x, (h_prev, c_prev), unbatched = self._batch(x, [("h_prev", h_prev), ("c_prev", c_prev)])
        gi, gh = self._projections(x, h_prev)    # (B, 4H) each
        a_i, a_f, a_g, a_o = (gi + gh).chunk(4, dim=1)  # pre-activations, (B, H) each
        i = torch.sigmoid(a_i)                   # input gate
        f = torch.sigmoid(a_f)                   # forget gate
        g = torch.tanh(a_g)                      # candidate cell
        o = torch.sigmoid(a_o)                   # output gate
        c = f * c_prev + i * g                   # c_t = f * c_{t-1} + i * g   (B, H)
        h = o * torch.tanh(c)                    # h_t = o * tanh(c_t)         (B, H)
        if unbatched:
            return h.squeeze(0), c.squeeze(0)
        return h, c


class GRUCell(_CellBase):
    """One GRU step in torch's convention (``torch.nn.GRUCell``):

    .. math::
        r &= \\sigma(W_r x_t + b_{ir} + U_r h_{t-1} + b_{hr}) \\qquad
        z = \\sigma(W_z x_t + b_{iz} + U_z h_{t-1} + b_{hz}) \\\\
        n &= \\tanh(W_n x_t + b_{in} + r \\odot (U_n h_{t-1} + b_{hn})) \\qquad
        h_t = (1 - z) \\odot n + z \\odot h_{t-1}

    z near 1 *keeps* the old state (lecture 003 writes the update the other way round, with z
    near 1 taking the new one, and applies r before the product with U).
    ``forward(x, h_prev=None) -> h``; x (B, D), h_prev and h (B, H).
    """

    num_gates = 3

    def forward(self, x, h_prev=None):
        x, (h_prev,), unbatched = self._batch(x, [("h_prev", h_prev)])
        gi, gh = self._projections(x, h_prev)    # (B, 3H) each
        gi_r, gi_z, gi_n = gi.chunk(3, dim=1)    # (B, H) each
        gh_r, gh_z, gh_n = gh.chunk(3, dim=1)    # (B, H) each
        r = torch.sigmoid(gi_r + gh_r)           # reset gate
        z = torch.sigmoid(gi_z + gh_z)           # update gate
        # candidate; r multiplies U_n h + b_hn
        n = torch.tanh(gi_n + r * gh_n)
        # h_t = (1 - z) * n + z * h_{t-1}  (B, H)
        h = (1 - z) * n + z * h_prev
        return h.squeeze(0) if unbatched else h


class Recurrent(nn.Module):
    """Run a cell over a sequence with a Python loop: what ``torch.nn.RNN/LSTM/GRU`` do inside.

    .. math::
        s_t = \\mathrm{cell}(x_t, s_{t-1}), \\quad t = 1, \\dots, T

    where the state s is h, or the pair (h, c) for an LSTM.

    Args:
        cell: an :class:`RNNCell`, :class:`LSTMCell` or :class:`GRUCell` (or a ``torch.nn`` cell).
        batch_first: input and output are (B, T, ·) instead of time-major (T, B, ·).

    ``forward(x, state=None) -> (output, state_T)``: x (T, B, D); output (T, B, H) holds h_1..h_T;
    state_T is h_T (B, H), or (h_T, c_T) for an LSTM. Unlike ``torch.nn.LSTM``, the state has no
    leading (num_layers * num_directions) axis: it is the cell's own state. The parameters
    are the cell's, under ``cell.`` (``cell.weight_ih`` where ``torch.nn.LSTM`` says
    ``weight_ih_l0``); :meth:`load_torch_layer` copies them from a ``torch.nn`` layer.
    """

    def __init__(self, cell, batch_first=False):
        super().__init__()
        self.cell = cell
        self.batch_first = batch_first

    def load_torch_layer(self, module, layer=0, reverse=False):
        """Load layer ``layer`` (its reverse direction if ``reverse``) of a ``torch.nn.RNN``,
        ``LSTM`` or ``GRU`` into the cell: ``weight_ih_l1_reverse`` becomes ``weight_ih``."""
        suffix = f"_l{layer}" + ("_reverse" if reverse else "")
        self.cell.load_state_dict({name[:-len(suffix)]: value
                                   for name, value in module.state_dict().items()
                                   if name.endswith(suffix)})
        return self

    def forward(self, x, state=None):
        if x.dim() != 3:
            raise ValueError(f"x: expected a 3-d tensor ({'B, T' if self.batch_first else 'T, B'}, "
                             f"D), got shape {tuple(x.shape)}")
        if self.batch_first:
            x = x.transpose(0, 1)                # (T, B, D)
        outputs = []
        for x_t in x:                            # x_t: (B, D)
            state = self.cell(x_t, state)
            outputs.append(state[0] if isinstance(state, tuple) else state)  # h_t (B, H)
        if not outputs:
            raise ValueError("x: expected at least one time step, got T=0")
        output = torch.stack(outputs)            # (T, B, H)
        if self.batch_first:
            output = output.transpose(0, 1)      # (B, T, H)
        return output, state
