"""Numerical gradients by central differences, and the relative error used to compare them.

.. math::
    \\frac{\\partial f}{\\partial x_i} \\approx \\frac{f(x + \\varepsilon e_i) - f(x - \\varepsilon e_i)}
        {2 \\varepsilon}, \\qquad
    \\mathrm{rel}(a, n) = \\max_i \\frac{|a_i - n_i|}{\\max(|a_i| + |n_i|, \\tau)}

Use float64: in float32 the rounding error of ``f`` divided by ``2 eps`` swamps the comparison.
See also: the book's chapter ``bptt`` (gradient checking).
"""
import numpy as np


def numerical_gradient(f, x, df=None, eps=1e-6):
    """Central-difference gradient of ``sum(f() * df)`` with respect to ``x``, perturbed in place.

    Args:
        f: callable of no arguments that reads ``x`` (a closure) and returns an array or scalar.
        x: the array to differentiate with respect to; restored after each perturbation.
        df: upstream gradient, same shape as ``f()``; None means ``f`` returns a scalar.
        eps: the step.

    Returns:
        An array of ``x``'s shape.
    """
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x: expected a floating-point array, got dtype {x.dtype}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        plus = np.sum(f() * (1.0 if df is None else df))
        x[i] = old - eps
        minus = np.sum(f() * (1.0 if df is None else df))
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a, b, floor=1e-8):
    """Largest elementwise relative error ``|a - b| / max(|a| + |b|, floor)``; 0 for empty arrays."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare arrays of shapes {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def gradient_check(forward, backward, inputs, seed=0, eps=1e-6):
    """Compare a forward/backward pair with central differences for every input.

    Args:
        forward: ``forward(*inputs) -> (out, cache)``.
        backward: ``backward(dout, cache) -> grads`` in the order of ``inputs``
            (None for an input with no gradient, which is then skipped).
        inputs: list of float64 arrays (copied; the originals are never modified).
        seed: seeds the random upstream gradient ``dout``.

    Returns:
        dict mapping the input's position to the maximum relative error.
    """
    inputs = [None if v is None else np.array(v, dtype=np.float64) for v in inputs]
    out, cache = forward(*inputs)
    dout = np.random.default_rng(seed).standard_normal(np.shape(out))
    grads = backward(dout, cache)
    errors = {}
    for k, (value, grad) in enumerate(zip(inputs, grads)):
        if value is None or grad is None:
            continue
        num = numerical_gradient(lambda: forward(*inputs)[0], value, dout, eps)
        errors[k] = relative_error(grad, num)
    return errors
