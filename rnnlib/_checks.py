"""Input validation shared by every public function: clear ValueErrors, never bare traces."""
import numpy as np


def check_array(name, value, ndim=None, shape=None):
    """Return ``value`` as a floating ndarray after checking its rank and shape.

    ``shape`` may hold ``None`` for a free dimension. The error names the argument,
    the expected shape and the shape that came, e.g.
    ``ValueError: h_prev: expected shape (B=4, H=8), got (4, 7)``.
    """
    if not isinstance(value, np.ndarray):
        try:
            value = np.asarray(value)
        except Exception as exc:  # pragma: no cover - exotic objects
            raise ValueError(f"{name}: expected an array, got {type(value).__name__}") from exc
    if not np.issubdtype(value.dtype, np.floating):
        raise ValueError(f"{name}: expected a floating-point array (float32 or float64), "
                         f"got dtype {value.dtype}")
    if shape is not None:
        ndim = len(shape)
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array{_describe(shape)}, "
                         f"got {value.ndim}-d with shape {value.shape}")
    if shape is not None:
        for want, got in zip(shape, value.shape):
            size = want[1] if isinstance(want, tuple) else want
            if size is not None and size != got:
                raise ValueError(f"{name}: expected shape{_describe(shape)}, got {value.shape}")
    return value


def _describe(shape):
    if shape is None:
        return ""
    parts = []
    for want in shape:
        if isinstance(want, tuple):
            label, size = want
            parts.append(label if size is None else f"{label}={size}")
        else:
            parts.append("?" if want is None else str(want))
    return " (" + ", ".join(parts) + ")"


def check_same_dtype(**arrays):
    """Raise if the given arrays do not share one floating dtype."""
    dtypes = {name: a.dtype for name, a in arrays.items() if a is not None}
    if len(set(dtypes.values())) > 1:
        listing = ", ".join(f"{n}: {d}" for n, d in dtypes.items())
        raise ValueError(f"all arrays must share one dtype, got {listing}")
