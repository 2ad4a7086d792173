"""Noisy sine waves: the smallest forecasting problem, with the clean signal kept for plots."""
from typing import NamedTuple

import numpy as np

from ._common import Split, check_int, make_rng, time_to_batch_first


class SineExamples(NamedTuple):
    """One set of waves; T = length, N = number of waves."""
    x: np.ndarray      # (T, N, 1) float64 noisy values s_0 .. s_{T-1}
    y: np.ndarray      # (T, N, 1) float64 next noisy values s_1 .. s_T
    clean: np.ndarray  # (T, N, 1) float64 next values without noise


def noisy_sines(n_train=256, n_validation=64, length=100, noise=0.1, min_period=10.0,
                max_period=50.0, seed=0, batch_first=False):
    """Sine waves of random period, amplitude and phase plus noise, for next-step forecasting.

    .. math::
        s_t = a \\sin(2 \\pi t / p + \\varphi) + \\sigma \\varepsilon_t, \\quad
        a \\sim U[0.5, 1.5),\\ p \\sim U[p_{\\min}, p_{\\max}),\\ \\varphi \\sim U[0, 2\\pi),\\
        \\varepsilon_t \\sim \\mathcal N(0, 1)

    Inputs are :math:`s_0..s_{T-1}` and targets the next values :math:`s_1..s_T` (teacher
    forcing). No model can beat a mean squared error of :math:`\\sigma^2` on the noisy
    targets; comparing predictions with ``clean`` shows the model has filtered the noise. It
    teaches forecasting and free-running generation, where predictions are fed back as inputs
    (chapter 7). Every wave is drawn independently, so train and validation share no wave.

    Returns:
        Split(train, validation) of SineExamples(x, y, clean), each (T, N, 1) float64
        ((N, T, 1) with ``batch_first``).
    """
    T = check_int("length", length, minimum=1)
    n_train = check_int("n_train", n_train, minimum=1)
    n_validation = check_int("n_validation", n_validation, minimum=0)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"noise: expected a number >= 0, got {noise!r}")
    if not 0 < min_period <= max_period:
        raise ValueError(f"min_period, max_period: expected 0 < min_period <= max_period, "
                         f"got {min_period}, {max_period}")
    rng = make_rng(seed)
    n = n_train + n_validation
    amplitude = rng.uniform(0.5, 1.5, size=n)                      # (N,)
    period = rng.uniform(min_period, max_period, size=n)           # (N,)
    phase = rng.uniform(0.0, 2 * np.pi, size=n)                    # (N,)
    t = np.arange(T + 1)[:, None]                                  # (T + 1, 1)
    clean = amplitude * np.sin(2 * np.pi * t / period + phase)     # (T + 1, N)
    noisy = clean + noise * rng.standard_normal(clean.shape)       # (T + 1, N)

    def build(columns):
        x, y, c = noisy[:-1, columns], noisy[1:, columns], clean[1:, columns]  # (T, n)
        return SineExamples(*(time_to_batch_first(a[:, :, None], batch_first) for a in (x, y, c)))

    return Split(build(slice(0, n_train)), build(slice(n_train, n)))
