"""The in-place sigmoid the LSTM and GRU gates use: right at every magnitude, silent on overflow."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rnnlib.activations import sigmoid, sigmoid_
from rnnlib.gru import gru_forward
from rnnlib.lstm import lstm_forward

EXTREMES = [-1e4, -800.0, -710.0, -50.0, -1e-12, 0.0, 1e-12, 50.0, 710.0, 800.0, 1e4]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_in_place_matches_torch_at_every_magnitude(dtype):
    a = np.array(EXTREMES, dtype=dtype)
    expected = torch.sigmoid(torch.from_numpy(a)).numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")         # exp(-a) overflows for a << 0: no warning
        out = sigmoid_(a)
    assert out is a                            # in place
    np.testing.assert_allclose(a, expected, rtol=4 * np.finfo(dtype).eps, atol=0)


@given(arrays(np.float64, st.integers(1, 50),
              elements=st.floats(-1e3, 1e3, allow_nan=False)))
def test_sigmoid_in_place_equals_the_stable_sigmoid_and_stays_in_the_unit_interval(a):
    expected = sigmoid(a)
    out = sigmoid_(a.copy())
    assert np.all((out >= 0) & (out <= 1))
    # below a = -709, e^{-a} overflows and the result is 0 where the true value is subnormal
    np.testing.assert_allclose(out, expected, rtol=1e-15, atol=np.finfo(np.float64).tiny)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_saturated_gates_give_finite_states_equal_to_torch_and_no_warning(cell):
    """Weights 1000 times too large drive every gate far into saturation (e^{-a} = inf)."""
    torch.manual_seed(0)
    T, B, D, H = 3, 2, 4, 5
    layer = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(D, H).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.mul_(1000)
    x = torch.randn(T, B, D, dtype=torch.float64)
    expected = layer(x)[0].detach().numpy()
    W, U = layer.weight_ih_l0.detach().numpy(), layer.weight_hh_l0.detach().numpy()
    b_ih, b_hh = layer.bias_ih_l0.detach().numpy(), layer.bias_hh_l0.detach().numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if cell == "lstm":
            h = lstm_forward(x.numpy(), None, None, W, U, b_ih + b_hh)[0]
        else:
            h = gru_forward(x.numpy(), None, W, U, b_ih, b_hh)[0]
    assert np.all(np.isfinite(h))
    np.testing.assert_allclose(h, expected, rtol=1e-12, atol=1e-15)
