"""Initializers: orthogonality, identity, Glorot's scales, and seeding by argument only."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.initializers import identity, orthogonal, xavier_normal, xavier_uniform

dims = st.integers(1, 9)


@given(m=dims, n=dims, gain=st.floats(0.1, 3), seed=st.integers(0, 1000))
def test_orthogonal_has_orthonormal_rows_or_columns(m, n, gain, seed):
    Q = orthogonal((m, n), gain=gain, rng=seed)
    assert Q.shape == (m, n) and Q.dtype == np.float64
    small = Q @ Q.T if m <= n else Q.T @ Q
    np.testing.assert_allclose(small, gain ** 2 * np.eye(min(m, n)), atol=1e-12)


def test_orthogonal_square_preserves_norms_over_many_steps():
    U = orthogonal((16, 16), rng=0)
    h = np.random.default_rng(1).standard_normal(16)
    for _ in range(200):
        h = U @ h
    assert np.linalg.norm(h) == pytest.approx(np.linalg.norm(
        np.random.default_rng(1).standard_normal(16)), rel=1e-10)


def test_orthogonal_blocks_per_gate():
    U = orthogonal((12, 3), rng=0, blocks=4)                 # an LSTM's (4H, H)
    for block in np.split(U, 4):
        np.testing.assert_allclose(block @ block.T, np.eye(3), atol=1e-12)
    assert not np.allclose(U[:3], U[3:6])


def test_orthogonal_is_uniform_over_signs():
    """The sign fix: diagonal entries of Q are not biased to one sign."""
    diag = np.array([np.diag(orthogonal((4, 4), rng=s)) for s in range(400)])
    assert abs((diag > 0).mean() - 0.5) < 0.1


def test_identity():
    np.testing.assert_array_equal(identity(3, scale=0.5), 0.5 * np.eye(3))
    assert identity(2, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("shape", [(64, 32), (200, 50)])
def test_xavier_scales_match_torch(shape):
    fan_out, fan_in = shape
    u = xavier_uniform(shape, gain=2.0, rng=0)
    bound = 2.0 * np.sqrt(6 / (fan_in + fan_out))
    assert u.shape == shape and np.abs(u).max() <= bound and np.abs(u).max() > 0.95 * bound
    n = xavier_normal(shape, gain=2.0, rng=0)
    std = 2.0 * np.sqrt(2 / (fan_in + fan_out))
    assert n.std() == pytest.approx(std, rel=0.1)
    t = torch.empty(shape, dtype=torch.float64)
    torch.manual_seed(0)
    torch.nn.init.xavier_uniform_(t, gain=2.0)
    assert u.std() == pytest.approx(t.std().item(), rel=0.1)   # same distribution, same scale


@pytest.mark.parametrize("init", [orthogonal, xavier_uniform, xavier_normal])
def test_seeded_by_argument(init):
    np.testing.assert_array_equal(init((5, 3), rng=7), init((5, 3), rng=7))
    assert not np.array_equal(init((5, 3), rng=7), init((5, 3), rng=8))
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(init((5, 3), rng=g1), init((5, 3), rng=g2))
    assert init((5, 3), dtype=np.float32).dtype == np.float32


def test_bad_shapes():
    with pytest.raises(ValueError, match=r"shape: expected a 2-d shape.*got \(3,\)"):
        orthogonal((3,))
    with pytest.raises(ValueError, match=r"got \(0, 2\)"):
        xavier_uniform((0, 2))
    with pytest.raises(ValueError, match="blocks: expected a divisor of shape\\[0\\]=5, got 2"):
        orthogonal((5, 5), blocks=2)
    with pytest.raises(ValueError, match="n: expected a positive size"):
        identity(0)
