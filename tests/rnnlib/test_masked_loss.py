"""Masked softmax cross-entropy: torch's ignore_index mean, the unmasked loss, gradient check."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.gradcheck import numerical_gradient, relative_error
from rnnlib.losses import softmax_cross_entropy
from rnnlib.masked_loss import mask_from_lengths, masked_softmax_cross_entropy


def _setup(T=5, B=4, K=6, seed=0, lengths=(5, 3, 1, 4)):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((T, B, K))
    y = rng.integers(0, K, size=(T, B))
    mask = mask_from_lengths(np.array(lengths), T)
    return z, np.where(mask, y, -100), mask          # -100 at padding, as torch's ignore_index


def test_mask_from_lengths():
    np.testing.assert_array_equal(mask_from_lengths(np.array([2, 0, 3]), 3),
                                  [[1, 0, 1], [1, 0, 1], [0, 0, 1]])


@pytest.mark.parametrize("normalize", ["tokens", "sequences"])
def test_gradient_check(normalize):
    z, y, mask = _setup()
    loss, dz = masked_softmax_cross_entropy(z, y, mask, normalize)
    num = numerical_gradient(lambda: masked_softmax_cross_entropy(z, y, mask, normalize)[0], z)
    assert relative_error(dz, num) < 1e-6
    np.testing.assert_array_equal(dz[~mask], 0)


def test_tokens_matches_torch_ignore_index():
    z, y, mask = _setup()
    zt = torch.tensor(z, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(zt.reshape(-1, z.shape[-1]),
                                            torch.tensor(y).reshape(-1), ignore_index=-100)
    ref.backward()
    loss, dz = masked_softmax_cross_entropy(z, y, mask)
    assert loss == pytest.approx(ref.item(), rel=1e-13)
    assert relative_error(dz, zt.grad.numpy()) < 1e-12


def test_full_mask_equals_unmasked_loss():
    z, y, _ = _setup(lengths=(5, 5, 5, 5))
    mask = np.ones(y.shape, dtype=bool)
    loss, dz = masked_softmax_cross_entropy(z, y, mask, normalize="sequences")
    ref_loss, ref_dz = softmax_cross_entropy(z, y)
    assert loss == pytest.approx(ref_loss, rel=1e-14)
    np.testing.assert_allclose(dz, ref_dz, rtol=1e-14)


def test_padding_does_not_change_the_loss():
    """Adding padded steps (any logits, any labels) leaves loss and real gradients unchanged."""
    z, y, mask = _setup()
    loss, dz = masked_softmax_cross_entropy(z, y, mask)
    z2 = np.concatenate([z, 100 * np.ones((3,) + z.shape[1:])])
    y2 = np.concatenate([y, np.full((3, y.shape[1]), 7)])
    mask2 = np.concatenate([mask, np.zeros((3, y.shape[1]), dtype=bool)])
    loss2, dz2 = masked_softmax_cross_entropy(z2, y2, mask2)
    assert loss2 == pytest.approx(loss, rel=1e-14)
    np.testing.assert_array_equal(dz2[:5], dz)


def test_empty_mask_gives_zero():
    z, y, mask = _setup()
    loss, dz = masked_softmax_cross_entropy(z, y, np.zeros_like(mask))
    assert loss == 0.0 and not dz.any()


@given(T=st.integers(1, 5), B=st.integers(1, 4), K=st.integers(1, 5), seed=st.integers(0, 100),
       normalize=st.sampled_from(["tokens", "sequences"]))
def test_shapes_and_rows_sum_to_zero(T, B, K, seed, normalize):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, T + 1, size=B)
    z, y, mask = _setup(T, B, K, seed, lengths)
    loss, dz = masked_softmax_cross_entropy(z, y, mask, normalize)
    assert dz.shape == z.shape and loss >= 0
    np.testing.assert_allclose(dz.sum(axis=-1), 0, atol=1e-12)   # softmax minus one-hot


def test_bad_input():
    z, y, mask = _setup()
    with pytest.raises(ValueError, match=r"mask: expected a boolean array of shape \(T=5, B=4\), "
                                         r"got int64 array of shape \(5, 4\)"):
        masked_softmax_cross_entropy(z, y, mask.astype(np.int64))
    with pytest.raises(ValueError, match=r"y: expected integer labels of shape \(T=5, B=4\)"):
        masked_softmax_cross_entropy(z, y[:4], mask)
    with pytest.raises(ValueError, match=r"labels at real tokens must lie in \[0, K=6\)"):
        masked_softmax_cross_entropy(z, np.where(mask, 6, 0), mask)
    with pytest.raises(ValueError, match="normalize"):
        masked_softmax_cross_entropy(z, y, mask, "batch")
    with pytest.raises(ValueError, match=r"lengths: expected values in \[0, T=2\]"):
        mask_from_lengths(np.array([3]), 2)
