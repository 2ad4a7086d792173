"""rnnlib.gradcheck: the checker must catch a wrong gradient, not only pass a right one."""
import numpy as np
import pytest

from rnnlib.gradcheck import gradient_check, numerical_gradient, relative_error


def square_forward(x):
    return x ** 2, x


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(numerical_gradient(lambda: np.sum(x ** 3), x), 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored after perturbation


def test_gradient_check_passes_a_right_backward_and_fails_a_wrong_one():
    x = np.array([[0.5, -1.5], [2.0, 0.25]])
    right = gradient_check(square_forward, lambda d, x: (2 * x * d,), [x])
    wrong = gradient_check(square_forward, lambda d, x: (x * d,), [x])
    assert right[0] < 1e-8
    assert wrong[0] > 0.1


def test_relative_error():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0], [3.0]) == pytest.approx(0.5)
    assert relative_error(np.zeros(0), np.zeros(0)) == 0.0
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_rejects_integer_arrays():
    with pytest.raises(ValueError, match="floating-point"):
        numerical_gradient(lambda: 0.0, np.arange(3))
