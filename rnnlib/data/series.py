"""Real time series shipped inside statsmodels (nothing is downloaded), windows and scaling.

* Sunspots: the yearly mean sunspot number, 1700-2008 (309 values), with its ~11-year cycle.
* Mauna Loa CO2: weekly means in ppm, 1958-03-29 to 2001-12-29 (2284 values): a trend plus a
  yearly season.

Both are split chronologically (the validation part is the last years: forecasting must not
peek at the future), so no seed is needed; the standardisation is fitted on the training part
only. :func:`make_windows` cuts a series into (input, horizon) pairs for a forecaster.
"""
from typing import NamedTuple

import numpy as np

from .._checks import check_array
from ._common import Examples, check_fraction, check_int, time_to_batch_first


class Standardizer(NamedTuple):
    """:math:`z = (s - \\mu) / \\sigma` with :math:`\\mu, \\sigma` fitted on training data only."""
    mean: float
    std: float

    @classmethod
    def fit(cls, train):
        """Mean and standard deviation of ``train`` (any shape)."""
        train = check_array("train", train)
        std = float(train.std())
        return cls(float(train.mean()), std if std > 0 else 1.0)

    def transform(self, series):
        """(...) -> (...) standardised values."""
        return (np.asarray(series, dtype=np.float64) - self.mean) / self.std

    def inverse_transform(self, z):
        """(...) -> (...) values in the original units."""
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


class SeriesSplit(NamedTuple):
    """A series cut in time: L = series length, L_train + L_validation = L."""
    train: np.ndarray             # (L_train,) float64 (standardised if asked)
    validation: np.ndarray        # (L_validation,) float64
    train_years: np.ndarray       # (L_train,) the time of each value, in years
    validation_years: np.ndarray  # (L_validation,)
    scaler: Standardizer          # fitted on the raw training values


def split_series(values, years, validation_fraction=0.2, standardize=True):
    """Cut ``values`` (L,) and ``years`` (L,) in time: the last fraction is the validation part."""
    values = check_array("values", values, ndim=1)
    years = np.asarray(years)
    if years.shape != values.shape:
        raise ValueError(f"years: expected shape {values.shape}, got {years.shape}")
    fraction = check_fraction("validation_fraction", validation_fraction)
    n_validation = int(round(len(values) * fraction))
    if not 0 < n_validation < len(values):
        raise ValueError(f"validation_fraction: expected a fraction leaving both parts non-empty "
                         f"for a series of length {len(values)}, got {validation_fraction}")
    cut = len(values) - n_validation
    scaler = Standardizer.fit(values[:cut])
    scaled = scaler.transform(values) if standardize else values.astype(np.float64)
    return SeriesSplit(scaled[:cut], scaled[cut:], years[:cut], years[cut:], scaler)


def load_sunspots(validation_fraction=0.2, standardize=True):
    """Yearly mean sunspot numbers 1700-2008 from statsmodels (``sunspots``), split in time.

    The ~11-year cycle with irregular amplitude makes a classic test of one-step and
    multi-step forecasting with an RNN (chapter 7); with the default fraction the model trains
    on 1700-1946 and is validated on 1947-2008.

    Returns:
        SeriesSplit: ``train`` (247,) and ``validation`` (62,) float64 values (standardised with
        the training mean and deviation unless ``standardize=False``), ``train_years`` and
        ``validation_years`` int64 years, ``scaler`` to undo the scaling.
    """
    from statsmodels.datasets import sunspots

    frame = sunspots.load_pandas().data
    values = frame["SUNACTIVITY"].to_numpy(dtype=np.float64)      # (309,)
    years = frame["YEAR"].to_numpy().astype(np.int64)             # (309,) 1700..2008
    return split_series(values, years, validation_fraction, standardize)


def load_co2(validation_fraction=0.2, standardize=True):
    """Weekly atmospheric CO2 at Mauna Loa, 1958-03-29 to 2001-12-29, from statsmodels (``co2``).

    A rising trend with a yearly season: it shows why a forecaster should model differences or
    a detrended series and how far a season can be extrapolated (chapter 7). The 59 missing
    weeks are filled by linear interpolation in time.

    Returns:
        SeriesSplit: ``train`` (1827,) and ``validation`` (457,) float64 values in ppm (or
        standardised), ``train_years``/``validation_years`` float64 decimal years
        (1958.23... for 1958-03-29), ``scaler`` to undo the scaling.
    """
    from statsmodels.datasets import co2

    series = co2.load_pandas().data["co2"].interpolate(method="time")
    values = series.to_numpy(dtype=np.float64)                    # (2284,)
    dates = series.index
    days_in_year = np.where(dates.is_leap_year, 366.0, 365.0)
    years = dates.year + (dates.day_of_year - 1) / days_in_year     # (2284,) decimal years
    return split_series(values, np.asarray(years, dtype=np.float64), validation_fraction,
                        standardize)


def make_windows(series, input_len, horizon=1, stride=1, batch_first=False):
    """Cut a series into windows: ``input_len`` values in, the next ``horizon`` values out.

    Window ``i`` starts at ``s = i * stride``: ``x[:, i] = series[s : s + input_len]`` and
    ``y[:, i] = series[s + input_len : s + input_len + horizon]``, for every ``i`` whose target
    fits in the series, so N = (L - input_len - horizon) // stride + 1. Windows of a validation
    part made this way never see training values; to forecast its first steps too, prepend the
    last ``input_len`` training values.

    Args:
        series: (L,) or (L, D) floating values.

    Returns:
        Examples(x, y): x (input_len, N, D), y (horizon, N, D), the dtype of ``series``
        (D = 1 for a 1-d series; (N, input_len, D) and (N, horizon, D) with ``batch_first``).
    """
    series = check_array("series", series)
    if series.ndim not in (1, 2):
        raise ValueError(f"series: expected a 1-d (L,) or 2-d (L, D) array, got shape "
                         f"{series.shape}")
    input_len = check_int("input_len", input_len, minimum=1)
    horizon = check_int("horizon", horizon, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    if series.ndim == 1:
        series = series[:, None]                                  # (L, 1)
    if len(series) < input_len + horizon:
        raise ValueError(f"series: expected length >= input_len + horizon = "
                         f"{input_len + horizon}, got {len(series)}")
    view = np.lib.stride_tricks.sliding_window_view(series, input_len + horizon, axis=0)
    view = view[::stride].transpose(2, 0, 1)                      # (input_len + horizon, N, D)
    x = np.ascontiguousarray(view[:input_len])                    # (input_len, N, D)
    y = np.ascontiguousarray(view[input_len:])                    # (horizon, N, D)
    return Examples(time_to_batch_first(x, batch_first), time_to_batch_first(y, batch_first))
