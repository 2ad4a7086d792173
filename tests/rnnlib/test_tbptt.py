"""NumPy truncated BPTT: full BPTT when k1 = k2 = T, torch-with-detach's gradients otherwise."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.gradcheck import numerical_gradient, relative_error
from rnnlib.losses import mse_loss, softmax_cross_entropy
from rnnlib.optim import SGD, Adam
from rnnlib.output import output_backward, output_forward
from rnnlib.rnn import rnn_backward, rnn_forward
from rnnlib.tbptt import tbptt_chunks, tbptt_train, update_steps


def _problem(T=10, B=2, D=3, H=4, K=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, D))
    y = rng.integers(0, K, size=(T, B))
    params = {"W": 0.5 * rng.standard_normal((H, D)), "U": 0.5 * rng.standard_normal((H, H)),
              "b_h": 0.1 * rng.standard_normal(H), "V": 0.5 * rng.standard_normal((K, H)),
              "b_y": 0.1 * rng.standard_normal(K)}
    h0 = rng.standard_normal((B, H))
    return x, y, params, h0


def _full_bptt(x, y, p, h0):
    h, cache = rnn_forward(x, h0, p["W"], p["U"], p["b_h"])
    z, ocache = output_forward(h, p["V"], p["b_y"])
    loss, dz = softmax_cross_entropy(z, y)
    dh, dV, db_y = output_backward(dz, ocache)
    _, _, dW, dU, db_h = rnn_backward(dh, cache)
    return loss, {"W": dW, "U": dU, "b_h": db_h, "V": dV, "b_y": db_y}, h[-1]


def test_update_steps():
    assert update_steps(10, 3) == [3, 6, 9, 10]
    assert update_steps(9, 3) == [3, 6, 9]
    assert update_steps(2, 5) == [2]


def test_k1_equals_k2_equals_T_is_full_bptt():
    x, y, params, h0 = _problem()
    (chunk,) = list(tbptt_chunks(x, y, params, k1=10, k2=10, h0=h0))
    loss, grads, h_last = _full_bptt(x, y, params, h0)
    assert (chunk.start, chunk.stop) == (0, 10)
    assert chunk.loss == loss
    for k in grads:
        np.testing.assert_array_equal(chunk.grads[k], grads[k])
    np.testing.assert_array_equal(chunk.h_last, h_last)


TORCH_F = {"tanh": torch.tanh, "relu": torch.relu}


def _torch_tbptt(x, y, params, h0, k1, k2, lr, nonlinearity="tanh"):
    """Reference: the same definition written with torch autograd and detach, plain SGD."""
    f = TORCH_F[nonlinearity]
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    xt, yt = torch.tensor(x), torch.tensor(y)
    states = [torch.tensor(h0)]                          # states[s] = h_s, detached
    out, start = [], 0
    for stop in update_steps(len(x), k1):
        s0 = max(0, start - (k2 - k1))
        h = states[s0].detach()                          # the cut: h_{s0} is a constant
        loss = 0
        for s in range(s0, stop):
            h = f(xt[s] @ p["W"].T + p["b_h"] + h @ p["U"].T)
            if s + 1 < len(states):
                states[s + 1] = h.detach()
            else:
                states.append(h.detach())
            if s >= start:
                z = h @ p["V"].T + p["b_y"]
                loss = loss + torch.nn.functional.cross_entropy(z, yt[s], reduction="sum") / len(h)
        for v in p.values():
            v.grad = None
        loss.backward()
        out.append((loss.item(), {k: v.grad.numpy().copy() for k, v in p.items()}))
        with torch.no_grad():
            for v in p.values():
                v -= lr * v.grad
        start = stop
    return out


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("k1,k2", [(3, 3), (2, 5), (3, 4), (4, 10), (1, 1)])
def test_truncated_gradients_equal_torch_with_detach(k1, k2, nonlinearity):
    x, y, params, h0 = _problem()
    ref = _torch_tbptt(x, y, params, h0, k1, k2, lr=0.1, nonlinearity=nonlinearity)
    opt = SGD(params, lr=0.1)
    chunks = []
    for chunk in tbptt_chunks(x, y, params, k1, k2, h0=h0, nonlinearity=nonlinearity):
        chunks.append(chunk)
        opt.step(chunk.grads)
    assert len(chunks) == len(ref)
    for chunk, (loss, grads) in zip(chunks, ref):
        assert chunk.loss == pytest.approx(loss, rel=1e-12)
        for k in grads:
            assert relative_error(chunk.grads[k], grads[k]) < 1e-10, (chunk.start, k)


def test_truncation_changes_the_gradient():
    """A cut graph: chunk 2's gradient is not the gradient of its loss through the whole past."""
    x, y, params, h0 = _problem()
    chunks = list(tbptt_chunks(x, y, params, k1=3, k2=3, h0=h0))
    first = chunks[0]
    loss, grads, _ = _full_bptt(x[:3], y[:3], params, h0)   # chunk 1 has no past: equal
    assert relative_error(first.grads["U"], grads["U"]) < 1e-13
    # chunk 2 (steps 3..5) through steps 0..5, as full BPTT of the first 6 steps minus chunk 1
    loss6, grads6, _ = _full_bptt(x[:6], y[:6], params, h0)
    through_past = grads6["W"] - grads["W"]
    assert relative_error(chunks[1].grads["W"], through_past) > 1e-3
    assert chunks[1].loss == pytest.approx(loss6 - loss, rel=1e-12)  # same loss, cut gradient


@pytest.mark.parametrize("k1,k2", [(2, 2), (2, 4)])
def test_gradient_check_of_a_truncated_chunk(k1, k2):
    """Without updates, chunk i's gradient is that of its loss with h_{stop-k2} held fixed."""
    x, y, params, h0 = _problem(T=7)
    chunks = list(tbptt_chunks(x, y, params, k1, k2, h0=h0))
    states, _ = rnn_forward(x, h0, params["W"], params["U"], params["b_h"])
    chunk = chunks[2]                                    # steps 4..5, graph from step stop-k2
    s0 = chunk.start - (k2 - k1)
    h_start = states[s0 - 1] if s0 > 0 else h0           # a constant

    def truncated_loss():
        h, _ = rnn_forward(x[s0:chunk.stop], h_start, params["W"], params["U"], params["b_h"])
        z, _ = output_forward(h[chunk.start - s0:], params["V"], params["b_y"])
        return softmax_cross_entropy(z, y[chunk.start:chunk.stop])[0]

    assert truncated_loss() == pytest.approx(chunk.loss, rel=1e-13)
    for k, v in params.items():
        assert relative_error(chunk.grads[k], numerical_gradient(truncated_loss, v)) < 1e-6, k


@given(T=st.integers(1, 9), B=st.integers(1, 3), k1=st.integers(1, 5), extra=st.integers(0, 4),
       seed=st.integers(0, 100))
def test_without_updates_chunks_partition_the_full_loss(T, B, k1, extra, seed):
    """With fixed parameters truncation changes gradients, never the forward pass."""
    x, y, params, h0 = _problem(T=T, B=B, seed=seed)
    chunks = list(tbptt_chunks(x, y, params, k1, k1 + extra, h0=h0))
    loss, grads, h_last = _full_bptt(x, y, params, h0)
    assert len(chunks) == -(-T // k1)
    assert [c.start for c in chunks[1:]] == [c.stop for c in chunks[:-1]]
    assert sum(c.loss for c in chunks) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(chunks[-1].h_last, h_last, rtol=1e-12)
    assert all(c.grads[k].shape == params[k].shape for c in chunks for k in params)


def test_train_learns_a_periodic_stream_and_clips():
    """Predict the next symbol of 0 1 2 3 0 1 2 3 ...: the loss per chunk falls."""
    T, B, K = 400, 2, 4
    seq = np.arange(T + 1) % K
    x = np.eye(K)[seq[:-1]][:, None, :].repeat(B, axis=1)      # one-hot inputs (T, B, K)
    y = np.repeat(seq[1:, None], B, axis=1)                     # next symbols (T, B)
    rng = np.random.default_rng(0)
    params = {"W": 0.3 * rng.standard_normal((8, K)), "U": 0.3 * rng.standard_normal((8, 8)),
              "b_h": np.zeros(8), "V": 0.3 * rng.standard_normal((K, 8)), "b_y": np.zeros(K)}
    hist = tbptt_train(x, y, params, Adam(params, lr=0.05), k1=10, max_norm=1.0)
    assert len(hist.losses) == 40 and hist.h_last.shape == (B, 8)
    assert np.mean(hist.losses[-5:]) < 0.1 * np.mean(hist.losses[:5])


def test_relu_is_not_tanh_here():
    """The relu cases above can fail: on this problem relu and tanh give other losses."""
    x, y, params, h0 = _problem()
    (tanh,) = tbptt_chunks(x, y, params, 10, h0=h0)
    (relu,) = tbptt_chunks(x, y, params, 10, h0=h0, nonlinearity="relu")
    assert abs(relu.loss - tanh.loss) > 1e-3 * abs(tanh.loss)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_train_passes_the_nonlinearity_on(nonlinearity):
    """tbptt_train's losses and updated weights are those of the torch loop with the same f."""
    x, y, params, h0 = _problem(T=9)
    ref = _torch_tbptt(x, y, {k: v.copy() for k, v in params.items()}, h0, 3, 5, lr=0.1,
                       nonlinearity=nonlinearity)
    hist = tbptt_train(x, y, params, SGD(params, lr=0.1), k1=3, k2=5, h0=h0,
                       nonlinearity=nonlinearity)
    np.testing.assert_allclose(hist.losses, [loss for loss, _ in ref], rtol=1e-12)
    for (_, grads), norm in zip(ref, hist.grad_norms):
        assert norm == pytest.approx(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())),
                                     rel=1e-10)


@pytest.mark.parametrize("max_norm", [1e-3, 0.5])
def test_train_steps_with_the_clipped_gradients(max_norm):
    """One chunk, plain SGD with lr 1: the weights move by exactly the clipped gradients, whose
    global norm is max_norm; the history reports the norm before clipping."""
    x, y, params, h0 = _problem()
    (chunk,) = tbptt_chunks(x, y, params, 10, h0=h0)     # the gradients at the start
    norm = np.sqrt(sum(np.sum(g ** 2) for g in chunk.grads.values()))
    assert norm > 2 * max_norm                           # so that clipping acts
    before = {k: v.copy() for k, v in params.items()}
    hist = tbptt_train(x, y, params, SGD(params, lr=1.0), k1=10, h0=h0, max_norm=max_norm)
    assert hist.grad_norms == [pytest.approx(norm, rel=1e-12)]
    moved = {k: before[k] - params[k] for k in params}
    for k, g in chunk.grads.items():
        np.testing.assert_allclose(moved[k], g * (max_norm / norm), rtol=1e-9, atol=1e-15)
    assert np.sqrt(sum(np.sum(m ** 2) for m in moved.values())) == pytest.approx(max_norm,
                                                                                rel=1e-9)


def test_train_without_max_norm_steps_with_the_full_gradients():
    x, y, params, h0 = _problem()
    (chunk,) = tbptt_chunks(x, y, params, 10, h0=h0)
    before = {k: v.copy() for k, v in params.items()}
    tbptt_train(x, y, params, SGD(params, lr=1.0), k1=10, h0=h0)
    for k, g in chunk.grads.items():
        np.testing.assert_allclose(before[k] - params[k], g, rtol=1e-9, atol=1e-15)


def test_mse_targets():
    x, _, params, h0 = _problem(K=2)
    y = np.random.default_rng(1).standard_normal(x.shape[:2] + (2,))
    (chunk,) = list(tbptt_chunks(x, y, params, 10, h0=h0, loss_fn=mse_loss))
    h, _ = rnn_forward(x, h0, params["W"], params["U"], params["b_h"])
    assert chunk.loss == pytest.approx(mse_loss(output_forward(h, params["V"], params["b_y"])[0],
                                                y)[0], rel=1e-13)


def test_train_passes_the_loss_on():
    """tbptt_train with mse_loss reports the MSE of the chunk (not the default cross-entropy)."""
    x, _, params, h0 = _problem(K=2)
    y = np.random.default_rng(1).standard_normal(x.shape[:2] + (2,))
    (chunk,) = tbptt_chunks(x, y, params, 10, h0=h0, loss_fn=mse_loss)
    hist = tbptt_train(x, y, params, SGD(params, lr=0.1), k1=10, h0=h0, loss_fn=mse_loss)
    assert hist.losses == [chunk.loss]


def test_float32_stream_stays_float32():
    """Stored states, losses' gradients and the carried state keep the stream's float32."""
    x, y, params, h0 = _problem()
    params32 = {k: v.astype(np.float32) for k, v in params.items()}
    chunks = list(tbptt_chunks(x.astype(np.float32), y, params32, 3, 5, h0=h0.astype(np.float32)))
    assert len(chunks) == 4
    for chunk in chunks:
        assert chunk.h_last.dtype == np.float32
        assert all(g.dtype == np.float32 for g in chunk.grads.values())
    (full,) = tbptt_chunks(x, y, params, 10, h0=h0)
    (full32,) = tbptt_chunks(x.astype(np.float32), y, params32, 10, h0=h0.astype(np.float32))
    assert full32.loss == pytest.approx(full.loss, rel=1e-5)
    (zero_h0,) = tbptt_chunks(x.astype(np.float32), y, params32, 10)    # default h0: zeros
    assert zero_h0.h_last.dtype == np.float32


def test_bad_input():
    x, y, params, h0 = _problem()
    with pytest.raises(ValueError, match=r"1 <= k1 <= k2, got k1=3, k2=2"):
        tbptt_chunks(x, y, params, 3, 2)
    for k1, k2 in ((0, 0), (0, 2), (1.5, 2), (2, 2.5)):
        with pytest.raises(ValueError, match=rf"1 <= k1 <= k2, got k1={k1}, k2={k2}"):
            tbptt_chunks(x, y, params, k1, k2)
    with pytest.raises(ValueError, match=r"x: expected at least one time step, got shape "
                                         r"\(0, 2, 3\)"):
        tbptt_chunks(x[:0], y[:0], params, 3)
    with pytest.raises(ValueError, match=r"x: expected shape \(T, B, D=3\), got \(10, 2, 4\)"):
        tbptt_chunks(np.zeros((10, 2, 4)), y, params, 3)
    with pytest.raises(ValueError, match=r"y: expected leading shape \(T=10, B=2\), got \(9, 2\)"):
        tbptt_chunks(x, y[:9], params, 3)
    with pytest.raises(ValueError, match=r"h0: expected shape \(B=2, H=4\), got \(2, 5\)"):
        tbptt_chunks(x, y, params, 3, h0=np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"missing \['V'\]"):
        tbptt_chunks(x, y, {"W": params["W"], "U": params["U"]}, 3)


def test_canonical_case_equals_the_torch_training_loop():
    """k1 = k2: tbptt_train and rnnlib.training.train_tbptt (detach) take the same SGD steps."""
    from torch import nn

    from rnnlib.torch_cells import Recurrent, RNNCell
    from rnnlib.training import train_tbptt

    x, y, params, _ = _problem(T=11)
    B, K = y.shape[1], params["V"].shape[0]

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = Recurrent(RNNCell(3, 4).double())
            self.head = nn.Linear(4, K).double()

        def forward(self, xs, h):
            out, h = self.rnn(xs, h)
            return self.head(out), h

    model = Model()
    with torch.no_grad():
        names = {"rnn.cell.weight_ih": "W", "rnn.cell.weight_hh": "U", "rnn.cell.bias_ih": "b_h",
                 "head.weight": "V", "head.bias": "b_y"}
        for name, value in names.items():
            model.get_parameter(name).copy_(torch.tensor(params[value]))
        model.rnn.cell.bias_hh.zero_()
    model.rnn.cell.bias_hh.requires_grad_(False)   # one bias, as b_h (torch's two would both move)

    def loss_fn(z, t):                             # summed over time, mean over the batch
        return nn.functional.cross_entropy(z.reshape(-1, K), t.reshape(-1), reduction="sum") / B

    ref = train_tbptt(model, torch.tensor(x), torch.tensor(y), loss_fn,
                      torch.optim.SGD(model.parameters(), lr=0.1), k=4, progress=False)
    hist = tbptt_train(x, y, params, SGD(params, lr=0.1), k1=4)
    np.testing.assert_allclose(hist.losses, ref.losses, rtol=1e-12)
    np.testing.assert_allclose(hist.grad_norms, ref.grad_norms, rtol=1e-12)
    np.testing.assert_allclose(hist.h_last, ref.state.numpy(), rtol=1e-10)
    assert relative_error(params["U"], model.rnn.cell.weight_hh.detach().numpy()) < 1e-10
