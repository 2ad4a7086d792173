"""rnnlib.gru: gradient checks of both conventions, equality with torch.nn.GRUCell / GRU, how
the lecture's variant relates to torch's, shapes, and clear errors."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.gradcheck import gradient_check, relative_error
from rnnlib.gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward

GRAD_TOL = 1e-5    # max elementwise relative error of central differences (float64, step EPS);
#                    entries near 1e-5 carry ~1e-6 of it, a wrong formula gives 1e-2 or more
EPS = 1e-5         # balances rounding (~1e-16 |L| / EPS) against truncation (~EPS^2)
TORCH_TOL = 1e-10  # the bound: same arithmetic as torch up to rounding
CONVENTIONS = ["torch", "lecture"]


def make(T=3, B=2, D=4, H=5, seed=0, bias=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((B, H))
    W = rng.standard_normal((3 * H, D)) / np.sqrt(D)
    U = rng.standard_normal((3 * H, H)) / np.sqrt(H)
    b_ih = rng.standard_normal(3 * H) if bias else None
    b_hh = rng.standard_normal(3 * H) if bias else None
    return x, h0, W, U, b_ih, b_hh


def forward_with(convention, step=False):
    fn = gru_step_forward if step else gru_forward
    return lambda *args: fn(*args, convention=convention)


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("bias", [True, False])
def test_step_backward_matches_central_differences(convention, bias):
    x, h0, W, U, b_ih, b_hh = make(bias=bias)
    errors = gradient_check(forward_with(convention, step=True), gru_step_backward,
                            [x[0], h0, W, U, b_ih, b_hh], eps=EPS)
    assert len(errors) == (6 if bias else 4)
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("T", [1, 2, 5])
@pytest.mark.parametrize("bias", [True, False])
def test_sequence_backward_matches_central_differences(convention, T, bias):
    # T = 2 isolates the classic bug: forgetting the gradient carried from step t+1.
    x, h0, W, U, b_ih, b_hh = make(T=T, bias=bias, seed=T)
    errors = gradient_check(forward_with(convention), gru_backward, [x, h0, W, U, b_ih, b_hh],
                            eps=EPS)
    assert len(errors) == (6 if bias else 4)
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_only_one_bias(convention):
    x, h0, W, U, b_ih, b_hh = make()
    for args in ([x, h0, W, U, b_ih, None], [x, h0, W, U, None, b_hh]):
        errors = gradient_check(forward_with(convention), gru_backward, args, eps=EPS)
        assert len(errors) == 5 and max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_t2_carries_gradient_into_the_first_step_and_h0(convention):
    """With an upstream gradient only on h_2, dx_1 and dh0 are non-zero and correct."""
    x, h0, W, U, b_ih, b_hh = make(T=2, seed=3)
    h, cache = gru_forward(x, h0, W, U, b_ih, b_hh, convention)
    dh = np.zeros_like(h)
    dh[1] = 1.0
    dx, dh0, *_ = gru_backward(dh, cache)
    assert np.abs(dx[0]).max() > 1e-3 and np.abs(dh0).max() > 1e-3
    eps = 1e-6
    h0_plus, h0_minus = h0.copy(), h0.copy()
    h0_plus[0, 0] += eps
    h0_minus[0, 0] -= eps
    num = (gru_forward(x, h0_plus, W, U, b_ih, b_hh, convention)[0][1].sum()
           - gru_forward(x, h0_minus, W, U, b_ih, b_hh, convention)[0][1].sum()) / (2 * eps)
    assert abs(num - dh0[0, 0]) < 1e-8


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_sequence_equals_a_loop_of_steps(convention):
    x, h0, W, U, b_ih, b_hh = make(T=4)
    h, _ = gru_forward(x, h0, W, U, b_ih, b_hh, convention)
    h_prev = h0
    for t in range(len(x)):
        h_prev, _ = gru_step_forward(x[t], h_prev, W, U, b_ih, b_hh, convention)
        assert relative_error(h[t], h_prev) < 1e-13


@pytest.mark.parametrize("bias", [True, False])
def test_step_equals_torch_gru_cell(bias):
    x, h0, W, U, b_ih, b_hh = make(B=3, bias=bias)
    h, cache = gru_step_forward(x[0], h0, W, U, b_ih, b_hh)
    dh = np.random.default_rng(2).standard_normal(h.shape)
    dx, dh_prev, dW, dU, db_ih, db_hh = gru_step_backward(dh, cache)

    cell = torch.nn.GRUCell(W.shape[1], U.shape[1], bias=bias).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(W))
        cell.weight_hh.copy_(torch.from_numpy(U))
        if bias:
            cell.bias_ih.copy_(torch.from_numpy(b_ih))
            cell.bias_hh.copy_(torch.from_numpy(b_hh))
    xt, ht = torch.tensor(x[0], requires_grad=True), torch.tensor(h0, requires_grad=True)
    h_t = cell(xt, ht)
    assert relative_error(h, h_t.detach().numpy()) < TORCH_TOL
    (h_t * torch.from_numpy(dh)).sum().backward()
    pairs = [(dx, xt.grad), (dh_prev, ht.grad), (dW, cell.weight_ih.grad),
             (dU, cell.weight_hh.grad)]
    if bias:
        pairs += [(db_ih, cell.bias_ih.grad), (db_hh, cell.bias_hh.grad)]
    else:
        assert db_ih is None and db_hh is None
    for ours, theirs in pairs:
        assert relative_error(ours, theirs.numpy()) < TORCH_TOL


def test_sequence_equals_torch_gru():
    x, h0, W, U, b_ih, b_hh = make(T=6, B=3)
    h, _ = gru_forward(x, h0, W, U, b_ih, b_hh)
    gru = torch.nn.GRU(W.shape[1], U.shape[1]).double()
    gru.load_state_dict({k: torch.from_numpy(v) for k, v in zip(
        ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"], [W, U, b_ih, b_hh])})
    out, h_n = gru(torch.from_numpy(x), torch.from_numpy(h0[None]))
    assert relative_error(h, out.detach().numpy()) < TORCH_TOL


# float32: both libraries round every operation to float32, in their own order; values and
# gradients are of order 1, so they agree to a few units of float32's 6e-8 times D + H terms.
RTOL32, ATOL32 = 1e-4, 1e-5


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_float32_runs_in_float32(convention):
    x, h0, W, U, b_ih, b_hh = (a.astype(np.float32) for a in make(T=4, B=3))
    dh = np.random.default_rng(4).standard_normal((4, 3, 5)).astype(np.float32)
    h, cache = gru_step_forward(x[0], h0, W, U, b_ih, b_hh, convention)
    step = gru_step_backward(dh[0], cache)
    hs, cache = gru_forward(x, h0, W, U, b_ih, b_hh, convention)
    seq = gru_backward(dh, cache)
    for a in (h, *step, hs, *seq):
        assert a.dtype == np.float32


def test_float32_step_and_sequence_equal_torch_in_float32():
    x, h0, W, U, b_ih, b_hh = (a.astype(np.float32) for a in make(T=4, B=3))
    dh = np.random.default_rng(4).standard_normal((4, 3, 5)).astype(np.float32)
    h, cache = gru_step_forward(x[0], h0, W, U, b_ih, b_hh)
    step_grads = gru_step_backward(dh[0], cache)
    hs, cache = gru_forward(x, h0, W, U, b_ih, b_hh)
    seq_grads = gru_backward(dh, cache)

    cell, gru = torch.nn.GRUCell(4, 5), torch.nn.GRU(4, 5)
    with torch.no_grad():
        for m, sfx in ((cell, ""), (gru, "_l0")):
            for name, value in (("weight_ih", W), ("weight_hh", U), ("bias_ih", b_ih),
                                ("bias_hh", b_hh)):
                getattr(m, name + sfx).copy_(torch.from_numpy(value))
    xt, ht = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    h_t = cell(xt[0], ht)
    (h_t * torch.from_numpy(dh[0])).sum().backward()
    want = [h_t, xt.grad[0], ht.grad, cell.weight_ih.grad, cell.weight_hh.grad,
            cell.bias_ih.grad, cell.bias_hh.grad]
    for ours, theirs in zip([h, *step_grads], want):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=RTOL32, atol=ATOL32)

    xt, ht = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    out, _ = gru(xt, ht)
    (out * torch.from_numpy(dh)).sum().backward()
    want = [out, xt.grad, ht.grad[0], gru.weight_ih_l0.grad, gru.weight_hh_l0.grad,
            gru.bias_ih_l0.grad, gru.bias_hh_l0.grad]
    for ours, theirs in zip([hs, *seq_grads], want):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=RTOL32, atol=ATOL32)


def _flip_z(W, U, b_ih, b_hh, H):
    """Negate the z rows, so that sigma(a_z) becomes sigma(-a_z) = 1 - z."""
    W, U, b_ih, b_hh = W.copy(), U.copy(), b_ih.copy(), b_hh.copy()
    for p in (W, U, b_ih, b_hh):
        p[H:2 * H] *= -1
    return W, U, b_ih, b_hh


def test_lecture_variant_is_torch_with_z_flipped_when_reset_is_open():
    """The two conventions differ in two places: what z weighs and where r acts.

    With the reset gate saturated open (r = 1 exactly, from a large b_ir) r no longer matters,
    and the lecture's GRU with z's rows negated (z -> 1 - z) computes torch's GRU exactly;
    with the same weights but r free, they differ.
    """
    x, h0, W, U, b_ih, b_hh = make(T=5, B=3)
    H = U.shape[1]
    b_ih_open = b_ih.copy()
    b_ih_open[:H] = 1e3                                        # r = sigma(~1e3) == 1.0
    h_torch, _ = gru_forward(x, h0, W, U, b_ih_open, b_hh, "torch")
    h_lecture, _ = gru_forward(x, h0, *_flip_z(W, U, b_ih_open, b_hh, H), "lecture")
    assert relative_error(h_torch, h_lecture) < 1e-13
    h_lecture_same_z, _ = gru_forward(x, h0, W, U, b_ih_open, b_hh, "lecture")
    assert relative_error(h_torch, h_lecture_same_z) > 1e-2   # z's meaning is reversed

    # Reset gate free: with z flipped, the placement of r alone makes them differ.
    h_torch, _ = gru_forward(x, h0, W, U, b_ih, b_hh, "torch")
    h_lecture, _ = gru_forward(x, h0, *_flip_z(W, U, b_ih, b_hh, H), "lecture")
    assert relative_error(h_torch, h_lecture) > 1e-3


def test_lecture_variant_equals_torch_z_flipped_for_diagonal_U_n_and_zero_b_hn():
    """r * (U_n h) = U_n (r * h) only when U_n commutes with diag(r): e.g. U_n diagonal.

    With a diagonal U_n, b_hn = 0 and z flipped, the two conventions agree for any r.
    """
    x, h0, W, U, b_ih, b_hh = make(T=4, B=2)
    H = U.shape[1]
    U = U.copy()
    U[2 * H:] = np.diag(np.linspace(-1, 1, H))
    b_hh = b_hh.copy()
    b_hh[2 * H:] = 0
    h_torch, _ = gru_forward(x, h0, W, U, b_ih, b_hh, "torch")
    h_lecture, _ = gru_forward(x, h0, *_flip_z(W, U, b_ih, b_hh, H), "lecture")
    assert relative_error(h_torch, h_lecture) < 1e-13


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_inputs_are_not_modified(convention):
    args = make(T=3)
    copies = [a.copy() for a in args]
    h, cache = gru_forward(*args, convention=convention)
    dh = np.ones_like(h)
    gru_backward(dh, cache)
    h1, step_cache = gru_step_forward(args[0][0], *args[1:], convention=convention)
    gru_step_backward(np.ones_like(h1), step_cache)
    for a, copy in zip(args, copies):
        np.testing.assert_array_equal(a, copy)
    np.testing.assert_array_equal(dh, 1.0)


@given(T=st.integers(1, 4), B=st.integers(1, 3), D=st.integers(1, 4), H=st.integers(1, 4),
       bias=st.booleans(), convention=st.sampled_from(CONVENTIONS))
def test_shapes(T, B, D, H, bias, convention):
    x, h0, W, U, b_ih, b_hh = make(T, B, D, H, bias=bias)
    h, cache = gru_forward(x, h0, W, U, b_ih, b_hh, convention)
    assert h.shape == (T, B, H)
    grads = gru_backward(np.ones_like(h), cache)
    assert [None if g is None else g.shape for g in grads] == [
        None if a is None else a.shape for a in (x, h0, W, U, b_ih, b_hh)]


@pytest.mark.parametrize("bad, match", [
    (dict(W=np.zeros((12, 4))), r"W: expected shape \(3H=15, D\), got \(12, 4\)"),
    (dict(U=np.zeros((15, 4))), r"U: expected shape \(3H=12, H=4\), got \(15, 4\)"),
    (dict(b_hh=np.zeros(5)), r"b_hh: expected shape \(3H=15\), got \(5,\)"),
    (dict(h0=np.zeros((2, 4))), r"h0: expected shape \(B=2, H=5\), got \(2, 4\)"),
    (dict(x=np.zeros((3, 2, 3))), r"x: expected shape \(T, B, D=4\), got \(3, 2, 3\)"),
    (dict(h0=np.zeros((2, 5), np.float32)), r"dtype.*float32"),
    (dict(convention="colah"), r"convention: expected one of \('torch', 'lecture'\)"),
])
def test_bad_input_raises_value_error_naming_shapes(bad, match):
    args = dict(zip(["x", "h0", "W", "U", "b_ih", "b_hh"], make()))
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        gru_forward(**args)
