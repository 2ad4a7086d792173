"""rnnlib.layers: RNN, LSTM and GRU equal torch.nn.RNN / LSTM / GRU (outputs, final states and
every gradient) in float64 with weights that are not float32 numbers, for every combination of
depth, direction, initial state and batch_first, and in float32 to float32's rounding; the
default init, copies in and out of state dicts; bad input raises ValueErrors naming shapes;
shape properties."""
import itertools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.gradcheck import relative_error
from rnnlib.layers import GRU, LSTM, RNN

TOL = 1e-10
T, B, D, H = 4, 3, 5, 4

CELLS = {
    "rnn_tanh": (RNN, torch.nn.RNN, dict(nonlinearity="tanh")),
    "rnn_relu": (RNN, torch.nn.RNN, dict(nonlinearity="relu")),
    "lstm": (LSTM, torch.nn.LSTM, {}),
    "gru": (GRU, torch.nn.GRU, {}),
}
GRID = [dict(cell=c, num_layers=L, bidirectional=bi, init_state=s, batch_first=bf, bias=True)
        for c, L, bi, s, bf in itertools.product(CELLS, [1, 2], [False, True], [False, True],
                                                 [False, True])]
GRID += [dict(cell=c, num_layers=2, bidirectional=True, init_state=True, batch_first=bf,
              bias=False) for c in CELLS for bf in (False, True)]


def float64_weights(theirs, seed):
    """Replace a torch layer's weights by float64 draws from its own initial distribution,
    U(-1/sqrt(H), 1/sqrt(H)): torch initializes in float32, and weights that are float32
    numbers would hide a float32 rounding of the weights on our side."""
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(theirs.hidden_size)
    drawn = {k: rng.uniform(-bound, bound, tuple(v.shape)) for k, v in theirs.state_dict().items()}
    assert all((w != w.astype(np.float32)).any() for w in drawn.values())
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in drawn.items()})


def build(cell, num_layers=1, bidirectional=False, batch_first=False, bias=True, seed=0):
    """A torch.nn layer in float64 with float64 weights (not float32 numbers), and our layer
    loaded from its state dict as is."""
    ours_cls, torch_cls, extra = CELLS[cell]
    kwargs = dict(num_layers=num_layers, bias=bias, batch_first=batch_first,
                  bidirectional=bidirectional, **extra)
    torch.manual_seed(seed)
    theirs = torch_cls(D, H, **kwargs).double()
    float64_weights(theirs, seed)
    ours = ours_cls(D, H, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("case", GRID, ids=lambda c: "-".join(
    f"{k}={v}" if not isinstance(v, str) else v for k, v in c.items()))
def test_equals_torch(case):
    case = dict(case)
    init_state = case.pop("init_state")
    is_lstm = case["cell"] == "lstm"
    ours, theirs = build(**case)
    rng = np.random.default_rng(1)
    Dir = 2 if case["bidirectional"] else 1
    L = case["num_layers"]
    x = rng.standard_normal((B, T, D) if case["batch_first"] else (T, B, D))
    states = [rng.standard_normal((L * Dir, B, H)) for _ in range(2 if is_lstm else 1)]

    x_t = torch.tensor(x, requires_grad=True)
    states_t = [torch.tensor(s, requires_grad=True) for s in states]
    if init_state:
        hx, hx_t = ((tuple(states), tuple(states_t)) if is_lstm else (states[0], states_t[0]))
    else:
        hx, hx_t = None, None
    output, final = ours.forward(x, hx)
    output_t, final_t = theirs(x_t, hx_t)
    finals = list(final) if is_lstm else [final]
    finals_t = list(final_t) if is_lstm else [final_t]

    assert output.shape == tuple(output_t.shape)
    assert relative_error(output, output_t.detach().numpy()) <= TOL
    for f, f_t in zip(finals, finals_t):
        assert relative_error(f, f_t.detach().numpy()) <= TOL

    # Upstream gradients on the output and on every final state.
    doutput = rng.standard_normal(output.shape)
    dfinals = [rng.standard_normal(f.shape) for f in finals]
    loss = (output_t * torch.from_numpy(doutput)).sum()
    for f_t, g in zip(finals_t, dfinals):
        loss = loss + (f_t * torch.from_numpy(g)).sum()
    loss.backward()
    dx, dstates0, grads = ours.backward(doutput, tuple(dfinals) if is_lstm else dfinals[0])

    assert relative_error(dx, x_t.grad.numpy()) <= TOL
    if init_state:
        for g, s_t in zip(dstates0 if is_lstm else [dstates0], states_t):
            assert relative_error(g, s_t.grad.numpy()) <= TOL
    named = dict(theirs.named_parameters())
    assert list(grads) == list(theirs.state_dict())
    for name, g in grads.items():
        assert relative_error(g, named[name].grad.numpy()) <= TOL, name


# ----- float32 ----------------------------------------------------------------------------
# torch.nn in float32 is the reference: both libraries round every operation to float32, in
# different orders, so they differ by a few units of float32's 6e-8 per operation, summed over
# the D + H terms of a product and the T steps. Values and gradients here are of order 1.
RTOL32, ATOL32 = 2e-4, 2e-5


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, True)])
def test_float32_equals_torch_in_float32(cell, num_layers, bidirectional):
    """Outputs, final states and every gradient in float32, within float32's rounding."""
    ours_cls, torch_cls, extra = CELLS[cell]
    kwargs = dict(num_layers=num_layers, bidirectional=bidirectional, **extra)
    torch.manual_seed(0)
    theirs = torch_cls(D, H, **kwargs)                       # float32, torch's own init
    ours = ours_cls(D, H, dtype=np.float32, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    is_lstm = cell == "lstm"
    rng = np.random.default_rng(3)
    Dir = 2 if bidirectional else 1
    x = rng.standard_normal((T, B, D)).astype(np.float32)
    states = [rng.standard_normal((num_layers * Dir, B, H)).astype(np.float32)
              for _ in range(2 if is_lstm else 1)]
    x_t = torch.tensor(x, requires_grad=True)
    states_t = [torch.tensor(s, requires_grad=True) for s in states]
    output, final = ours.forward(x, tuple(states) if is_lstm else states[0])
    output_t, final_t = theirs(x_t, tuple(states_t) if is_lstm else states_t[0])
    finals = list(final) if is_lstm else [final]
    finals_t = list(final_t) if is_lstm else [final_t]
    doutput = rng.standard_normal(output.shape).astype(np.float32)
    dfinals = [rng.standard_normal(f.shape).astype(np.float32) for f in finals]
    loss = (output_t * torch.from_numpy(doutput)).sum()
    for f_t, g in zip(finals_t, dfinals):
        loss = loss + (f_t * torch.from_numpy(g)).sum()
    loss.backward()
    dx, dstates0, grads = ours.backward(doutput, tuple(dfinals) if is_lstm else dfinals[0])

    named = dict(theirs.named_parameters())
    pairs = [(output, output_t), (dx, x_t.grad)]
    pairs += list(zip(finals, finals_t))
    pairs += list(zip(dstates0 if is_lstm else [dstates0], [s.grad for s in states_t]))
    pairs += [(g, named[k].grad) for k, g in grads.items()]
    assert list(grads) == list(named)
    for ours_value, theirs_value in pairs:
        assert ours_value.dtype == np.float32
        np.testing.assert_allclose(ours_value, theirs_value.detach().numpy(), rtol=RTOL32,
                                   atol=ATOL32)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_float32_layer_keeps_float32_everywhere(cls):
    """Parameters, outputs, states and every gradient stay float32 (no silent float64)."""
    layer = cls(D, H, num_layers=2, bidirectional=True, dtype=np.float32, seed=0)
    assert all(v.dtype == np.float32 for v in layer.state_dict().values())
    layer.load_state_dict({k: v.astype(np.float64) for k, v in layer.state_dict().items()})
    assert all(v.dtype == np.float32 for v in layer.parameters().values())
    x = np.random.default_rng(0).standard_normal((T, B, D)).astype(np.float32)
    output, final = layer.forward(x)
    dx, dstate0, grads = layer.backward(np.ones_like(output))
    arrays = [output, dx, *(final if cls is LSTM else (final,)),
              *(dstate0 if cls is LSTM else (dstate0,)), *grads.values()]
    assert [a.dtype for a in arrays] == [np.float32] * len(arrays)


# ----- parameters ----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_default_init_is_torchs_uniform_bound(cls):
    """Every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), as torch.nn: with thousands of draws the
    extremes come within 2 % of both ends (a bound of 1/H is 6 times smaller at H = 36)."""
    hidden = 36
    layer = cls(8, hidden, num_layers=2, seed=0)
    bound = 1 / np.sqrt(hidden)
    values = np.concatenate([v.ravel() for v in layer.state_dict().values()])
    assert values.size > 2000                              # P(max < 0.98 bound) < 1e-8
    assert values.max() <= bound and values.min() >= -bound
    assert values.max() > 0.98 * bound and values.min() < -0.98 * bound
    for v in layer.state_dict().values():                  # each tensor spans the range
        assert np.abs(v).max() > 0.5 * bound
    torch_values = torch.cat([p.detach().ravel() for p in
                              getattr(torch.nn, cls.__name__)(8, hidden, 2).parameters()])
    assert abs(values.std() - torch_values.std().item()) < 0.05 * values.std()


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_seed_repeats_the_init_and_other_seeds_change_it(cls):
    a, b, c = (cls(3, 4, seed=s).state_dict() for s in (5, 5, 6))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert not np.array_equal(a[k], c[k])
    assert cls(3, 4, dtype=np.float32, seed=5).state_dict()["weight_hh_l0"].dtype == np.float32


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_state_dict_is_a_copy_and_load_state_dict_copies(cls):
    """The docstrings promise copies: changing what state_dict() returned, or the dict that
    was loaded, leaves the layer as it was."""
    layer = cls(D, H, seed=0)
    x = np.random.default_rng(0).standard_normal((T, B, D))
    out, _ = layer.forward(x)
    state = layer.state_dict()
    for v in state.values():
        v += 1.0
    np.testing.assert_array_equal(layer.forward(x)[0], out)
    assert not np.array_equal(layer.state_dict()["weight_ih_l0"], state["weight_ih_l0"])

    other = cls(D, H, seed=1)
    loaded = other.state_dict()
    layer.load_state_dict(loaded)
    out_loaded, _ = layer.forward(x)
    for v in loaded.values():
        v *= 2.0
    np.testing.assert_array_equal(layer.forward(x)[0], out_loaded)
    assert all(not np.shares_memory(p, v)
               for p in layer.parameters().values() for v in loaded.values())


def test_load_state_dict_casts_to_the_layers_dtype():
    layer = LSTM(D, H, dtype=np.float32, seed=0)
    state = LSTM(D, H, seed=1).state_dict()                 # float64
    layer.load_state_dict(state)
    for k, v in layer.state_dict().items():
        assert v.dtype == np.float32
        np.testing.assert_array_equal(v, state[k].astype(np.float32))


@pytest.mark.parametrize("cell", CELLS)
def test_state_dict_round_trip_has_torch_keys(cell):
    ours, theirs = build(cell, num_layers=2, bidirectional=True)
    state = ours.state_dict()
    assert list(state) == list(theirs.state_dict())
    assert "weight_hh_l1_reverse" in state
    for k, v in theirs.state_dict().items():
        assert state[k].shape == tuple(v.shape)
        np.testing.assert_array_equal(state[k], v.numpy())


def test_lstm_and_gru_parameter_shapes_stack_the_gates():
    for cls, G in ((LSTM, 4), (GRU, 3)):
        layer = cls(D, H, num_layers=2, bidirectional=True, seed=0)
        shapes = {k: v.shape for k, v in layer.state_dict().items()}
        assert shapes["weight_ih_l0"] == (G * H, D)
        assert shapes["weight_ih_l1_reverse"] == (G * H, 2 * H)
        assert shapes["weight_hh_l1"] == (G * H, H)
        assert shapes["bias_hh_l0_reverse"] == (G * H,)


def test_gru_lecture_convention_differs_from_torch_and_keeps_parameters():
    torch_gru = GRU(D, H, seed=0)
    lecture_gru = GRU(D, H, seed=0, convention="lecture")
    assert list(lecture_gru.state_dict()) == list(torch_gru.state_dict())
    x = np.random.default_rng(0).standard_normal((T, B, D))
    out_t, _ = torch_gru.forward(x)
    out_l, _ = lecture_gru.forward(x)
    assert relative_error(out_t, out_l) > 1e-3
    assert "convention='lecture'" in repr(lecture_gru)
    with pytest.raises(ValueError, match="convention: expected one of"):
        GRU(D, H, convention="cho")


# ----- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_wrong_input_size_names_expected_and_actual(cls):
    layer = cls(3, 4, seed=0)
    with pytest.raises(ValueError, match=r"D=3.*got shape \(2, 1, 5\)"):
        layer.forward(np.zeros((2, 1, 5)))


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_wrong_h0_shape_names_expected_and_actual(cls):
    layer = cls(3, 4, num_layers=2, seed=0)
    h0 = np.zeros((2, 1, 4))
    hx = (h0, np.zeros((2, 2, 4))) if cls is LSTM else np.zeros((2, 2, 5))
    name = "c_0" if cls is LSTM else "h_0"
    got = r"\(2, 2, 4\)" if cls is LSTM else r"\(2, 2, 5\)"
    with pytest.raises(ValueError, match=rf"{name}: expected shape \(L\*Dir=2, B=1, H=4\), "
                                         rf"got {got}"):
        layer.forward(np.zeros((3, 1, 3)), hx)


def test_lstm_needs_a_tuple_of_states():
    layer = LSTM(3, 4, seed=0)
    with pytest.raises(ValueError, match=r"hx: expected a tuple \(h_0, c_0\), got ndarray"):
        layer.forward(np.zeros((3, 1, 3)), np.zeros((1, 1, 4)))


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_dtype_mismatch(cls):
    layer = cls(3, 4, seed=0)
    with pytest.raises(ValueError, match=r"expected dtype float64 \(the layer's\), got float32"):
        layer.forward(np.zeros((2, 1, 3), np.float32))


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_mismatched_state_dict(cls):
    G = {RNN: 1, LSTM: 4, GRU: 3}[cls]
    layer = cls(3, 4, seed=0)
    state = layer.state_dict()
    state["weight_ih_l0"] = np.zeros((G * 4, 5))
    with pytest.raises(ValueError, match=rf"weight_ih_l0: expected shape \({G * 4}, 3\), "
                                         rf"got \({G * 4}, 5\)"):
        layer.load_state_dict(state)
    state = layer.state_dict()
    del state["bias_hh_l0"]
    with pytest.raises(ValueError, match=r"missing keys \['bias_hh_l0'\]"):
        layer.load_state_dict(state)
    # a bidirectional torch layer's dict does not fit a one-direction layer
    _, theirs = build({RNN: "rnn_tanh", LSTM: "lstm", GRU: "gru"}[cls], bidirectional=True)
    with pytest.raises(ValueError, match=r"unexpected keys \['weight_ih_l0_reverse'"):
        cls(D, H).load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_wrong_doutput_shape(cls):
    layer = cls(3, 4, seed=0, bidirectional=True)
    layer.forward(np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match=r"doutput: expected shape \(2, 1, 8\).*got \(2, 1, 4\)"):
        layer.backward(np.zeros((2, 1, 4)))


# ----- properties over small shapes ----------------------------------------------------------
shapes = dict(T_=st.integers(1, 4), B_=st.integers(1, 3), D_=st.integers(1, 3),
              H_=st.integers(1, 3), cls=st.sampled_from([RNN, LSTM, GRU]))


@given(L=st.integers(1, 2), bi=st.booleans(), **shapes)
def test_output_and_state_shapes(T_, B_, D_, H_, cls, L, bi):
    layer = cls(D_, H_, num_layers=L, bidirectional=bi, seed=0)
    Dir = 2 if bi else 1
    output, final = layer.forward(np.random.default_rng(0).standard_normal((T_, B_, D_)))
    assert output.shape == (T_, B_, Dir * H_)
    for f in (final if cls is LSTM else (final,)):
        assert f.shape == (L * Dir, B_, H_)
    dx, dstate0, grads = layer.backward(np.ones_like(output))
    assert dx.shape == (T_, B_, D_)
    assert {k: g.shape for k, g in grads.items()} == {
        k: v.shape for k, v in layer.state_dict().items()}


@given(**shapes)
def test_h_n_is_the_last_output_step(T_, B_, D_, H_, cls):
    x = np.random.default_rng(1).standard_normal((T_, B_, D_))
    output, final = cls(D_, H_, seed=0).forward(x)
    h_n = final[0] if cls is LSTM else final
    np.testing.assert_array_equal(h_n[0], output[-1])
    # bidirectional: the reverse direction ends at the first step
    output, final = cls(D_, H_, bidirectional=True, seed=0).forward(x)
    h_n = final[0] if cls is LSTM else final
    np.testing.assert_array_equal(h_n[0], output[-1, :, :H_])
    np.testing.assert_array_equal(h_n[1], output[0, :, H_:])


@given(L=st.integers(1, 2), bi=st.booleans(), **shapes)
def test_batch_first_is_a_transpose(T_, B_, D_, H_, cls, L, bi):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((T_, B_, D_))
    time_major = cls(D_, H_, num_layers=L, bidirectional=bi, seed=0)
    batch_major = cls(D_, H_, num_layers=L, bidirectional=bi, batch_first=True, seed=0)
    out_t, final_t = time_major.forward(x)
    out_b, final_b = batch_major.forward(x.transpose(1, 0, 2))
    np.testing.assert_array_equal(out_b, out_t.transpose(1, 0, 2))
    for a, b in zip(final_t if cls is LSTM else (final_t,),
                    final_b if cls is LSTM else (final_b,)):
        np.testing.assert_array_equal(a, b)           # states stay (L*Dir, B, H)
    dout = rng.standard_normal(out_t.shape)
    dx_t, _, grads_t = time_major.backward(dout)
    dx_b, _, grads_b = batch_major.backward(dout.transpose(1, 0, 2))
    np.testing.assert_allclose(dx_b, dx_t.transpose(1, 0, 2), rtol=1e-12, atol=1e-14)
    for k in grads_t:
        np.testing.assert_allclose(grads_b[k], grads_t[k], rtol=1e-12, atol=1e-14)
