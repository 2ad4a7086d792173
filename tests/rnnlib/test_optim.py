"""NumPy SGD (with momentum) and Adam take torch.optim's steps exactly (float64)."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.gradcheck import relative_error
from rnnlib.optim import SGD, Adam

SHAPES = {"W": (4, 3), "U": (4, 4), "b_h": (4,)}


def _run_both(make_ours, make_theirs, steps=6, seed=0):
    """Run both optimizers on the same parameters with the same gradient sequence."""
    rng = np.random.default_rng(seed)
    params = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    ours, theirs = make_ours(params), make_theirs(list(tparams.values()))
    for _ in range(steps):
        grads = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
        ours.step(grads)
        for k, p in tparams.items():
            p.grad = torch.tensor(grads[k])
        theirs.step()
    return params, {k: p.detach().numpy() for k, p in tparams.items()}


@pytest.mark.parametrize("kw", [
    {},
    {"momentum": 0.9},
    {"momentum": 0.9, "dampening": 0.3},
    {"momentum": 0.8, "nesterov": True},
    {"momentum": 0.5, "weight_decay": 0.01},
])
def test_sgd_matches_torch(kw):
    ours, theirs = _run_both(lambda p: SGD(p, lr=0.1, **kw),
                             lambda p: torch.optim.SGD(p, lr=0.1, **kw))
    for k in SHAPES:
        assert relative_error(ours[k], theirs[k]) < 1e-13


@pytest.mark.parametrize("kw", [
    {},
    {"lr": 0.01, "betas": (0.8, 0.99)},
    {"lr": 0.1, "eps": 1e-4, "weight_decay": 0.1},
])
def test_adam_matches_torch(kw):
    ours, theirs = _run_both(lambda p: Adam(p, **kw), lambda p: torch.optim.Adam(p, **kw), steps=8)
    for k in SHAPES:
        assert relative_error(ours[k], theirs[k]) < 1e-12


def test_updates_in_place_and_skips_missing_grads():
    W = np.ones((2, 2))
    b = np.ones(2)
    opt = SGD({"W": W, "b": b}, lr=0.5, momentum=0.9)
    opt.step({"W": np.ones((2, 2)), "b": None})
    np.testing.assert_array_equal(W, 0.5)
    np.testing.assert_array_equal(b, 1.0)
    assert "b" not in opt.state


def test_first_adam_step_moves_each_entry_by_lr():
    """With bias correction, the first step is lr * sign(g) (up to eps)."""
    p = {"w": np.zeros(5)}
    g = np.array([-3.0, -0.1, 0.2, 5.0, 1e-3])
    Adam(p, lr=0.01, eps=1e-12).step({"w": g})
    np.testing.assert_allclose(p["w"], -0.01 * np.sign(g), rtol=1e-6)


@given(steps=st.integers(1, 5), rows=st.integers(1, 4), cols=st.integers(1, 4),
       seed=st.integers(0, 100))
def test_descends_a_quadratic(steps, rows, cols, seed):
    """For L = ||p||^2 / 2 (gradient p), small steps shrink ||p||; shapes are preserved."""
    for cls, kw in ((SGD, {"lr": 0.1, "momentum": 0.5}), (Adam, {"lr": 1e-3})):
        p = {"w": np.random.default_rng(seed).standard_normal((rows, cols))}
        start = np.linalg.norm(p["w"])
        opt = cls(p, **kw)
        for _ in range(steps):
            opt.step({"w": p["w"].copy()})
        assert p["w"].shape == (rows, cols)
        assert np.linalg.norm(p["w"]) < start


def test_bad_input():
    with pytest.raises(ValueError, match="params: expected a dict"):
        SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="lr: expected a positive"):
        Adam({"w": np.ones(2)}, lr=0)
    opt = Adam({"w": np.ones((2, 3))})
    with pytest.raises(ValueError, match=r"grads\['w'\]: expected shape \(2, 3\), got \(3, 2\)"):
        opt.step({"w": np.ones((3, 2))})
    with pytest.raises(ValueError, match=r"names \['v'\] are not parameters"):
        opt.step({"v": np.ones(2)})
    with pytest.raises(ValueError, match="nesterov"):
        SGD({"w": np.ones(2)}, lr=0.1, nesterov=True)
