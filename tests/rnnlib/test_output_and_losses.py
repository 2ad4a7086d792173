"""rnnlib.output and rnnlib.losses: gradient checks, torch equality, bad input."""
import numpy as np
import pytest
import torch

from rnnlib.gradcheck import gradient_check, numerical_gradient, relative_error
from rnnlib.losses import mse_loss, softmax, softmax_cross_entropy
from rnnlib.output import output_backward, output_forward


@pytest.mark.parametrize("bias", [True, False])
def test_output_layer_gradients(bias):
    rng = np.random.default_rng(0)
    h, V = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 4))
    b_y = rng.standard_normal(5) if bias else None
    errors = gradient_check(output_forward, output_backward, [h, V, b_y])
    assert len(errors) == (3 if bias else 2)
    assert max(errors.values()) < 1e-6, errors


def test_softmax_cross_entropy_matches_torch_and_its_gradient():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((4, 3, 6)) * 3
    y = rng.integers(0, 6, size=(4, 3))
    loss, dz = softmax_cross_entropy(z, y)
    zt = torch.from_numpy(z).requires_grad_()
    # summed over time, averaged over the batch
    ref = torch.nn.functional.cross_entropy(zt.reshape(-1, 6), torch.from_numpy(y).reshape(-1),
                                            reduction="sum") / 3
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12
    assert relative_error(dz, zt.grad.numpy()) < 1e-12
    num = numerical_gradient(lambda: softmax_cross_entropy(z, y)[0], z)
    # absolute: the loss is ~10, so rounding limits the difference quotient to ~1e-9
    assert np.max(np.abs(dz - num)) < 1e-8


def test_softmax_is_stable_for_large_scores():
    p = softmax(np.array([1000.0, 1000.0, -1000.0]))
    np.testing.assert_allclose(p, [0.5, 0.5, 0.0])
    loss, _ = softmax_cross_entropy(np.array([[[1000.0, -1000.0]]]), np.array([[1]]))
    assert loss == pytest.approx(2000.0)


def test_mse_loss_and_gradient():
    rng = np.random.default_rng(2)
    y_hat, y = rng.standard_normal((3, 2, 2)), rng.standard_normal((3, 2, 2))
    loss, d = mse_loss(y_hat, y)
    assert loss == pytest.approx(((y_hat - y) ** 2).sum() / 2)
    assert relative_error(d, numerical_gradient(lambda: mse_loss(y_hat, y)[0], y_hat)) < 1e-7


@pytest.mark.parametrize("y, message", [
    (np.zeros((4, 2), dtype=int), r"y: expected integer labels of shape \(T=4, B=3\), got int64 "
                                  r"array of shape \(4, 2\)"),
    (np.full((4, 3), 6), r"labels must lie in \[0, K=6\), got range \[6, 6\]"),
    (np.zeros((4, 3)), r"expected integer labels"),
])
def test_cross_entropy_bad_labels(y, message):
    with pytest.raises(ValueError, match=message):
        softmax_cross_entropy(np.zeros((4, 3, 6)), y)


def test_output_layer_bad_shapes():
    with pytest.raises(ValueError, match=r"h: expected shape \(\.\.\., H=4\), got \(3, 2, 5\)"):
        output_forward(np.zeros((3, 2, 5)), np.zeros((6, 4)))
    with pytest.raises(ValueError, match=r"y: expected shape .*got \(3, 2, 1\)"):
        mse_loss(np.zeros((3, 2, 2)), np.zeros((3, 2, 1)))
