"""rnnlib.lstm: gradient checks of every backward, equality with torch.nn.LSTMCell / LSTM,
the sequence as a loop of steps, shapes, and clear errors."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.gradcheck import gradient_check, relative_error
from rnnlib.lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward

GRAD_TOL = 1e-5    # max elementwise relative error of central differences (float64, step EPS);
#                    entries near 1e-5 carry ~1e-6 of it, a wrong formula gives 1e-2 or more
EPS = 1e-5         # balances rounding (~1e-16 |L| / EPS) against truncation (~EPS^2)
TORCH_TOL = 1e-10  # the bound: same arithmetic as torch up to rounding


def make(T=3, B=2, D=4, H=5, seed=0, bias=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((B, H))
    c0 = rng.standard_normal((B, H))
    W = rng.standard_normal((4 * H, D)) / np.sqrt(D)
    U = rng.standard_normal((4 * H, H)) / np.sqrt(H)
    b = rng.standard_normal(4 * H) if bias else None
    return x, h0, c0, W, U, b


# gradient_check wants forward -> (out, cache): stack the two outputs into one array.
def step_forward(x, h_prev, c_prev, W, U, b):
    h, c, cache = lstm_step_forward(x, h_prev, c_prev, W, U, b)
    return np.stack([h, c]), cache                       # (2, B, H)


def step_backward(dout, cache):
    return lstm_step_backward(dout[0], dout[1], cache)


def seq_forward(x, h0, c0, W, U, b):
    h, c_n, cache = lstm_forward(x, h0, c0, W, U, b)
    return np.concatenate([h, c_n[None]]), cache         # (T+1, B, H)


def seq_backward(dout, cache):
    return lstm_backward(dout[:-1], dout[-1], cache)


@pytest.mark.parametrize("bias", [True, False])
def test_step_backward_matches_central_differences(bias):
    x, h0, c0, W, U, b = make(bias=bias)
    errors = gradient_check(step_forward, step_backward, [x[0], h0, c0, W, U, b], eps=EPS)
    assert len(errors) == (6 if bias else 5)
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("T", [1, 2, 5])
@pytest.mark.parametrize("bias", [True, False])
def test_sequence_backward_matches_central_differences(T, bias):
    # T = 2 isolates the classic bug: forgetting the gradient carried from step t+1.
    x, h0, c0, W, U, b = make(T=T, bias=bias, seed=T)
    errors = gradient_check(seq_forward, seq_backward, [x, h0, c0, W, U, b], eps=EPS)
    assert len(errors) == (6 if bias else 5)
    assert max(errors.values()) < GRAD_TOL, errors


def test_t2_carries_gradient_into_the_first_step_and_h0():
    """With an upstream gradient only on h_2, dx_1 and dh0 are non-zero and correct."""
    x, h0, c0, W, U, b = make(T=2, seed=3)
    h, c_n, cache = lstm_forward(x, h0, c0, W, U, b)
    dh = np.zeros_like(h)
    dh[1] = 1.0
    dx, dh0, dc0, *_ = lstm_backward(dh, None, cache)
    assert np.abs(dx[0]).max() > 1e-3 and np.abs(dh0).max() > 1e-3
    eps = 1e-6
    x_plus, x_minus = x.copy(), x.copy()
    x_plus[0, 0, 0] += eps
    x_minus[0, 0, 0] -= eps
    num = (lstm_forward(x_plus, h0, c0, W, U, b)[0][1].sum()
           - lstm_forward(x_minus, h0, c0, W, U, b)[0][1].sum()) / (2 * eps)
    assert abs(num - dx[0, 0, 0]) < 1e-8


def test_sequence_equals_a_loop_of_steps_forward_and_backward():
    x, h0, c0, W, U, b = make(T=4)
    h, c_n, cache = lstm_forward(x, h0, c0, W, U, b)
    h_prev, c_prev, caches, hs = h0, c0, [], []
    for t in range(len(x)):
        h_prev, c_prev, step_cache = lstm_step_forward(x[t], h_prev, c_prev, W, U, b)
        hs.append(h_prev)
        caches.append(step_cache)
    assert relative_error(h, np.stack(hs)) < 1e-13
    assert relative_error(c_n, c_prev) < 1e-13

    rng = np.random.default_rng(1)
    dh, dc_n = rng.standard_normal(h.shape), rng.standard_normal(c_n.shape)
    grads = lstm_backward(dh, dc_n, cache)
    dh_next, dc_next = np.zeros_like(h0), dc_n
    dxs, sums = [None] * len(x), [np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)]
    for t in reversed(range(len(x))):
        dxs[t], dh_next, dc_next, dW, dU, db = lstm_step_backward(dh[t] + dh_next, dc_next,
                                                                  caches[t])
        for total, g in zip(sums, (dW, dU, db)):
            total += g
    for got, want in zip(grads, [np.stack(dxs), dh_next, dc_next, *sums]):
        assert relative_error(got, want) < 1e-12


def _torch_lstm_cell(W, U, b):
    D, H = W.shape[1], U.shape[1]
    cell = torch.nn.LSTMCell(D, H, bias=b is not None).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(W))
        cell.weight_hh.copy_(torch.from_numpy(U))
        if b is not None:
            cell.bias_ih.copy_(torch.from_numpy(b / 2))   # only b_ih + b_hh matters
            cell.bias_hh.copy_(torch.from_numpy(b / 2))
    return cell


@pytest.mark.parametrize("bias", [True, False])
def test_step_equals_torch_lstm_cell(bias):
    x, h0, c0, W, U, b = make(B=3, bias=bias)
    h, c, cache = lstm_step_forward(x[0], h0, c0, W, U, b)
    rng = np.random.default_rng(2)
    dh, dc = rng.standard_normal(h.shape), rng.standard_normal(c.shape)
    dx, dh_prev, dc_prev, dW, dU, db = lstm_step_backward(dh, dc, cache)

    cell = _torch_lstm_cell(W, U, b)
    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x[0], h0, c0))
    h_t, c_t = cell(xt, (ht, ct))
    assert relative_error(h, h_t.detach().numpy()) < TORCH_TOL
    assert relative_error(c, c_t.detach().numpy()) < TORCH_TOL
    ((h_t * torch.from_numpy(dh)).sum() + (c_t * torch.from_numpy(dc)).sum()).backward()
    pairs = [(dx, xt.grad), (dh_prev, ht.grad), (dc_prev, ct.grad),
             (dW, cell.weight_ih.grad), (dU, cell.weight_hh.grad)]
    if bias:
        pairs += [(db, cell.bias_ih.grad), (db, cell.bias_hh.grad)]
    else:
        assert db is None
    for ours, theirs in pairs:
        assert relative_error(ours, theirs.numpy()) < TORCH_TOL


def test_sequence_equals_torch_lstm():
    x, h0, c0, W, U, b = make(T=6, B=3)
    h, c_n, cache = lstm_forward(x, h0, c0, W, U, b)
    lstm = torch.nn.LSTM(W.shape[1], U.shape[1]).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(W))
        lstm.weight_hh_l0.copy_(torch.from_numpy(U))
        lstm.bias_ih_l0.copy_(torch.from_numpy(b))
        lstm.bias_hh_l0.zero_()
    out, (h_n, c_n_t) = lstm(torch.from_numpy(x), (torch.from_numpy(h0[None]),
                                                   torch.from_numpy(c0[None])))
    assert relative_error(h, out.detach().numpy()) < TORCH_TOL
    assert relative_error(c_n, c_n_t[0].detach().numpy()) < TORCH_TOL


# float32: both libraries round every operation to float32, in their own order; values and
# gradients are of order 1, so they agree to a few units of float32's 6e-8 times D + H terms.
RTOL32, ATOL32 = 1e-4, 1e-5


def test_float32_step_and_sequence_equal_torch_in_float32(load_torch_weights):
    """Every output and gradient stays float32 and equals torch.nn.LSTMCell / LSTM in float32."""
    x, h0, c0, W, U, b = (a.astype(np.float32) for a in make(T=4, B=3))
    rng = np.random.default_rng(4)
    dh = rng.standard_normal((4, 3, 5)).astype(np.float32)
    dc = rng.standard_normal((3, 5)).astype(np.float32)
    h, c, cache = lstm_step_forward(x[0], h0, c0, W, U, b)
    step_grads = lstm_step_backward(dh[0], dc, cache)
    hs, c_n, cache = lstm_forward(x, h0, c0, W, U, b)
    seq_grads = lstm_backward(dh, dc, cache)
    for a in (h, c, *step_grads, hs, c_n, *seq_grads):
        assert a.dtype == np.float32

    cell = torch.nn.LSTMCell(4, 5)
    lstm = torch.nn.LSTM(4, 5)
    load_torch_weights(W, U, b, cell, lstm)
    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    h_t, c_t = cell(xt[0], (ht, ct))
    ((h_t * torch.from_numpy(dh[0])).sum() + (c_t * torch.from_numpy(dc)).sum()).backward()
    want = [h_t, c_t, xt.grad[0], ht.grad, ct.grad, cell.weight_ih.grad, cell.weight_hh.grad,
            cell.bias_ih.grad]
    for ours, theirs in zip([h, c, *step_grads], want):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=RTOL32, atol=ATOL32)

    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h0[None], c0[None]))
    out, (_, c_nt) = lstm(xt, (ht, ct))
    ((out * torch.from_numpy(dh)).sum() + (c_nt[0] * torch.from_numpy(dc)).sum()).backward()
    want = [out, c_nt[0], xt.grad, ht.grad[0], ct.grad[0], lstm.weight_ih_l0.grad,
            lstm.weight_hh_l0.grad, lstm.bias_ih_l0.grad]
    for ours, theirs in zip([hs, c_n, *seq_grads], want):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=RTOL32, atol=ATOL32)


def test_inputs_are_not_modified():
    args = make(T=3)
    copies = [a.copy() for a in args]
    h, c_n, cache = lstm_forward(*args)
    dh = np.ones_like(h)
    dc_n = np.ones_like(c_n)
    lstm_backward(dh, dc_n, cache)
    h1, c1, step_cache = lstm_step_forward(args[0][0], *args[1:])
    lstm_step_backward(np.ones_like(h1), np.ones_like(c1), step_cache)
    for a, copy in zip(args, copies):
        np.testing.assert_array_equal(a, copy)
    np.testing.assert_array_equal(dh, 1.0)
    np.testing.assert_array_equal(dc_n, 1.0)


def test_zero_initial_state_is_the_default():
    x, h0, c0, W, U, b = make()
    h_none, c_none, _ = lstm_forward(x, None, None, W, U, b)
    h_zero, c_zero, _ = lstm_forward(x, np.zeros_like(h0), np.zeros_like(c0), W, U, b)
    np.testing.assert_array_equal(h_none, h_zero)
    np.testing.assert_array_equal(c_none, c_zero)


@given(T=st.integers(1, 4), B=st.integers(1, 3), D=st.integers(1, 4), H=st.integers(1, 4),
       bias=st.booleans())
def test_shapes(T, B, D, H, bias):
    x, h0, c0, W, U, b = make(T, B, D, H, bias=bias)
    h, c_n, cache = lstm_forward(x, h0, c0, W, U, b)
    assert h.shape == (T, B, H) and c_n.shape == (B, H)
    assert np.all(np.abs(h) < 1)                          # |o * tanh(c)| < 1
    dx, dh0, dc0, dW, dU, db = lstm_backward(np.ones_like(h), np.ones_like(c_n), cache)
    assert (dx.shape, dh0.shape, dc0.shape, dW.shape, dU.shape) == (
        x.shape, h0.shape, c0.shape, W.shape, U.shape)
    assert (db is None) if not bias else db.shape == (4 * H,)


@pytest.mark.parametrize("bad, match", [
    (dict(W=np.zeros((16, 4))), r"W: expected shape \(4H=20, D\), got \(16, 4\)"),
    (dict(U=np.zeros((20, 4))), r"U: expected shape \(4H=16, H=4\), got \(20, 4\)"),
    (dict(b=np.zeros(5)), r"b: expected shape \(4H=20\), got \(5,\)"),
    (dict(h0=np.zeros((2, 4))), r"h0: expected shape \(B=2, H=5\), got \(2, 4\)"),
    (dict(c0=np.zeros((3, 5))), r"c0: expected shape \(B=2, H=5\), got \(3, 5\)"),
    (dict(x=np.zeros((3, 2))), r"x: expected a 3-d array \(T, B, D=4\), got 2-d"),
    (dict(h0=np.zeros((2, 5), np.float32)), r"dtype.*float32"),
])
def test_bad_input_raises_value_error_naming_shapes(bad, match):
    args = dict(zip(["x", "h0", "c0", "W", "U", "b"], make()))
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        lstm_forward(**args)


def test_bad_upstream_gradient_raises():
    x, h0, c0, W, U, b = make(T=3, B=2, H=5)
    h, c_n, cache = lstm_forward(x, h0, c0, W, U, b)
    with pytest.raises(ValueError, match=r"dh: expected shape \(T=3, B=2, H=5\), got \(3, 2, 4\)"):
        lstm_backward(np.zeros((3, 2, 4)), None, cache)
