"""Nonlinearities and their derivatives, written in terms of the *outputs*.

Caches store post-activation values, so each derivative is computed from them:

.. math::
    \\tanh'(a) = 1 - h^2, \\qquad \\mathrm{relu}'(a) = [h > 0], \\qquad
    \\sigma'(a) = s (1 - s).

See also: the book's chapter on activation functions (``activations``).
"""
import numpy as np


def sigmoid(a):
    """Logistic sigmoid, numerically stable for large ``|a|``; same shape as ``a``."""
    out = np.empty_like(a)
    pos = a >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-a[pos]))
    exp_a = np.exp(a[~pos])
    out[~pos] = exp_a / (1.0 + exp_a)
    return out


def sigmoid_(a):
    """Sigmoid in place, :math:`\\sigma(a) = 1 / (1 + e^{-a})`: one ``exp`` per element, cheaper
    in NumPy than a ``tanh`` (a third of it in float64 on an AVX2 CPU). For very negative ``a``
    (below about -709 in float64) :math:`e^{-a}` overflows to inf and the result is 0, the right
    limit. Returns ``a`` (used by the LSTM step's fused gates)."""
    np.negative(a, out=a)
    with np.errstate(over="ignore"):
        np.exp(a, out=a)
    a += 1.0
    np.reciprocal(a, out=a)
    return a


def tanh(a):
    """Hyperbolic tangent; same shape as ``a``."""
    return np.tanh(a)


def relu(a):
    """Rectified linear unit ``max(a, 0)``; same shape as ``a``."""
    return np.maximum(a, 0)


def sigmoid_grad_from_output(s):
    """Derivative of the sigmoid given its output ``s``: ``s * (1 - s)``."""
    return s * (1 - s)


def tanh_grad_from_output(h):
    """Derivative of tanh given its output ``h``: ``1 - h**2``."""
    return 1 - h * h


def relu_grad_from_output(h):
    """Derivative of ReLU given its output ``h``: 1 where ``h > 0``, else 0."""
    return (h > 0).astype(h.dtype)


NONLINEARITIES = {
    "tanh": (tanh, tanh_grad_from_output),
    "relu": (relu, relu_grad_from_output),
}


def get_nonlinearity(name):
    """Return ``(f, f_grad_from_output)`` for ``'tanh'`` or ``'relu'``."""
    try:
        return NONLINEARITIES[name]
    except KeyError:
        raise ValueError(f"nonlinearity: expected one of {sorted(NONLINEARITIES)}, "
                         f"got {name!r}") from None
