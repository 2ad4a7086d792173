"""Embedding: lookup equals torch's, backward accumulates repeated ids, gradient check."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.embedding import embedding_backward, embedding_forward
from rnnlib.gradcheck import numerical_gradient, relative_error


def _setup(T=5, B=3, V=4, D=6, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, V, size=(T, B))           # V < T*B: ids repeat
    E = rng.standard_normal((V, D))
    dx = rng.standard_normal((T, B, D))
    return ids, E, dx


def test_gradient_check():
    ids, E, dx = _setup()
    x, cache = embedding_forward(ids, E)
    d_ids, dE = embedding_backward(dx, cache)
    assert d_ids is None
    num = numerical_gradient(lambda: embedding_forward(ids, E)[0], E, dx)
    assert relative_error(dE, num) < 1e-6


def test_repeated_ids_accumulate():
    E = np.zeros((3, 2))
    ids = np.array([[1], [1], [1]])
    _, cache = embedding_forward(ids, E)
    _, dE = embedding_backward(np.ones((3, 1, 2)), cache)
    np.testing.assert_array_equal(dE, [[0, 0], [3, 3], [0, 0]])


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_matches_torch(padding_idx):
    ids, E, dx = _setup()
    ids[0, 0] = 2
    x, cache = embedding_forward(ids, E, padding_idx=padding_idx)
    _, dE = embedding_backward(dx, cache)
    Et = torch.tensor(E, requires_grad=True)
    xt = torch.nn.functional.embedding(torch.tensor(ids), Et, padding_idx=padding_idx)
    (xt * torch.tensor(dx)).sum().backward()
    np.testing.assert_array_equal(x, xt.detach().numpy())
    np.testing.assert_allclose(dE, Et.grad.numpy(), rtol=1e-14, atol=1e-14)
    if padding_idx is not None:
        np.testing.assert_array_equal(dE[padding_idx], 0)


@given(T=st.integers(1, 5), B=st.integers(1, 4), V=st.integers(1, 6), D=st.integers(1, 4),
       seed=st.integers(0, 100))
def test_shapes_and_row_sums(T, B, V, D, seed):
    ids, E, dx = _setup(T, B, V, D, seed)
    x, cache = embedding_forward(ids, E)
    assert x.shape == (T, B, D)
    _, dE = embedding_backward(dx, cache)
    assert dE.shape == (V, D)
    np.testing.assert_allclose(dE.sum(axis=0), dx.sum(axis=(0, 1)), atol=1e-12)  # nothing lost
    x[...] = 0
    assert np.abs(E).sum() > 0                      # x is a copy, E untouched


def test_bad_input():
    E = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"ids: expected ids in \[0, V=4\), got range \[0, 4\]"):
        embedding_forward(np.array([[0, 4]]), E)
    with pytest.raises(ValueError, match="ids: expected an integer array"):
        embedding_forward(np.zeros((2, 2)), E)
    with pytest.raises(ValueError, match=r"E: expected a 2-d array"):
        embedding_forward(np.zeros((2, 2), dtype=int), np.zeros(3))
    _, cache = embedding_forward(np.zeros((2, 2), dtype=int), E)
    with pytest.raises(ValueError, match=r"dx: expected shape \(2, 2, 3\), got \(2, 2, 4\)"):
        embedding_backward(np.zeros((2, 2, 4)), cache)
