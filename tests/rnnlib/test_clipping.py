"""Clipping by global norm and by value: the lectures' formula, torch's numbers, no mutation."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib.clipping import clip_by_global_norm, clip_by_value, global_norm


def _grads(seed, shapes=((3, 4), (4, 4), (4,))):
    rng = np.random.default_rng(seed)
    return {f"g{k}": rng.standard_normal(s) for k, s in enumerate(shapes)}


def test_global_norm_is_norm_of_concatenation():
    g = _grads(0)
    flat = np.concatenate([v.ravel() for v in g.values()])
    assert global_norm(g) == pytest.approx(np.linalg.norm(flat), rel=1e-14)
    assert global_norm(list(g.values()) + [None]) == pytest.approx(np.linalg.norm(flat), rel=1e-14)


def test_global_norm_of_float32_gradients_accumulates_in_float64():
    """Squares of float32 values are not float32 numbers, and 1e20 squared overflows float32."""
    g = np.random.default_rng(5).standard_normal(1000).astype(np.float32)
    exact = np.sqrt(np.sum(g.astype(np.float64) ** 2))
    assert global_norm([g]) == pytest.approx(exact, rel=1e-13)
    big = np.full(4, 1e20, np.float32)                      # its square overflows float32
    assert global_norm({"a": big}) == pytest.approx(2 * float(big[0]), rel=1e-13)
    assert isinstance(global_norm([g]), float)


@given(seed=st.integers(0, 1000), n=st.integers(1, 50), scale=st.floats(1e-3, 1e3))
def test_global_norm_equals_float64_norm_of_any_float32_gradients(seed, n, scale):
    g = (scale * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)
    h = np.random.default_rng(seed + 1).standard_normal((2, 3)).astype(np.float32)
    flat = np.concatenate([g.astype(np.float64), h.astype(np.float64).ravel()])
    assert global_norm([g, h]) == pytest.approx(np.sqrt(np.sum(flat ** 2)), rel=1e-13)


def test_clip_keeps_float32_gradients_float32():
    g = {k: v.astype(np.float32) for k, v in _grads(6).items()}
    clipped, norm = clip_by_global_norm(g, 1e-2)
    assert all(v.dtype == np.float32 for v in clipped.values())
    assert global_norm(clipped) == pytest.approx(1e-2, rel=1e-6)


def test_clip_rescales_to_threshold_and_keeps_direction():
    g = _grads(1)
    norm = global_norm(g)
    clipped, reported = clip_by_global_norm(g, norm / 3)
    assert reported == norm
    assert global_norm(clipped) == pytest.approx(norm / 3, rel=1e-12)
    for k in g:
        np.testing.assert_allclose(clipped[k], g[k] / 3, rtol=1e-12)


def test_below_threshold_unchanged_and_inputs_not_modified():
    g = _grads(2)
    before = {k: v.copy() for k, v in g.items()}
    clipped, _ = clip_by_global_norm(g, global_norm(g) * 2)
    for k in g:
        np.testing.assert_array_equal(clipped[k], before[k])
    clip_by_global_norm(g, 1e-3)
    clip_by_value(g, 1e-3)
    for k in g:
        np.testing.assert_array_equal(g[k], before[k])


@pytest.mark.parametrize("max_norm", [0.5, 2.0, 100.0])
def test_matches_torch_clip_grad_norm(max_norm):
    g = _grads(3)
    params = [torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for v in g.values()]
    for p, v in zip(params, g.values()):
        p.grad = torch.tensor(v)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    clipped, norm = clip_by_global_norm(list(g.values()), max_norm)
    assert norm == pytest.approx(total.item(), rel=1e-14)
    for p, c in zip(params, clipped):
        # torch divides by (norm + 1e-6): equal up to that epsilon
        np.testing.assert_allclose(c, p.grad.numpy(), rtol=1e-6)


def test_clip_by_value_matches_torch():
    g = _grads(4)
    params = [torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for v in g.values()]
    for p, v in zip(params, g.values()):
        p.grad = torch.tensor(v)
    torch.nn.utils.clip_grad_value_(params, 0.7)
    clipped = clip_by_value(tuple(g.values()), 0.7)
    assert isinstance(clipped, tuple)
    for p, c in zip(params, clipped):
        np.testing.assert_array_equal(c, p.grad.numpy())


@given(shapes=st.lists(st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple),
                       min_size=1, max_size=4),
       seed=st.integers(0, 1000), max_norm=st.floats(1e-3, 10))
def test_clipped_norm_never_exceeds_threshold(shapes, seed, max_norm):
    g = _grads(seed, shapes)
    clipped, norm = clip_by_global_norm(g, max_norm)
    assert global_norm(clipped) <= max_norm * (1 + 1e-12)
    assert global_norm(clipped) == pytest.approx(min(norm, max_norm), rel=1e-12)
    assert all(clipped[k].shape == g[k].shape for k in g)
    assert all(np.abs(v).max(initial=0) <= max_norm for v in clip_by_value(g, max_norm).values())


def test_none_entries_pass_through():
    """A missing bias (None) stays None, in both clippings, whether or not clipping acts."""
    g = list(_grads(7).values()) + [None]
    for max_norm in (1e-3, 1e3):
        clipped, _ = clip_by_global_norm(g, max_norm)
        assert clipped[-1] is None and all(c is not None for c in clipped[:-1])
    assert clip_by_value(tuple(g), 0.5)[-1] is None


def test_bad_input():
    with pytest.raises(ValueError, match="max_norm: expected a positive number, got 0"):
        clip_by_global_norm(_grads(0), 0)
    with pytest.raises(ValueError, match="clip_value"):
        clip_by_value(_grads(0), -1)
    with pytest.raises(ValueError, match="clip_value: expected a positive number, got 0"):
        clip_by_value(_grads(0), 0)
    with pytest.raises(ValueError, match="grads: expected a dict or a list/tuple of arrays, "
                                        "got ndarray"):
        global_norm(np.ones(3))
    with pytest.raises(ValueError, match=r"grads\['a'\]: expected a floating-point array"):
        global_norm({"a": np.ones(3, dtype=int)})
