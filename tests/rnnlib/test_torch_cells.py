"""The readable torch cells give torch.nn's outputs and gradients: in float64 to 1e-10 (with
weights that are not float32 numbers), in float32 to float32's rounding."""
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.gradcheck import relative_error
from rnnlib.torch_cells import GRUCell, LSTMCell, Recurrent, RNNCell

TOL = 1e-10
PAIRS = {
    "rnn_tanh": (lambda d, h, b: RNNCell(d, h, b), lambda d, h, b: torch.nn.RNNCell(d, h, b)),
    "rnn_relu": (lambda d, h, b: RNNCell(d, h, b, nonlinearity="relu"),
                 lambda d, h, b: torch.nn.RNNCell(d, h, b, nonlinearity="relu")),
    "lstm": (lambda d, h, b: LSTMCell(d, h, b), lambda d, h, b: torch.nn.LSTMCell(d, h, b)),
    "gru": (lambda d, h, b: GRUCell(d, h, b), lambda d, h, b: torch.nn.GRUCell(d, h, b)),
}


def float64_weights(module, seed):
    """Replace a module's weights by float64 draws from torch's U(-1/sqrt(H), 1/sqrt(H)):
    weights initialized in float32 and cast would hide a float32 rounding on our side."""
    gen = torch.Generator().manual_seed(seed)
    bound = 1 / module.hidden_size ** 0.5
    with torch.no_grad():
        for p in module.parameters():
            p.copy_((2 * torch.rand(p.shape, dtype=torch.float64, generator=gen) - 1) * bound)
            assert (p != p.float().double()).any()


def _twins(kind, D, H, bias, seed=0):
    ours_f, theirs_f = PAIRS[kind]
    torch.manual_seed(seed)
    theirs = theirs_f(D, H, bias).double()
    float64_weights(theirs, seed)
    ours = ours_f(D, H, bias).double()
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _close(a, b):
    return relative_error(a.detach().numpy(), b.detach().numpy()) <= TOL


def _state_leaves(kind, B, H, with_state, gen):
    if not with_state:
        return None, []
    if kind == "lstm":
        h, c = (torch.randn(B, H, dtype=torch.float64, generator=gen, requires_grad=True)
                for _ in range(2))
        return (h, c), [h, c]
    h = torch.randn(B, H, dtype=torch.float64, generator=gen, requires_grad=True)
    return h, [h]


def _scalar(out, gen):
    """A random projection of the outputs, so every output element matters."""
    outs = out if isinstance(out, tuple) else (out,)
    return sum((o * torch.randn(o.shape, dtype=o.dtype, generator=gen)).sum() for o in outs)


@pytest.mark.parametrize("kind", list(PAIRS))
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_equals_torch_nn(kind, bias, with_state):
    B, D, H = 3, 4, 5
    ours, theirs = _twins(kind, D, H, bias)
    results = []
    for model in (ours, theirs):
        gen = torch.Generator().manual_seed(1)
        x = torch.randn(B, D, dtype=torch.float64, generator=gen, requires_grad=True)
        state, leaves = _state_leaves(kind, B, H, with_state, gen)
        out = model(x, state)
        _scalar(out, gen).backward()
        grads = [x.grad] + [v.grad for v in leaves] + [p.grad for p in model.parameters()]
        results.append((out if isinstance(out, tuple) else (out,), grads))
    (out_a, g_a), (out_b, g_b) = results
    assert all(_close(a, b) for a, b in zip(out_a, out_b))
    assert len(g_a) == len(g_b)
    assert all(_close(a, b) for a, b in zip(g_a, g_b))


# float32: both round every operation to float32 in their own order (a few units of 6e-8 per
# operation, summed over the D + H terms of a product); values and gradients are of order 1.
RTOL32, ATOL32 = 1e-4, 1e-5


@pytest.mark.parametrize("kind", list(PAIRS))
@pytest.mark.parametrize("bias", [True, False])
def test_cell_equals_torch_nn_in_float32(kind, bias):
    B, D, H = 3, 4, 5
    ours_f, theirs_f = PAIRS[kind]
    torch.manual_seed(0)
    theirs = theirs_f(D, H, bias)                            # float32
    ours = ours_f(D, H, bias)
    ours.load_state_dict(theirs.state_dict())
    results = []
    for model in (ours, theirs):
        gen = torch.Generator().manual_seed(1)
        x = torch.randn(B, D, generator=gen, requires_grad=True)
        state, leaves = _state_leaves(kind, B, H, True, gen)
        state = tuple(s.float().detach().requires_grad_() for s in state) if kind == "lstm" \
            else state.float().detach().requires_grad_()
        leaves = list(state) if kind == "lstm" else [state]
        out = model(x, state)
        _scalar(out, gen).backward()
        grads = [x.grad] + [v.grad for v in leaves] + [p.grad for p in model.parameters()]
        results.append((out if isinstance(out, tuple) else (out,), grads))
    (out_a, g_a), (out_b, g_b) = results
    assert len(g_a) == len(g_b)
    for a, b in zip(list(out_a) + g_a, list(out_b) + g_b):
        assert a.dtype == torch.float32
        torch.testing.assert_close(a, b, rtol=RTOL32, atol=ATOL32)


@pytest.mark.parametrize("kind", list(PAIRS))
def test_unbatched_input(kind):
    ours, theirs = _twins(kind, 3, 4, True)
    x = torch.randn(3, dtype=torch.float64)
    out_a, out_b = ours(x), theirs(x)
    out_a = out_a if isinstance(out_a, tuple) else (out_a,)
    out_b = out_b if isinstance(out_b, tuple) else (out_b,)
    assert all(a.shape == (4,) and _close(a, b) for a, b in zip(out_a, out_b))


SEQ = {
    "rnn": (lambda d, h: Recurrent(RNNCell(d, h)),
            lambda d, h, bf: torch.nn.RNN(d, h, batch_first=bf)),
    "lstm": (lambda d, h: Recurrent(LSTMCell(d, h)),
             lambda d, h, bf: torch.nn.LSTM(d, h, batch_first=bf)),
    "gru": (lambda d, h: Recurrent(GRUCell(d, h)),
            lambda d, h, bf: torch.nn.GRU(d, h, batch_first=bf)),
}


@pytest.mark.parametrize("kind", list(SEQ))
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [True, False])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_recurrent_equals_torch_nn_layer(kind, batch_first, with_state, dtype):
    T, B, D, H = 6, 3, 4, 5
    torch.manual_seed(0)
    layer = SEQ[kind][1](D, H, batch_first).to(dtype)
    if dtype == torch.float64:
        float64_weights(layer, 0)
    ours = SEQ[kind][0](D, H).to(dtype)
    ours.batch_first = batch_first
    ours.load_torch_layer(layer)

    gen = torch.Generator().manual_seed(2)
    shape = (B, T, D) if batch_first else (T, B, D)
    x = torch.randn(shape, dtype=dtype, generator=gen)
    states = [torch.randn(B, H, dtype=dtype, generator=gen)
              for _ in range(2 if kind == "lstm" else 1)]
    dout = torch.randn(shape[:2] + (H,), dtype=dtype, generator=gen)
    dstates = [torch.randn(B, H, dtype=dtype, generator=gen) for _ in states]

    def run(model, ours_layout):
        xs = x.clone().requires_grad_()
        ss = [s.clone().requires_grad_() for s in states]
        if not with_state:
            state = None
        elif ours_layout:
            state = tuple(ss) if kind == "lstm" else ss[0]
        else:
            state = tuple(s[None] for s in ss) if kind == "lstm" else ss[0][None]  # (1, B, H)
        out, final = model(xs, state)
        finals = list(final) if kind == "lstm" else [final]
        finals = [f if ours_layout else f[0] for f in finals]
        loss = (out * dout).sum() + sum((f * d).sum() for f, d in zip(finals, dstates))
        loss.backward()
        grads = [xs.grad] + ([s.grad for s in ss] if with_state else [])
        grads += [p.grad for p in model.parameters()]
        return [out] + finals, grads

    outs_a, grads_a = run(ours, True)
    outs_b, grads_b = run(layer, False)
    assert len(grads_a) == len(grads_b)
    for a, b in zip(outs_a + grads_a, outs_b + grads_b):
        assert a.dtype == dtype
        if dtype == torch.float64:
            assert _close(a, b)
        else:
            torch.testing.assert_close(a, b, rtol=RTOL32, atol=ATOL32)


@pytest.mark.parametrize("cls", [RNNCell, LSTMCell, GRUCell])
def test_default_init_is_torchs_uniform_bound(cls):
    """Every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), as torch.nn's cells: with thousands of draws
    the extremes come within 2 % of both ends (a bound of 1/H is 6 times smaller at H = 36)."""
    torch.manual_seed(0)
    hidden = 36
    values = torch.cat([p.detach().ravel() for p in cls(8, hidden).parameters()])
    bound = 1 / hidden ** 0.5
    assert values.numel() > 1500                           # P(max < 0.98 bound) < 1e-6
    assert values.max() <= bound and values.min() >= -bound
    assert values.max() > 0.98 * bound and values.min() < -0.98 * bound


def test_state_dict_keys_match_torch():
    for kind, (ours_f, theirs_f) in PAIRS.items():
        assert list(ours_f(2, 3, True).state_dict()) == list(theirs_f(2, 3, True).state_dict())
        assert list(ours_f(2, 3, False).state_dict()) == list(theirs_f(2, 3, False).state_dict())


@given(T=st.integers(1, 4), B=st.integers(1, 3), D=st.integers(1, 4), H=st.integers(1, 4),
       kind=st.sampled_from(["rnn", "lstm", "gru"]), batch_first=st.booleans())
def test_recurrent_shapes(T, B, D, H, kind, batch_first):
    model = SEQ[kind][0](D, H).double()
    model.batch_first = batch_first
    x = torch.zeros((B, T, D) if batch_first else (T, B, D), dtype=torch.float64)
    out, final = model(x)
    assert out.shape == ((B, T, H) if batch_first else (T, B, H))
    for f in (final if kind == "lstm" else (final,)):
        assert f.shape == (B, H)


def test_bad_shapes_name_expected_and_actual():
    cell = LSTMCell(3, 4)
    with pytest.raises(ValueError, match=r"x: expected shape \(B, D=3\).*got \(2, 5\)"):
        cell(torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"h_prev: expected shape \(B=2, H=4\), got \(2, 3\)"):
        cell(torch.zeros(2, 3), (torch.zeros(2, 3), torch.zeros(2, 4)))
    with pytest.raises(ValueError, match=r"x: expected a 3-d tensor.*got shape \(2, 3\)"):
        Recurrent(GRUCell(3, 4))(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNNCell(3, 4, nonlinearity="sigmoid")


def test_load_torch_layer_picks_layer_and_direction():
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    out, _ = lstm(x)                                     # (T, B, 2H): layer 1, both directions
    layer0 = torch.cat([Recurrent(LSTMCell(3, 4)).double().load_torch_layer(lstm, 0)(x)[0],
                        Recurrent(LSTMCell(3, 4)).double().load_torch_layer(lstm, 0, True)(
                            x.flip(0))[0].flip(0)], dim=-1)             # (T, B, 2H)
    fwd = Recurrent(LSTMCell(8, 4)).double().load_torch_layer(lstm, 1)(layer0)[0]
    bwd = Recurrent(LSTMCell(8, 4)).double().load_torch_layer(lstm, 1, True)(layer0.flip(0))[0]
    assert _close(torch.cat([fwd, bwd.flip(0)], dim=-1), out)
