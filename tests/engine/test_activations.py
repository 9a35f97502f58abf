import warnings

import numpy as np
import pytest

from nnviz.engine import activations
from nnviz.engine.activations import ACTIVATIONS

from .gradcheck import TOLERANCE, numerical_gradient, relative_difference

ELEMENTWISE = [name for name in ACTIVATIONS.names() if name != "softmax"]


def _points(name: str) -> np.ndarray:
    """Points away from kinks (relu, leaky_relu, elu have one at 0)."""
    z = np.linspace(-4.0, 4.0, 41)
    return z[np.abs(z) > 0.05]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(name):
    act = activations.get(name)
    z = _points(name)
    # f(z) = Σ g(z): its gradient is g'(z) elementwise
    g_num = numerical_gradient(lambda: float(act.forward(z).sum()), z)
    assert relative_difference(act.derivative(z), g_num) < TOLERANCE


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_backward_matches_finite_differences(name):
    act = activations.get(name)
    rng = np.random.default_rng(3)
    z = rng.normal(0, 2, (5, 4))
    z[np.abs(z) < 0.05] = 0.5
    weights = rng.normal(size=(5, 4))
    da = weights  # L = Σ w ⊙ g(z), so dL/da = w
    g_num = numerical_gradient(lambda: float(np.sum(weights * act.forward(z))), z)
    dz = act.backward(da, z, act.forward(z))
    assert relative_difference(dz, g_num) < TOLERANCE


def test_sigmoid_known_values():
    s = activations.get("sigmoid")
    value = s.forward(np.float32(2.0))
    assert value.dtype == np.float32
    assert value == pytest.approx(0.8807971, abs=1e-7)
    d = s.derivative(np.arange(-6, 7, dtype=np.float64))
    expected = np.exp(-np.abs(np.arange(-6, 7))) / (1 + np.exp(-np.abs(np.arange(-6, 7)))) ** 2
    np.testing.assert_allclose(d, expected, rtol=1e-12)
    assert d[0] == pytest.approx(0.00246651, abs=1e-8)
    assert d[6] == 0.25
    assert d[12] == pytest.approx(0.00246651, abs=1e-8)
    np.testing.assert_allclose(d, d[::-1], rtol=1e-12)


def test_lesson_perceptron():
    """w0 = 1, W = [3, -2], X = [-2, 2]: z = -9, ŷ = σ(-9) = 1.2339e-4."""
    w0, w, x = 1.0, np.array([3.0, -2.0]), np.array([-2.0, 2.0])
    z = w0 + w @ x
    assert z == -9.0
    y_hat = activations.get("sigmoid").forward(z)
    assert float(y_hat) == pytest.approx(1.2339457598623172e-4, rel=1e-12)
    assert float(y_hat) == pytest.approx(1.2339e-4, abs=5e-9)


def test_relu_derivative_at_zero_is_zero_like_keras_and_pytorch():
    z = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(activations.get("relu").derivative(z), [0, 0, 1])
    np.testing.assert_array_equal(activations.get("leaky_relu").derivative(z), [0.01, 0.01, 1])


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_accepts_any_float_array_and_keeps_float32(name):
    act = activations.get(name)
    for z in ([-1, 0, 2], np.arange(6).reshape(2, 3), 1.5):
        out, d = act.forward(z), act.derivative(z)
        assert out.dtype == np.float64 and d.dtype == np.float64
        assert out.shape == np.shape(z) and d.shape == np.shape(z)
    z32 = np.linspace(-3, 3, 8, dtype=np.float32).reshape(2, 4)
    assert act.forward(z32).dtype == np.float32
    assert act.derivative(z32).dtype == np.float32
    assert act.backward(np.ones_like(z32), z32, act.forward(z32)).dtype == np.float32


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_extreme_inputs_stay_finite_without_warnings(name):
    act = activations.get(name)
    z = np.array([[-1e4, -700.0, 0.0, 700.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = act.forward(z)
        d = act.derivative(z)
        # a diverged network hands the views NaN and inf: NaN comes back, no warning
        odd = act.forward(np.array([[np.nan, np.inf, -np.inf]]))
        act.derivative(np.array([[np.nan, np.inf, -np.inf]]))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(d))
    assert np.isnan(odd[0, 0])


def test_known_values_of_each_function():
    z = np.array([-2.0, 0.5, 3.0])
    get = activations.get
    np.testing.assert_allclose(get("tanh").forward(z), np.tanh(z))
    np.testing.assert_allclose(get("relu").forward(z), [0, 0.5, 3])
    np.testing.assert_allclose(get("leaky_relu").forward(z), [-0.02, 0.5, 3])
    np.testing.assert_allclose(get("elu").forward(z), [np.exp(-2) - 1, 0.5, 3])
    np.testing.assert_allclose(get("softplus").forward(z), np.log1p(np.exp(z)))
    np.testing.assert_allclose(get("silu").forward(z), z / (1 + np.exp(-z)))
    np.testing.assert_allclose(get("linear").forward(z), z)
    np.testing.assert_allclose(get("gelu").forward(np.array([1.0])), [0.8411919906], rtol=1e-9)
    s = get("softmax").forward(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]))
    np.testing.assert_allclose(s[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    np.testing.assert_allclose(s[1], [1 / 3] * 3)


def test_registry_names_aliases_and_objects():
    assert ACTIVATIONS.names() == [
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "elu",
        "softplus",
        "swish",
        "gelu",
        "linear",
        "softmax",
    ]
    assert activations.get("SiLU") is activations.get("swish")
    assert activations.get(None) is activations.get("linear")  # Keras' activation=None
    custom = activations.LeakyReLU(alpha=0.2)
    assert activations.get(custom) is custom
    assert ACTIVATIONS.name_of(custom) == "leaky_relu"
    with pytest.raises(ValueError, match="unknown activation 'rleu'; choose one of: sigmoid"):
        activations.get("rleu")
    with pytest.raises(ValueError, match="leaky_relu alpha"):
        activations.LeakyReLU(alpha=-1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_backward_is_exactly_one_minus_a_squared_times_da(dtype):
    """The 0-d constant it subtracts from is the value a Python 1 becomes: same bits."""
    rng = np.random.default_rng(5)
    a = np.tanh(rng.normal(0, 2, (16, 8))).astype(dtype)
    da = rng.normal(size=(16, 8)).astype(dtype)
    dz = activations.get("tanh").backward(da, a, a)
    assert dz.dtype == dtype
    np.testing.assert_array_equal(dz, (1 - a * a) * da)


def test_tanh_exp_form_is_tanh_within_a_few_ulp_of_one():
    """From TANH_EXP_FROM values per matrix on, tanh is 1 - 2 / (1 + e^2z)."""
    z = np.concatenate([np.linspace(-25, 25, 2001), [0.0, 1.0, -1.0, 700.0, -700.0, 1e4, -1e4]])
    assert z.size >= activations.TANH_EXP_FROM
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning for any input
        t = activations.get("tanh").forward(z)
        odd = activations.get("tanh").forward(np.full(200, np.nan))
    assert np.max(np.abs(t - np.tanh(z))) <= 4e-16
    assert t[2001] == 0.0 and t[2002] == pytest.approx(0.7615941559557649, abs=1e-15)
    assert t[2003] == pytest.approx(-0.7615941559557649, abs=1e-15)
    np.testing.assert_array_equal(t[2004:], [1, -1, 1, -1])
    np.testing.assert_array_equal(t[z >= 20], 1.0)
    assert np.all(np.isnan(odd))
    z32 = z.astype(np.float32)
    t32 = activations.get("tanh").forward(z32)
    assert t32.dtype == np.float32
    assert np.max(np.abs(t32 - np.tanh(z32))) <= 2e-7


def test_tanh_counts_values_per_matrix_so_stacked_models_compute_as_alone():
    """A race stacks its members' activations (models, n, units): each member's values
    must be, bit for bit, those it computes alone, on either side of TANH_EXP_FROM."""
    tanh = activations.get("tanh")
    rng = np.random.default_rng(7)
    for n in (10, 16):  # 80 values per member (np.tanh), 128 (the exp form)
        z = rng.normal(0, 2, (4, n, 8))
        stacked = tanh.forward(z)
        for member in range(4):
            np.testing.assert_array_equal(stacked[member], tanh.forward(z[member]))
    assert not np.array_equal(tanh.forward(z[0]), np.tanh(z[0]))  # 128: the exp form
    np.testing.assert_array_equal(tanh.forward(z[0, :10]), np.tanh(z[0, :10]))


@pytest.mark.parametrize("shape", [(5, 4), (16, 8)])
def test_tanh_gradients_match_finite_differences_on_both_forms(shape):
    tanh = activations.get("tanh")
    rng = np.random.default_rng(11)
    z = rng.normal(0, 1.5, shape)
    weights = rng.normal(size=shape)
    g_num = numerical_gradient(lambda: float(np.sum(weights * tanh.forward(z))), z)
    assert relative_difference(tanh.backward(weights, z, tanh.forward(z)), g_num) < TOLERANCE
    assert relative_difference(tanh.derivative(z) * weights, g_num) < TOLERANCE
