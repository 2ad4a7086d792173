"""statsmodels' real series, the chronological split, the scaler and the windows."""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

from rnnlib.data import Standardizer, load_co2, load_sunspots, make_windows, split_series


def test_sunspots_has_every_year_from_1700_to_2008():
    data = load_sunspots()
    years = np.concatenate([data.train_years, data.validation_years])
    np.testing.assert_array_equal(years, np.arange(1700, 2009))
    assert data.train.shape == (247,) and data.validation.shape == (62,)
    assert data.train.dtype == data.validation.dtype == np.float64
    assert data.train_years.dtype == np.int64
    raw = load_sunspots(standardize=False)
    assert raw.train[:3].tolist() == [5.0, 11.0, 16.0]           # 1700, 1701, 1702
    assert raw.validation[-1] == pytest.approx(2.9)               # 2008


def test_co2_is_weekly_from_1958_to_2001_without_gaps():
    data = load_co2(standardize=False)
    years = np.concatenate([data.train_years, data.validation_years])
    values = np.concatenate([data.train, data.validation])
    assert years.shape == values.shape == (2284,) and years.dtype == np.float64
    assert years[0] == pytest.approx(1958 + 87 / 365)              # 1958-03-29
    assert years[-1] == pytest.approx(2001 + 362 / 365)            # 2001-12-29
    np.testing.assert_allclose(np.diff(years), 7 / 365.25, atol=2e-4)
    assert not np.isnan(values).any()
    assert values[0] == pytest.approx(316.1) and values[-1] == pytest.approx(371.5)
    assert 310 < values.min() < values.max() < 380


@pytest.mark.parametrize("loader", [load_sunspots, load_co2])
def test_standardisation_is_fitted_on_the_training_part_only(loader):
    data, raw = loader(), loader(standardize=False)
    assert data.train.mean() == pytest.approx(0, abs=1e-12)
    assert data.train.std() == pytest.approx(1)
    assert data.scaler == raw.scaler == Standardizer(raw.train.mean(), raw.train.std())
    np.testing.assert_allclose(data.scaler.inverse_transform(data.validation), raw.validation)
    assert data.validation_years[0] > data.train_years[-1]         # the future is held out


def test_split_series_fraction_and_errors():
    data = split_series(np.arange(10.0), np.arange(10), validation_fraction=0.3)
    assert len(data.train) == 7 and len(data.validation) == 3
    with pytest.raises(ValueError, match=r"years: expected shape \(10,\), got \(9,\)"):
        split_series(np.arange(10.0), np.arange(9))
    with pytest.raises(ValueError, match="validation_fraction: expected a number in"):
        split_series(np.arange(10.0), np.arange(10), validation_fraction=1.0)
    with pytest.raises(ValueError, match="leaving both parts non-empty"):
        split_series(np.arange(10.0), np.arange(10), validation_fraction=0.01)


@given(L=st.integers(2, 30), D=st.sampled_from([None, 1, 3]), input_len=st.integers(1, 6),
       horizon=st.integers(1, 4), stride=st.integers(1, 3), batch_first=st.booleans())
def test_windows_align_with_the_series(L, D, input_len, horizon, stride, batch_first):
    series = np.arange(L * (D or 1), dtype=np.float32).reshape(L, -1)
    if D is None:
        series = series[:, 0]
    if L < input_len + horizon:
        with pytest.raises(ValueError, match=f"series: expected length >= input_len "
                                             f"\\+ horizon = {input_len + horizon}, got {L}"):
            make_windows(series, input_len, horizon, stride)
        return
    x, y = make_windows(series, input_len, horizon, stride, batch_first=batch_first)
    if batch_first:
        x, y = x.swapaxes(0, 1), y.swapaxes(0, 1)
    N = (L - input_len - horizon) // stride + 1
    width = 1 if D is None else D
    assert x.shape == (input_len, N, width) and y.shape == (horizon, N, width)
    assert x.dtype == y.dtype == np.float32
    full = series.reshape(L, width)
    for i in range(N):
        s = i * stride
        np.testing.assert_array_equal(x[:, i], full[s:s + input_len])
        np.testing.assert_array_equal(y[:, i], full[s + input_len:s + input_len + horizon])


def test_windows_reject_bad_input():
    with pytest.raises(ValueError, match="series: expected a 1-d"):
        make_windows(np.zeros((4, 2, 2)), 1)
    with pytest.raises(ValueError, match="series: expected a floating-point array"):
        make_windows(np.arange(10), 2)
    with pytest.raises(ValueError, match="input_len: expected an int >= 1, got 0"):
        make_windows(np.zeros(10), 0)


def test_importing_the_package_imports_neither_statsmodels_nor_torch():
    code = ("import sys, rnnlib.data; "
            "print(sorted(m for m in ('statsmodels', 'torch', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
