"""The application models: shapes, carried state, unread padding, sampling, decoding, learning."""
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.models import (RNN_TYPES, CharLM, Classifier, Forecaster, Seq2Seq, recurrent,
                           sample)

CELLS = sorted(RNN_TYPES)


def _ids(shape, high, seed=0):
    return torch.randint(0, high, shape, generator=torch.Generator().manual_seed(seed))


@given(T=st.integers(1, 5), B=st.integers(1, 3), K=st.integers(2, 6),
       cell=st.sampled_from(CELLS))
def test_char_lm_shapes(T, B, K, cell):
    torch.manual_seed(0)
    z, state = CharLM(K, 3, 4, cell=cell)(_ids((T, B), K))
    assert z.shape == (T, B, K)
    h = state[0] if cell == "lstm" else state
    assert h.shape == (1, B, 4)


@pytest.mark.parametrize("cell", CELLS)
def test_char_lm_carried_state_equals_one_long_sequence(cell):
    """Two chunks with the state carried give the logits of the whole sequence (float64)."""
    torch.manual_seed(0)
    model = CharLM(5, 3, 4, cell=cell).double()
    x = _ids((9, 2), 5)
    whole, _ = model(x)
    first, state = model(x[:4])
    second, _ = model(x[4:], state)
    torch.testing.assert_close(torch.cat([first, second]), whole, rtol=0, atol=1e-12)


def test_sample_is_repeatable_in_range_and_greedy_at_low_temperature():
    torch.manual_seed(0)
    model = CharLM(7, 3, 8)
    prompt = torch.tensor([1, 2, 3])
    a = sample(model, prompt, 20, 1.0, torch.Generator().manual_seed(5))
    b = sample(model, prompt, 20, 1.0, torch.Generator().manual_seed(5))
    assert a.shape == (20,) and a.dtype == torch.int64
    assert torch.equal(a, b) and 0 <= a.min() and a.max() < 7
    assert model.training                                   # the mode is restored
    cold = sample(model, prompt, 10, 1e-4, torch.Generator().manual_seed(9))
    with torch.no_grad():                                   # greedy decoding by hand
        z, state = model(prompt[:, None])
        greedy = []
        for _ in range(10):
            greedy.append(z[-1, 0].argmax())
            z, state = model(greedy[-1].reshape(1, 1), state)
    assert torch.equal(cold, torch.stack(greedy))


@pytest.mark.parametrize("bad", [dict(temperature=0.0),
                                 dict(prompt=torch.zeros(0, dtype=torch.int64)),
                                 dict(prompt=torch.zeros(3))])
def test_sample_rejects_bad_arguments(bad):
    args = dict(prompt=torch.tensor([1]), temperature=1.0) | bad
    with pytest.raises(ValueError, match="prompt|temperature"):
        sample(CharLM(3, 2, 2), args["prompt"], 5, args["temperature"])


@pytest.mark.parametrize("cell", CELLS)
def test_classifier_never_reads_the_padding(cell):
    """Changing what lies after each sequence's length leaves its logits unchanged."""
    torch.manual_seed(0)
    model = Classifier(6, 3, 4, 5, cell=cell).double()
    x = _ids((7, 4), 6)
    lengths = torch.tensor([1, 3, 7, 5])
    z = model(x, lengths)
    assert z.shape == (4, 3)
    other = x.clone()
    for b, n in enumerate(lengths.tolist()):
        other[n:, b] = (x[n:, b] + 1) % 6                  # a different "padding"
    torch.testing.assert_close(model(other, lengths), z, rtol=0, atol=0)
    alone, _ = model.rnn(model.embedding(x[:3, 1:2]))       # sequence 1 on its own
    torch.testing.assert_close(z[1], model.head(alone[-1, 0]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("lengths", [[0, 2], [2, 8], [2]])
def test_classifier_rejects_bad_lengths(lengths):
    with pytest.raises(ValueError, match="lengths: expected shape"):
        Classifier(5, 2)(_ids((7, 2), 5), torch.tensor(lengths))


@given(T=st.integers(1, 6), B=st.integers(1, 4), D=st.integers(1, 3), horizon=st.integers(1, 3))
def test_forecaster_shapes_match_make_windows(T, B, D, horizon):
    torch.manual_seed(0)
    y = Forecaster(D, 4, horizon)(torch.randn(T, B, D))
    assert y.shape == (horizon, B, D)


@given(T=st.integers(1, 4), B=st.integers(2, 4), D=st.integers(1, 3), horizon=st.integers(2, 4),
       cell=st.sampled_from(CELLS))
def test_forecaster_step_k_of_window_b_is_block_k_of_its_head(T, B, D, horizon, cell):
    """y_hat[k, b] is the k-th block of D values of V h_T[b] + b_y, as make_windows lays out
    y[k, b] = the (k+1)-th value after window b: no mixing of the horizon and batch axes."""
    torch.manual_seed(0)
    model = Forecaster(D, 4, horizon, cell=cell).double()
    x = torch.randn(T, B, D, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    y = model(x)
    h, _ = model.rnn(x)
    flat = model.head(h[-1])                                # (B, horizon * D)
    for k in range(horizon):
        for b in range(B):
            torch.testing.assert_close(y[k, b], flat[b, k * D:(k + 1) * D], rtol=0, atol=0)


def test_forecaster_windows_are_independent():
    """Changing window 0 changes its forecast only (a scrambled reshape mixes windows)."""
    torch.manual_seed(0)
    model = Forecaster(2, 4, horizon=3).double()
    x = torch.randn(5, 4, 2, dtype=torch.float64)
    other = x.clone()
    other[:, 0] += 1
    y, y_other = model(x), model(other)
    torch.testing.assert_close(y_other[:, 1:], y[:, 1:], rtol=0, atol=0)
    assert (y_other[:, 0] - y[:, 0]).abs().min() > 0


def test_forecaster_rejects_the_wrong_input_size():
    with pytest.raises(ValueError, match=r"x: expected shape \(T, B, D=2\), got \(5, 3, 1\)"):
        Forecaster(2, 4)(torch.randn(5, 3, 1))


def test_recurrent_names_the_choices():
    with pytest.raises(ValueError, match="cell: expected one of 'rnn', 'lstm', 'gru', got 'tcn'"):
        recurrent("tcn", 2, 3)


@pytest.mark.parametrize("cell", CELLS)
def test_seq2seq_greedy_agrees_with_teacher_forcing_on_its_own_output(cell):
    """Fed its own greedy words as decoder input, the teacher-forced pass picks the same words."""
    torch.manual_seed(0)
    model = Seq2Seq(6, 9, 4, 8, cell=cell).double()
    src = _ids((5, 3), 6)
    guess = model.greedy(src, bos=1, max_len=4)             # (4, 3)
    assert guess.shape == (4, 3)
    tgt_in = torch.cat([torch.ones(1, 3, dtype=torch.int64), guess[:-1]])
    z = model(src, tgt_in)                                  # (4, 3, 9)
    assert z.shape == (4, 3, 9)
    assert torch.equal(z.argmax(-1), guess)


@pytest.fixture
def one_thread():
    """Tiny models train faster on one thread than on a crowded pool; restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_seq2seq_learns_to_reverse_short_sequences(one_thread):
    """300 Adam steps learn to reverse 3 symbols: exact match above 90 % on fresh sequences."""
    torch.manual_seed(0)
    model = Seq2Seq(6, 6, 8, 32)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(300):
        src = torch.randint(3, 6, (3, 32))                  # symbols 3..5; 1 = <bos>
        tgt = src.flip(0)
        tgt_in = torch.cat([torch.ones(1, 32, dtype=torch.int64), tgt[:-1]])
        loss = torch.nn.functional.cross_entropy(model(src, tgt_in).reshape(-1, 6),
                                                 tgt.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    src = torch.randint(3, 6, (3, 200), generator=torch.Generator().manual_seed(1))
    exact = (model.greedy(src, 1, 3) == src.flip(0)).all(0).float().mean()
    assert exact > 0.9


def test_models_reject_float_ids():
    with pytest.raises(ValueError, match="x: expected a 2-d int64 tensor of ids"):
        CharLM(4)(torch.zeros(3, 2))
    with pytest.raises(ValueError, match="src: expected a 2-d int64 tensor of ids"):
        Seq2Seq(4, 4).greedy(torch.zeros(3), 1, 2)
