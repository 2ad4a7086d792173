"""The benchmark's straightforward cells compute rnnlib's numbers (float64, every gradient), so
the benchmark compares two implementations of the same function."""
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnlib import gru, lstm, rnn
from rnnlib.gradcheck import relative_error

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import naive_cells  # noqa: E402

T, B, D, H = 5, 3, 4, 6
TOL = 1e-10


def _arrays(G, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, D))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    W = rng.standard_normal((G * H, D)) / np.sqrt(D)
    U = rng.standard_normal((G * H, H)) / np.sqrt(H)
    b_ih, b_hh = rng.standard_normal(G * H), rng.standard_normal(G * H)
    dh = rng.standard_normal((T, B, H))
    dc = rng.standard_normal((B, H))
    return x, h0, c0, W, U, b_ih, b_hh, dh, dc


def _assert_all_close(ours, theirs):
    assert len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert a.shape == b.shape, k
        assert relative_error(a, b) < TOL, k


def test_lstm_equals_rnnlib():
    x, h0, c0, W, U, b, _, dh, dc = _arrays(4)
    h, c_n, cache = naive_cells.lstm_forward(x, h0, c0, W, U, b)
    h_ref, c_ref, cache_ref = lstm.lstm_forward(x, h0, c0, W, U, b)
    _assert_all_close([h, c_n], [h_ref, c_ref])
    _assert_all_close(naive_cells.lstm_backward(dh, dc, cache),
                      lstm.lstm_backward(dh, dc, cache_ref))


def test_gru_equals_rnnlib():
    x, h0, _, W, U, b_ih, b_hh, dh, _ = _arrays(3)
    h, cache = naive_cells.gru_forward(x, h0, W, U, b_ih, b_hh)
    h_ref, cache_ref = gru.gru_forward(x, h0, W, U, b_ih, b_hh)
    _assert_all_close([h], [h_ref])
    _assert_all_close(naive_cells.gru_backward(dh, cache), gru.gru_backward(dh, cache_ref))


def test_rnn_equals_rnnlib():
    x, h0, _, W, U, b, _, dh, _ = _arrays(1)
    h, cache = naive_cells.rnn_forward(x, h0, W, U, b)
    h_ref, cache_ref = rnn.rnn_forward(x, h0, W, U, b)
    _assert_all_close([h], [h_ref])
    _assert_all_close(naive_cells.rnn_backward(dh, cache), rnn.rnn_backward(dh, cache_ref))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_float32_stays_float32(cell):
    x, h0, c0, W, U, b_ih, b_hh, dh, dc = (a.astype(np.float32) for a in
                                           _arrays(4 if cell == "lstm" else 3))
    if cell == "lstm":
        h, c_n, cache = naive_cells.lstm_forward(x, h0, c0, W, U, b_ih)
        out = [h, c_n, *naive_cells.lstm_backward(dh, dc, cache)]
    else:
        h, cache = naive_cells.gru_forward(x, h0, W, U, b_ih, b_hh)
        out = [h, *naive_cells.gru_backward(dh, cache)]
    assert [a.dtype for a in out] == [np.float32] * len(out)


def test_sigmoid_is_the_plain_formula():
    a = np.linspace(-30, 30, 61)
    np.testing.assert_array_equal(naive_cells.sigmoid(a), 1 / (1 + np.exp(-a)))
