"""``Activation.forward_in_place``: the pictures' cheaper forward, equal to ``forward`` up
to rounding, overwriting its input where the function allows."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import activations


def values(n: int, dtype: str = "float32") -> np.ndarray:
    z = np.random.default_rng(0).normal(scale=4.0, size=n).astype(dtype)
    z[:4] = [np.nan, -np.inf, np.inf, -0.0]
    return z


@pytest.mark.parametrize("n", [10, 4096, 4096 * 3 + 17, 9216 * 16])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_in_place_is_relu_exactly_whatever_the_size(n, dtype):
    relu = activations.get("relu")
    z = values(n, dtype)
    expected = relu.forward(z)
    out = relu.forward_in_place(z)
    assert out is z
    np.testing.assert_array_equal(out, expected)  # NaN stays NaN, -inf becomes 0


def test_relu_in_place_on_a_strided_view_writes_only_that_view():
    relu = activations.get("relu")
    z = values(3 * 8192).reshape(-1, 3)
    before = z.copy()
    relu.forward_in_place(z[:, 1])
    np.testing.assert_array_equal(z[:, 1], np.maximum(before[:, 1], 0))
    np.testing.assert_array_equal(z[:, [0, 2]], before[:, [0, 2]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_in_place_is_the_sigmoid_to_rounding_and_saturates_cleanly(dtype):
    sigmoid = activations.get("sigmoid")
    z = values(10000, dtype)
    z[4:8] = [-1000.0, 1000.0, -88.0, 30.0]
    expected = sigmoid.forward(z)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no warning escapes
        out = sigmoid.forward_in_place(z)
    assert out is z and out.dtype == np.dtype(dtype)
    tolerance = 4 * np.finfo(dtype).eps
    np.testing.assert_allclose(out, expected, rtol=tolerance, atol=tolerance)
    assert np.isnan(out[0]) and out[1] == 0.0 and out[2] == 1.0 and out[4] == 0.0
    assert out[5] == 1.0


def test_the_other_activations_fall_back_to_forward():
    tanh = activations.get("tanh")
    z = values(100)
    np.testing.assert_array_equal(tanh.forward_in_place(z.copy()), tanh.forward(z))
    softmax = activations.get("softmax")
    rows = values(30, "float64")[4:].reshape(-1, 2)
    np.testing.assert_array_equal(softmax.forward_in_place(rows.copy()), softmax.forward(rows))
