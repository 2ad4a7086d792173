"""rnnlib.rnn: gradient checks, equality with torch.nn.RNN in float64, shapes, bad input."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.gradcheck import gradient_check, relative_error
from rnnlib.layers import RNN
from rnnlib.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

TOL = 1e-10


def make_params(rng, D, H, bias=True):
    W = rng.standard_normal((H, D)) * 0.5
    U = rng.standard_normal((H, H)) * 0.5
    b_h = rng.standard_normal(H) * 0.1 if bias else None
    return W, U, b_h


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_step_gradients(nonlinearity, bias):
    rng = np.random.default_rng(0)
    W, U, b_h = make_params(rng, 3, 4, bias)
    x, h_prev = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    errors = gradient_check(
        lambda x, h, W, U, b: rnn_step_forward(x, h, W, U, b, nonlinearity),
        rnn_step_backward, [x, h_prev, W, U, b_h])
    assert len(errors) == (5 if bias else 4)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("T", [1, 2, 5])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_sequence_gradients(T, nonlinearity):
    """T=2 isolates the gradient carried from step t+1 (dh_next)."""
    rng = np.random.default_rng(T)
    W, U, b_h = make_params(rng, 3, 4)
    x, h0 = rng.standard_normal((T, 2, 3)), rng.standard_normal((2, 4))
    errors = gradient_check(
        lambda x, h0, W, U, b: rnn_forward(x, h0, W, U, b, nonlinearity),
        rnn_backward, [x, h0, W, U, b_h])
    assert set(errors) == {0, 1, 2, 3, 4}
    assert max(errors.values()) < 1e-6, errors


def test_sequence_equals_steps():
    rng = np.random.default_rng(1)
    W, U, b_h = make_params(rng, 3, 4)
    x, h0 = rng.standard_normal((4, 2, 3)), rng.standard_normal((2, 4))
    h, _ = rnn_forward(x, h0, W, U, b_h)
    h_prev = h0
    for t in range(4):
        h_prev, _ = rnn_step_forward(x[t], h_prev, W, U, b_h)
        np.testing.assert_allclose(h[t], h_prev, rtol=1e-14)


def test_forward_and_backward_do_not_modify_inputs():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((3, 2, 3)), rng.standard_normal((2, 4)), *make_params(rng, 3, 4)]
    copies = [a.copy() for a in arrays]
    h, cache = rnn_forward(*arrays)
    dh = rng.standard_normal(h.shape)
    dh_copy = dh.copy()
    rnn_backward(dh, cache)
    for a, c in zip(arrays + [dh], copies + [dh_copy]):
        np.testing.assert_array_equal(a, c)


def torch_rnn_reference(x, h0, W, U, b_h, nonlinearity, dh):
    """Run torch.nn.RNN with the same weights; return outputs and gradients as NumPy."""
    H, D = W.shape
    rnn = torch.nn.RNN(D, H, nonlinearity=nonlinearity, bias=b_h is not None).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(W))
        rnn.weight_hh_l0.copy_(torch.from_numpy(U))
        if b_h is not None:  # torch keeps two biases; only their sum matters
            rnn.bias_ih_l0.copy_(torch.from_numpy(b_h))
            rnn.bias_hh_l0.zero_()
    xt = torch.from_numpy(x).requires_grad_()
    h0t = torch.from_numpy(h0).unsqueeze(0).requires_grad_()
    out, _ = rnn(xt, h0t)
    (out * torch.from_numpy(dh)).sum().backward()
    grads = [xt.grad.numpy(), h0t.grad[0].numpy(), rnn.weight_ih_l0.grad.numpy(),
             rnn.weight_hh_l0.grad.numpy(),
             None if b_h is None else rnn.bias_ih_l0.grad.numpy()]
    return out.detach().numpy(), grads


@given(T=st.integers(1, 6), B=st.integers(1, 4), D=st.integers(1, 5), H=st.integers(1, 5),
       nonlinearity=st.sampled_from(["tanh", "relu"]), bias=st.booleans(),
       with_h0=st.booleans(), seed=st.integers(0, 2**16))
def test_equals_torch(T, B, D, H, nonlinearity, bias, with_h0, seed):
    rng = np.random.default_rng(seed)
    W, U, b_h = make_params(rng, D, H, bias)
    x = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((B, H)) if with_h0 else None
    h, cache = rnn_forward(x, h0, W, U, b_h, nonlinearity)
    dh = rng.standard_normal(h.shape)
    grads = rnn_backward(dh, cache)
    ref_h, ref_grads = torch_rnn_reference(
        x, np.zeros((B, H)) if h0 is None else h0, W, U, b_h, nonlinearity, dh)
    assert relative_error(h, ref_h) <= TOL
    for name, g, r in zip(["dx", "dh0", "dW", "dU", "db_h"], grads, ref_grads):
        if r is None:
            assert g is None, name
        else:
            assert relative_error(g, r) <= TOL, name


@given(T=st.integers(1, 5), B=st.integers(1, 3), D=st.integers(1, 4), H=st.integers(1, 4))
def test_shapes(T, B, D, H):
    rng = np.random.default_rng(0)
    W, U, b_h = make_params(rng, D, H)
    h, cache = rnn_forward(rng.standard_normal((T, B, D)), None, W, U, b_h)
    assert h.shape == (T, B, H)
    dx, dh0, dW, dU, db_h = rnn_backward(np.ones_like(h), cache)
    assert (dx.shape, dh0.shape, dW.shape, dU.shape, db_h.shape) == (
        (T, B, D), (B, H), (H, D), (H, H), (H,))


def test_tanh_states_are_bounded():
    rng = np.random.default_rng(3)
    W, U, b_h = make_params(rng, 3, 4)
    h, _ = rnn_forward(rng.standard_normal((20, 2, 3)) * 10, None, W * 10, U * 10, b_h)
    assert np.all(np.abs(h) <= 1)


def test_float32_runs_in_float32():
    rng = np.random.default_rng(4)
    W, U, b_h = (p.astype(np.float32) for p in make_params(rng, 3, 4))
    h, cache = rnn_forward(rng.standard_normal((3, 2, 3)).astype(np.float32), None, W, U, b_h)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_backward(np.ones_like(h), cache))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_float32_step_and_sequence_equal_torch_in_float32(nonlinearity, load_torch_weights):
    """float32 throughout, and torch.nn.RNNCell / RNN's float32 numbers up to float32's
    rounding (values and gradients of order 1, a few units of 6e-8 per operation)."""
    rng = np.random.default_rng(5)
    W, U, b_h = (p.astype(np.float32) for p in make_params(rng, 3, 4))
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)
    h0 = rng.standard_normal((2, 4)).astype(np.float32)
    dh = rng.standard_normal((5, 2, 4)).astype(np.float32)
    h1, step_cache = rnn_step_forward(x[0], h0, W, U, b_h, nonlinearity)
    step_grads = rnn_step_backward(dh[0], step_cache)
    h, cache = rnn_forward(x, h0, W, U, b_h, nonlinearity)
    seq_grads = rnn_backward(dh, cache)
    for a in (h1, *step_grads, h, *seq_grads):
        assert a.dtype == np.float32

    cell, rnn = torch.nn.RNNCell(3, 4, nonlinearity=nonlinearity), torch.nn.RNN(
        3, 4, nonlinearity=nonlinearity)
    load_torch_weights(W, U, b_h, cell, rnn)
    xt, ht = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    h_t = cell(xt[0], ht)
    (h_t * torch.from_numpy(dh[0])).sum().backward()
    want = [h_t, xt.grad[0], ht.grad, cell.weight_ih.grad, cell.weight_hh.grad, cell.bias_ih.grad]
    for ours, theirs in zip([h1, *step_grads], want):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-4, atol=1e-5)
    xt, ht = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    out, _ = rnn(xt, ht)
    (out * torch.from_numpy(dh)).sum().backward()
    want = [out, xt.grad, ht.grad[0], rnn.weight_ih_l0.grad, rnn.weight_hh_l0.grad,
            rnn.bias_ih_l0.grad]
    for ours, theirs in zip([h, *seq_grads], want):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda W, U, b: rnn_forward(np.zeros((3, 2, 5)), None, W, U, b),
     r"x: expected shape \(T, B, D=3\), got \(3, 2, 5\)"),
    (lambda W, U, b: rnn_forward(np.zeros((2, 3)), None, W, U, b),
     r"x: expected a 3-d array \(T, B, D=3\), got 2-d with shape \(2, 3\)"),
    (lambda W, U, b: rnn_forward(np.zeros((3, 2, 3)), np.zeros((2, 5)), W, U, b),
     r"h0: expected shape \(B=2, H=4\), got \(2, 5\)"),
    (lambda W, U, b: rnn_forward(np.zeros((3, 2, 3)), None, W, U.T[:3], b),
     r"U: expected shape \(H=4, H=4\), got \(3, 4\)"),
    (lambda W, U, b: rnn_forward(np.zeros((3, 2, 3)), None, W, U, b[:2]),
     r"b_h: expected shape \(H=4\), got \(2,\)"),
    (lambda W, U, b: rnn_forward(np.zeros((3, 2, 3), dtype=int), None, W, U, b),
     r"x: expected a floating-point array .*got dtype int"),
    (lambda W, U, b: rnn_step_forward(np.zeros((2, 3)), np.zeros((3, 4)), W, U, b),
     r"h_prev: expected shape \(B=2, H=4\), got \(3, 4\)"),
    (lambda W, U, b: rnn_forward(np.zeros((3, 2, 3)), None, W, U, b, "sigmoid"),
     r"nonlinearity: expected one of \['relu', 'tanh'\], got 'sigmoid'"),
    (lambda W, U, b: rnn_forward(np.zeros((3, 2, 3), dtype=np.float32), None, W, U, b),
     r"all arrays must share one dtype, got x: float32, W: float64"),
])
def test_bad_input_names_expected_and_actual(call, message):
    W, U, b_h = make_params(np.random.default_rng(0), 3, 4)
    with pytest.raises(ValueError, match=message):
        call(W, U, b_h)


def test_backward_rejects_wrong_upstream_shape():
    W, U, b_h = make_params(np.random.default_rng(0), 3, 4)
    h, cache = rnn_forward(np.zeros((3, 2, 3)), None, W, U, b_h)
    with pytest.raises(ValueError, match=r"dh: expected shape \(T=3, B=2, H=4\), got \(3, 2, 5\)"):
        rnn_backward(np.zeros((3, 2, 5)), cache)


def test_layer_loads_torch_state_dict_as_is():
    torch.manual_seed(0)
    ref = torch.nn.RNN(3, 4, num_layers=2, bidirectional=True)  # float32, as trained models are
    layer = RNN(3, 4, num_layers=2, bidirectional=True)
    layer.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    assert list(layer.state_dict()) == list(ref.state_dict())
    x = torch.randn(5, 2, 3)
    out, h_n = ref(x)
    my_out, my_h_n = layer.forward(x.double().numpy())
    assert relative_error(my_out, out.detach().numpy()) < 1e-5
    assert relative_error(my_h_n, h_n.detach().numpy()) < 1e-5


def test_layer_rejects_mismatched_state_dict():
    layer = RNN(3, 4)
    sd = layer.state_dict()
    sd["weight_hh_l0"] = np.zeros((4, 5))
    with pytest.raises(ValueError, match=r"weight_hh_l0: expected shape \(4, 4\), got \(4, 5\)"):
        layer.load_state_dict(sd)
    del sd["weight_hh_l0"]
    with pytest.raises(ValueError, match=r"missing keys \['weight_hh_l0'\]"):
        layer.load_state_dict(sd)
