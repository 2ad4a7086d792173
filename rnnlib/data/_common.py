"""What every loader shares: the train/validation pair, argument checks, seeding, one-hot codes.

Every loader takes ``seed`` (an int or a ``numpy.random.Generator``) and draws only from
``numpy.random.default_rng(seed)``: no global seeding, so two loaders never disturb each other.
"""
from typing import Any, NamedTuple

import numpy as np


class Examples(NamedTuple):
    """Inputs and targets of one set; each loader's docstring gives their shapes and dtypes."""
    x: np.ndarray
    y: np.ndarray


class Split(NamedTuple):
    """A training set and a validation set of the same kind (arrays or a NamedTuple of arrays)."""
    train: Any
    validation: Any


def make_rng(seed):
    """``numpy.random.default_rng(seed)`` with a clear error for anything else."""
    if isinstance(seed, (bool, np.bool_)) or not (
            seed is None or isinstance(seed, (int, np.integer, np.random.Generator))):
        raise ValueError(f"seed: expected an int or a numpy.random.Generator, "
                         f"got {type(seed).__name__}")
    return np.random.default_rng(seed)


def check_int(name, value, minimum=0):
    """Return ``value`` as an int after checking it is an integer at least ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value}")
    return int(value)


def check_fraction(name, value, low=0.0, high=1.0):
    """Return ``value`` as a float after checking ``low < value < high``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.floating)):
        raise ValueError(f"{name}: expected a number in ({low}, {high}), got {value!r}")
    if not low < value < high:
        raise ValueError(f"{name}: expected a number in ({low}, {high}), got {value}")
    return float(value)


def check_choice(name, value, choices):
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def disjoint_draws(rng, draw, n_train, n_validation, what, tries=100):
    """Draw ``(n_train, L)`` and ``(n_validation, L)`` rows, none of the latter among the former.

    ``draw(rng, n)`` returns ``n`` rows as an ``(n, L)`` array. Validation rows that equal a
    training row are drawn again; if that keeps failing the space of rows is too small for the
    sizes asked, and a ValueError says so.
    """
    train = draw(rng, n_train)
    seen = {row.tobytes() for row in train}
    validation = draw(rng, n_validation)
    for _ in range(tries):
        clash = np.fromiter((row.tobytes() in seen for row in validation), bool, n_validation)
        if not clash.any():
            return train, validation
        validation[clash] = draw(rng, int(clash.sum()))
    raise ValueError(f"{what}: could not draw {n_validation} validation sequences distinct from "
                     f"the {n_train} training ones; expected fewer examples or longer sequences")


def one_hot(ids, num_classes, dtype=np.float64):
    """One-hot codes: ``ids`` of any shape ``S`` with values in ``[0, K)`` -> ``(*S, K)`` array."""
    ids = np.asarray(ids)
    K = check_int("num_classes", num_classes, minimum=1)
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids: expected an integer array, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= K):
        raise ValueError(f"ids: expected values in [0, {K}), got values in "
                         f"[{ids.min()}, {ids.max()}]")
    return np.eye(K, dtype=dtype)[ids]  # (*S, K)


def time_to_batch_first(array, batch_first):
    """Swap the first two axes when ``batch_first``: ``(T, B, ...)`` -> ``(B, T, ...)``."""
    return np.ascontiguousarray(array.swapaxes(0, 1)) if batch_first else array
