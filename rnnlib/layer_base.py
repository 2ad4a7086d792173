"""Stacked and bidirectional recurrent layers with the interface of ``torch.nn.RNN``.

A subclass says how one direction of one layer runs (``_direction_forward`` /
``_direction_backward``, built on the functional forward/backward pairs); this base class stacks
layers, runs the reverse direction on the time-flipped input, concatenates directions, converts
``batch_first`` and keeps parameters under ``torch.nn``'s state-dict names, so that

    layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})

works as it is. Shapes, where L = num_layers, Dir = 2 if bidirectional else 1, G = gates (1 for
RNN, 4 for LSTM, 3 for GRU):

    input: (T, B, D), or (B, T, D) with batch_first     output: (T, B, Dir*H) (or (B, T, Dir*H))
    h_0, h_n: (L*Dir, B, H)
    weight_ih_l{k}{_reverse}: (G*H, D) for k = 0, (G*H, Dir*H) above
    weight_hh_l{k}{_reverse}: (G*H, H)    bias_ih_l{k}{_reverse}, bias_hh_l{k}{_reverse}: (G*H,)
"""
import numpy as np

from ._checks import check_array


class RecurrentLayer:
    """Base class; see :class:`rnnlib.layers.RNN` for the documented interface."""

    num_gates = 1        # G: blocks stacked in the weight matrices
    state_names = ("h",)  # ("h", "c") for the LSTM

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 bidirectional=False, dtype=np.float64, seed=None):
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}")
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if bidirectional else 1
        self.dtype = np.dtype(dtype)
        self._cache = None
        # torch's default initialization: U(-1/sqrt(H), 1/sqrt(H)) for every parameter.
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(self.hidden_size)
        self._params = {name: rng.uniform(-bound, bound, shape).astype(self.dtype)
                        for name, shape in self._param_shapes().items()}

    # ----- parameters -------------------------------------------------------------------------
    def _suffixes(self):
        return [f"_l{k}{'_reverse' if d else ''}"
                for k in range(self.num_layers) for d in range(self.num_directions)]

    def _param_shapes(self):
        GH, H = self.num_gates * self.hidden_size, self.hidden_size
        shapes = {}
        for k in range(self.num_layers):
            in_size = self.input_size if k == 0 else self.num_directions * H
            for d in range(self.num_directions):
                sfx = f"_l{k}{'_reverse' if d else ''}"
                shapes["weight_ih" + sfx] = (GH, in_size)
                shapes["weight_hh" + sfx] = (GH, H)
                if self.bias:
                    shapes["bias_ih" + sfx] = (GH,)
                    shapes["bias_hh" + sfx] = (GH,)
        return shapes

    def state_dict(self):
        """Copies of the parameters, keyed and ordered as ``torch.nn``'s state dict."""
        return {k: v.copy() for k, v in self._params.items()}

    def load_state_dict(self, state_dict):
        """Load parameters keyed like ``torch.nn``'s state dict (cast to this layer's dtype)."""
        expected = self._param_shapes()
        missing = [k for k in expected if k not in state_dict]
        unexpected = [k for k in state_dict if k not in expected]
        if missing or unexpected:
            raise ValueError(f"state dict does not match {self!r}: missing keys {missing}, "
                             f"unexpected keys {unexpected}")
        loaded = {}
        for key, shape in expected.items():
            value = np.asarray(state_dict[key])
            if value.shape != shape:
                raise ValueError(f"state dict entry {key}: expected shape {shape}, "
                                 f"got {value.shape}")
            loaded[key] = value.astype(self.dtype, copy=True)
        self._params = loaded

    def parameters(self):
        """The live parameter arrays (for an optimizer to update in place)."""
        return self._params

    def __repr__(self):
        extra = "".join(f", {k}={v}" for k, v in self._repr_extra().items())
        return (f"{type(self).__name__}({self.input_size}, {self.hidden_size}"
                f"{extra}, dtype={self.dtype.name})")

    def _repr_extra(self):
        out = {}
        if self.num_layers != 1:
            out["num_layers"] = self.num_layers
        if not self.bias:
            out["bias"] = False
        if self.batch_first:
            out["batch_first"] = True
        if self.bidirectional:
            out["bidirectional"] = True
        return out

    # ----- forward / backward ------------------------------------------------------------------
    def _check_input(self, x):
        x = check_array("input", x)
        order = "(B, T, D)" if self.batch_first else "(T, B, D)"
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"input: expected a 3-d array {order} with D={self.input_size}, "
                             f"got shape {x.shape}")
        if x.dtype != self.dtype:
            raise ValueError(f"input: expected dtype {self.dtype} (the layer's), got {x.dtype}")
        return x.transpose(1, 0, 2) if self.batch_first else x        # (T, B, D)

    def _check_states(self, hx, B):
        shape = (self.num_layers * self.num_directions, B, self.hidden_size)
        if hx is None:
            return tuple(np.zeros(shape, self.dtype) for _ in self.state_names)
        states = hx if len(self.state_names) > 1 else (hx,)
        if len(self.state_names) > 1 and (not isinstance(hx, tuple) or len(hx) != 2):
            raise ValueError(f"hx: expected a tuple (h_0, c_0), got {type(hx).__name__}")
        checked = []
        for name, s in zip(self.state_names, states):
            s = check_array(f"{name}_0", s)
            if s.shape != shape:
                raise ValueError(f"{name}_0: expected shape (L*Dir={shape[0]}, B={B}, "
                                 f"H={shape[2]}), got {s.shape}")
            if s.dtype != self.dtype:
                raise ValueError(f"{name}_0: expected dtype {self.dtype}, got {s.dtype}")
            checked.append(s)
        return tuple(checked)

    def _layer_params(self, sfx):
        p = self._params
        return (p["weight_ih" + sfx], p["weight_hh" + sfx],
                p.get("bias_ih" + sfx), p.get("bias_hh" + sfx))

    def forward(self, input, hx=None):
        """Run all layers and directions; returns ``output, h_n``
        (``output, (h_n, c_n)``)."""
        x = self._check_input(input)                             # (T, B, D)
        # each (L*Dir, B, H)
        states0 = self._check_states(hx, x.shape[1])
        finals = [np.empty_like(s) for s in states0]
        caches = []
        layer_in = x
        for k in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                idx = k * self.num_directions + d
                sfx = f"_l{k}{'_reverse' if d else ''}"
                # reverse: flip time
                seq = layer_in[::-1] if d else layer_in
                state0 = tuple(s[idx] for s in states0)
                out, state_n, cache = self._direction_forward(
                    seq, state0, self._layer_params(sfx))
                outs.append(out[::-1] if d else out)             # (T, B, H)
                for f, s in zip(finals, state_n):
                    f[idx] = s
                caches.append(cache)
            layer_in = (np.concatenate(outs, axis=2) if len(outs) > 1
                        else outs[0])                    # (T, B, Dir*H)
        self._cache = (caches, x.shape[0], x.shape[1])
        output = (layer_in.transpose(1, 0, 2) if self.batch_first
                  else layer_in)
        return output, (finals[0] if len(finals) == 1 else tuple(finals))

    __call__ = forward

    def backward(self, doutput, dh_n=None):
        """Backpropagate through the last :meth:`forward`.

        Args:
            doutput: gradient on ``output`` (its shape).
            dh_n: gradient on ``h_n`` (a tuple ``(dh_n, dc_n)`` for the LSTM), or None.

        Returns:
            dinput (the input's shape), dh_0 (``(dh_0, dc_0)`` for the LSTM), and a dict of
            parameter gradients keyed like :meth:`state_dict`.
        """
        if self._cache is None:
            raise ValueError("backward() called before forward()")
        H = self.hidden_size
        Dir = self.num_directions
        caches, T, B = self._cache
        expected = (B, T, Dir * H) if self.batch_first else (T, B, Dir * H)
        doutput = check_array("doutput", doutput)
        if doutput.shape != expected:
            raise ValueError(f"doutput: expected shape {expected} (the output's), "
                             f"got {doutput.shape}")
        dout = doutput.transpose(1, 0, 2) if self.batch_first else doutput  # (T, B, Dir*H)
        n_states = len(self.state_names)
        shape_n = (self.num_layers * Dir, B, H)
        if dh_n is None:
            dfinals = tuple(np.zeros(shape_n, self.dtype) for _ in range(n_states))
        else:
            dfinals = dh_n if n_states > 1 else (dh_n,)
            for name, g in zip(self.state_names, dfinals):
                if np.shape(g) != shape_n:
                    raise ValueError(f"d{name}_n: expected shape {shape_n}, got {np.shape(g)}")
        dstates0 = tuple(np.empty(shape_n, self.dtype) for _ in range(n_states))
        grads = {}
        for k in reversed(range(self.num_layers)):
            dlayer_in = None
            for d in range(Dir):
                idx = k * Dir + d
                sfx = f"_l{k}{'_reverse' if d else ''}"
                dout_d = dout[:, :, d * H:(d + 1) * H]                 # (T, B, H)
                dseq = dout_d[::-1] if d else dout_d
                dx_d, dstate0, dparams = self._direction_backward(
                    dseq, tuple(g[idx] for g in dfinals), caches[idx])
                dx_d = dx_d[::-1] if d else dx_d
                dlayer_in = dx_d if dlayer_in is None else dlayer_in + dx_d
                for store, g in zip(dstates0, dstate0):
                    store[idx] = g
                for name, g in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), dparams):
                    if g is not None:
                        grads[name + sfx] = g
            dout = dlayer_in                                          # (T, B, D_k)
        dinput = dout.transpose(1, 0, 2) if self.batch_first else dout
        grads = {k: grads[k] for k in self._params}                   # state-dict order
        return dinput, (dstates0[0] if n_states == 1 else dstates0), grads

    def _direction_forward(self, x, state0, params):
        """Run one direction of one layer: ``x`` (T, B, D) -> ``out`` (T, B, H), tuple of
        final states (each (B, H)), cache."""
        raise NotImplementedError

    def _direction_backward(self, dout, dstate_n, cache):
        """Backward of :meth:`_direction_forward`: -> dx (T, B, D), dstate0 tuple,
        (dW_ih, dW_hh, db_ih, db_hh)."""
        raise NotImplementedError
