"""The generated long-memory tasks: seeds, shapes, and that the targets mean what they say."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from rnnlib.data import adding_problem, copy_task, parity
from rnnlib.data._common import disjoint_draws

LOADERS = [adding_problem, copy_task, parity]


def assert_same(a, b):
    for set_a, set_b in zip(a, b):
        for x, y in zip(set_a, set_b):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("loader", LOADERS)
def test_same_seed_same_data_other_seed_other_data(loader):
    assert_same(loader(20, 5, seed=3), loader(20, 5, seed=3))
    assert not np.array_equal(loader(20, 5, seed=3).train.x, loader(20, 5, seed=4).train.x)


@pytest.mark.parametrize("loader", LOADERS)
def test_a_generator_works_as_seed_and_global_state_is_untouched(loader):
    state = np.random.get_state()[1].copy()
    assert_same(loader(10, 2, seed=np.random.default_rng(7)), loader(10, 2, seed=7))
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("loader, sequences, others", [
    (adding_problem, ["x"], ["y"]), (copy_task, ["x", "y"], []), (parity, ["x"], ["y"]),
    (lambda *a, **k: parity(*a, running=True, **k), ["x", "y"], [])])
def test_batch_first_swaps_the_first_two_axes_of_sequences_only(loader, sequences, others):
    tm, bf = loader(6, 3, seed=1), loader(6, 3, seed=1, batch_first=True)
    for a, b in ((tm.train, bf.train), (tm.validation, bf.validation)):
        for name in sequences:
            np.testing.assert_array_equal(getattr(a, name).swapaxes(0, 1), getattr(b, name))
        for name in others:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@given(n=st.integers(1, 6), m=st.integers(0, 4), T=st.integers(2, 12))
def test_adding_problem_shapes_and_targets(n, m, T):
    data = adding_problem(n, m, length=T, seed=0)
    for part, size in ((data.train, n), (data.validation, m)):
        assert part.x.shape == (T, size, 2) and part.x.dtype == np.float64
        assert part.y.shape == (size, 1) and part.y.dtype == np.float64
        values, markers = part.x[..., 0], part.x[..., 1]
        assert np.all(markers.sum(axis=0) == 2)
        assert np.all(markers[: T // 2].sum(axis=0) == 1)         # one mark in each half
        for i in range(size):
            marked = np.flatnonzero(markers[:, i])
            assert part.y[i, 0] == pytest.approx(values[marked, i].sum(), abs=1e-15)
        assert np.all((values >= 0) & (values < 1))


def test_adding_problem_constant_baseline_is_about_one_sixth():
    y = adding_problem(20000, 0, length=10, seed=0).train.y
    assert ((y - 1.0) ** 2).mean() == pytest.approx(1 / 6, abs=0.01)


@given(n=st.integers(1, 5), m=st.integers(0, 4), L=st.integers(3, 5), delay=st.integers(1, 6),
       K=st.integers(3, 5))
def test_copy_task_target_repeats_the_symbols_after_the_delimiter(n, m, L, delay, K):
    data = copy_task(n, m, copy_length=L, delay=delay, n_symbols=K, seed=0)
    T = 2 * L + delay
    for part, size in ((data.train, n), (data.validation, m)):
        assert part.x.shape == part.y.shape == (T, size)
        assert part.x.dtype == part.y.dtype == np.int64
        np.testing.assert_array_equal(part.y[L + delay:], part.x[:L])
        assert np.all((part.x[:L] >= 1) & (part.x[:L] <= K))
        assert np.all(part.x[L + delay - 1] == K + 1)             # the delimiter
        assert np.all(np.delete(part.x, list(range(L)) + [L + delay - 1], axis=0) == 0)
        assert np.all(part.y[:L + delay] == 0)


def test_copy_task_validation_never_repeats_a_training_sequence():
    data = copy_task(30, 30, copy_length=3, n_symbols=4, delay=1, seed=0)  # 64 possible
    train = {tuple(c) for c in data.train.x[:3].T}
    assert not any(tuple(c) in train for c in data.validation.x[:3].T)


@given(n=st.integers(1, 6), m=st.integers(0, 4), T=st.integers(4, 12), seed=st.integers(0, 99))
def test_parity_labels(n, m, T, seed):
    final = parity(n, m, length=T, seed=seed)
    running = parity(n, m, length=T, seed=seed, running=True)
    for f, r, size in ((final.train, running.train, n), (final.validation, running.validation, m)):
        assert f.x.shape == (T, size, 1) and f.x.dtype == np.float64
        assert f.y.shape == (size,) and f.y.dtype == np.int64
        assert r.y.shape == (T, size) and r.y.dtype == np.int64
        bits = f.x[..., 0].astype(int)
        assert set(np.unique(bits)) <= {0, 1}
        np.testing.assert_array_equal(f.y, [sum(col) % 2 for col in bits.T])
        np.testing.assert_array_equal(r.y[-1], f.y)
        for t in range(1, T):                                      # y_t = y_{t-1} xor x_t
            np.testing.assert_array_equal(r.y[t], r.y[t - 1] ^ bits[t])


def test_parity_train_and_validation_are_disjoint():
    data = parity(40, 20, length=6, seed=0)                       # 64 strings exist
    train = {tuple(c) for c in data.train.x[..., 0].T}
    assert not any(tuple(c) in train for c in data.validation.x[..., 0].T)


@pytest.mark.parametrize("call, message", [
    (lambda: adding_problem(length=1), "length: expected an int >= 2, got 1"),
    (lambda: adding_problem(n_train=2.5), "n_train: expected an int >= 1"),
    (lambda: copy_task(delay=0), "delay: expected an int >= 1, got 0"),
    (lambda: parity(10, 10, length=4), r"expected n_train \+ n_validation <= 2\*\*length = 16"),
    (lambda: parity(seed="a"), "seed: expected an int or a numpy.random.Generator, got str"),
])
def test_bad_arguments_raise_value_error_naming_expected_and_actual(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_too_small_a_space_for_disjoint_sets_raises():
    def draw(rng, n):                                             # only one sequence exists
        return np.zeros((n, 3), dtype=np.int64)
    with pytest.raises(ValueError, match="task: could not draw 4 validation sequences"):
        disjoint_draws(np.random.default_rng(0), draw, 2, 4, "task")
