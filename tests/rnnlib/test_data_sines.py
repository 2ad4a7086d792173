"""Noisy sine waves: next-step targets, the clean signal, seeds and shapes."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from rnnlib.data import noisy_sines


@given(n=st.integers(1, 5), m=st.integers(0, 3), T=st.integers(1, 20), batch_first=st.booleans())
def test_shapes_and_next_step_targets(n, m, T, batch_first):
    data = noisy_sines(n, m, length=T, seed=0, batch_first=batch_first)
    for part, size in ((data.train, n), (data.validation, m)):
        for a in part:
            assert a.shape == ((size, T, 1) if batch_first else (T, size, 1))
            assert a.dtype == np.float64
        x, y = (part.x, part.y) if not batch_first else (part.x.swapaxes(0, 1),
                                                         part.y.swapaxes(0, 1))
        np.testing.assert_array_equal(y[:-1], x[1:])               # y_t = s_{t+1}


def test_noise_free_waves_equal_the_clean_signal_and_stay_in_amplitude():
    data = noisy_sines(50, 10, noise=0.0, seed=1)
    np.testing.assert_array_equal(data.train.y, data.train.clean)
    assert np.abs(data.train.clean).max() < 1.5
    noisy = noisy_sines(50, 10, noise=0.1, seed=1)
    np.testing.assert_array_equal(noisy.train.clean, data.train.clean)   # same waves
    assert np.std(noisy.train.y - noisy.train.clean) == pytest.approx(0.1, rel=0.05)


def test_period_range_is_respected():
    data = noisy_sines(1, 0, length=400, noise=0.0, min_period=20, max_period=20, seed=2)
    wave = data.train.clean[:, 0, 0]
    np.testing.assert_allclose(wave[20:], wave[:-20], atol=1e-12)


def test_seeds():
    a, b, c = noisy_sines(seed=4), noisy_sines(seed=4), noisy_sines(seed=5)
    np.testing.assert_array_equal(a.validation.x, b.validation.x)
    assert not np.array_equal(a.validation.x, c.validation.x)


@pytest.mark.parametrize("kwargs, message", [
    (dict(noise=-1), "noise: expected a number >= 0, got -1"),
    (dict(min_period=5, max_period=2), "expected 0 < min_period <= max_period, got 5, 2"),
    (dict(length=0), "length: expected an int >= 1, got 0"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        noisy_sines(**kwargs)
