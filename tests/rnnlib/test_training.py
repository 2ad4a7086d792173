"""The PyTorch TBPTT loop: it learns, it repeats under a seed, detach cuts, bar stays off stderr."""
import numpy as np
import pytest
import torch
from torch import nn

from rnnlib.torch_cells import LSTMCell, Recurrent
from rnnlib.training import History, detach_state, seed_everything, train_tbptt

K, H = 4, 12


class CountingLSTMCell(LSTMCell):
    """An LSTM cell whose every h_t counts the backward passes that reach it."""

    backward_steps = 0

    def forward(self, x, state=None):
        h, c = super().forward(x, state)
        if h.requires_grad:
            h.register_hook(self._count)                 # fires once per backward through h_t
        return h, c

    def _count(self, grad):
        self.backward_steps += 1


class TinyLM(nn.Module):
    """Embedding -> readable LSTM -> linear; records the state each chunk starts from."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(K, 6)
        self.rnn = Recurrent(CountingLSTMCell(6, H))
        self.head = nn.Linear(H, K)
        self.seen = []              # (incoming state, its h's grad_fn, backward steps so far)

    @property
    def backward_steps(self):
        return self.rnn.cell.backward_steps

    def forward(self, x, state):
        self.seen.append((state, None if state is None else state[0].grad_fn, self.backward_steps))
        out, state = self.rnn(self.embed(x), state)      # (T, B, H)
        return self.head(out), state                      # (T, B, K)


def _stream(T=240, B=2):
    seq = torch.arange(T + 1) % K                        # 0 1 2 3 0 1 ...: next symbol is easy
    x = seq[:-1, None].repeat(1, B)                      # (T, B)
    y = seq[1:, None].repeat(1, B)                       # (T, B)
    return x, y


def _loss(out, y):
    return nn.functional.cross_entropy(out.reshape(-1, K), y.reshape(-1))


def _train(seed, **kw):
    seed_everything(seed)
    model = TinyLM()
    x, y = _stream(T=kw.pop("T", 240))
    opt = torch.optim.Adam(model.parameters(), lr=0.03)
    return model, train_tbptt(model, x, y, _loss, opt, k=kw.pop("k", 12), progress=False, **kw)


def test_loss_decreases():
    _, hist = _train(0, T=120, epochs=2)
    assert isinstance(hist, History) and len(hist.losses) == 2 * 10 == len(hist.grad_norms)
    assert np.mean(hist.losses[-5:]) < 0.2 * np.mean(hist.losses[:5])
    h, c = hist.state
    assert h.shape == (2, H) and h.grad_fn is None and c.grad_fn is None


def test_same_seed_same_history():
    a, b, c = (_train(seed, T=48)[1] for seed in (1, 1, 2))
    assert a.losses == b.losses and a.grad_norms == b.grad_norms
    assert a.losses != c.losses


def test_detach_cuts_the_graph_at_chunk_boundaries():
    """Each chunk's backward runs through its own k steps only; states arrive detached."""
    k = 12
    model, hist = _train(0, k=k, epochs=2, T=60)
    states = [s for s, _, _ in model.seen]
    counts = [n for _, _, n in model.seen] + [model.backward_steps]
    assert len(states) == 10
    # the state is carried within an epoch (5 chunks) and restarts from None at each epoch
    assert [i for i, s in enumerate(states) if s is None] == [0, 5]
    assert all(g is None for _, g, _ in model.seen)      # ...but arrives detached
    assert np.diff(counts).tolist() == [k] * len(hist.losses)


def test_last_chunk_may_be_shorter():
    model, hist = _train(0, k=25, T=60)                  # 60 = 2 * 25 + 10
    counts = [n for _, _, n in model.seen] + [model.backward_steps]
    assert np.diff(counts).tolist() == [25, 25, 10]


def test_clipping_bounds_the_update():
    seed_everything(0)
    model = TinyLM()
    x, y = _stream(T=8)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    hist = train_tbptt(model, x, y, _loss, opt, k=8, max_norm=1e-3, progress=False)
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert hist.grad_norms[0] > 1e-2                     # the norm before clipping is reported
    assert (after - before).norm().item() == pytest.approx(1e-3, rel=1e-4)


def test_progress_bar_writes_to_stdout_only(capfd):
    seed_everything(0)
    model = TinyLM()
    x, y = _stream(T=24)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    train_tbptt(model, x, y, _loss, opt, k=12, progress=True)
    out, err = capfd.readouterr()
    assert err == "" and "TBPTT" in out
    for progress in (False, None):                       # None: stdout is not a terminal here
        train_tbptt(model, x, y, _loss, opt, k=12, progress=progress)
        assert capfd.readouterr() == ("", "")


def test_seed_everything_seeds_all_three():
    import random
    g = seed_everything(5)
    first = (random.random(), np.random.rand(), torch.rand(1).item(), g.random())
    g = seed_everything(5)
    assert first == (random.random(), np.random.rand(), torch.rand(1).item(), g.random())


def test_detach_state():
    a = torch.ones(2, requires_grad=True) * 2
    h, c = detach_state((a, a))
    assert h.grad_fn is None and c.grad_fn is None and a.grad_fn is not None
    assert detach_state(None) is None
    with pytest.raises(ValueError, match="state: expected a tensor, a tuple of tensors or None"):
        detach_state("h")


def test_bad_input():
    model = TinyLM()
    x, y = _stream(T=10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError,
                       match=r"y: expected leading shape \(T=10, B=2\) like x, got \(9, 2\)"):
        train_tbptt(model, x, y[:9], _loss, opt, k=5)
    with pytest.raises(ValueError, match="k: expected a positive integer"):
        train_tbptt(model, x, y, _loss, opt, k=0)
