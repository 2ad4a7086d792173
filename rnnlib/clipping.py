"""Gradient clipping against exploding gradients: by global norm and by value.

Clipping by global norm rescales *all* gradients together, so their direction is kept:

.. math::
    \\lVert g \\rVert = \\sqrt{\\textstyle\\sum_k \\lVert g_k \\rVert_F^2}, \\qquad
    g \\leftarrow g \\cdot \\frac{\\theta}{\\lVert g \\rVert}
    \\quad \\text{if } \\lVert g \\rVert > \\theta

Clipping by value clamps each entry to :math:`[-c, c]`, which changes the direction.

Gradients come as a dict ``{name: array}`` (as the layers' ``backward`` returns them) or a
list/tuple of arrays; ``None`` entries (a missing bias) are passed through. Inputs are never
modified: the functions return new containers of the same kind.

See also: the book's chapter ``exploding-vanishing`` and ``torch.nn.utils.clip_grad_norm_``.
"""
import numpy as np

from ._checks import check_array


def _items(grads):
    if isinstance(grads, dict):
        return list(grads.items())
    if isinstance(grads, (list, tuple)):
        return list(enumerate(grads))
    raise ValueError(f"grads: expected a dict or a list/tuple of arrays, "
                     f"got {type(grads).__name__}")


def _rebuild(grads, values):
    if isinstance(grads, dict):
        return dict(zip(grads.keys(), values))
    return type(grads)(values) if isinstance(grads, tuple) else list(values)


def _checked(grads):
    return [(k, None if g is None else check_array(f"grads[{k!r}]", g)) for k, g in _items(grads)]


def global_norm(grads):
    """The Euclidean norm of all gradients taken as one vector, :math:`\\lVert g \\rVert` above."""
    total = 0.0
    for _, g in _checked(grads):
        if g is not None:
            total += float(np.sum(np.square(g, dtype=np.float64)))
    return float(np.sqrt(total))


def clip_by_global_norm(grads, max_norm):
    """Rescale the gradients so that their global norm is at most
    ``max_norm`` (θ above).

    Args:
        grads: dict ``{name: array}`` or list/tuple of arrays, any shapes.
        max_norm: the threshold θ > 0.

    Returns:
        clipped: the gradients, same container and shapes, multiplied by
            θ/‖g‖ when ‖g‖ > θ.
        norm: ‖g‖ before clipping (worth logging: its spikes are exploding
            gradients).
    """
    if not max_norm > 0:
        raise ValueError("max_norm: expected a positive number, "
                         f"got {max_norm}")
    items = _checked(grads)
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    clipped = [None if g is None else g * np.asarray(scale, dtype=g.dtype)
               for _, g in items]
    return _rebuild(grads, clipped), norm


def clip_by_value(grads, clip_value):
    """Clamp every gradient entry to :math:`[-c, c]`, c = ``clip_value`` > 0.

    Returns the gradients in a new container of the same kind, same shapes.
    """
    if not clip_value > 0:
        raise ValueError(f"clip_value: expected a positive number, got {clip_value}")
    items = _checked(grads)
    return _rebuild(grads, [None if g is None else np.clip(g, -clip_value, clip_value)
                            for _, g in items])
