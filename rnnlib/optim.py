"""Optimizers that update a dict of NumPy parameters in place: SGD with momentum, and Adam.

Each does what the ``torch.optim`` class of the same name does, step for step, so a NumPy
training run and a PyTorch one stay equal in float64 (``tests/rnnlib/test_optim.py``)::

    params = {"W": W, "U": U, "b_h": b_h}      # arrays, updated in place
    opt = Adam(params, lr=1e-3)
    grads = {...}                              # same keys, same shapes
    opt.step(grads)

A gradient that is None (or a missing key) leaves its parameter and its state untouched.

See also: the book's section ``bptt-truncated`` (training with truncated BPTT;
:func:`rnnlib.tbptt.tbptt_train` steps one of these optimizers after every chunk).
"""
import numpy as np

from ._checks import check_array


class _Optimizer:
    def __init__(self, params, lr):
        if not isinstance(params, dict):
            raise ValueError(f"params: expected a dict {{name: array}}, "
                             f"got {type(params).__name__}")
        if not lr > 0:
            raise ValueError(f"lr: expected a positive learning rate, got {lr}")
        for name, p in params.items():
            p = check_array(name, p)
            if not p.flags.writeable:
                raise ValueError(f"{name}: the parameter array must be writeable "
                                 f"(it is updated in place)")
        self.params = params
        self.lr = lr
        self.state = {}

    def _pairs(self, grads):
        if not isinstance(grads, dict):
            raise ValueError(f"grads: expected a dict {{name: array}}, got {type(grads).__name__}")
        unknown = set(grads) - set(self.params)
        if unknown:
            raise ValueError(f"grads: names {sorted(unknown)} are not parameters "
                             f"(parameters: {sorted(self.params)})")
        for name, g in grads.items():
            if g is None:
                continue
            p = self.params[name]
            g = check_array(f"grads[{name!r}]", g, shape=p.shape)
            yield name, p, g


class SGD(_Optimizer):
    """Stochastic gradient descent with momentum, as ``torch.optim.SGD``:

    .. math::
        g &\\leftarrow g + \\lambda p \\\\
        b &\\leftarrow \\mu b + (1 - \\tau) g \\quad (b = g \\text{ at the first step}) \\\\
        p &\\leftarrow p - \\eta\\, b
            \\quad (\\text{Nesterov: } p \\leftarrow p - \\eta (g + \\mu b))

    Args:
        params: dict {name: array}, updated in place.
        lr: η.  momentum: μ (0 = plain SGD).  dampening: τ.  weight_decay: λ (L2).
        nesterov: Nesterov momentum (needs μ > 0 and τ = 0).
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, lr)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov: needs momentum > 0 and dampening = 0, got "
                             f"momentum={momentum}, dampening={dampening}")
        self.momentum, self.dampening = momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def step(self, grads):
        """Apply one update from ``grads`` (dict with the parameters' names and shapes)."""
        mu = self.momentum
        for name, p, g in self._pairs(grads):
            if self.weight_decay:
                g = g + self.weight_decay * p                  # g <- g + lambda p
            if mu:
                buf = self.state.get(name)
                if buf is None:
                    buf = self.state[name] = g.copy()          # b = g at the first step
                else:
                    buf *= mu                                  # b <- mu b + (1 - tau) g
                    buf += (1 - self.dampening) * g
                g = g + mu * buf if self.nesterov else buf
            p -= self.lr * g                                   # p <- p - eta g


class Adam(_Optimizer):
    """Adam (Kingma and Ba, 2015), as ``torch.optim.Adam``:

    .. math::
        m &\\leftarrow \\beta_1 m + (1 - \\beta_1) g, \\qquad
        v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2 \\\\
        p &\\leftarrow p - \\frac{\\eta}{1 - \\beta_1^t} \\cdot
            \\frac{m}{\\sqrt{v} / \\sqrt{1 - \\beta_2^t} + \\epsilon}

    where t counts the steps (the two fractions undo the bias of m and v towards 0).

    Args:
        params: dict {name: array}, updated in place.
        lr: η.  betas: (β1, β2).  eps: ε.  weight_decay: λ, added to g as in SGD (not AdamW).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"betas: expected two numbers in [0, 1), got {betas}")
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay

    def step(self, grads):
        """Apply one update from ``grads`` (dict with the parameters' names and shapes)."""
        beta1, beta2 = self.betas
        for name, p, g in self._pairs(grads):
            if self.weight_decay:
                g = g + self.weight_decay * p
            if name not in self.state:
                self.state[name] = {"t": 0, "m": np.zeros_like(p), "v": np.zeros_like(p)}
            s = self.state[name]
            s["t"] += 1
            s["m"] *= beta1                                    # m <- b1 m + (1 - b1) g
            s["m"] += (1 - beta1) * g
            s["v"] *= beta2                                    # v <- b2 v + (1 - b2) g^2
            s["v"] += (1 - beta2) * g * g
            step_size = self.lr / (1 - beta1 ** s["t"])
            denom = np.sqrt(s["v"]) / np.sqrt(1 - beta2 ** s["t"]) + self.eps
            p -= step_size * s["m"] / denom
